#!/bin/sh
# Scenarios 7-13 (issue 10, "trust"): no way around the forced change, no
# lock-out, with the real sudo, su and passwd.
#   7  sudo gating holds for an expired password (pam_unix new_authtok_reqd=done)
#      with a NOPASSWD rule; `check` reports the old, skippable layout
#   8  A -> B -> A through the real passwd: the change back is refused
#      (pam_pwhistory placed by the breachguard-history profile)
#   9  a real passwd whose change fails before our line records no rotation
#   10 passwd -d is no rotation: still enforced
#   11 root is never locked out: su - root with on_error = closed and a broken config
#   12 root running su - USER -c CMD for a flagged USER is not asked for USER's password
#   13 su under LC_ALL=tr_TR.UTF-8: an alias written in capitals still matches
#
# Nothing fixed is edited: sudo reads its PAM service from a throwaway sudoers.d
# rule (Defaults:USER pam_service=...); su and passwd, whose service names are
# fixed (util-linux su: su/su-l, shadow passwd: passwd), run in a private mount
# namespace (unshare -m) where a bind mount shows our stack in place of
# /etc/pam.d/su-l or /etc/pam.d/passwd, for that process tree only.
# Users are bgta_*; pam_pwhistory writes /etc/security/opasswd (it has no
# file= option in Debian 12): our users' lines are removed afterwards.
# usage: trust.sh MODULE TOOL
. "$(dirname "$0")/lib.sh"
e2e_init "trust" "$1" "$2"
render_stacks || { e2e_fail "rendering the PAM stacks failed"; exit 1; }

# The stacks again, with the history profile enabled too.
RH=$T/root-h
cp -a "$T/root" "$RH" || { e2e_fail "copying the root"; exit 1; }
cp "$POLICY_DIR/pam-configs/breachguard-history" "$RH/usr/share/pam-configs/" ||
	note "no breachguard-history profile in $POLICY_DIR (scenario 8 will say so)"
DEBCONF_DB_REPLACE="File{$T/debconf-h.dat}" DEBIAN_FRONTEND=noninteractive \
	pam-auth-update --root "$RH" --enable breachguard breachguard-history \
	>"$T/pam-auth-update-h.out" 2>&1
cleanup_add "rm -f /etc/pam.d/common-password-$ID-h"
sed "s#\([[:space:]]\)pam_breachguard\.so#\1$MODULE conf=$CONF#" \
	"$RH/etc/pam.d/common-password" >"/etc/pam.d/common-password-$ID-h"
chmod 0644 "/etc/pam.d/common-password-$ID-h"

# ta_user TAG: a throwaway user bgta_TAG<pid> with password $OLD_PW; sets U.
ta_user() {
	mkuser "$1" bgta_ || return 1
	cleanup_add "[ -f /etc/security/opasswd ] && sed -i '/^$U:/d' /etc/security/opasswd"
}
[ -e /etc/security/opasswd ] ||
	cleanup_add "[ -s /etc/security/opasswd ] || rm -f /etc/security/opasswd"

# The shared ns.sh: CMD in a private mount namespace where each fixed path
# DST shows the file SRC.
NS="unshare -m --propagation private sh $E2E_DIR/ns.sh"
AS() { # USER: the setpriv prefix that runs a command as USER
	echo "setpriv --reuid=$1 --regid=$(id -g "$1") --init-groups --reset-env"
}

# shellcheck disable=SC2034 # NAME is lib.sh's (e2e_pass, e2e_fail)
start() { NAME=$1; why=""; T0=$(date +%s); }
bad() { why="$why${why:+; }$1"; }
finish() {
	note "($(( $(date +%s) - T0 )) s)"
	if [ -z "$why" ]; then e2e_pass "$1"; else e2e_fail "$why"; fi
	for f in $SHOW; do show "$f" 12; done
	SHOW=""
}
SHOW=""

# --- 7: sudo gating with an expired password and a NOPASSWD rule ----------------------
start "7 sudo gating (action=deny) holds when pam_unix itself wants a change (chage -d 0), NOPASSWD rule"
ta_user g || { e2e_fail "useradd"; exit 1; }
flag "$U" || exit 1
chage -d 0 "$U"
svc=bgta-sudo-$$
for layout in new old; do
	f=/etc/pam.d/$svc-$layout
	cleanup_add "rm -f '$f'"
	if [ $layout = new ]; then
		src=$POLICY_DIR/pam.d/sudo-gating.example
	else # the layout shipped before: the deny line after the include
		printf '@include common-auth\n@include common-account\naccount required pam_breachguard.so action=deny\n' >"$T/sudo-old"
		src=$T/sudo-old
	fi
	sed -e "s/^@include[[:space:]]\{1,\}common-account[[:space:]]*$/@include common-account-$ID/" \
		-e "s#\([[:space:]]\)pam_breachguard\.so#\1$MODULE conf=$CONF#" "$src" >"$f"
	chmod 0644 "$f"
done
rule=/etc/sudoers.d/bgta-$$
cleanup_add "rm -f '$rule'"
for layout in new old; do
	printf 'Defaults:%s pam_service=%s-%s\n%s ALL=(root) NOPASSWD: /usr/bin/id\n' \
		"$U" "$svc" "$layout" "$U" >"$rule"
	chmod 0440 "$rule"
	visudo -cq -f "$rule" || bad "sudoers rule does not parse"
	# shellcheck disable=SC2046
	$(AS "$U") sudo -n /usr/bin/id -un >"$T/sudo-$layout.out" 2>&1
	rc=$?
	if [ $layout = new ]; then rc_new=$rc; else rc_old=$rc; fi
done
rm -f "$rule"
v=$(verdict "$U")
[ "$v" = enforce ] || bad "verdict $v, want enforce"
if [ "$rc_new" -eq 0 ] || grep -qx root "$T/sudo-new.out"; then
	bad "the shipped gating let an expired, flagged user through a NOPASSWD rule"
	SHOW="$SHOW $T/sudo-new.out"
fi
grep -q "PAM account management error: Permission denied" "$T/sudo-new.out" ||
	{ bad "sudo's refusal is not what README quotes"; SHOW="$SHOW $T/sudo-new.out"; }
# The old layout is bypassed (why the line moved), and check says so.
grep -qx root "$T/sudo-old.out" ||
	note "(the old layout was not bypassed here, rc=$rc_old: $(cat "$T/sudo-old.out"))"
# A key only the tool reads, given as a module argument, does nothing there: check says so.
f=/etc/pam.d/$svc-toolkey
cleanup_add "rm -f '$f'"
printf 'account required %s conf=%s trusted_keys=/etc/breachguard/fleet.pub\n' "$MODULE" "$CONF" >"$f"
chmod 0644 "$f"
"$TOOL" --config "$CONF" check >"$T/check.out" 2>&1
awk -v s="pam.d: $svc-toolkey line 1:" 'index($0, s) == 1 { getline; print }' "$T/check.out" |
	grep -q "warning: trusted_keys is read by the breachguard tool only; as a module argument it does nothing" ||
	{ bad "check does not warn that trusted_keys does nothing as a module argument"; SHOW="$SHOW $T/check.out"; }
grep -A1 "pam.d: $svc-new line" "$T/check.out" | grep -q "read by the breachguard tool only" &&
	{ bad "check warns of a tool-only key on a line without one"; SHOW="$SHOW $T/check.out"; }
grep "$svc-old" "$T/check.out" | grep -q "can be bypassed.*new_authtok_reqd" ||
	{ bad "check does not report the skippable gating line of $svc-old"; SHOW="$SHOW $T/check.out"; }
if grep "$svc-new" "$T/check.out" | grep -q "bypassed"; then
	bad "check reports the shipped layout as skippable"; SHOW="$SHOW $T/check.out"
fi
finish "NOPASSWD denied ($(head -n 1 "$T/sudo-new.out")); old layout: $(head -n 1 "$T/sudo-old.out")"

# --- 8: A -> B -> A through the real passwd ---------------------------------------------
start "8 passwd A -> B -> A: the change back to the exposed password is refused (pam_pwhistory)"
ta_user h || { e2e_fail "useradd"; exit 1; }
flag "$U" || exit 1
sed "s/^@include[[:space:]]\{1,\}common-password[[:space:]]*$/@include common-password-$ID-h/" \
	/etc/pam.d/passwd >"$T/passwd-h"
grep -q "pam_pwhistory.so" "/etc/pam.d/common-password-$ID-h" ||
	bad "the breachguard-history profile did not place pam_pwhistory: $(cat "/etc/pam.d/common-password-$ID-h")"
# shellcheck disable=SC2046
converse ab "$OLD_PW" "$NEW_PW" $NS "$T/passwd-h:/etc/pam.d/passwd" $(AS "$U") passwd
v1=$(verdict "$U")
# shellcheck disable=SC2046
converse ba "$NEW_PW" "$OLD_PW" $NS "$T/passwd-h:/etc/pam.d/passwd" $(AS "$U") passwd
says ab "password updated successfully" || { bad "A -> B failed"; SHOW="$SHOW $T/ab.txt"; }
[ "$v1" = rotated ] || bad "after A -> B: verdict $v1, want rotated"
if says ba "password updated successfully" || ! says ba "already used"; then
	bad "B -> A was not refused as already used"; SHOW="$SHOW $T/ba.txt"
fi
finish "B -> A: $(grep -m1 'already used' "$T/ba.txt")"

# --- 9: a failed change through the real passwd records nothing ----------------------------
start "9 passwd whose change fails (retype mismatch) before our line: no rotation recorded"
ta_user f || { e2e_fail "useradd"; exit 1; }
flag "$U" || exit 1
printf 'password required pam_unix.so obscure yescrypt\npassword required %s conf=%s\n' \
	"$MODULE" "$CONF" >"$T/passwd-fail"
export BG_RETYPE=Bg-e2e-Typo-3vQp8
# shellcheck disable=SC2046
converse fail "$OLD_PW" "$NEW_PW" $NS "$T/passwd-fail:/etc/pam.d/passwd" $(AS "$U") passwd
unset BG_RETYPE
v=$(verdict "$U")
says fail "do not match" || { bad "the change did not fail as planned"; SHOW="$SHOW $T/fail.txt"; }
[ "$v" = enforce ] || bad "verdict after the failed change: $v, want enforce"
finish

# --- 10: passwd -d is no rotation -----------------------------------------------------------
start "10 passwd -d: the empty password is no rotation; still enforced"
ta_user d || { e2e_fail "useradd"; exit 1; }
chage -d 2020-01-01 "$U" # the password predates the advisory
printf '%s@e2e.example\n' "$U" >"$T/adv-d.txt"
"$TOOL" --config "$CONF" import --name "bgta yesterday $U" --date "$(date -u -d yesterday +%F)" \
	"$T/adv-d.txt" >"$T/import-d.out" 2>&1 || bad "import: $(cat "$T/import-d.out")"
# One account phase (root's su -c true): the module records the fingerprint of
# the exposed hash, so a different hash afterwards would read as a change.
{ service_from su; echo "@include common-password-$ID"; } >"$T/su-l"
$NS "$T/su-l:/etc/pam.d/su-l" su - "$U" -c true </dev/null >"$T/su-fp.out" 2>&1
v0=$(verdict "$U")
passwd -q -d "$U" >/dev/null 2>&1 || bad "passwd -d failed"
v1=$(verdict "$U")
[ "$v0" = enforce ] && [ "$v1" = enforce ] || bad "verdict before=$v0 after passwd -d=$v1, want enforce both"
finish

# --- 11: root is never locked out by our errors -----------------------------------------------
start "11 su - root with on_error = closed and a config typo: allowed (others still denied)"
ta_user r || { e2e_fail "useradd"; exit 1; }
flag "$U" || exit 1
{ cat "$CONF"; echo "grace_days = 10x"; echo "on_error = closed"; } >"$T/broken.conf"
chmod 0644 "$T/broken.conf"
printf 'auth required pam_permit.so\naccount required %s conf=%s\n@include common-account-%s\nsession required pam_permit.so\n' \
	"$MODULE" "$T/broken.conf" "$ID" >"$T/su-broken"
# shellcheck disable=SC2046
$NS "$T/su-broken:/etc/pam.d/su-l" $(AS nobody) su - root -c 'echo BGTA_ROOT_OK' \
	</dev/null >"$T/su-root.out" 2>&1
rc_root=$?
# shellcheck disable=SC2046
$NS "$T/su-broken:/etc/pam.d/su-l" $(AS nobody) su - "$U" -c 'echo BGTA_USER_OK' \
	</dev/null >"$T/su-user.out" 2>&1
rc_user=$?
{ [ $rc_root -eq 0 ] && grep -q BGTA_ROOT_OK "$T/su-root.out"; } ||
	{ bad "su - root denied (rc=$rc_root)"; SHOW="$SHOW $T/su-root.out"; }
if [ $rc_user -eq 0 ] || grep -q BGTA_USER_OK "$T/su-user.out"; then
	bad "su - $U allowed with on_error = closed and a broken config"; SHOW="$SHOW $T/su-user.out"
fi
finish "root: rc=$rc_root; $U: $(head -n 1 "$T/su-user.out")"

# --- 12: root's su - USER -c CMD ---------------------------------------------------------------
start "12 root runs su - USER -c CMD for a flagged USER: runs (root_su = skip); root_su = enforce forces"
ta_user s || { e2e_fail "useradd"; exit 1; }
flag "$U" || exit 1
{ service_from su; echo "@include common-password-$ID"; } >"$T/su-l"
sed 's/^\(root_su\|on_error\) *=.*//' "$CONF" >"$T/enforce.conf"
echo "root_su = enforce" >>"$T/enforce.conf"
chmod 0644 "$T/enforce.conf"
cleanup_add "rm -f /etc/pam.d/bgta-acct-enf-$$"
sed "s#conf=$CONF#conf=$T/enforce.conf#" "/etc/pam.d/common-account-$ID" >"/etc/pam.d/bgta-acct-enf-$$"
sed "s/^@include common-account-$ID$/@include bgta-acct-enf-$$/" "$T/su-l" >"$T/su-l-enf"
$NS "$T/su-l:/etc/pam.d/su-l" su - "$U" -c 'echo BGTA_SVC_OK' </dev/null >"$T/su-svc.out" 2>&1
rc_skip=$?
$NS "$T/su-l-enf:/etc/pam.d/su-l" su - "$U" -c 'echo BGTA_SVC_OK' </dev/null >"$T/su-enf.out" 2>&1
rc_enf=$?
v=$(verdict "$U")
{ [ $rc_skip -eq 0 ] && grep -q BGTA_SVC_OK "$T/su-svc.out"; } ||
	{ bad "root's su - $U -c failed (rc=$rc_skip)"; SHOW="$SHOW $T/su-svc.out"; }
if [ $rc_enf -eq 0 ] || grep -q BGTA_SVC_OK "$T/su-enf.out"; then
	bad "root_su = enforce: not forced"; SHOW="$SHOW $T/su-enf.out"
fi
[ "$v" = enforce ] || bad "verdict $v, want enforce (root's su is no rotation)"
finish "enforce: $(head -n 1 "$T/su-enf.out")"

# --- 13: su under tr_TR.UTF-8 ------------------------------------------------------------------
start "13 su - USER under LC_ALL=tr_TR.UTF-8: an alias in capitals (IVAN...@EXAMPLE.ORG) still forces"
if ! locale -a 2>/dev/null | grep -qix 'tr_TR.utf8'; then
	# su is set-uid: LOCPATH is ignored, the locale must be the system's.
	localedef -i tr_TR -f UTF-8 tr_TR.UTF-8 >"$T/localedef.out" 2>&1 ||
		bad "localedef tr_TR.UTF-8: $(cat "$T/localedef.out")"
	cleanup_add "localedef --delete-from-archive tr_TR.utf8"
fi
ta_user t || { e2e_fail "useradd"; exit 1; }
up=$(printf '%s' "$U" | tr '[:lower:]' '[:upper:]')
printf 'IVAN.%s@EXAMPLE.ORG %s\n' "$up" "$U" >"$T/aliases"
chmod 0644 "$T/aliases"
sed '/^aliases *=/d' "$CONF" >"$T/tr.conf"
echo "aliases = $T/aliases" >>"$T/tr.conf"
chmod 0644 "$T/tr.conf"
printf 'ivan.%s@example.org\n' "$U" >"$T/adv-tr.txt"
"$TOOL" --config "$CONF" import --name "bgta Istanbul $U" --date "$(date -u +%F)" \
	"$T/adv-tr.txt" >"$T/import-tr.out" 2>&1 || bad "import: $(cat "$T/import-tr.out")"
cleanup_add "rm -f /etc/pam.d/bgta-acct-tr-$$"
sed "s#conf=$CONF#conf=$T/tr.conf#" "/etc/pam.d/common-account-$ID" >"/etc/pam.d/bgta-acct-tr-$$"
sed "s/^@include common-account-$ID$/@include bgta-acct-tr-$$/" "$T/su-l" >"$T/su-l-tr"
# LANGUAGE=en: the prompts stay English (converse.exp reads them); LC_CTYPE is Turkish.
# shellcheck disable=SC2046
converse tr "$OLD_PW" "$NEW_PW" $NS "$T/su-l-tr:/etc/pam.d/su-l" \
	env LC_ALL=tr_TR.UTF-8 LANG=tr_TR.UTF-8 LANGUAGE=en $(AS nobody) \
	env LC_ALL=tr_TR.UTF-8 LANG=tr_TR.UTF-8 LANGUAGE=en su - "$U"
if ! says tr "Your password must be changed now" || ! has tr asked-new; then
	bad "not forced under tr_TR.UTF-8 ($(tr '\n' ' ' <"$T/tr.out"))"; SHOW="$SHOW $T/tr.txt"
fi
finish
exit $E2E_FAILED

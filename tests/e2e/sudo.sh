#!/bin/sh
# Scenario 3 (issue 3): sudo gating with action=deny (policy/pam.d/sudo-gating.example,
# on top of the common-account that pam-auth-update renders with our profile):
# denied while the change is pending, for a password rule and for a NOPASSWD
# rule; allowed once the user has rotated (passwd, as the user).
# The PAM service is a throwaway /etc/pam.d/sudo-<id>, named by the sudoers.d
# rule (Defaults:USER pam_service=...); the rule is ours too.
# usage: sudo.sh MODULE TOOL
. "$(dirname "$0")/lib.sh"
e2e_init "3 sudo action=deny: denied while pending (also NOPASSWD), allowed after rotation" "$1" "$2"
render_stacks || { e2e_fail "rendering the PAM stacks failed"; exit 1; }
mkuser d || { e2e_fail "useradd"; exit 1; }
flag "$U" || exit 1
rule=/etc/sudoers.d/$U
cleanup_add "rm -f '$rule'"
# sudo 1.9 reads its PAM service from sudoers: this user's sudo runs our stack,
# /etc/pam.d/sudo is never touched.
printf 'Defaults:%s pam_service=sudo-%s\n%s ALL=(root) NOPASSWD: /usr/bin/id\n%s ALL=(root) PASSWD: /usr/bin/whoami\n' \
	"$U" "$ID" "$U" "$U" >"$rule"
chmod 0440 "$rule"
visudo -cq -f "$rule" || { e2e_fail "sudoers rule does not parse"; exit 1; }
cleanup_add "rm -f /etc/pam.d/sudo-$ID"
sed -e "s/^@include[[:space:]]\{1,\}common-account[[:space:]]*$/@include common-account-$ID/" \
	-e "s#\([[:space:]]\)pam_breachguard\.so#\1$MODULE conf=$CONF#" \
	"$POLICY_DIR/pam.d/sudo-gating.example" >"/etc/pam.d/sudo-$ID" ||
	{ e2e_fail "installing /etc/pam.d/sudo-$ID"; exit 1; }
chmod 0644 "/etc/pam.d/sudo-$ID"
AS_U="setpriv --reuid=$U --regid=$U --init-groups --reset-env"

# shellcheck disable=SC2086
$AS_U sudo -n /usr/bin/id -un >"$T/nopw1.out" 2>&1; rc1=$?
# shellcheck disable=SC2086
converse pw1 "$OLD_PW" "" $AS_U sudo -k /usr/bin/whoami
v0=$(verdict "$U")
# rotate: the user's own passwd (the machine's passwd stack, no module there:
# the module sees the new hash against the fingerprint it recorded)
# shellcheck disable=SC2086
converse rot "$OLD_PW" "$NEW_PW" $AS_U passwd
v1=$(verdict "$U")
# shellcheck disable=SC2086
$AS_U sudo -n /usr/bin/id -un >"$T/nopw2.out" 2>&1; rc2=$?
# shellcheck disable=SC2086
converse pw2 "$NEW_PW" "" $AS_U sudo -k /usr/bin/whoami

why=""
SHOW=""
show_later() { SHOW="$SHOW $1"; }
bad() { why="$why${why:+; }$1"; }
if [ $rc1 -eq 0 ] || grep -qx root "$T/nopw1.out"; then
	bad "NOPASSWD rule allowed while pending (rc=$rc1)"; show_later "$T/nopw1.out"
fi
if ! has pw1 asked-login || grep -qx root "$T/pw1.txt" || has pw1 asked-new; then
	bad "password rule while pending: not denied ($(tr '\n' ' ' <"$T/pw1.out"))"; show_later "$T/pw1.txt"
fi
if [ "$v0" != enforce ] || [ "$v1" != rotated ] || ! says rot "password updated successfully"; then
	bad "rotation: verdict before=$v0 (want enforce) after=$v1 (want rotated)"; show_later "$T/rot.txt"
fi
if [ $rc2 -ne 0 ] || ! grep -qx root "$T/nopw2.out"; then
	bad "NOPASSWD rule after rotation: rc=$rc2, want root"; show_later "$T/nopw2.out"
fi
if ! grep -qx root "$T/pw2.txt"; then
	bad "password rule after rotation: not allowed ($(tr '\n' ' ' <"$T/pw2.out"))"; show_later "$T/pw2.txt"
fi
if [ -z "$why" ]; then
	e2e_pass "pending: NOPASSWD rc=$rc1, password rule denied; after rotation: both allowed"
else
	e2e_fail "$why"
	for f in $SHOW; do show "$f" 10; done
fi
exit $E2E_FAILED

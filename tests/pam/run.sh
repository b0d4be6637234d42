#!/bin/sh
# tests/pam/run.sh BUILD: the PAM-stack tests.  Every scenario goes through the
# real libpam (pam_wrapper reads our generated service files), with pam_matrix
# as the password module, nss_wrapper for the users and a syslog capture
# (tests/pam/syslog_shim.c) for what the module logs.  Prints one line per
# scenario and "pamtest: N passed, N failed"; exits 1 on any failure, 2 when the
# tests cannot be set up.  BG_VALGRIND=1 runs every driver under valgrind;
# an ASan build of the module (make asan) is detected and libasan preloaded.
# BG_PAMTEST_KEEP=1 keeps the temporary directory (for a post-mortem).
set -u

BUILD=${1:-build}
case $BUILD in
/*) ;;
*) BUILD=$(pwd)/$BUILD ;;
esac
SRC=$(cd "$(dirname "$0")/../.." && pwd)
MODULE=$BUILD/pam_breachguard.so
TOOL=$BUILD/breachguard
DRIVER=$BUILD/tests/pam_driver
VALGRIND=${BG_VALGRIND:-0}
CC=${CC:-cc}

die() {
	echo "pamtest: $*" >&2
	echo "pamtest: 0 passed, 1 failed"
	exit 2
}

for f in "$MODULE" "$TOOL" "$DRIVER"; do
	[ -x "$f" ] || [ -f "$f" ] || die "$f is missing: run make first"
done

# --- the wrappers -------------------------------------------------------------
find_lib() { # NAME: the first of the usual library directories holding NAME
	for d in /usr/lib/*-linux-gnu /usr/lib64 /usr/lib /usr/local/lib; do
		[ -e "$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 1
}
PWRAP=$(find_lib libpam_wrapper.so) || die "libpam_wrapper.so not found (apt-get install libpam-wrapper)"
NWRAP=$(find_lib libnss_wrapper.so) || die "libnss_wrapper.so not found (apt-get install libnss-wrapper)"
MATRIX=$(find_lib pam_wrapper/pam_matrix.so) || die "pam_matrix.so not found (apt-get install libpam-wrapper)"
command -v timeout >/dev/null || die "timeout(1) not found"
if [ "$VALGRIND" = 1 ]; then
	command -v valgrind >/dev/null || die "valgrind not found (apt-get install valgrind)"
fi

# An ASan build: the runtime must come first in the initial library list.
ASAN_LIB=$(ldd "$MODULE" 2>/dev/null | awk '/libasan/ { print $3; exit }')
[ -n "$ASAN_LIB" ] && [ -f "$ASAN_LIB" ] || ASAN_LIB=""
[ -n "$ASAN_LIB" ] && [ "$VALGRIND" = 1 ] && die "valgrind cannot run an ASan build ($MODULE)"

# --- the sandbox ------------------------------------------------------------------
T=$(mktemp -d "${TMPDIR:-/tmp}/bg-pamtest.XXXXXX") || die "mktemp failed"
MARK=bgt-run-$(basename "$T")
cleanup() {
	# Every process this script starts runs in the foreground under timeout(1),
	# so none outlives it; what remains is files.  pam_wrapper copies the
	# service directory to /tmp/pam.?: remove the copies of ours (marked) whose
	# process is gone; pam_wrapper reaps any other stale one itself.
	for d in /tmp/pam.?; do
		[ -f "$d/$MARK" ] || continue
		p=$(cat "$d/pid" 2>/dev/null)
		[ -n "$p" ] && kill -0 "$p" 2>/dev/null && continue
		rm -rf "$d"
	done
	if [ "${BG_PAMTEST_KEEP:-0}" = 1 ]; then
		echo "pamtest: kept $T" >&2
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE
mkdir -p "$T/svc" "$T/out" "$BUILD/tests" || die "cannot make directories"
: >"$T/svc/$MARK"

# The syslog capture, built here (it is a preload object, not a test program).
SHIM=$BUILD/tests/syslog_shim.so
if ! $CC -D_GNU_SOURCE -DBG_SYSLOG_SHIM_SO -std=c11 -O2 -g -fPIC -shared \
	-Wall -Wextra -Wconversion -Wshadow -Wformat=2 -Wmissing-prototypes \
	-o "$SHIM.$$" "$SRC/tests/pam/syslog_shim.c" -ldl; then
	rm -f "$SHIM.$$"
	die "cannot build $SHIM"
fi
mv -f "$SHIM.$$" "$SHIM" || die "cannot install $SHIM"
# The Makefile builds the same source as a self-test program: the capture must
# work before any assertion relies on it.
if [ -x "$BUILD/tests/pam_syslog_shim" ]; then
	"$BUILD/tests/pam_syslog_shim" "$T/shim-selftest" >/dev/null ||
		die "the syslog capture self-test failed ($BUILD/tests/pam_syslog_shim)"
fi

PRELOAD=$PWRAP:$NWRAP:$SHIM
NSS_PRELOAD=$NWRAP
if [ -n "$ASAN_LIB" ]; then
	PRELOAD=$ASAN_LIB:$PRELOAD
	NSS_PRELOAD=$ASAN_LIB:$NSS_PRELOAD
	# pam_matrix leaks the two new-password copies when they differ (not ours).
	printf 'leak:pam_matrix.so\n' >"$T/lsan.supp"
	export LSAN_OPTIONS="suppressions=$T/lsan.supp:print_suppressions=0:exitcode=98"
	export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}abort_on_error=0:exitcode=98"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:-}${UBSAN_OPTIONS:+:}print_stacktrace=1:exitcode=98"
fi

TODAY=$(date -u +%Y-%m-%d)
ADV="Example Portal Breach"
ADV2="Forum Leak"
CONF=$T/bg.conf

# Users: uid >= 1000 unless said otherwise.
#   alice  in no advisory                   bob    in no advisory (flagged in 8)
#   carol  forced, changes her password     dave   forced, a change that fails
#   erin   the action and error scenarios   frank  a change with a wrong old password
#   gina   in the exempt group breakglass   oscar  in exempt_users
#   legacy uid 500                          heidi  matched through her GECOS address
#   ivan   matched through the aliases file judy   only in the second advisory
#   kim    changes her password voluntarily (passwd)
USERS="alice bob carol dave erin frank gina oscar legacy heidi ivan judy kim"
# The module reads shadow with getspnam_r, which nss_wrapper does not fake: a real
# account of the same name would change the verdicts.
for u in $USERS; do
	if getent shadow "$u" >/dev/null 2>&1; then
		echo "pamtest: warning: this host has a real account \"$u\"; its shadow entry may change results" >&2
	fi
done
cat >"$T/passwd" <<EOF
alice:x:1001:1001:Alice Liddell:/home/alice:/bin/sh
bob:x:1002:1002:Bob Builder:/home/bob:/bin/sh
carol:x:1003:1003:Carol Client:/home/carol:/bin/sh
dave:x:1004:1004:Dave Dev:/home/dave:/bin/sh
erin:x:1005:1005:Erin Example:/home/erin:/bin/sh
frank:x:1006:1006:Frank Forgetful:/home/frank:/bin/sh
gina:x:1007:1007:Gina Guard:/home/gina:/bin/sh
oscar:x:1008:1008:Oscar Ops:/home/oscar:/bin/sh
legacy:x:500:500:Legacy Service:/home/legacy:/bin/sh
heidi:x:1009:1009:Heidi Hopper,Room 4,,,heidi.hopper@example.org:/home/heidi:/bin/sh
ivan:x:1010:1010:Ivan:/home/ivan:/bin/sh
judy:x:1011:1011:Judy:/home/judy:/bin/sh
kim:x:1012:1012:Kim:/home/kim:/bin/sh
EOF
{
	awk -F: '{ printf "%s:x:%s:\n", $1, $4 }' "$T/passwd"
	echo "breakglass:x:2000:gina"
} >"$T/group"
cat >"$T/aliases" <<EOF
# address user
ivan.petrov@example.net ivan
someone@example.test nosuchuser
EOF

# The advisory, as such notices arrive: prose, display names, tags, mixed case.
cat >"$T/advisory.txt" <<'EOF'
Subject: Security notice - file-sharing portal incident

Dear customer,

we have to inform you that an unauthorised party obtained the e-mail addresses
of the following portal users; any re-used passwords should be changed:

  "Carol Client" <Carol+portal@Example.COM>,
  DAVE@EXAMPLE.COM; mailto:erin@example.com
  frank@example.com (contractor)
  gina@example.com, oscar@example.com, legacy@example.com
  <Heidi.Hopper@Example.org>
  IVAN.PETROV+lists@example.net
  Kim <kim@EXAMPLE.com>
  mallory@example.test   (not an account here)

Regards, the portal security team
EOF
cat >"$T/advisory2.txt" <<'EOF'
judy@example.com
Judy <JUDY+forum@example.com>
EOF

cat >"$CONF" <<EOF
# generated by tests/pam/run.sh
store = $T/store
key_file = $T/key
domains = example.com
aliases = $T/aliases
gecos_email = yes
exempt_users = root, oscar
exempt_groups = breakglass
min_uid = 1000
EOF
chmod 0644 "$CONF" "$T/aliases"

# --- commands ---------------------------------------------------------------------
bg() { # the tool, with the test users visible
	env LD_PRELOAD="$NSS_PRELOAD" NSS_WRAPPER_PASSWD="$T/passwd" NSS_WRAPPER_GROUP="$T/group" \
		timeout 60 "$TOOL" --config "$CONF" "$@"
}

# drv NAME DRIVER-ARGS...: runs the driver; transcript in $T/out/NAME.out, its
# stderr in .err, the captured syslog in .syslog; sets RC.
drv() {
	name=$1
	shift
	OUT=$T/out/$name.out
	ERR=$T/out/$name.err
	LOG=$T/out/$name.syslog
	: >"$LOG"
	set -- "$DRIVER" --keep "$MODULE" --keep "$MATRIX" "$@"
	tmo=60
	if [ "$VALGRIND" = 1 ]; then
		tmo=600
		set -- valgrind -q --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite,indirect \
			--show-leak-kinds=definite,indirect \
			--suppressions="$SRC/tests/pam/valgrind.supp" \
			--log-file="$T/out/$name.vg" "$@"
	fi
	# PAM_WRAPPER_USE_SYSLOG hands pam_syslog() to the real libpam, whose
	# vsyslog() the shim catches.  Deep binding is off for valgrind and ASan
	# (and harmless otherwise).
	env LD_PRELOAD="$PRELOAD" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/svc" \
		PAM_WRAPPER_USE_SYSLOG=1 PAM_WRAPPER_DISABLE_DEEPBIND=1 \
		NSS_WRAPPER_PASSWD="$T/passwd" NSS_WRAPPER_GROUP="$T/group" \
		BG_SYSLOG_FILE="$LOG" timeout "$tmo" "$@" >"$OUT" 2>"$ERR"
	RC=$?
	case $RC in
	0 | 1) ;;
	99) fail "$name: valgrind reported errors: $(head -c 3000 "$T/out/$name.vg")" ;;
	98) fail "$name: sanitizer report: $(head -c 3000 "$ERR")" ;;
	124) fail "$name: timed out (hang)" ;;
	*) fail "$name: driver exit $RC (crash?): $(head -c 600 "$ERR")" ;;
	esac
}

# mksvc NAME [MODULE-ARGS...]: a service with pam_matrix and the module in the
# account and password stacks, and its own pam_matrix passdb (pam_matrix lets a
# user in only for the service its passdb line names).
mksvc() {
	name=$1
	shift
	conf=${SVC_CONF:-$CONF}
	pdb=$T/passdb.$name
	for u in $USERS; do echo "$u:Old-$u-pw:$name"; done >"$pdb"
	cat >"$T/svc/$name" <<EOF
auth     required  $MATRIX passdb=$pdb
account  required  $MATRIX passdb=$pdb
account  required  $MODULE conf=$conf $*
password requisite $MATRIX passdb=$pdb
password required  $MODULE conf=$conf $*
session  required  $MATRIX passdb=$pdb
EOF
}

# --- assertions ---------------------------------------------------------------------
PASS=0
FAILN=0
CUR=""
WHY=""
begin() {
	CUR="$1	$2"
	WHY=""
}
fail() {
	WHY="$WHY
	- $*"
}
end() {
	if [ -z "$WHY" ]; then
		PASS=$((PASS + 1))
		printf 'ok    %s\n' "$CUR" | tr '\t' ' '
	else
		FAILN=$((FAILN + 1))
		printf 'FAIL  %s%s\n' "$CUR" "$WHY" | tr '\t' ' '
	fi
}
rc_is() { # EXPECTED: the driver's exit status (1: a PAM result differed)
	[ "$RC" = "$1" ] || fail "$name: driver exit $RC, expected $1: $(head -c 400 "$ERR")"
}
line() { # TEXT: an exact transcript line
	grep -Fxq -- "$1" "$OUT" || fail "$name: no line \"$1\" in: $(cat "$OUT")"
}
msg() { # TEXT: a conversation message (info or error) with exactly this text
	grep -Fxq -- "conv: info: $1" "$OUT" || grep -Fxq -- "conv: error: $1" "$OUT" ||
		fail "$name: no message \"$1\"; conversation: $(grep '^conv:' "$OUT")"
}
no_msg() { # no conversation message at all (prompts aside)
	if grep -Eq '^conv: (info|error):' "$OUT"; then
		fail "$name: unexpected message: $(grep -E '^conv: (info|error):' "$OUT")"
	fi
}
logged() { # LEVEL TEXT: a captured syslog line at LEVEL containing TEXT
	grep "^$1 " "$LOG" | grep -Fq -- "$2" ||
		fail "$name: no $1 syslog line with \"$2\"; syslog: $(cat "$LOG")"
}
not_logged() { # TEXT
	if grep -Fq -- "$1" "$LOG"; then fail "$name: syslog has \"$1\": $(cat "$LOG")"; fi
}
gone() { # PATH: the module must never create a store; remove it for the next check
	if [ -e "$1" ] || [ -L "$1" ]; then
		fail "$name: $1 was created (the module must not make a store)"
		rm -rf "$1"
	fi
}
flat() { tr -d ' \t\r\n' <"$1"; }
json_has() { # FILE FRAGMENT: FILE's JSON, whitespace removed, contains FRAGMENT
	f=$(printf '%s' "$2" | tr -d ' \t')
	flat "$1" | grep -Fq -- "$f" || fail "$(basename "$1"): no $2 in: $(cat "$1")"
}
status_is() { # USER VERDICT
	bg status --json "$1" >"$T/out/status.$1.json" 2>"$T/out/status.$1.err"
	st=$?
	[ "$st" = 0 ] || fail "breachguard status --json $1: exit $st: $(cat "$T/out/status.$1.err")"
	json_has "$T/out/status.$1.json" "\"user\":\"$1\""
	json_has "$T/out/status.$1.json" "\"verdict\":\"$2\""
}
count_ids() { # FILE: objects in an advisories --json array
	flat "$1" | grep -o '"id":' | wc -l | tr -d ' '
}

FORCE_MSG="Your password must be changed now: this account appears in the security advisory \"$ADV\" ($TODAY)."
DENY_MSG="Access denied: this account must change its password first (security advisory \"$ADV\" ($TODAY))."
WARN_MSG="Warning: this account appears in the security advisory \"$ADV\" ($TODAY); please change your password."

# --- setup: init, import, services -------------------------------------------------------
bg init >"$T/out/init.out" 2>&1 || die "breachguard init failed: $(cat "$T/out/init.out")"
bg import --name "$ADV" --date "$TODAY" --json "$T/advisory.txt" >"$T/out/import1.json" \
	2>"$T/out/import1.err" || die "breachguard import failed: $(cat "$T/out/import1.err")"
bg advisories --json >"$T/out/adv1.json" 2>&1 || die "breachguard advisories failed"

# A second key and its store (scenario 7: a store opened with another key).
sed -e "s|^store = .*|store = $T/store-k2|" -e "s|^key_file = .*|key_file = $T/key2|" \
	"$CONF" >"$T/bg-k2.conf"
chmod 0644 "$T/bg-k2.conf"
env LD_PRELOAD="$NSS_PRELOAD" timeout 60 "$TOOL" --config "$T/bg-k2.conf" init \
	>"$T/out/init2.out" 2>&1 || die "second breachguard init failed: $(cat "$T/out/init2.out")"

printf 'account required %s passdb=%s\n' "$MATRIX" "$T/passdb.none" >"$T/svc/other"
: >"$T/passdb.none"
mksvc bgt-force
mksvc bgt-deny action=deny
mksvc bgt-warn action=warn
mksvc bgt-audit action=audit
mksvc bgt-grace grace_days=7
mksvc bgt-nogecos gecos_email=no
# pam_matrix alone says no: the module must not turn that into a yes.
mksvc bgt-matrix-no
sed -i 's/:bgt-matrix-no$/:somewhere-else/' "$T/passdb.bgt-matrix-no"

echo "pamtest: module $MODULE$([ -n "$ASAN_LIB" ] && echo " (ASan)")$([ "$VALGRIND" = 1 ] && echo " under valgrind")"

# --- 1: an account in no advisory ----------------------------------------------------
begin 1a "account in no advisory: stack result unchanged (PAM_SUCCESS), no message"
drv s1a bgt-force alice account=PAM_SUCCESS
rc_is 0
no_msg
status_is alice clear
end

begin 1b "account in no advisory: a pam_matrix refusal stays a refusal"
drv s1b bgt-matrix-no alice account=PAM_PERM_DENIED
rc_is 0
no_msg
end

begin 1c "user unknown to NSS: the module answers PAM_IGNORE"
drv s1c --module "$MODULE" --arg "conf=$CONF" bgt-force nosuchuser sm-acct=PAM_IGNORE
rc_is 0
no_msg
end

begin 1d "password phase for an account in no advisory: PAM_IGNORE, nothing recorded"
drv s1d --module "$MODULE" --arg "conf=$CONF" bgt-force alice sm-prelim=PAM_IGNORE \
	sm-update=PAM_IGNORE
rc_is 0
not_logged "rotation recorded"
status_is alice clear
end

# --- 2: forced through domains, messy forms -------------------------------------------
begin 2a "exposed via domains (\"Name\" <Mixed+tag@Case>): PAM_NEW_AUTHTOK_REQD and the message"
drv s2a bgt-force carol account=PAM_NEW_AUTHTOK_REQD
rc_is 0
msg "$FORCE_MSG"
logged notice "forcing a password change for user=carol"
status_is carol enforce
json_has "$T/out/status.carol.json" "\"name\":\"$ADV\""
json_has "$T/out/status.carol.json" "\"date\":\"$TODAY\""
end

begin 2b "exposed via domains (UPPER CASE, mailto:): module result PAM_NEW_AUTHTOK_REQD"
drv s2b --module "$MODULE" --arg "conf=$CONF" bgt-force dave sm-acct=PAM_NEW_AUTHTOK_REQD
rc_is 0
msg "$FORCE_MSG"
drv s2b2 --module "$MODULE" --arg "conf=$CONF" bgt-force erin sm-acct=PAM_NEW_AUTHTOK_REQD
rc_is 0
end

begin 2c "PAM_SILENT (as sudo calls it): same result, no message"
drv s2c --silent bgt-force carol account=PAM_NEW_AUTHTOK_REQD
rc_is 0
no_msg
end

# --- 3: the forced change -----------------------------------------------------------------
begin 3a "forced change (PAM_CHANGE_EXPIRED_AUTHTOK) succeeds and records the rotation"
drv s3a --answer Old-carol-pw --answer 'N3w-carol-pw!' --answer 'N3w-carol-pw!' \
	bgt-force carol account=PAM_NEW_AUTHTOK_REQD chauthtok=PAM_SUCCESS
rc_is 0
msg "$FORCE_MSG"
line "conv: prompt-off: New Password :"
logged notice "rotation recorded for user=carol"
grep -q "^carol:N3w-carol-pw!:" "$T/passdb.bgt-force" || fail "pam_matrix did not store the new password"
end

begin 3b "after the change: the next account check passes with no message"
drv s3b bgt-force carol account=PAM_SUCCESS
rc_is 0
no_msg
not_logged "forcing a password change"
end

begin 3c "after the change: status --json says rotated"
status_is carol rotated
if flat "$T/out/status.carol.json" | grep -Fq '"rotated_at":null'; then
	fail "rotated_at is null: $(cat "$T/out/status.carol.json")"
fi
end

begin 3d "a voluntary change (pam_chauthtok without PAM_CHANGE_EXPIRED_AUTHTOK, as passwd) counts too"
drv s3d --answer Old-kim-pw --answer 'N3w-kim-pw' --answer 'N3w-kim-pw' \
	bgt-force kim chauthtok-all=PAM_SUCCESS account=PAM_SUCCESS
rc_is 0
logged notice "rotation recorded for user=kim"
status_is kim rotated
end

# --- 4: a change that fails records nothing ----------------------------------------------
begin 4a "change failing after PRELIM (mismatched retype): nothing recorded"
drv s4a --answer Old-dave-pw --answer 'N3w-dave-pw' --answer 'typo-dave-pw' \
	bgt-force dave account=PAM_NEW_AUTHTOK_REQD chauthtok=PAM_AUTHINFO_UNAVAIL
rc_is 0
msg "Passwords do not match"
not_logged "rotation recorded"
status_is dave enforce
drv s4a2 bgt-force dave account=PAM_NEW_AUTHTOK_REQD
rc_is 0
msg "$FORCE_MSG"
end

begin 4b "change failing in PRELIM (wrong old password): nothing recorded"
drv s4b --answer wrong-old --answer x --answer x \
	bgt-force frank account=PAM_NEW_AUTHTOK_REQD chauthtok=PAM_AUTH_ERR
rc_is 0
not_logged "rotation recorded"
status_is frank enforce
end

begin 4c "the module's PRELIM pass alone answers PAM_IGNORE and records nothing"
drv s4c --module "$MODULE" --arg "conf=$CONF" bgt-force dave sm-prelim=PAM_IGNORE
rc_is 0
not_logged "rotation recorded"
status_is dave enforce
end

# --- 5: the other actions and grace -----------------------------------------------------------
begin 5a "action=deny: PAM_PERM_DENIED, the deny message, a syslog line"
drv s5a bgt-deny erin account=PAM_PERM_DENIED
rc_is 0
msg "$DENY_MSG"
logged notice "denying user=erin"
drv s5a2 --module "$MODULE" --arg "conf=$CONF" --arg action=deny bgt-deny erin \
	sm-acct=PAM_PERM_DENIED
rc_is 0
end

begin 5b "action=warn: the stack passes (PAM_SUCCESS) with the warning and a syslog line"
drv s5b bgt-warn erin account=PAM_SUCCESS
rc_is 0
msg "$WARN_MSG"
logged notice "warned user=erin"
drv s5b2 --module "$MODULE" --arg "conf=$CONF" --arg action=warn bgt-warn erin \
	sm-acct=PAM_SUCCESS
rc_is 0
end

begin 5c "action=audit: module PAM_IGNORE, the stack passes, logged only"
drv s5c bgt-audit erin account=PAM_SUCCESS
rc_is 0
no_msg
logged notice "audit: user=erin verdict=enforce advisory \"$ADV\" ($TODAY) (no action taken)"
drv s5c2 --module "$MODULE" --arg "conf=$CONF" --arg action=audit bgt-audit erin \
	sm-acct=PAM_IGNORE
rc_is 0
no_msg
status_is erin enforce
end

begin 5d "grace_days=7 (module argument): PAM_SUCCESS with the grace message"
drv s5d bgt-grace erin account=PAM_SUCCESS
rc_is 0
g=$(sed -n 's/^conv: \(info\|error\): \(Your password must be changed within [0-9]* day(s): .*\)$/\2/p' "$OUT")
case $g in
"Your password must be changed within 7 day(s): this account appears in the security advisory \"$ADV\" ($TODAY)." | \
	"Your password must be changed within 6 day(s): this account appears in the security advisory \"$ADV\" ($TODAY).") ;;
*) fail "s5d: no grace message (6 or 7 days left); conversation: $(grep '^conv:' "$OUT")" ;;
esac
end

# --- 6: exemptions ---------------------------------------------------------------------------
for u in oscar:"exempt_users" gina:"exempt group (supplementary member of breakglass)" \
	legacy:"uid 500, below min_uid"; do
	user=${u%%:*}
	begin "6-$user" "${u#*:}: PAM_SUCCESS, no message, verdict exempt"
	drv "s6$user" bgt-force "$user" account=PAM_SUCCESS
	rc_is 0
	no_msg
	not_logged "forcing"
	status_is "$user" exempt
	end
done

# --- 7: store and key failures ---------------------------------------------------------------
cp -a "$T/store" "$T/store-corrupt"
for f in "$T/store-corrupt"/*.mdb; do
	yes 'not an lmdb page' | head -c 65536 >"$f"
done
cp -a "$T/store" "$T/store-gw" && chmod 0770 "$T/store-gw"
cp -a "$T/store" "$T/store-ww" && chmod 0707 "$T/store-ww"
ln -s "$T/store" "$T/store-link"
cp -a "$T/store" "$T/store-owner" && chown -R 65534 "$T/store-owner"
cp -a "$T/store" "$T/store-fw" && chmod 0666 "$T/store-fw/data.mdb"
cp -a "$T/key" "$T/key-gw" && chmod 0620 "$T/key-gw"
head -c 16 "$T/key" >"$T/key-short" && chmod 0600 "$T/key-short"
for c in "missing|store=$T/no-such-store|$T/no-such-store" \
	"corrupt|store=$T/store-corrupt|$T/store-corrupt" \
	"group-writable|store=$T/store-gw|$T/store-gw" \
	"world-writable|store=$T/store-ww|$T/store-ww" \
	"symlink|store=$T/store-link|$T/store-link" \
	"not-root-owned|store=$T/store-owner|$T/store-owner" \
	"data-file-world-writable|store=$T/store-fw|$T/store-fw" \
	"other-key|key_file=$T/key2|key" \
	"key-missing|key_file=$T/no-such-key|$T/no-such-key" \
	"key-group-writable|key_file=$T/key-gw|$T/key-gw" \
	"key-short|key_file=$T/key-short|$T/key-short"; do
	cause=${c%%|*}
	rest=${c#*|}
	arg=${rest%%|*}
	word=${rest#*|}
	mksvc "bgt-err-$cause-open" "$arg" on_error=open
	mksvc "bgt-err-$cause-closed" "$arg" on_error=closed

	begin "7-$cause-open" "$cause, on_error=open: the stack passes, module PAM_IGNORE, LOG_ERR"
	drv "s7$cause-open" "bgt-err-$cause-open" erin account=PAM_SUCCESS
	rc_is 0
	no_msg
	logged err "$word"
	gone "$T/no-such-store"
	drv "s7$cause-open-m" --module "$MODULE" --arg "conf=$CONF" --arg "$arg" \
		--arg on_error=open "bgt-err-$cause-open" erin sm-acct=PAM_IGNORE
	rc_is 0
	logged err "$word"
	gone "$T/no-such-store"
	end

	begin "7-$cause-closed" "$cause, on_error=closed: the account phase fails, LOG_ERR"
	drv "s7$cause-closed" "bgt-err-$cause-closed" erin account=PAM_PERM_DENIED
	rc_is 0
	logged err "$word"
	gone "$T/no-such-store"
	drv "s7$cause-closed-m" --module "$MODULE" --arg "conf=$CONF" --arg "$arg" \
		--arg on_error=closed "bgt-err-$cause-closed" erin sm-acct=PAM_PERM_DENIED
	rc_is 0
	logged err "$word"
	gone "$T/no-such-store"
	end
done

# --- 8: the tool: idempotent import, forget, flag -----------------------------------------------
begin 8a "re-import of the same advisory is idempotent"
bg import --name "$ADV" --date "$TODAY" --json "$T/advisory.txt" >"$T/out/import1b.json" \
	2>"$T/out/import1b.err" || fail "re-import failed: $(cat "$T/out/import1b.err")"
json_has "$T/out/import1b.json" '"new":0'
bg advisories --json >"$T/out/adv1b.json" 2>&1 || fail "advisories --json failed"
n1=$(count_ids "$T/out/adv1.json")
n1b=$(count_ids "$T/out/adv1b.json")
[ "$n1" = 1 ] || fail "advisories --json after one import: $n1 advisories: $(cat "$T/out/adv1.json")"
[ "$n1" = "$n1b" ] || fail "advisories count $n1 -> $n1b after re-import"
if [ "$(flat "$T/out/adv1.json")" != "$(flat "$T/out/adv1b.json")" ]; then
	fail "advisories --json changed: $(cat "$T/out/adv1.json") -> $(cat "$T/out/adv1b.json")"
fi
end

begin 8b "a second advisory forces judy; forget removes it and judy is clear"
bg import --name "$ADV2" --date "$TODAY" --json "$T/advisory2.txt" >"$T/out/import2.json" \
	2>"$T/out/import2.err" || fail "import of $ADV2 failed: $(cat "$T/out/import2.err")"
json_has "$T/out/import2.json" '"new":1'
json_has "$T/out/import2.json" '"duplicates":1'
drv s8b bgt-force judy account=PAM_NEW_AUTHTOK_REQD
rc_is 0
msg "Your password must be changed now: this account appears in the security advisory \"$ADV2\" ($TODAY)."
bg forget "$ADV2" >"$T/out/forget.out" 2>&1 || fail "forget failed: $(cat "$T/out/forget.out")"
drv s8b2 bgt-force judy account=PAM_SUCCESS
rc_is 0
no_msg
status_is judy clear
bg advisories --json >"$T/out/adv2.json" 2>&1
[ "$(count_ids "$T/out/adv2.json")" = 1 ] || fail "advisories after forget: $(cat "$T/out/adv2.json")"
end

begin 8c "flag USER forces a user in no advisory"
bg flag bob >"$T/out/flag.out" 2>&1 || fail "flag bob failed: $(cat "$T/out/flag.out")"
drv s8c bgt-force bob account=PAM_NEW_AUTHTOK_REQD
rc_is 0
status_is bob enforce
end

# --- 9: aliases and GECOS --------------------------------------------------------------------
begin 9a "aliases file (address user): ivan is forced"
drv s9a bgt-force ivan account=PAM_NEW_AUTHTOK_REQD
rc_is 0
msg "$FORCE_MSG"
status_is ivan enforce
end

# 9c before 9b: once matched (9b) the account stays enforced whatever the
# configuration or its GECOS field says later (issue 10 item 4, trust_b.sh 4a).
begin 9c "GECOS address with gecos_email=no (module argument): heidi passes"
drv s9c bgt-nogecos heidi account=PAM_SUCCESS
rc_is 0
no_msg
end

begin 9b "GECOS address (gecos_email=yes): heidi is forced"
drv s9b bgt-force heidi account=PAM_NEW_AUTHTOK_REQD
rc_is 0
msg "$FORCE_MSG"
status_is heidi enforce
end

# --- 10: configuration mistakes ---------------------------------------------------------------
mksvc bgt-unknown-arg no_such_option=1
begin 10a "an unknown module argument: a config error (LOG_ERR), on_error=open passes"
drv s10a bgt-unknown-arg dave account=PAM_SUCCESS
rc_is 0
logged err "no_such_option"
end

mksvc bgt-bad-number-open grace_days=10x on_error=open
mksvc bgt-bad-number-closed on_error=closed grace_days=10x
begin 10b "a malformed number (grace_days=10x): a config error, on_error=open passes, LOG_ERR"
drv s10b bgt-bad-number-open dave account=PAM_SUCCESS
rc_is 0
logged err "grace_days"
end
begin 10c "a malformed number (grace_days=10x) with on_error=closed: the account phase fails"
drv s10c bgt-bad-number-closed dave account=PAM_PERM_DENIED
rc_is 0
logged err "grace_days"
end

mksvc bgt-range grace_days=-1
begin 10d "an out-of-range number (grace_days=-1) is an error, not 4294967295 days"
drv s10d bgt-range dave account=PAM_SUCCESS
rc_is 0
logged err "grace_days"
no_msg
end

# A fail-closed site with a typo in its config: the typo must not turn
# on_error = closed into open, wherever the two lines stand.
{
	cat "$CONF"
	echo "grace_days = 10x"
	echo "on_error = closed"
} >"$T/bg-typo.conf"
chmod 0644 "$T/bg-typo.conf"
SVC_CONF=$T/bg-typo.conf mksvc bgt-typo-closed
SVC_CONF="" mksvc bgt-typo-closed-arg grace_days=10x on_error=closed
begin 10e "on_error = closed after a bad line in the config file: the account phase fails"
drv s10e bgt-typo-closed dave account=PAM_PERM_DENIED
rc_is 0
logged err "grace_days"
end
begin 10f "grace_days=10x on_error=closed (module arguments, typo first): the account phase fails"
drv s10f bgt-typo-closed-arg dave account=PAM_PERM_DENIED
rc_is 0
logged err "grace_days"
end

# --- 11-14: issue 10 (trust): failed changes, locale, break-glass, root's su ------------
# 11: a change that failed in a password module placed before ours, whose
# failure does not end the stack ("required"): the UPDATE pass still reaches
# the module, which must not record it.  (The users here have no shadow entry,
# like directory users: the module goes by the new password reaching it.)
mkstack() { # NAME: the service file from stdin, with the passdb for $USERS
	for u in $USERS; do echo "$u:Old-$u-pw:$1"; done >"$T/passdb.$1"
	cat >"$T/svc/$1"
}
PDB=$T/passdb.bgt-failfirst
mkstack bgt-failfirst <<EOF
auth     required  $MATRIX passdb=$PDB
account  required  $MATRIX passdb=$PDB
account  required  $MODULE conf=$CONF
password required  $MATRIX passdb=$PDB
password required  $MODULE conf=$CONF
EOF
begin 11a "a failed change (mismatched retype) before our \"required\" line: no rotation recorded"
drv s11a --answer Old-erin-pw --answer 'N3w-erin-pw' --answer 'typo-erin-pw' \
	bgt-failfirst erin account=PAM_NEW_AUTHTOK_REQD chauthtok=PAM_AUTHINFO_UNAVAIL
rc_is 0
not_logged "rotation recorded"
logged notice "no new password of user=erin reached the module"
status_is erin enforce
end

begin 11b "the same stack, a change that works: recorded"
drv s11b --answer Old-erin-pw --answer 'N3w-erin-pw' --answer 'N3w-erin-pw' \
	bgt-failfirst erin account=PAM_NEW_AUTHTOK_REQD chauthtok=PAM_SUCCESS
rc_is 0
logged notice "rotation recorded for user=erin"
status_is erin rotated
end

begin 11c "PRELIM then UPDATE with no new password set: PAM_IGNORE, nothing recorded"
drv s11c --module "$MODULE" --arg "conf=$CONF" bgt-force dave sm-prelim=PAM_IGNORE \
	sm-update=PAM_IGNORE
rc_is 0
not_logged "rotation recorded"
status_is dave enforce
end

# 12: the caller's locale.  su and passwd call setlocale(LC_ALL, ""): under
# tr_TR.UTF-8 tolower('I') is 'I'.  An alias written in capitals must still
# match the advisory (imported in the C locale).
mkdir -p "$T/locale"
if localedef -i tr_TR -f UTF-8 "$T/locale/tr_TR.UTF-8" >"$T/out/localedef.out" 2>&1; then
	echo "ilse:x:1013:1013:Ilse:/home/ilse:/bin/sh" >>"$T/passwd"
	echo "ilse:x:1013:" >>"$T/group"
	USERS="$USERS ilse"
	printf 'ILSE.IVANOVA@EXAMPLE.ORG ilse\n' >"$T/aliases-tr"
	chmod 0644 "$T/aliases-tr"
	sed "s|^aliases = .*|aliases = $T/aliases-tr|" "$CONF" >"$T/bg-tr.conf"
	chmod 0644 "$T/bg-tr.conf"
	printf 'ilse.ivanova@example.org\n' >"$T/advisory-tr.txt"
	bg import --name "Istanbul Incident" --date "$TODAY" "$T/advisory-tr.txt" \
		>"$T/out/import-tr.out" 2>&1 || echo "pamtest: import failed: $(cat "$T/out/import-tr.out")" >&2
	SVC_CONF=$T/bg-tr.conf mksvc bgt-tr
	for loc in C tr_TR.UTF-8; do
		begin "12-$loc" "alias ILSE.IVANOVA@EXAMPLE.ORG under LC_ALL=$loc (setlocale, as su): forced"
		LOCPATH=$T/locale LC_ALL=$loc LANG=$loc drv "s12$loc" --locale bgt-tr ilse \
			account=PAM_NEW_AUTHTOK_REQD
		rc_is 0
		msg "Your password must be changed now: this account appears in the security advisory \"Istanbul Incident\" ($TODAY)."
		end
	done
else
	begin 12 "tr_TR.UTF-8 locale"
	fail "localedef -i tr_TR -f UTF-8 failed (apt-get install locales): $(cat "$T/out/localedef.out")"
	end
fi

# 13: root is never locked out by our errors.  on_error = closed and a broken
# config, a missing config, a missing key: root (uid 0, whatever the config
# says) and exempt_users pass; anyone else is still denied.
echo "root:x:0:0:root:/root:/bin/sh" >>"$T/passwd"
USERS="$USERS root"
SVC_CONF=$T/bg-typo.conf mksvc bgt-bg-typo
SVC_CONF=$T/no-such.conf mksvc bgt-bg-noconf on_error=closed
# (root is exempt by exempt_users and min_uid, judged before the key: clear both)
mksvc bgt-bg-nokey "key_file=$T/no-such-key" on_error=closed exempt_users= min_uid=0
for svc in bgt-bg-typo bgt-bg-noconf bgt-bg-nokey; do
	begin "13-${svc#bgt-bg-}" "on_error=closed, ${svc#bgt-bg-}: root passes (module PAM_IGNORE), others denied"
	drv "s13$svc-root" "$svc" root account=PAM_SUCCESS
	rc_is 0
	logged err "not denying root, a break-glass account"
	drv "s13$svc-dave" "$svc" dave account=PAM_PERM_DENIED
	rc_is 0
	logged err "on_error=closed: denying dave"
	end
done
begin 13-direct "on_error=closed, missing config (module called directly): root PAM_IGNORE, erin PAM_PERM_DENIED"
drv s13direct --module "$MODULE" --arg "conf=$T/no-such.conf" --arg on_error=closed \
	bgt-bg-noconf root sm-acct=PAM_IGNORE
rc_is 0
drv s13direct2 --module "$MODULE" --arg "conf=$T/no-such.conf" --arg on_error=closed \
	bgt-bg-noconf erin sm-acct=PAM_PERM_DENIED
rc_is 0
end
begin 13-exempt "on_error=closed with a config typo: exempt_users (oscar) passes"
drv s13oscar bgt-bg-typo oscar account=PAM_SUCCESS
rc_is 0
logged err "not denying oscar, a break-glass account"
end

# 14: root running su for a flagged account (PAM_RUSER=root, real uid 0) is not
# made to change that account's password: root_su = skip (the default) logs it;
# root_su = enforce forces as before; a non-root caller is always forced.
mksvc bgt-rootsu-enforce root_su=enforce
mksvc bgt-rootsu-deny action=deny
if [ "$(id -u)" = 0 ]; then want=PAM_SUCCESS wantd=PAM_SUCCESS; else
	want=PAM_NEW_AUTHTOK_REQD wantd=PAM_PERM_DENIED; fi
begin 14a "PAM_RUSER=root, uid $(id -u), root_su=skip (default): $want"
drv s14a --ruser root bgt-force dave account="$want"
rc_is 0
if [ "$want" = PAM_SUCCESS ]; then
	logged notice "not forcing user=dave: invoked by root (root_su = skip)"
	no_msg
fi
drv s14a2 --ruser root --module "$MODULE" --arg "conf=$CONF" --arg action=deny \
	bgt-rootsu-deny dave sm-acct="$wantd"
rc_is 0
end
begin 14b "PAM_RUSER=root with root_su=enforce: forced"
drv s14b --ruser root bgt-rootsu-enforce dave account=PAM_NEW_AUTHTOK_REQD
rc_is 0
msg "$FORCE_MSG"
logged notice "enforcing anyway (root_su = enforce)"
end
begin 14c "PAM_RUSER=alice (not root): forced"
drv s14c --ruser alice bgt-force dave account=PAM_NEW_AUTHTOK_REQD
rc_is 0
msg "$FORCE_MSG"
not_logged "not forcing user=dave"
end

# Issue 10 (items 4, 7, 8, 9, 10, 14, 15, 16, 17): tests/pam/trust_b.sh.
. "$SRC/tests/pam/trust_b.sh"

echo "pamtest: $PASS passed, $FAILN failed"
[ "$FAILN" -eq 0 ]

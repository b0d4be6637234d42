#!/bin/sh
# Item 8, valgrind on the real stacks: common-account and common-password as
# Debian renders them with our pam-auth-update profile (policy/pam-configs/
# breachguard, Account-Type/Password-Type Additional: after pam_unix's block),
# real users (flagged F, clear C, unknown), and every error path (broken,
# corrupt, unsafe store; wrong key; missing or bad config; bad arguments;
# deny/warn/audit actions; a password change recorded, and one while a writer
# holds the store).  valgrind --leak-check=full: zero errors and zero definite
# or indirect leaks; suppressions (valgrind.supp) name only libc/libpam code.
. "$(dirname "$0")/lib.sh"
rel_init valgrind
command -v valgrind >/dev/null || { fail "valgrind not installed"; exit 1; }
export TMPDIR="$T"
mkservice other "account required pam_deny.so"
mkstore "$T/store" || exit 1
mkuser f && F=$U
mkuser c && C=$U
mkuser p && P=$U
[ -n "${P:-}" ] || exit 1
printf '%s@rel.example\n%s@rel.example\n' "$F" "$P" >"$T/f.txt"
bg import --name vg --date 2021-01-01 "$T/f.txt" >/dev/null 2>&1 || { fail "setup import"; exit 1; }
GOOD=$CONF

# Broken variants.
cp -a "$T/store" "$T/corrupt" && "$STORETOOL" schema "$T/corrupt" 2 && mkconf "$T/corrupt.conf" "$T/corrupt" "$T/store.key"
cp -a "$T/store" "$T/unsafe" && chown nobody "$T/unsafe/data.mdb" && mkconf "$T/unsafe.conf" "$T/unsafe" "$T/store.key"
head -c 32 /dev/urandom >"$T/other.key" && chmod 0600 "$T/other.key" && mkconf "$T/wrongkey.conf" "$T/store" "$T/other.key"
mkconf "$T/missing.conf" "$T/nostore" "$T/store.key"
# An unknown key is a config error (issue 10 item 10): on_error=open, the stack passes.
mkconf "$T/unknown.conf" "$T/store" "$T/store.key" "no_such_key = 1"
printf 'garbage without equals\n' >"$T/garbage.conf" && chmod 0644 "$T/garbage.conf"
cp -a "$T/store" "$T/trunc" && truncate -s 0 "$T/trunc/data.mdb" && mkconf "$T/trunc.conf" "$T/trunc" "$T/store.key"

# The profile's module lines, with our module and arguments.
profile_lines() { # BLOCK ARGS
	awk -v b="$1:" '$0 == b { on = 1; next } /^[A-Za-z-]+:/ { on = 0 } on && NF { print }' \
		"$SRC/policy/pam-configs/breachguard" | sed "s|pam_breachguard.so|$MODULE $2|"
}
account_stack() { # NAME ARGS
	{
		printf 'account\t[success=1 new_authtok_reqd=done default=ignore]\tpam_unix.so\n'
		printf 'account\trequisite\t\t\tpam_deny.so\n'
		printf 'account\trequired\t\t\tpam_permit.so\n'
		profile_lines Account "$2" | sed 's/^/account\t/'
	} >"$T/pam.d/$1"
}
password_stack() { # NAME ARGS
	{
		printf 'password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt\n'
		printf 'password\trequisite\t\t\tpam_deny.so\n'
		printf 'password\trequired\t\t\tpam_permit.so\n'
		profile_lines Password "$2" | sed 's/^/password\t/'
		# the account phase after the change, in the same handle
		printf 'account\t[success=1 new_authtok_reqd=done default=ignore]\tpam_unix.so\n'
		printf 'account\trequisite\t\t\tpam_deny.so\n'
		printf 'account\trequired\t\t\tpam_permit.so\n'
		profile_lines Account "$2" | sed 's/^/account\t/'
	} >"$T/pam.d/$1"
}
account_stack good "conf=$GOOD"
account_stack deny "conf=$GOOD action=deny"
account_stack warn "conf=$GOOD action=warn"
account_stack audit "conf=$GOOD action=audit audit=yes debug"
account_stack closed "conf=$T/corrupt.conf on_error=closed"
account_stack corrupt "conf=$T/corrupt.conf"
account_stack unsafe "conf=$T/unsafe.conf"
account_stack wrongkey "conf=$T/wrongkey.conf on_error=closed"
account_stack missing "conf=$T/missing.conf"
account_stack noconf "conf=$T/does-not-exist.conf on_error=closed"
account_stack unknown "conf=$T/unknown.conf"
account_stack garbage "conf=$T/garbage.conf"
account_stack badarg "conf=$GOOD grace_days=abc on_error=closed"
account_stack badarg2 "conf=$GOOD min_uid=-1 nonsense=1"
account_stack trunc "conf=$T/trunc.conf"
password_stack passwd "conf=$GOOD"

VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect --suppressions=$SRC/tests/reliability/valgrind.supp --num-callers=30"
# vg NAME CMD...: runs under valgrind; PASS/FAIL on its verdict.
vg() {
	_n=$1
	shift
	# shellcheck disable=SC2086
	$VG --log-file="$T/$_n.vg" "$@" >"$T/$_n.out" 2>&1
	_rc=$?
	if [ "$_rc" = 99 ]; then
		fail "$_n: valgrind errors or leaks: $(grep -v '^==[0-9]*== *$' "$T/$_n.vg" | head -n 30 | tr '\n' '|')"
		return 1
	fi
	return 0
}

# account phases, every path, in one process
set -- good:$F good:$C good:bgrel_nosuchuser deny:$F warn:$F audit:$F closed:$F corrupt:$F unsafe:$F \
	wrongkey:$F missing:$F noconf:$F unknown:$F garbage:$F badarg:$F badarg2:$F trunc:$F
if vg account "$PAMLOOP" -D "$T/pam.d" once "$@"; then
	res=$(grep -v '^msg:' "$T/account.out" | tr '\n' ' ')
	exp="good:$F PAM_NEW_AUTHTOK_REQD good:$C PAM_SUCCESS good:bgrel_nosuchuser PAM_AUTH_ERR deny:$F PAM_PERM_DENIED warn:$F PAM_SUCCESS audit:$F PAM_SUCCESS closed:$F PAM_PERM_DENIED corrupt:$F PAM_SUCCESS unsafe:$F PAM_SUCCESS wrongkey:$F PAM_PERM_DENIED missing:$F PAM_SUCCESS noconf:$F PAM_PERM_DENIED unknown:$F PAM_SUCCESS garbage:$F PAM_SUCCESS badarg:$F PAM_PERM_DENIED badarg2:$F PAM_SUCCESS trunc:$F PAM_SUCCESS "
	if [ "$res" = "$exp" ]; then
		pass "account phase, $# checks through common-account (flagged, clear, unknown user; deny, warn, audit; corrupt, unsafe, wrong key, missing store, missing/unknown/garbage config, bad arguments, truncated store): results as expected, valgrind clean"
	else
		fail "account phase results: got \"$res\", want \"$exp\""
	fi
fi

# password change of a flagged user: rotation recorded, then account is clear
if vg passwd "$PAMLOOP" -D "$T/pam.d" -s passwd -p 'Bg-rel-New-9zRw4x' chauthtok "$F"; then
	res=$(grep -v '^msg:' "$T/passwd.out" | tr '\n' ' ')
	st=$(bg status "$F" 2>&1)
	case "$res|$st" in
	"$F chauthtok PAM_SUCCESS $F account PAM_SUCCESS |"*rotated*)
		pass "password change through common-password: recorded (status: rotated), account then PAM_SUCCESS, valgrind clean" ;;
	*) fail "password change: \"$res\", status \"$st\"" ;;
	esac
fi

# password change while a writer holds the store: the module retries, gives up, logs; the change stands
flock "$T/store/writer.lock" sleep 4 &
fl=$!
cleanup_add "kill $fl"
sleep 0.3
if vg busy env BGREL_SYSLOG="$T/busy.log" "$PAMLOOP" -D "$T/pam.d" -s passwd -p 'Bg-rel-New-3pLm8y' chauthtok "$P"; then
	res=$(grep -v '^msg:' "$T/busy.out" | tr '\n' ' ')
	case $res in
	"$P chauthtok PAM_SUCCESS "*) pass "password change while a writer holds the store: the change succeeds ($(grep -m1 'rotation' "$T/busy.log" | cut -c1-100)), valgrind clean" ;;
	*) fail "password change while busy: \"$res\"" ;;
	esac
fi
wait "$fl" 2>/dev/null
rel_done

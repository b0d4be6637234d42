#!/bin/sh
# Scenario 6 (issue 3): a flagged account whose password is locked or absent
# (key-only: "usermod -p '*'", and "passwd -l") is not forced (verdict
# no-password) and not locked out: publickey logins, interactive and not, work.
# usage: locked.sh MODULE TOOL
. "$(dirname "$0")/lib.sh"
e2e_init "6 locked/key-only account: not forced, publickey login works" "$1" "$2"
render_stacks || { e2e_fail "rendering the PAM stacks failed"; exit 1; }
start_sshd no || exit 1
why=""
for how in star lock; do
	mkuser "$(echo $how | cut -c1)" || { e2e_fail "useradd"; exit 1; }
	case $how in
	star) usermod -p '*' "$U" ;;
	lock) passwd -q -l "$U" >/dev/null ;;
	esac
	userkey "$U" || { e2e_fail "user key"; exit 1; }
	flag "$U" || exit 1
	v0=$(verdict "$U")
	KEYOPTS="-i $T/$U.key -o IdentitiesOnly=yes -o PreferredAuthentications=publickey"
	# shellcheck disable=SC2086
	converse "l$how" "$OLD_PW" "" ssh $SSH_OPTS -p "$PORT" $KEYOPTS "$U@127.0.0.1"
	# shellcheck disable=SC2086
	timeout 30 ssh $SSH_OPTS -p "$PORT" -T -o BatchMode=yes $KEYOPTS "$U@127.0.0.1" \
		echo BGE2E_CMD_RAN >"$T/l$how.cmd" 2>&1 </dev/null
	rc=$?
	if [ "$v0" = no-password ] && has "l$how" shell && ! has "l$how" asked-new &&
		! says "l$how" expired && [ $rc -eq 0 ] && grep -q BGE2E_CMD_RAN "$T/l$how.cmd"; then
		note "$how: verdict no-password, interactive and command logins work"
	else
		why="$why${why:+; }$how: verdict=$v0 (want no-password), ssh cmd rc=$rc (want 0), markers: $(tr '\n' ' ' <"$T/l$how.out")"
		show "$T/l$how.txt" 10
		show "$T/l$how.cmd" 5
	fi
done
stop_sshd
if [ -z "$why" ]; then e2e_pass; else e2e_fail "$why"; fi
exit $E2E_FAILED

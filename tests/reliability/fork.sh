#!/bin/sh
# Item 7, fork safety.  As sshd does: pam_start in the parent, fork, the account
# phase and pam_end in the child, which then checks that no descriptor or mapping
# of the store is left (same descriptor count as before the call, nothing naming
# data.mdb, lock.mdb or writer.lock, nothing mapped) and execs "pamloop fdscan",
# which sees every inherited descriptor; the parent then runs its own account
# phase on the same handle.  Also: 500 checks in one process leave the
# descriptor count where it was.
. "$(dirname "$0")/lib.sh"
rel_init fork
mkservice other "account required pam_deny.so"
mkstore "$T/store" || exit 1
mkuser f && F=$U
mkuser c && C=$U
[ -n "${C:-}" ] || exit 1
echo "$F@rel.example" >"$T/f.txt"
bg import --name forked --date 2021-01-01 "$T/f.txt" >/dev/null 2>&1 || { fail "setup import"; exit 1; }
mkservice bgrel "account required $MODULE conf=$CONF on_error=closed"
for uw in "$F:PAM_NEW_AUTHTOK_REQD" "$C:PAM_SUCCESS"; do
	u=${uw%%:*} want=${uw#*:}
	"$PAMLOOP" -D "$T/pam.d" -e "$want" fork "$u" >"$T/fork.out" 2>&1
	rc=$?
	if [ "$rc" = 0 ] && grep -q "^fdscan: .* 0 naming a store file" "$T/fork.out"; then
		pass "pam_start, fork, account in the child ($want), exec: $(grep '^child' "$T/fork.out" | cut -c8-); exec'd child: $(grep '^fdscan' "$T/fork.out" | cut -c9-); parent continues"
	else
		fail "fork for $u: exit $rc: $(tr '\n' ' ' <"$T/fork.out")"
	fi
done
"$PAMLOOP" -D "$T/pam.d" -n 500 -r -e PAM_SUCCESS,PAM_NEW_AUTHTOK_REQD loop "$F" "$C" >"$T/loop.out" 2>&1
fd0=$(sed -n 's/^fds_start //p' "$T/loop.out")
fd1=$(sed -n 's/^fds_end //p' "$T/loop.out")
if [ -n "$fd0" ] && [ "$fd0" = "$fd1" ] && grep -q '^errors 0' "$T/loop.out"; then
	pass "500 checks in one process: open descriptors $fd0 before, $fd1 after"
else
	fail "descriptors across 500 checks: $fd0 -> $fd1: $(tr '\n' ' ' <"$T/loop.out")"
fi
rel_done

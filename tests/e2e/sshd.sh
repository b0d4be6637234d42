#!/bin/sh
# Scenario 1 (issue 3): a renamed sshd on loopback, its PAM stack rendered by
# pam-auth-update with the breachguard profile enabled.
#   1a KbdInteractiveAuthentication yes: in-band change, then a shell.
#   1b KbdInteractiveAuthentication no: "password has expired", passwd, disconnect;
#      the next login is clean.
#   1c publickey login of a flagged user: the same change through passwd.
#   1d non-interactive "ssh host cmd": "Password change required but no TTY available".
# usage: sshd.sh MODULE TOOL
. "$(dirname "$0")/lib.sh"
e2e_init sshd "$1" "$2"
render_stacks || { e2e_fail "rendering the PAM stacks failed"; exit 1; }

ssh_to() { # USER ARGS...: the ssh client command line for converse
	u=$1
	shift
	# shellcheck disable=SC2086
	echo ssh $SSH_OPTS -p "$PORT" "$@" "$u@127.0.0.1"
}

# --- 1a: keyboard-interactive, in band --------------------------------------
NAME="1a sshd KbdInteractiveAuthentication=yes: in-band change, then a shell"
start_sshd yes || exit 1
mkuser k || { e2e_fail "useradd"; exit 1; }
flag "$U" || exit 1
v0=$(verdict "$U")
# shellcheck disable=SC2046
converse s1a "$OLD_PW" "$NEW_PW" $(ssh_to "$U" -o PreferredAuthentications=keyboard-interactive)
v1=$(verdict "$U")
if [ "$v0" = enforce ] && has s1a asked-current && has s1a asked-new && has s1a shell &&
	says s1a "Your password must be changed now" && [ "$v1" = rotated ]; then
	e2e_pass
else
	e2e_fail "verdict before=$v0 (want enforce) after=$v1 (want rotated); markers: $(tr '\n' ' ' <"$T/s1a.out")"
	show "$T/s1a.txt"
fi
stop_sshd

# --- 1b, 1c, 1d: the Debian default (no keyboard-interactive) --------------------
start_sshd no || exit 1

NAME="1b sshd KbdInteractiveAuthentication=no: passwd, disconnect, next login clean"
mkuser p || { e2e_fail "useradd"; exit 1; }
flag "$U" || exit 1
# shellcheck disable=SC2046
converse s1b "$OLD_PW" "$NEW_PW" $(ssh_to "$U" -o PreferredAuthentications=password)
# shellcheck disable=SC2046
converse s1b2 "$NEW_PW" "" $(ssh_to "$U" -o PreferredAuthentications=password)
v1=$(verdict "$U")
if says s1b "Your password has expired" && has s1b asked-current && has s1b asked-new &&
	says s1b "password updated successfully" && ! has s1b shell &&
	has s1b2 shell && ! has s1b2 asked-new && ! says s1b2 "expired" && [ "$v1" = rotated ]; then
	e2e_pass
else
	e2e_fail "verdict after=$v1 (want rotated); first: $(tr '\n' ' ' <"$T/s1b.out") second: $(tr '\n' ' ' <"$T/s1b2.out")"
	show "$T/s1b.txt"
	show "$T/s1b2.txt" 10
fi

NAME="1c sshd publickey login of a flagged user leads to the change"
mkuser c || { e2e_fail "useradd"; exit 1; }
userkey "$U" || { e2e_fail "user key"; exit 1; }
flag "$U" || exit 1
KEYOPTS="-i $T/$U.key -o IdentitiesOnly=yes -o PreferredAuthentications=publickey"
# shellcheck disable=SC2046,SC2086
converse s1c "$OLD_PW" "$NEW_PW" $(ssh_to "$U" $KEYOPTS)
# shellcheck disable=SC2046,SC2086
converse s1c2 "$NEW_PW" "" $(ssh_to "$U" $KEYOPTS)
v1=$(verdict "$U")
if ! has s1c asked-login && says s1c "Your password has expired" && has s1c asked-current &&
	has s1c asked-new && ! has s1c shell && has s1c2 shell && ! says s1c2 expired &&
	[ "$v1" = rotated ]; then
	e2e_pass
else
	e2e_fail "verdict after=$v1 (want rotated); first: $(tr '\n' ' ' <"$T/s1c.out") second: $(tr '\n' ' ' <"$T/s1c2.out")"
	show "$T/s1c.txt"
	show "$T/s1c2.txt" 10
fi

NAME="1d non-interactive ssh of a flagged user: no TTY, refused (intended)"
mkuser n || { e2e_fail "useradd"; exit 1; }
userkey "$U" || { e2e_fail "user key"; exit 1; }
flag "$U" || exit 1
# shellcheck disable=SC2086
timeout 30 ssh $SSH_OPTS -p "$PORT" -T -o BatchMode=yes -i "$T/$U.key" -o IdentitiesOnly=yes \
	"$U@127.0.0.1" echo BGE2E_CMD_RAN >"$T/s1d.stdout" 2>"$T/s1d.stderr" </dev/null
rc=$?
v1=$(verdict "$U")
if [ $rc -ne 0 ] && ! grep -q BGE2E_CMD_RAN "$T/s1d.stdout" &&
	grep -q "Password change required but no TTY available" "$T/s1d.stderr" && [ "$v1" = enforce ]; then
	e2e_pass
else
	e2e_fail "ssh rc=$rc (want non-zero), verdict after=$v1 (want enforce)"
	show "$T/s1d.stdout" 5
	show "$T/s1d.stderr" 5
fi
stop_sshd
[ $E2E_FAILED = 0 ] || { note "sshd log:"; show "$T/sshd.log" 30; }
exit $E2E_FAILED

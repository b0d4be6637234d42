#!/bin/sh
# Scenario 2 (issue 3): "su - USER" (util-linux, PAM service su-l) from an
# unprivileged user to a flagged user: the forced change, then the shell.
# su-l is a fixed path: su sees our stack there through a private bind mount
# (lib.sh replace_fixed); the real file is not touched.
# usage: su.sh MODULE TOOL
. "$(dirname "$0")/lib.sh"
e2e_init "2 su - to a flagged user: forced change, then the shell" "$1" "$2"
render_stacks || { e2e_fail "rendering the PAM stacks failed"; exit 1; }
mkuser s || { e2e_fail "useradd"; exit 1; }
flag "$U" || exit 1
# /etc/pam.d/su with our includes; su has no password section of its own (libpam
# falls back to "other"), so name common-password explicitly, as "other" would.
{ service_from su; echo "@include common-password-$ID"; echo "session optional pam_keyinit.so force revoke"; } >"$T/su-l"
replace_fixed su-l "$T/su-l" || { e2e_fail "installing /etc/pam.d/su-l"; exit 1; }
v0=$(verdict "$U")
# The caller's own limits: with few descriptors (a soft limit, raised again by
# the shell it wants) the module cannot open the store; on_error=open must not
# let the flagged user in unchanged through a setuid su (caller_starved).  The
# plain su service with a small stack (libpam itself then needs fewer
# descriptors than the module), from too few for libpam up to enough for the
# forced change: never a shell, and at least one limit where the password was
# taken and su refused.
{
	printf 'auth\trequired\tpam_unix.so\naccount\trequired\tpam_unix.so\n'
	printf 'account\trequired\t%s conf=%s\n' "$MODULE" "$CONF"
	printf 'password\trequired\tpam_unix.so\nsession\trequired\tpam_permit.so\n'
} >"$T/su"
replace_fixed su "$T/su" || { e2e_fail "installing /etc/pam.d/su"; exit 1; }
starved=no bypass=""
for n in 5 6 7 8 9 10 11 12 13 14 16 20; do
	BG_NEW="" converse su-starved "$OLD_PW" "" setpriv --reuid=65534 --regid=65534 --clear-groups \
		sh -c "ulimit -Sn $n; exec su $U -c 'ulimit -Sn 1024; exec sh -i'"
	has su-starved shell && bypass="$bypass $n"
	has su-starved asked-login && ! has su-starved asked-new && says su-starved "Permission denied" &&
		starved=yes
	has su-starved asked-new && break
done
vs=$(verdict "$U")
if [ -z "$bypass" ] && [ "$starved" = yes ] && [ "$vs" = enforce ]; then
	e2e_pass "out of file descriptors (ulimit -n up to $n): refused, never let in unchanged"
else
	e2e_fail "out of file descriptors: a shell at ulimit -n:${bypass:- none}; refused after the password: $starved; verdict after=$vs (want enforce)"
	show "$T/su-starved.txt"
fi
converse su "$OLD_PW" "$NEW_PW" setpriv --reuid=65534 --regid=65534 --clear-groups su - "$U"
v1=$(verdict "$U")
forced_change su "$v0" "$v1"
exit $E2E_FAILED

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
converse su "$OLD_PW" "$NEW_PW" setpriv --reuid=65534 --regid=65534 --clear-groups su - "$U"
v1=$(verdict "$U")
forced_change su "$v0" "$v1"
exit $E2E_FAILED

#!/bin/sh
# Scenario 4 (issue 3): login(1) on a pty with the real password (no -f): the
# forced change, then the shell.  /etc/pam.d/login is a fixed path: login sees
# our stack there through a private bind mount (lib.sh replace_fixed).
# usage: login.sh MODULE TOOL
. "$(dirname "$0")/lib.sh"
e2e_init "4 login on a pty: forced change, then the shell" "$1" "$2"
render_stacks || { e2e_fail "rendering the PAM stacks failed"; exit 1; }
mkuser l || { e2e_fail "useradd"; exit 1; }
flag "$U" || exit 1
service_from login >"$T/login" && replace_fixed login "$T/login" || { e2e_fail "installing /etc/pam.d/login"; exit 1; }
v0=$(verdict "$U")
converse login "$OLD_PW" "$NEW_PW" login "$U"
v1=$(verdict "$U")
forced_change login "$v0" "$v1"
exit $E2E_FAILED

#!/bin/sh
# Scenario 5 (issue 3): passwd(1) run by the flagged user, through the
# common-password stack pam-auth-update renders with our profile, records the
# rotation: breachguard status says rotated, with the time.  No login happens
# first, so no fingerprint exists: only the password phase can clear the flag.
# /etc/pam.d/passwd is a fixed path: passwd sees our stack there through a
# private bind mount (lib.sh replace_fixed); the real file is not touched.
# usage: passwd.sh MODULE TOOL
. "$(dirname "$0")/lib.sh"
e2e_init "5 passwd by the user clears the flag; status shows rotated with the time" "$1" "$2"
render_stacks || { e2e_fail "rendering the PAM stacks failed"; exit 1; }
mkuser w || { e2e_fail "useradd"; exit 1; }
flag "$U" || exit 1
service_from passwd >"$T/passwd" && replace_fixed passwd "$T/passwd" || { e2e_fail "installing /etc/pam.d/passwd"; exit 1; }
v0=$(verdict "$U")
converse passwd "$OLD_PW" "$NEW_PW" setpriv --reuid="$U" --regid="$U" --init-groups --reset-env passwd
v1=$(verdict "$U")
"$TOOL" --config "$CONF" status "$U" >"$T/status.txt" 2>&1
"$TOOL" --config "$CONF" status --json "$U" >"$T/status.json" 2>&1
today=$(date -u +%Y-%m-%d)
if [ "$v0" = enforce ] && has passwd asked-current && has passwd asked-new &&
	says passwd "password updated successfully" && [ "$v1" = rotated ] &&
	grep -q '"rotated_at" *: *"[0-9]' "$T/status.json" && grep -q rotated "$T/status.txt" &&
	grep -q "$today" "$T/status.txt"; then
	e2e_pass
else
	e2e_fail "verdict before=$v0 (want enforce) after=$v1 (want rotated, rotated_at set, and a time in the text)"
	show "$T/passwd.txt" 10
	show "$T/status.txt" 10
	show "$T/status.json" 5
fi
exit $E2E_FAILED

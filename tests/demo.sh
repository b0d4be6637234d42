#!/bin/sh
# tests/demo.sh BUILD: the pam_breachguard story, told in a sandbox.  A breach
# advisory arrives, the administrator imports it, alice is made to change her
# password at her next login, changes it, and is let in cleanly afterwards.
# Nothing outside a temporary directory is changed: the users are faked with
# nss_wrapper, the PAM stack is read from the sandbox by pam_wrapper, and
# pam_matrix stands in for pam_unix (its password file lives in the sandbox).
set -u

SRC=$(cd "$(dirname "$0")/.." && pwd)
ADVISORY=$SRC/tests/fixtures/demo/advisory.txt

die() {
	echo "demo: $*" >&2
	exit 1
}
# shellcheck source=SCRIPTDIR/pam/sandbox.sh
. "$SRC/tests/pam/sandbox.sh"
sb_init "${1:-build}" bg-demo

# The demo's PAM client (the PAM-stack test driver) and syslog capture, built
# into the sandbox: make demo does not build the test programs.
$CC -D_GNU_SOURCE -std=c11 -O2 -o "$T/pam_driver" "$SRC/tests/pam/driver.c" \
	-lpamtest -lpam || die "cannot build the PAM driver (is libpamtest0-dev installed?)"
sb_shim "$T/syslog_shim.so"

say() { # a paragraph of narration
	printf '\n'
	printf '%s\n' "$@" | fold -s -w 78
}
step() {
	printf '\n=== %s ===\n' "$*"
}
show_cmd() { # the command line as an administrator would type it
	printf '\n#'
	for a in "$@"; do
		case $a in
		*[!A-Za-z0-9_./=:@+-]*) printf " '%s'" "$a" ;;
		*) printf ' %s' "$a" ;;
		esac
	done | sed "s|$T|\$SANDBOX|g; s|$BUILD/||g; s|$SRC/||g"
	printf '\n'
}
run() { # show a command, then run it and show its output
	show_cmd "$@"
	"$@" >"$T/cmd.out" 2>"$T/cmd.err"
	rc=$?
	sed "s|$T|\$SANDBOX|g; s|$SRC/||g" "$T/cmd.out" "$T/cmd.err"
	return $rc
}
breachguard() {
	sb_nss "$TOOL" --config "$T/breachguard.conf" "$@"
}
login_as() { # USER "ANSWER..." OP=RESULT...: one login through the sandbox's stack
	user=$1
	answers=$2
	shift 2
	# driver arguments: --answer A... demo-login USER OP...
	set -- demo-login "$user" "$@"
	n=$#
	for a in $answers; do
		set -- "$@" --answer "$a"
	done
	while [ "$n" -gt 0 ]; do
		set -- "$@" "$1"
		shift
		n=$((n - 1))
	done
	: >"$T/syslog"
	sb_pam "$T/syslog" timeout 60 "$T/pam_driver" --show "$@" >"$T/conv" 2>&1
	rc=$?
	sed 's/^/    | /' "$T/conv"
	if [ -s "$T/syslog" ]; then
		echo "    what pam_breachguard logged (syslog, authpriv):"
		sed 's/^/    > /' "$T/syslog"
	fi
	return $rc
}

# --- the sandbox -------------------------------------------------------------------
cat >"$T/passwd" <<'EOF'
alice:x:1001:1001:Alice Liddell:/home/alice:/bin/bash
bob:x:1002:1002:Bob Builder:/home/bob:/bin/bash
carol:x:1003:1003:Carol Client:/home/carol:/bin/bash
EOF
cat >"$T/group" <<'EOF'
alice:x:1001:
bob:x:1002:
carol:x:1003:
EOF
cat >"$T/passdb" <<'EOF'
alice:Wonderland-2019:demo-login
bob:Builder-2020:demo-login
carol:Client-2021:demo-login
EOF
chmod 0600 "$T/passdb"
cat >"$T/breachguard.conf" <<EOF
# The sandbox's /etc/security/breachguard.conf
store = $T/store
key_file = $T/breachguard.key
domains = example.com
EOF
chmod 0644 "$T/breachguard.conf"
cat >"$SVC/demo-login" <<EOF
auth     required  $MATRIX passdb=$T/passdb
account  required  $MATRIX passdb=$T/passdb
account  required  $MODULE conf=$T/breachguard.conf
password requisite $MATRIX passdb=$T/passdb
password required  $MODULE conf=$T/breachguard.conf
session  required  $MATRIX passdb=$T/passdb
EOF
cp "$SVC/demo-login" "$SVC/other"

echo "pam_breachguard demo"
echo "===================="
say "A breach advisory has arrived: the file-sharing portal lost the e-mail addresses of its users, and \"any re-used passwords should be changed\". We will make every affected account on this host change its password at its next login, leave everyone else alone, and see who has done it." \
	"" \
	"Nothing on this system is changed. Everything happens in a sandbox directory (shown as \$SANDBOX) that is removed at the end: the accounts alice, bob and carol are simulated (nss_wrapper), the PAM stack is read from the sandbox (pam_wrapper), and a test module (pam_matrix) stands in for pam_unix and the real password file."

step "1. Set up breachguard"
say "The configuration names where the data lives and the mail domain of this site: an account called alice is matched against alice@example.com. On a real host this file is /etc/security/breachguard.conf."
printf '\n'
sed "s|$T|\$SANDBOX|g" "$T/breachguard.conf" | sed 's/^/    /'
say "'breachguard init' makes the secret site key and the empty store. The store only ever holds keyed digests of addresses: a copy of it does not reveal the breach list."
run breachguard init || die "breachguard init failed"

step "2. Import the advisory"
say "The advisory is the text as it arrived: addresses among prose, with display names, upper case, +tags and mailto: links. Here is an excerpt:"
printf '\n'
sed -n '/^Affected users/,/^If you have/p' "$ADVISORY" | sed '$d' | sed 's/^/    /'
say "breachguard finds the addresses, normalises them (case, +tag, display name) and stores their digests under the advisory's name and date:"
show_cmd breachguard import --name "Example Portal Breach" --date 2024-10-09 "$ADVISORY"
breachguard import --name "Example Portal Breach" --date 2024-10-09 "$ADVISORY" >"$T/cmd.out" 2>&1 ||
	{ cat "$T/cmd.out"; die "breachguard import failed"; }
prose=$(grep -c 'no address on the line' "$T/cmd.out")
grep -v 'no address on the line' "$T/cmd.out" | sed "s|$SRC/||g"
echo "  ... and $prose lines without an address (the prose of the notice), each listed with its number"
say "The defanged \"frank (at) example.com\" was decoded, and is counted so (1 defanged). Every line that yields no address is counted and listed by number, so an address written in a form breachguard does not read is never dropped silently: the administrator sees it and can add it by hand." \
	"" \
	"The domains line says how many of the addresses this host's configured domain (example.com) covers: the others (example.org, example.net, example.test) match an account here only through the aliases file or a GECOS address. An advisory for another organisation, or a wrong domain in the configuration, is said at once instead of importing cleanly and matching nobody."
run breachguard advisories || die "breachguard advisories failed"

step "3. Who is affected?"
say "'breachguard status' gives the verdict for an account: alice's address is in the advisory, so she must change her password (enforce); bob's is not (clear)."
run breachguard status alice bob carol || die "breachguard status failed"

step "4. alice logs in"
say "The PAM stack of the login service is pam_unix's place-holder followed by pam_breachguard, in the account phase (may she log in now?) and in the password phase (changing her password):"
printf '\n'
sed -e "s|$T|\$SANDBOX|g" -e "s|$MATRIX|pam_matrix.so|" -e "s|$MODULE|pam_breachguard.so|" \
	"$SVC/demo-login" | sed 's/^/    /'
say "Her password is still accepted, but the account phase answers PAM_NEW_AUTHTOK_REQD with a message naming the advisory, and the login program asks for a new password at once (as login, su and sshd do). She logs in with her current password; the change asks for it once more, then for the new one twice:"
printf '\n'
login_as alice "Wonderland-2019 Wonderland-2019 Looking-Glass-2024! Looking-Glass-2024!" \
	auth=PAM_SUCCESS account=PAM_NEW_AUTHTOK_REQD chauthtok=PAM_SUCCESS || die "alice's forced password change did not go as expected"
say "The password phase recorded the rotation: no login is ever forced twice for one advisory."

step "5. alice logs in again"
say "Later she logs in with her new password. The account phase lets her in without a word:"
printf '\n'
login_as alice "Looking-Glass-2024!" auth=PAM_SUCCESS account=PAM_SUCCESS ||
	die "alice's second login did not go as expected"

step "6. Check the result"
say "The administrator checks: alice has rotated. 'breachguard scan' goes through every account and lists those the advisory concerns: carol has not logged in yet and is still pending; bob is not concerned and not listed."
run breachguard status alice || die "breachguard status failed"
run breachguard scan || die "breachguard scan failed"
printf '\n# breachguard status --json alice\n'
breachguard status --json alice 2>&1
breachguard status --json alice 2>/dev/null | tr -d ' \n' | grep -q '"verdict":"rotated"' ||
	die "alice is not reported as rotated"

say "That is the whole cycle. On a real host the module goes into common-account and common-password (pam-auth-update profile in policy/), 'breachguard scan --json' feeds monitoring, and 'action=deny' in /etc/pam.d/sudo keeps an unrotated account from using sudo." \
	"" \
	"The sandbox is removed now; nothing on this system was changed."
echo
echo "demo: done"

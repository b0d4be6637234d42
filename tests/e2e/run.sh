#!/bin/sh
# tests/e2e/run.sh: the end-to-end suite (issue 3): real sshd, su, sudo, login
# and passwd on loopback, as root.  Each scenario script cleans up after itself
# (trap); this runner first undoes what an interrupted earlier run may have
# left (fixed pam.d files restored from /var/lib/bge2e-backup, bge2e_* users,
# renamed services, sudoers rules), then runs every scenario and counts.
# deb.sh and ansible.sh (issue 11: the Debian package, the Ansible role) sweep
# their own leftovers (pkglib.sh) and install $BG_DEB, which make e2e builds.
# usage: run.sh MODULE TOOL   (absolute paths; make e2e passes them)
set -u
MODULE=$1
TOOL=$2
DIR=$(cd "$(dirname "$0")" && pwd)
BACKUP=/var/lib/bge2e-backup
# shellcheck source=SCRIPTDIR/../lib.sh
. "$DIR/../lib.sh"

[ "$(id -u)" = 0 ] || { echo "e2e: needs root" >&2; exit 1; }
missing=""
for c in expect sshd ssh ssh-keygen sudo visudo login su passwd chpasswd useradd userdel \
	pam-auth-update setpriv ss; do
	command -v "$c" >/dev/null 2>&1 || [ -x "/usr/sbin/$c" ] || missing="$missing $c"
done
[ -z "$missing" ] || { echo "e2e: missing programs:$missing (make deps)" >&2; exit 1; }

sweep() {
	if [ -d "$BACKUP" ]; then
		for f in "$BACKUP"/*; do
			[ -f "$f" ] || continue
			echo "e2e: restoring /etc/pam.d/${f##*/} left by an interrupted run"
			cp -p "$f" "/etc/pam.d/${f##*/}" && rm -f "$f"
		done
	fi
	for p in /tmp/bge2e.*/sshd.pid; do
		[ -f "$p" ] || continue
		pid=$(cat "$p")
		case $(readlink "/proc/$pid/exe" 2>/dev/null) in
		/tmp/bge2e.*/sbin/sshd-bge2e*) echo "e2e: stopping leftover sshd $pid"; kill "$pid" ;;
		esac
	done
	t_sweep_users e2e bge2e_ bgta_
	for f in /etc/pam.d/*-bge2e* /etc/sudoers.d/bge2e_* /etc/pam.d/bgta-* /etc/sudoers.d/bgta-*; do
		[ -e "$f" ] && { echo "e2e: removing leftover $f"; rm -f "$f"; }
	done
	for d in /tmp/bge2e.*; do
		[ -d "$d" ] && rm -rf "$d"
	done
	return 0
}

sweep
pass=0
fail=0
start=$(date +%s)
for s in sshd su sudo login passwd locked trust deb ansible; do
	out=$(timeout 240 sh "$DIR/$s.sh" "$MODULE" "$TOOL" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep -c '^PASS ')
	f=$(printf '%s\n' "$out" | grep -c '^FAIL ')
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $s: script ended with status $rc"
		f=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
done
sweep >/dev/null
echo "e2e: took $(( $(date +%s) - start ))s"
echo "e2e: $pass passed, $fail failed"
[ $fail -eq 0 ]

# tests/lib.sh: what the root shell suites share (sourced by tests/e2e/lib.sh
# and tests/reliability/lib.sh): the cleanup stack and its trap, the private
# temp dir, throwaway users and their sweep, a failure's context.
#
# Everything a script makes (temp dir, users, PAM files, mounts, processes) is
# registered with cleanup_add the moment it exists (a user: just before), and
# one EXIT trap undoes it all in reverse order, even when the script fails or
# is interrupted.

CLEANUP=""

say() { printf '%s\n' "$*"; }

# Registers a shell command run at exit (the last registered runs first).
cleanup_add() { CLEANUP="$1
$CLEANUP"; }

t_cleanup() {
	set +e
	printf '%s\n' "$CLEANUP" | while IFS= read -r c; do
		[ -n "$c" ] && eval "$c" >/dev/null 2>&1
	done
	CLEANUP=""
}

# t_need_root NAME [WHY]: a FAIL line and exit 1 unless root.
t_need_root() {
	[ "$(id -u)" = 0 ] || { say "FAIL $1: needs root${2:+ ($2)}"; exit 1; }
}

# t_start PREFIX: the EXIT trap, and the private temp dir $T (/tmp/PREFIX.*,
# 0700), removed at exit.
t_start() {
	trap t_cleanup EXIT
	trap 'exit 130' INT TERM HUP
	T=$(mktemp -d "/tmp/$1.XXXXXX") || exit 1
	cleanup_add "rm -rf '$T'"
	chmod 0700 "$T"
}

# t_user USER USERADD-OPTION...: a throwaway user.  Its removal and the end of
# its processes are registered first: a signal right after useradd must not
# leave it behind.  (Not in a subshell: the cleanup belongs to the script.)
t_user() {
	_u=$1
	shift
	cleanup_add "userdel -r -f '$_u'"
	cleanup_add "t_kill_user '$_u'"
	useradd "$@" "$_u"
}

# t_kill_user USER: ends the processes of a throwaway user (ours by
# construction), by pid.
t_kill_user() {
	_pids=$(pgrep -u "$1" 2>/dev/null | tr '\n' ' ')
	[ -n "$_pids" ] || return 0
	# shellcheck disable=SC2086
	kill $_pids 2>/dev/null
	sleep 0.3
	_pids=$(pgrep -u "$1" 2>/dev/null | tr '\n' ' ')
	# shellcheck disable=SC2086
	[ -n "$_pids" ] && kill -9 $_pids 2>/dev/null
	return 0
}

# t_sweep_users TAG PREFIX...: removes the users an interrupted earlier run
# left (names starting with a PREFIX), with a "TAG: removing" line each
# when TAG is not empty.
t_sweep_users() {
	_tag=$1
	shift
	for _p in "$@"; do
		for _u in $(getent passwd | cut -d: -f1 | grep "^$_p"); do
			[ -n "$_tag" ] && say "$_tag: removing leftover user $_u"
			t_kill_user "$_u"
			userdel -r -f "$_u" >/dev/null 2>&1
		done
	done
	return 0
}

# show FILE [N]: the last N (25) lines of FILE indented, CRs removed: a
# failure's context.
show() { [ -f "$1" ] && sed -e 's/\r$//' -e 's/^/    | /' "$1" | tail -n "${2:-25}"; }

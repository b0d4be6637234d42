# tests/reliability/lib.sh: helpers shared by the reliability scripts (sourced).
#
# A script calls rel_init NAME; everything it then makes (temp dir, users bgrel_*,
# mounts, processes, PAM service dirs) is registered with cleanup_add the moment
# it exists, and one EXIT trap undoes it all in reverse order, even on failure or
# interruption.  Results are "PASS NAME: what" / "FAIL NAME: why" lines on stdout;
# the script's exit status is 1 when one failed.
#
# Environment from run.sh: BUILD (absolute build dir), SRC (source root).
# The cleanup stack, users and show come from tests/lib.sh.

set -u
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=SCRIPTDIR/../lib.sh
. "$SRC/tests/lib.sh"
BUILD=${BUILD:-$SRC/build}
TOOL=$BUILD/breachguard
MODULE=$BUILD/pam_breachguard.so
ASAN_BUILD=${ASAN_BUILD:-$SRC/build/asan}
PAMLOOP=$BUILD/reliability/pamloop
PAMLOOP_ASAN=$BUILD/reliability/pamloop-asan
STORETOOL=$BUILD/reliability/storetool
REL_FAILED=0
REL_PASSED=0

note() { printf '    %s\n' "$*"; }

pass() { say "PASS $NAME: $*"; REL_PASSED=$((REL_PASSED + 1)); }
fail() { say "FAIL $NAME: $*"; REL_FAILED=$((REL_FAILED + 1)); }
# check DESCRIPTION COMMAND...: PASS when the command succeeds.
check() {
	_d=$1
	shift
	if "$@"; then pass "$_d"; else fail "$_d"; fi
}

rel_done() {
	say "$NAME: $REL_PASSED passed, $REL_FAILED failed"
	[ "$REL_FAILED" = 0 ]
}

# rel_init NAME: root check, temp dir $T (0700), trap.
rel_init() {
	NAME=$1
	t_need_root "$NAME" "users, chown, mounts"
	for f in "$TOOL" "$MODULE" "$PAMLOOP" "$STORETOOL"; do
		[ -x "$f" ] || [ -f "$f" ] || { say "FAIL $NAME: $f missing (make reliability builds it)"; exit 1; }
	done
	t_start bgrel
	mkdir -m 0700 "$T/pam.d" "$T/bin"
	# A snapshot of the binaries: a rebuild in the shared tree while we run
	# (another session's `make`) must not swap the module under a test.
	for f in "$TOOL" "$MODULE" "$PAMLOOP" "$STORETOOL"; do
		cp "$f" "$T/bin/" || { say "FAIL $NAME: cannot copy $f"; exit 1; }
	done
	TOOL=$T/bin/breachguard
	MODULE=$T/bin/pam_breachguard.so
	PAMLOOP=$T/bin/pamloop
	STORETOOL=$T/bin/storetool
	TAG=$(printf '%s' "$NAME" | tr -cd 'a-z0-9' | cut -c1-6)
}

# mkconf FILE STORE KEY [extra lines...]: a root-owned 0644 config.
mkconf() {
	_f=$1 _s=$2 _k=$3
	shift 3
	{
		printf 'store = %s\nkey_file = %s\ndomains = rel.example\n' "$_s" "$_k"
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$_f"
	chmod 0644 "$_f"
}

# mkstore DIR [INIT ARGS]: config $DIR.conf, key $DIR.key, store $DIR; sets CONF.
mkstore() {
	_d=$1
	shift
	mkconf "$_d.conf" "$_d" "$_d.key"
	CONF=$_d.conf
	"$TOOL" --config "$CONF" init "$@" >"$_d.init.out" 2>&1 || {
		fail "breachguard init $_d: $(cat "$_d.init.out")"
		return 1
	}
}

bg() { "$TOOL" --config "$CONF" "$@"; }

# module_direct PAMLOOP MODULE ON_ERROR: the module called directly (pamloop
# -M) for user $F with config $C, its syslog in $T/syslog, its output in
# $T/direct.out; sets rc (pamloop's exit status) and got (the PAM result).
module_direct() {
	: >"$T/syslog"
	BGREL_SYSLOG=$T/syslog "$1" -D "$T/pam.d" -s direct -M "$2" -a "conf=$C" -a "on_error=$3" \
		direct "$F" >"$T/direct.out" 2>&1
	rc=$?
	got=$(sed -n "s/^$F direct //p" "$T/direct.out")
}

# mkservice NAME LINE...: a PAM service file in $T/pam.d.
mkservice() {
	_n=$1
	shift
	printf '%s\n' "$@" >"$T/pam.d/$_n"
}

# mkuser TAG: a throwaway user with a usable password whose last change is
# 2020-01-01 (before every advisory date the tests use); sets U.
mkuser() {
	U="bgrel_${1}$$"
	t_user "$U" -M -N -s /usr/sbin/nologin 2>"$T/useradd.err" || {
		fail "useradd $U: $(cat "$T/useradd.err")"
		return 1
	}
	printf '%s:%s\n' "$U" 'Bg-rel-Old-7kqX2' | chpasswd || return 1
	chage -d 2020-01-01 -m 0 "$U" || return 1
}

# gen_addrs N PREFIX DOMAIN FILE: N distinct addresses.
gen_addrs() {
	awk -v n="$1" -v p="$2" -v d="$3" 'BEGIN { for (i = 1; i <= n; i++) print p i "@" d }' >"$4"
}

# adv_count NAME: the identities of advisory NAME from `advisories --json`, or
# "absent".  Fails when the command fails or prints no JSON array.
adv_json() { bg advisories --json >"$T/adv.json" 2>"$T/adv.err"; }
adv_count() {
	awk -v want="$1" '
		{ buf = buf $0 }
		END {
			if (buf !~ /^[ \t]*\[/) { print "nojson"; exit }
			n = split(buf, objs, "}")
			for (i = 1; i <= n; i++) {
				if (index(objs[i], "\"name\": \"" want "\"")) {
					s = objs[i]; sub(/.*"identities": */, "", s); sub(/[^0-9].*/, "", s)
					print s; exit
				}
			}
			print "absent"
		}' "$T/adv.json"
}

# run_bg PID_VAR CMD...: runs CMD in the background and registers its kill.
run_bg() {
	_v=$1
	shift
	"$@" &
	eval "$_v=$!"
	cleanup_add "kill -9 $! 2>/dev/null; wait $! 2>/dev/null"
}

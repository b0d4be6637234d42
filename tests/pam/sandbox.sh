# tests/pam/sandbox.sh: the sandbox tests/demo.sh and tests/pam/run.sh both
# run PAM in (sourced).  Nothing outside a temporary directory is touched: the
# users are faked with nss_wrapper ($T/passwd, $T/group), the PAM stack is read
# from the sandbox by pam_wrapper, pam_matrix stands in for pam_unix, and a
# preload object (tests/pam/syslog_shim.c) captures what the module logs.
#
# The caller sets SRC (the source root) and defines die MESSAGE (it must exit),
# then calls:
#   sb_init BUILD PREFIX   BUILD made absolute; MODULE, TOOL, CC; the wrapper
#                          libraries PWRAP, NWRAP, MATRIX; ASAN_LIB when the
#                          module is an ASan build; the temp dir $T (PREFIX.XXXXXX)
#                          removed at exit (kept when SB_KEEP=1) with its
#                          service directory $SVC
#   sb_shim OUT            builds the syslog capture as OUT; sets PRELOAD and
#                          NSS_PRELOAD (libasan first in an ASan build)
#   sb_nss CMD...          runs CMD seeing the sandbox's users
#   sb_pam SYSLOG CMD...   runs CMD through pam_wrapper (services in $SVC), with
#                          the users and the capture writing to SYSLOG

# The first of the usual library directories holding NAME.
sb_find_lib() {
	for d in /usr/lib/*-linux-gnu /usr/lib64 /usr/lib /usr/local/lib; do
		[ -e "$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 1
}

# pam_wrapper copies the service directory to /tmp/pam.?: remove the copies of
# ours (marked) whose process is gone; pam_wrapper reaps any other stale one.
sb_cleanup() {
	for d in /tmp/pam.?; do
		[ -f "$d/$MARK" ] || continue
		p=$(cat "$d/pid" 2>/dev/null)
		[ -n "$p" ] && kill -0 "$p" 2>/dev/null && continue
		rm -rf "$d"
	done
	if [ "${SB_KEEP:-0}" = 1 ]; then
		echo "kept $T" >&2
	else
		rm -rf "$T"
	fi
}

sb_init() {
	BUILD=$1
	case $BUILD in
	/*) ;;
	*) BUILD=$(pwd)/$BUILD ;;
	esac
	MODULE=$BUILD/pam_breachguard.so
	TOOL=$BUILD/breachguard
	CC=${CC:-cc}
	[ -f "$MODULE" ] || die "$MODULE is missing: run make first"
	[ -x "$TOOL" ] || die "$TOOL is missing: run make first"
	PWRAP=$(sb_find_lib libpam_wrapper.so) || die "libpam_wrapper.so not found (make deps)"
	NWRAP=$(sb_find_lib libnss_wrapper.so) || die "libnss_wrapper.so not found (make deps)"
	MATRIX=$(sb_find_lib pam_wrapper/pam_matrix.so) || die "pam_matrix.so not found (make deps)"
	# An ASan build: the runtime must come first in the initial library list.
	ASAN_LIB=$(ldd "$MODULE" 2>/dev/null | awk '/libasan/ { print $3; exit }')
	[ -n "$ASAN_LIB" ] && [ -f "$ASAN_LIB" ] || ASAN_LIB=""
	T=$(mktemp -d "${TMPDIR:-/tmp}/$2.XXXXXX") || die "mktemp failed"
	MARK=$2-$(basename "$T")
	trap sb_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	trap 'exit 141' PIPE
	SVC=$T/svc
	mkdir -p "$SVC" || die "cannot make $SVC"
	: >"$SVC/$MARK"
}

sb_shim() {
	if ! $CC -D_GNU_SOURCE -DBG_SYSLOG_SHIM_SO -std=c11 -O2 -g -fPIC -shared \
		-Wall -Wextra -Wconversion -Wshadow -Wformat=2 -Wmissing-prototypes \
		-o "$1.$$" "$SRC/tests/pam/syslog_shim.c" -ldl; then
		rm -f "$1.$$"
		die "cannot build the syslog capture $1"
	fi
	mv -f "$1.$$" "$1" || die "cannot install $1"
	PRELOAD=${ASAN_LIB:+$ASAN_LIB:}$PWRAP:$NWRAP:$1
	NSS_PRELOAD=${ASAN_LIB:+$ASAN_LIB:}$NWRAP
}

sb_nss() {
	env LD_PRELOAD="$NSS_PRELOAD" NSS_WRAPPER_PASSWD="$T/passwd" NSS_WRAPPER_GROUP="$T/group" "$@"
}

# PAM_WRAPPER_USE_SYSLOG hands pam_syslog() to the real libpam, whose vsyslog()
# the capture catches.  Deep binding is off for valgrind and ASan (and harmless
# otherwise).
sb_pam() {
	_log=$1
	shift
	env LD_PRELOAD="$PRELOAD" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$SVC" \
		PAM_WRAPPER_USE_SYSLOG=1 PAM_WRAPPER_DISABLE_DEEPBIND=1 \
		NSS_WRAPPER_PASSWD="$T/passwd" NSS_WRAPPER_GROUP="$T/group" \
		BG_SYSLOG_FILE="$_log" "$@"
}

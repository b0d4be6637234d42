#!/bin/sh
# tests/reliability/run.sh: `make reliability`.  Runs the issue's items 1-8 (one
# script each), prints their PASS/FAIL lines, and ends with
# "reliability: N passed, N failed"; exit 1 when one failed.  Needs root.
#   RELIABILITY_ONLY="1 5"  runs only those items.
#   RELIABILITY_SEED=N      the random seed of item 1's kill points (default: time).
set -u
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
export SRC BUILD="${BUILD:-$SRC/build}" ASAN_BUILD="${ASAN_BUILD:-$SRC/build/asan}"
DIR=$SRC/tests/reliability
ONLY=${RELIABILITY_ONLY:-}
OUT=$(mktemp /tmp/bgrel-run.XXXXXX) || exit 1
trap 'rm -f "$OUT" "$OUT.all"' EXIT
trap 'exit 130' INT TERM HUP

if [ "$(id -u)" != 0 ]; then
	echo "FAIL reliability: needs root (throwaway users, chown, tmpfs)"
	echo "reliability: 0 passed, 1 failed"
	exit 1
fi

start=$(date +%s)
extra_fail=0
for script in 1:crash.sh 2:logins.sh 3:readers.sh 4:space.sh 5:corrupt.sh 6:tamper.sh \
	7:fork.sh 8:valgrind.sh 9:verify.sh; do
	n=${script%%:*}
	f=${script#*:}
	case " $ONLY " in "  ") ;; *" $n "*) ;; *) continue ;; esac
	echo "== reliability $n: $f =="
	t0=$(date +%s)
	sh "$DIR/$f" >"$OUT" 2>&1
	rc=$?
	cat "$OUT"
	# A script that died without saying why still fails the run.
	if [ "$rc" != 0 ] && ! grep -q '^FAIL ' "$OUT"; then
		echo "FAIL item $n ($f): exit $rc without a FAIL line"
		extra_fail=$((extra_fail + 1))
	fi
	grep -E '^(PASS|FAIL) ' "$OUT" >>"$OUT.all"
	echo "   ($(($(date +%s) - t0)) s)"
done
passed=$(grep -c '^PASS ' "$OUT.all" 2>/dev/null)
failed=$(grep -c '^FAIL ' "$OUT.all" 2>/dev/null)
rm -f "$OUT.all"
failed=$((${failed:-0} + extra_fail))
echo "   (reliability total $(($(date +%s) - start)) s)"
echo "reliability: ${passed:-0} passed, $failed failed"
[ "$failed" = 0 ]

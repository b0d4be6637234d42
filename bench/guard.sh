#!/bin/sh
# bench/guard.sh: the import's reading cost in instructions, against a committed
# figure (`make bench-guard`; `make bench-guard-update` writes a new one).
#
# Why: timings on a shared two-core host move by 30% between runs, so a slower
# tokeniser rule goes unseen; 154 commits once made the import twice as slow
# (bench/RESULTS.md, 2026-12-07).  callgrind's instruction count of the reading
# thread is the same in every run of one build on one toolchain.
#
# What is counted: everything under text_read (the reader's decoding, the text
# checks, the tokeniser, handing addresses to the pipe) in a dry run over a fixed
# list (bench/gen), without nettle's SHA-256 of the source (done inline for the
# first 4 MiB, on a thread of its own after: not the reader's cost).  Workers
# (normalising, the keyed digests) and the store are not counted.
#
# The figure (bench/guard.txt) holds the instructions a line and the toolchain
# it was taken with; another toolchain's count is printed, not compared.  With
# BENCH_GUARD_BASE=DIR (another build directory, e.g. of the last release:
# `git archive C | tar -x -C D && make -C D all`), both builds are counted on
# the same list and their ratio is compared instead.
#
# Fails (exit 1) when the count is more than BENCH_GUARD_SLACK percent (3)
# above the figure or the base's.
set -eu
BUILD=${BUILD:-build}
B=$(cd "$(dirname "$0")/.." && pwd)
FIG=$B/bench/guard.txt
LINES=${BENCH_GUARD_LINES:-100000}
SLACK=${BENCH_GUARD_SLACK:-3}
UPDATE=${BENCH_GUARD_UPDATE:-0}
BASE=${BENCH_GUARD_BASE:-}

command -v valgrind >/dev/null || {
	echo "bench-guard: valgrind is missing (make deps installs it)" >&2
	exit 1
}
W=$(mktemp -d "${TMPDIR:-/tmp}/bgguard.XXXXXX")
trap 'rm -rf "$W"' EXIT
"$B/$BUILD/bench/gen" "$LINES" 0 1 >"$W/list" 2>/dev/null
printf 'store = %s/store\nkey_file = %s/key\ndomains = example.com\n' "$W" "$W" >"$W/conf"
chmod 600 "$W/conf"
"$B/$BUILD/breachguard" --config "$W/conf" init >/dev/null

# count TOOL: instructions a line under text_read, nettle aside
count() {
	rm -f "$W/cg.out"
	valgrind --tool=callgrind --toggle-collect=text_read --callgrind-out-file="$W/cg.out" \
		"$1" --config "$W/conf" import --dry-run --name guard --format text "$W/list" \
		>/dev/null 2>"$W/vg.err" || {
		echo "bench-guard: the dry run failed under valgrind:" >&2
		tail -n 5 "$W/vg.err" >&2
		exit 1
	}
	callgrind_annotate --auto=no --threshold=100 "$W/cg.out" 2>/dev/null | awk -v n="$LINES" '
		/PROGRAM TOTALS/ { gsub(",", "", $1); tot = $1 }
		/^ *[0-9,]+ .*libnettle/ { gsub(",", "", $1); net += $1 }
		END { if (!tot) exit 1; printf "%.0f\n", (tot - net) / n }'
}

# What the count depends on besides our code: the compiler, glibc (whose
# memchr and memcpy differ by CPU: AVX2 or not, as valgrind shows it) and
# valgrind itself.
toolchain() {
	cc=$(${CC:-cc} -dumpfullversion 2>/dev/null || echo unknown)
	libc=$(ldd --version 2>/dev/null | head -n 1 | awk '{print $NF}')
	vg=$(valgrind --version 2>/dev/null | sed 's/^valgrind-//')
	isa=$(grep -qw avx2 /proc/cpuinfo 2>/dev/null && echo avx2 || echo noavx2)
	echo "cc-$cc glibc-$libc valgrind-$vg $(uname -m)-$isa"
}

ours=$(count "$B/$BUILD/breachguard")
tc=$(toolchain)
echo "bench-guard: $ours instructions a line (the reading thread, $LINES lines of bench/gen, $tc)"

if [ -n "$BASE" ]; then
	base=$(count "$BASE/breachguard")
	echo "bench-guard: the base ($BASE): $base instructions a line"
	awk -v a="$ours" -v b="$base" -v s="$SLACK" 'BEGIN {
		printf "bench-guard: %.3fx the base\n", a / b
		exit (a > b * (1 + s / 100)) ? 1 : 0 }' || {
		echo "bench-guard: FAILED: more than $SLACK% above the base" >&2
		exit 1
	}
	exit 0
fi

if [ "$UPDATE" = 1 ]; then
	{
		echo "# bench/guard.sh's figure: instructions a line, toolchain (make bench-guard-update)"
		echo "$ours $tc"
	} >"$FIG"
	echo "bench-guard: written to bench/guard.txt"
	exit 0
fi

[ -s "$FIG" ] || {
	echo "bench-guard: no bench/guard.txt: make bench-guard-update writes one" >&2
	exit 1
}
want=$(grep -v '^#' "$FIG" | head -n 1)
fig=${want%% *}
ftc=${want#* }
if [ "$ftc" != "$tc" ]; then
	echo "bench-guard: the figure ($fig) was taken with $ftc: not compared (set BENCH_GUARD_BASE)"
	exit 0
fi
awk -v a="$ours" -v b="$fig" -v s="$SLACK" 'BEGIN {
	printf "bench-guard: %.3fx the figure (%d)\n", a / b, b
	if (a < b * (1 - s / 100)) print "bench-guard: below the figure: make bench-guard-update lowers it"
	exit (a > b * (1 + s / 100)) ? 1 : 0 }' || {
	echo "bench-guard: FAILED: more than $SLACK% above bench/guard.txt; find the rule that costs it" \
		"(callgrind_annotate), or, if the cost is the point, make bench-guard-update and say why" >&2
	exit 1
}

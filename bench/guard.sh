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
# checks, the tokeniser, handing addresses to the pipe) in a dry run over two
# fixed lists, a list as bench/gen writes them and a Japanese notice's address
# lines (bench/genja.py: full-width forms, labels, brackets), without nettle's
# SHA-256 of the source (done inline for the first 4 MiB, on a thread of its own
# after: not the reader's cost).  Workers (normalising, the keyed digests) and
# the store are not counted.
#
# The figures (bench/guard.txt) hold the instructions a line of each list and
# the toolchain they were taken with; another toolchain's counts are printed,
# not compared.  With
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
JA_LINES=${BENCH_GUARD_JA_LINES:-20000}
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
python3 "$B/bench/genja.py" "$JA_LINES" 1 >"$W/ja"
printf 'store = %s/store\nkey_file = %s/key\ndomains = example.com\n' "$W" "$W" >"$W/conf"
chmod 600 "$W/conf"
"$B/$BUILD/breachguard" --config "$W/conf" init >/dev/null

# count TOOL LIST: instructions a line of LIST under text_read, nettle aside
count() {
	rm -f "$W/cg.out"
	n=$(wc -l <"$2")
	valgrind --tool=callgrind --toggle-collect=text_read --callgrind-out-file="$W/cg.out" \
		"$1" --config "$W/conf" import --dry-run --name guard --format text "$2" \
		>/dev/null 2>"$W/vg.err" || {
		echo "bench-guard: the dry run failed under valgrind:" >&2
		tail -n 5 "$W/vg.err" >&2
		exit 1
	}
	callgrind_annotate --auto=no --threshold=100 "$W/cg.out" 2>/dev/null | awk -v n="$n" '
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

ours=$(count "$B/$BUILD/breachguard" "$W/list")
ours_ja=$(count "$B/$BUILD/breachguard" "$W/ja")
tc=$(toolchain)
echo "bench-guard: $ours instructions a line of a list ($LINES lines of bench/gen), $ours_ja of a" \
	"Japanese notice's ($JA_LINES of bench/genja.py); the reading thread, $tc"

# over NAME OURS REF [LOWER]: prints the ratio (and LOWER when OURS is more than
# SLACK% below REF); false when OURS is more than SLACK% above REF
over() {
	awk -v w="$1" -v a="$2" -v b="$3" -v s="$SLACK" -v low="${4:-}" 'BEGIN {
		printf "bench-guard: %s: %.3fx (%d against %d)\n", w, a / b, a, b
		if (low != "" && a < b * (1 - s / 100)) printf "bench-guard: %s: %s\n", w, low
		exit (a > b * (1 + s / 100)) ? 1 : 0 }'
}

if [ -n "$BASE" ]; then
	base=$(count "$BASE/breachguard" "$W/list")
	base_ja=$(count "$BASE/breachguard" "$W/ja")
	echo "bench-guard: the base ($BASE): $base and $base_ja instructions a line"
	rc=0
	over "a list, against the base" "$ours" "$base" || rc=1
	over "a Japanese notice, against the base" "$ours_ja" "$base_ja" || rc=1
	[ $rc = 0 ] || echo "bench-guard: FAILED: more than $SLACK% above the base" >&2
	exit $rc
fi

if [ "$UPDATE" = 1 ]; then
	{
		echo "# bench/guard.sh's figures: instructions a line of a list and of a Japanese notice,"
		echo "# then the toolchain (make bench-guard-update)"
		echo "$ours $ours_ja $tc"
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
rest=${want#* }
fig_ja=${rest%% *}
ftc=${rest#* }
if [ "$ftc" != "$tc" ]; then
	echo "bench-guard: the figures ($fig, $fig_ja) were taken with $ftc: not compared" \
		"(set BENCH_GUARD_BASE)"
	exit 0
fi
rc=0
low="below the figure: make bench-guard-update lowers it"
over "a list" "$ours" "$fig" "$low" || rc=1
over "a Japanese notice" "$ours_ja" "$fig_ja" "$low" || rc=1
if [ $rc != 0 ]; then
	echo "bench-guard: FAILED: more than $SLACK% above bench/guard.txt; find the rule that costs it" \
		"(callgrind_annotate), or, if the cost is the point, make bench-guard-update and say why" >&2
	exit 1
fi

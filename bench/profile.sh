#!/bin/sh
# bench/profile.sh: where a 1M-line import and a 10,000-account scan spend their
# time (`make bench-profile`).  perf (package linux-perf, not a build
# dependency) when it works, else callgrind.  Prints the inclusive share of the
# pipeline's stages, then the top functions by self time.
set -eu
BUILD=${BUILD:-build}
B=$(cd "$(dirname "$0")/.." && pwd)
BIN=$B/$BUILD/bench
TOOL=$B/$BUILD/breachguard
DATA=${BENCH_DATA:-$B/bench/data}
N=${BENCH_PROFILE_LINES:-1000000}
NSSW=$(ls /usr/lib/*/libnss_wrapper.so 2>/dev/null | head -n 1)
[ "$(id -u)" = 0 ] || { echo "bench-profile: needs root" >&2; exit 1; }
mkdir -p "$DATA"
W=$(mktemp -d "${TMPDIR:-/var/tmp}/bgprof.XXXXXX")
trap 'rm -rf "$W"' EXIT
f=$DATA/adv-$N.txt
[ -s "$f" ] || "$BIN/gen" "$N" 0 1 >"$f" 2>/dev/null
printf 'store = %s/store\nkey_file = %s/key\ndomains = example.com\n' "$W" "$W" >"$W/conf"
chmod 600 "$W/conf"
"$TOOL" --config "$W/conf" init >/dev/null
# Stages: the reader (text parsing, input decoding), the normaliser, the keyed
# digest, sorting, the LMDB merge.  Inclusive shares overlap along a call chain.
STAGES='text_read|bg_input_getline|bg_normalise|norm_local|norm_domain|idn2_to_ascii_8z|u8_normalize|bg_hmac_digest|EVP_MAC_final|flush_chunk|sort_digests|qsort|msort_with_tmp|bg_pipe_next|merge_step|store_job|bg_exposure_add|mdb_cursor_put|mdb_txn_commit|worker|process|bg_pipe_add|bg_verdict|bg_account_identities|bg_exposure_ids|bg_ctx_open|getspnam|getpwnam|getpwent|getgrouplist'

profile() { # name cmd...
	name=$1
	shift
	if perf record -q --call-graph dwarf,16384 -F 1999 -o "$W/$name.perf" "$@" >/dev/null 2>"$W/err"; then
		echo "### $name: perf, inclusive share of the stages (children)"
		perf report -i "$W/$name.perf" --children --sort symbol --stdio -g none 2>/dev/null |
			grep -E "\] ($STAGES)( |\$)" | sed 's/ \{2,\}/ /g' | head -40
		echo "### $name: top 25 by self time"
		perf report -i "$W/$name.perf" --no-children --sort dso,symbol --stdio -g none 2>/dev/null |
			grep '%' | sed 's/ \{2,\}/ /g' | head -25
	else
		echo "### $name: perf unusable ($(tail -n 1 "$W/err")); callgrind instead"
		valgrind --tool=callgrind --callgrind-out-file="$W/$name.cg" "$@" >/dev/null 2>&1
		callgrind_annotate --inclusive=yes "$W/$name.cg" 2>/dev/null | grep -E "$STAGES" | head -40
	fi
}
profile import "$TOOL" --config "$W/conf" import --name prof --format text --json "$f"
if [ -n "$NSSW" ]; then
	i=1
	while [ "$i" -le 10000 ]; do
		printf 'bgs%05d:x:%d:20000::/nonexistent:/usr/sbin/nologin\n' "$i" $((20000 + i))
		i=$((i + 1))
	done >"$W/passwd"
	echo "bgscan:x:20000:" >"$W/group"
	profile scan env LD_PRELOAD="$NSSW" NSS_WRAPPER_PASSWD="$W/passwd" NSS_WRAPPER_GROUP="$W/group" \
		"$TOOL" --config "$W/conf" scan --json
fi

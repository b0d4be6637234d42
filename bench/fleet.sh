#!/bin/sh
# bench/fleet.sh: signed bundles at scale (make bench-fleet; issue 11).  On a
# management store holding one advisory of LINES generated lines: the address
# import (the reference), export of the signed bundle, and the bundle's import
# into a fresh host store sharing the site key, each timed by bench/runstat
# (wall, maxrss, peak RssAnon = the heap, RssFile = LMDB's map).  Median of
# RUNS for the two imports.  Everything lives in a temp dir removed on exit.
set -eu
BUILD=${BUILD:-build}
B=$(cd "$(dirname "$0")/.." && pwd)
BIN=$B/$BUILD/bench
DATA=${BENCH_DATA:-$B/bench/data}
LINES=${BENCH_FLEET_LINES:-10000000}
RUNS=${BENCH_RUNS:-3}
[ "$(id -u)" = 0 ] || { echo "bench-fleet: needs root (root-owned store and keys)" >&2; exit 1; }
mkdir -p "$DATA"
W=$(mktemp -d "${TMPDIR:-/var/tmp}/bgfleet.XXXXXX")
trap 'rm -rf "$W"' EXIT
trap 'exit 130' INT TERM HUP
cp "$B/$BUILD/breachguard" "$W/breachguard"
T=$W/breachguard
f=$DATA/adv-$LINES.txt
[ -s "$f" ] || "$BIN/gen" "$LINES" >"$f"
conf() { # NAME: a config with its own store, the shared site key
	printf 'store = %s/%s\nkey_file = %s/site.key\ndomains = example.com\ntrusted_keys = %s/sign.key.pub\n' \
		"$W" "$1" "$W" "$W" >"$W/$1.conf"
}
stat_line() { # LABEL STATFILE
	read -r wall user sys maxrss anon file rc <"$2"
	printf '%-16s wall %6.2f s  user %6.2f s  sys %5.2f s  maxrss %7d KiB  heap(RssAnon) %7d KiB  map(RssFile) %7d KiB  exit %s\n' \
		"$1" "$wall" "$user" "$sys" "$maxrss" "$anon" "$file" "$rc"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
conf mgmt
"$T" --config "$W/mgmt.conf" init >/dev/null
"$T" keygen "$W/sign.key" >/dev/null
: >"$W/addr.walls"
: >"$W/bundle.walls"
for i in $(seq "$RUNS"); do
	rm -rf "$W/mgmt"
	"$T" --config "$W/mgmt.conf" init >/dev/null
	"$BIN/runstat" "$W/addr.$i" "$T" --config "$W/mgmt.conf" import --name adv --date 2021-05-26 \
		--format text --json "$f" >"$W/addr.json"
	stat_line "import addresses" "$W/addr.$i"
	cut -d' ' -f1 "$W/addr.$i" >>"$W/addr.walls"
done
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("addresses %d, new identities %d" % (d["addresses"], d["new"]))' "$W/addr.json"
"$BIN/runstat" "$W/export" "$T" --config "$W/mgmt.conf" export --sign "$W/sign.key" \
	--out "$W/adv.bgb" adv >/dev/null
stat_line "export" "$W/export"
echo "bundle: $(stat -c %s "$W/adv.bgb") bytes"
conf host
for i in $(seq "$RUNS"); do
	rm -rf "$W/host"
	"$T" --config "$W/host.conf" init >/dev/null
	"$BIN/runstat" "$W/bundle.$i" "$T" --config "$W/host.conf" import --json "$W/adv.bgb" >"$W/b.json"
	stat_line "import bundle" "$W/bundle.$i"
	cut -d' ' -f1 "$W/bundle.$i" >>"$W/bundle.walls"
done
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("bundle identities %d, new %d" % (d["identities"], d["new"]))' "$W/b.json"
"$BIN/runstat" "$W/again" "$T" --config "$W/host.conf" import --json "$W/adv.bgb" >/dev/null
stat_line "bundle again" "$W/again"
# The heap by valgrind's massif too (BENCH_MASSIF=0 skips it): the peak of
# malloc'd bytes over the whole bundle import into a fresh store.
if [ "${BENCH_MASSIF:-1}" = 1 ] && command -v valgrind >/dev/null; then
	rm -rf "$W/host"
	"$T" --config "$W/host.conf" init >/dev/null
	valgrind -q --tool=massif --massif-out-file="$W/massif.out" \
		"$T" --config "$W/host.conf" import "$W/adv.bgb" >/dev/null
	echo "massif: bundle import peak heap $(awk -F= '/^mem_heap_B=/ {if ($2 > m) m = $2} END {print m}' "$W/massif.out") bytes"
fi
a=$(median <"$W/addr.walls")
b=$(median <"$W/bundle.walls")
echo "median wall: addresses $a s, bundle $b s"

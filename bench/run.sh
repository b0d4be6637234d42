#!/bin/sh
# bench/run.sh: the whole benchmark of issue 5 in one run (called by `make bench`).
# Needs root (throwaway users, root-owned store).  Everything it makes lives in a
# temporary directory under $TMPDIR (default /var/tmp) and the generated lists in
# $BENCH_DATA; users, stores and dumps are removed on exit, even on failure.
# Raw rows go to $BENCH_DATA/raw.tsv; bench/report.py turns them into the table.
set -eu

BUILD=${BUILD:-build}
B=$(cd "$(dirname "$0")/.." && pwd)
BIN=$B/$BUILD/bench
TOOL=$B/$BUILD/breachguard
MODULE=$B/$BUILD/pam_breachguard.so
DATA=${BENCH_DATA:-$B/bench/data}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	LINES=${BENCH_LINES:-1000000}
	RUNS=${BENCH_RUNS:-3}
	FAST=${BENCH_FAST_RUNS:-3}
	ITERS=${BENCH_ITERS:-500}
	STOCK=${BENCH_STOCK_MDB_LOAD:-0}
else
	LINES=${BENCH_LINES:-2000000 10000000}
	RUNS=${BENCH_RUNS:-3}
	FAST=${BENCH_FAST_RUNS:-5}
	ITERS=${BENCH_ITERS:-1000}
	STOCK=${BENCH_STOCK_MDB_LOAD:-1}
fi
PROC=${BENCH_PROC_ROUNDS:-300}
ONLY_PAM=${BENCH_ONLY_PAM:-0}
[ "$ONLY_PAM" = 1 ] && LINES=${BENCH_LINES:-1000000}
SCAN_USERS=${BENCH_SCAN_USERS:-10000}
NSSW=$(ls /usr/lib/*/libnss_wrapper.so 2>/dev/null | head -n 1)
# The module's shared libraries, resolved as the loader does: preloading them keeps
# them mapped across pam_end, which takes their loading and relocation out of the
# measurement (a diagnostic; the targets apply to the plain runs).
MODLIBS=$(ldd "$B/$BUILD/pam_breachguard.so" 2>/dev/null |
	awk '$3 ~ /^\// && $1 !~ /^(libc|libpam|libaudit|libcap-ng)\./ {print $3}' | tr '\n' ' ')
UM=bgbench_m # matched: listed in an advisory
UU=bgbench_u # unmatched
UX=bgbench_x # not listed, password expired (chage -d 0): pam_unix forces the change itself

[ "$(id -u)" = 0 ] || { echo "bench: needs root (throwaway users, a root-owned store)" >&2; exit 1; }
for f in "$TOOL" "$MODULE" "$BIN/gen" "$BIN/runstat" "$BIN/mkdump" "$BIN/acct" "$BIN/nosync.so" "$BIN/nssfloor" \
	"$BIN/pam1" "$BIN/spawn" "$BIN/pam_bgfloor.so" "$BIN/digestfloor"; do
	[ -e "$f" ] || { echo "bench: $f missing: run make bench" >&2; exit 1; }
done
command -v mdb_load >/dev/null || { echo "bench: mdb_load missing (lmdb-utils)" >&2; exit 1; }

mkdir -p "$DATA"
W=$(mktemp -d "${TMPDIR:-/var/tmp}/bgbench.XXXXXX")
made_users=""
sink_pid=""
cleanup() {
	for u in $made_users; do userdel -r "$u" >/dev/null 2>&1 || true; done
	if [ -n "$sink_pid" ]; then
		[ "$(readlink /dev/log 2>/dev/null)" = "$W/devlog" ] && rm -f /dev/log
		kill "$sink_pid" 2>/dev/null || true
	fi
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
# Measure copies: a rebuild in build/ during the run must not swap the binaries.
mkdir "$W/bin"
cp "$TOOL" "$MODULE" "$W/bin/"
TOOL=$W/bin/breachguard
MODULE=$W/bin/pam_breachguard.so
# BENCH_BASELINE=DIR: another version's build directory (say the previous
# commit's); its tool runs in turn with ours for every import and the scan, so
# "nothing slower" is measured in the same run.  Ours runs last in each round:
# the store it leaves is the one the next section uses.
BASE_TOOL=""
IMPORTERS=ours
if [ -n "${BENCH_BASELINE:-}" ]; then
	cp "$BENCH_BASELINE/breachguard" "$W/bin/breachguard-base"
	BASE_TOOL=$W/bin/breachguard-base
	# Its module too, as one more stack of the account phase (another file
	# name: loaded beside ours, each with its own code).
	[ -e "$BENCH_BASELINE/pam_breachguard.so" ] &&
		cp "$BENCH_BASELINE/pam_breachguard.so" "$W/bin/pam_breachguard-base.so"
	IMPORTERS="base ours"
fi
RAW=$DATA/raw.tsv
: >"$RAW"
row() { printf '%s\n' "$*" | tr ' ' '\t' >>"$RAW"; }
# The 1-minute load average as each phase starts: another job on this 2-core
# machine shows up here (and in the timings).
say() { printf 'bench: %s\n' "$*" >&2; row load "$(cut -d' ' -f1 /proc/loadavg)"; }
json_get() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d[sys.argv[2]])' "$@"; }
bytes() { du -B1 -s "$1" | cut -f1; } # allocated on disk
# The pages an LMDB environment holds (the tool allocates its whole map on disk
# ahead of writing, so the file's size says how much room was reserved, not
# how big the data is).
used() {
	mdb_stat -e "$1" | awk '/Page size:/ {ps = $3} /Number of pages used:/ {n = $5} END {print n * ps}'
}

row machine "$(lscpu | sed -n 's/^Model name: *//p' | tr ' ' '_')" "$(nproc)" \
	"$(free -b | awk '/^Mem:/{print $2}')" "$(uname -r)" "$(cat /etc/debian_version)"
row knobs "lines=$(echo $LINES | tr ' ' ,)" "runs=$RUNS" "fast=$FAST" "iters=$ITERS" "proc=$PROC" \
	"only_pam=$ONLY_PAM"

if [ "$ONLY_PAM" = 1 ]; then
	# Only the account phase (iterating on the module): one import of the smallest list.
	n=$(echo $LINES | cut -d' ' -f1)
	f=$DATA/adv-$n.txt
	[ -s "$f" ] || "$BIN/gen" "$n" 0 1 >"$f" 2>"$W/gen.err"
	last=$n
	d=$W/n$n
	mkdir -m 700 "$d"
	printf 'store = %s/store\nkey_file = %s/key\ndomains = example.com\n' "$d" "$d" >"$d/conf"
	chmod 600 "$d/conf"
	"$TOOL" --config "$d/conf" init >/dev/null
	"$TOOL" --config "$d/conf" import --name "adv-$n" --format text "$f" >/dev/null
	mv "$d/store" "$d/base"
else
# --- 1. import vs mdb_load ---------------------------------------------------
last=""
for n in $LINES; do
	f=$DATA/adv-$n.txt
	if [ ! -s "$f" ]; then
		say "generating $n lines -> $f"
		"$BIN/gen" "$n" 0 1 >"$f" 2>"$W/gen.err"
	fi
	d=$W/n$n
	mkdir -m 700 "$d"
	printf 'store = %s/store\nkey_file = %s/key\ndomains = example.com\n' "$d" "$d" >"$d/conf"
	chmod 600 "$d/conf"
	# The same distinct keys, with the same key file, for mdb_load (prepared
	# first, untimed, so that the timed runs can alternate).
	"$TOOL" --config "$d/conf" init >/dev/null
	say "preparing the mdb_load dump for $n lines (not timed)"
	"$BIN/mkdump" "$d/conf" "$f" $((n * 200 + 67108864)) >"$W/dump" 2>"$W/mkdump.err"
	distinct=$(sed -n 's/^distinct \([0-9]*\).*/\1/p' "$W/mkdump.err")
	# import, mdb_load[, the baseline's import] in turn: the same load hits all.
	for r in $(seq "$RUNS"); do
		# nosync: ours under the same no-flush shim as mdb_load's ceiling (a
		# diagnostic: the import's own work, without the commit's disk flush).
		for who in nosync $IMPORTERS; do
			t=$TOOL kind=import pre=""
			[ "$who" = base ] && t=$BASE_TOOL kind=import_prev
			[ "$who" = nosync ] && kind=import_nosync pre=$BIN/nosync.so
			rm -rf "$d/store"
			"$TOOL" --config "$d/conf" init >/dev/null
			sync
			say "import $n lines ($who), run $r/$RUNS"
			"$BIN/runstat" "$W/st" env LD_PRELOAD="$pre" "$t" --config "$d/conf" import \
				--name "adv-$n" --format text --json "$f" >"$W/imp.json"
			row $kind "$n" "$r" $(cat "$W/st") "$(json_get "$W/imp.json" addresses)" \
				"$(json_get "$W/imp.json" new)" "$(used "$d/store")"
		done
		rm -rf "$W/ml" && mkdir "$W/ml" && sync
		say "mdb_load (no per-commit flush) $n, run $r/$RUNS"
		"$BIN/runstat" "$W/st" env LD_PRELOAD="$BIN/nosync.so" mdb_load -f "$W/dump" "$W/ml"
		row mdb_load_nosync "$n" "$r" $(cat "$W/st") "$distinct" "$distinct" "$(used "$W/ml")"
		# The floor of the reading phase: the two keyed digests every address
		# and record needs (bench/digestfloor.c), alone, on both cores.
		say "the digests alone $n, run $r/$RUNS"
		"$BIN/digestfloor" "$d/key" "$f" 2 >"$W/df.out"
		row digestfloor "$n" "$r" $(cat "$W/df.out" | awk '{print $4, $6}')
	done
	if [ "$STOCK" = 1 ] && [ -z "$last" ]; then
		rm -rf "$W/ml" && mkdir "$W/ml" && sync
		say "stock mdb_load $n (flushes every 100 records: slow)"
		"$BIN/runstat" "$W/st" mdb_load -f "$W/dump" "$W/ml"
		row mdb_load_stock "$n" 1 $(cat "$W/st") "$distinct" "$distinct" "$(used "$W/ml")"
	fi
	rm -rf "$W/ml" "$W/dump"
	[ -n "$last" ] && rm -rf "$W/n$last/store" # keep only the biggest store
	last=$n
done

# --- 2. a second advisory into the biggest store -------------------------------
n=$last
d=$W/n$n
mv "$d/store" "$d/base"
distinct=$(json_get "$W/imp.json" new)
f2=$DATA/adv2-$n.txt
if [ ! -s "$f2" ]; then
	say "generating the second advisory ($n lines, half of it already known)"
	"$BIN/gen" "$n" $((distinct / 2)) 2 >"$f2" 2>"$W/gen.err"
fi
sed "s|$d/store|$d/store2|" "$d/conf" >"$d/conf2"
chmod 600 "$d/conf2"
for r in $(seq "$RUNS"); do
	for who in $IMPORTERS; do
		t=$TOOL kind=import2
		[ "$who" = base ] && t=$BASE_TOOL kind=import2_prev
		rm -rf "$d/store2"
		cp -a --sparse=always "$d/base" "$d/store2"
		sync
		say "second import $n lines into $distinct identities ($who), run $r/$RUNS"
		"$BIN/runstat" "$W/st" "$t" --config "$d/conf2" import --name "adv2-$n" --format text \
			--json "$f2" >"$W/imp2.json"
		row $kind "$n" "$r" $(cat "$W/st") "$(json_get "$W/imp2.json" addresses)" \
			"$(json_get "$W/imp2.json" new)" "$(used "$d/store2")" "$distinct"
	done
done
rm -rf "$d/store2"
[ "${BENCH_KEEP_DATA:-0}" = 1 ] || rm -f "$f2"

fi
# --- 3. the account phase through libpam ----------------------------------------
mv "$d/base" "$d/store"
# Every host the module runs on has a /dev/log (journald, rsyslog): a syslog line
# is one send there.  A machine without one (this VM, a container) makes every
# line a failed socket+connect instead (~15 us against ~4 us here, measured):
# a cost no real login pays, and only the matched user's check logs.  So when
# there is none, a sink stands in for the bench (removed on exit).
if [ ! -e /dev/log ] && [ ! -L /dev/log ]; then
	python3 -c 'import socket,sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("ready", flush=True)
while True:
    s.recv(65536)' "$W/devlog" >"$W/sink.out" 2>&1 &
	sink_pid=$!
	for _ in $(seq 50); do [ -s "$W/sink.out" ] && break; sleep 0.1; done
	ln -s "$W/devlog" /dev/log
	row devlog sink
	say "no /dev/log on this machine: a sink stands in for syslog during the account phase"
fi
for u in $UM $UU $UX; do
	userdel -r "$u" >/dev/null 2>&1 || true
	useradd -m -s /bin/sh "$u"
	made_users="$made_users $u"
	echo "$u:bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" | chpasswd
done
# The peer of the matched outcome: pam_unix alone forcing a change (its own
# NOTICE line, "expired password for user ... (root enforced)", and message).
chage -d 0 "$UX"
# The matched user and 1% of the scan users go into one more advisory.
{
	echo "$UM@example.com"
	i=1
	while [ "$i" -le "$SCAN_USERS" ]; do
		[ $((i % 100)) = 0 ] && printf 'bgs%05d@example.com\n' "$i"
		i=$((i + 1))
	done
} >"$W/users.txt"
"$TOOL" --config "$d/conf" import --name bench-users "$W/users.txt" >/dev/null
mkdir "$W/pam.d"
# libpam reads "other" at every pam_start for its default handlers; every host
# has one (Debian's includes common-*).  Without it libpam logs an error line
# on each pam_start, a syslog send no host pays that would sit in every stack
# (and, the sink being awake after it, make a module's own line look cheaper).
# An empty one: no error, and no module loaded for it.
echo "# no default handlers: read at every pam_start" >"$W/pam.d/other"
echo "account required pam_unix.so" >"$W/pam.d/unix"
# Peers in the same place of the stack: what another account module costs.
for peer in permit access faillock; do
	printf 'account required pam_unix.so\naccount required pam_%s.so\n' "$peer" >"$W/pam.d/unix$peer"
done
printf 'account required pam_unix.so\naccount required %s conf=%s\n' "$MODULE" "$d/conf" \
	>"$W/pam.d/unixbg"
# The floor of the design's check (bench/floor.c): NSS's passwd entry for every
# user; for the listed one also its shadow entry, the NOTICE line and the
# message.  No config, key, store or digest: what no implementation can shed.
printf 'account required pam_unix.so\naccount required %s force=%s\n' "$BIN/pam_bgfloor.so" "$UM" \
	>"$W/pam.d/unixfloor"
SVCS="unix unix@$UX unixpermit unixaccess unixfaillock unixfloor unixbg"
if [ -e "$W/bin/pam_breachguard-base.so" ]; then
	printf 'account required pam_unix.so\naccount required %s conf=%s\n' \
		"$W/bin/pam_breachguard-base.so" "$d/conf" >"$W/pam.d/unixbgbase"
	SVCS="$SVCS unixbgbase"
fi
for variant in plain preloaded; do
	pre=""
	svcs=$SVCS
	[ "$variant" = preloaded ] && pre=$MODLIBS && svcs="unix unixbg"
	for r in $(seq "$FAST"); do
		for u in $UM $UU; do
			# Every stack in turn within each iteration: the same noise hits all.
			LD_PRELOAD=$pre "$BIN/acct" -m "$W/pam.d" "$u" "$ITERS" $svcs >"$W/acct.out"
			while read -r svc us mean res; do
				row acct "$variant" "$svc" "$u" "$r" "$us" "$(echo "$res" | tr ' ' _)"
			done <"$W/acct.out"
		done
		say "account phase ($variant), run $r/$FAST"
	done
done
# One check per process (su, sudo, login): pam1 spawned PROC times per stack and
# user, the stacks interleaved within each round, in FAST slices.
for r in $(seq "$FAST"); do
	for u in $UM $UU; do
		"$BIN/spawn" $(((PROC + FAST - 1) / FAST)) "$BIN/pam1" "$W/pam.d" "$u" $SVCS >"$W/proc.out"
		while read -r svc med q1 q3 st; do
			row proc "$svc" "$u" "$r" "$med" "$q1" "$q3" "$st"
		done <"$W/proc.out"
	done
	say "one check per process, slice $r/$FAST"
done
if command -v valgrind >/dev/null && [ "${BENCH_CALLGRIND:-1}" = 1 ]; then
	for variant in plain preloaded; do
		pre=""
		[ "$variant" = preloaded ] && pre=$MODLIBS
		for u in $UM $UU; do
			svcs="unix unixbg"
			[ "$variant" = plain ] && svcs="unix unixfloor unixbg"
			for svc in $svcs; do
				LD_PRELOAD=$pre PAM_WRAPPER_DISABLE_DEEPBIND=1 valgrind --tool=callgrind \
					--collect-atstart=no --callgrind-out-file="$W/cg.out" \
					"$BIN/acct" -c "$W/pam.d" "$svc" "$u" >/dev/null 2>"$W/cg.err"
				ir=$(sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$W/cg.err")
				row callgrind "$variant" "$svc" "$u" "$ir"
				if [ "$svc" = unixbg ] && [ "$u" = "$UU" ]; then
					callgrind_annotate --inclusive=yes "$W/cg.out" 2>/dev/null |
						grep -E 'pam_sm_acct_mgmt|bg_store_open|bg_verdict|_dl_relocate_object|pam_start_confdir|pam_end|bg_hmac|EVP_MAC_fetch|mdb_env_open|bg_account_identities|getspnam|getpwnam' |
						sed 's/^ *//' >"$DATA/callgrind-$variant.txt" || true
				fi
			done
		done
	done
	say "callgrind done"
fi

# --- 4. scan over 10,000 accounts (nss_wrapper) ----------------------------------
if [ "$ONLY_PAM" = 1 ]; then
	: # BENCH_ONLY_PAM: no scan
elif [ -n "$NSSW" ]; then
	i=1
	{
		while [ "$i" -le "$SCAN_USERS" ]; do
			printf 'bgs%05d:x:%d:20000:Scan User %d:/nonexistent:/usr/sbin/nologin\n' \
				"$i" $((20000 + i)) "$i"
			i=$((i + 1))
		done
	} >"$W/passwd"
	echo "bgscan:x:20000:" >"$W/group"
	for r in $(seq "$FAST"); do
		for who in $IMPORTERS; do
			t=$TOOL kind=scan
			[ "$who" = base ] && t=$BASE_TOOL kind=scan_prev
			LD_PRELOAD=$NSSW NSS_WRAPPER_PASSWD=$W/passwd NSS_WRAPPER_GROUP=$W/group \
				"$BIN/runstat" "$W/st" "$t" --config "$d/conf" scan --json >"$W/scan.json"
			found=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$W/scan.json")
			row $kind "$SCAN_USERS" "$r" $(cat "$W/st") "$found"
		done
		LD_PRELOAD=$NSSW NSS_WRAPPER_PASSWD=$W/passwd NSS_WRAPPER_GROUP=$W/group \
			"$BIN/runstat" "$W/st" "$BIN/nssfloor" >/dev/null
		row nssfloor "$SCAN_USERS" "$r" $(cat "$W/st") 0
	done
	say "scan done"
else
	say "libnss_wrapper.so not found: scan skipped (make deps installs libnss-wrapper)"
fi

python3 "$B/bench/report.py" "$RAW" | tee "$DATA/results.md"

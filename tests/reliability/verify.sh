#!/bin/sh
# Item 9 (issue 10 item 17): `breachguard verify` against random damage.
# LMDB keeps no page checksums: random bytes in a live page can change a
# verdict silently.  A store with flagged, rotated and clear users (nss_wrapper
# users: no real account is made) is damaged in VERIFY_TRIALS (100) copies,
# each in one random live page (not a free page, per mdb_stat -fff): a few
# random bytes, a bit flip, or the whole page.  For each, with the ASan+UBSan
# tool: `status --json` for every user (the verdict the module computes, same
# function) and `verify`.  Checks: verify exits 1 on every trial whose verdicts
# differ from the undamaged store's; nothing crashes (no signal, no sanitizer
# report) in status or verify (both read in a child: a reader LMDB crashes on a
# damaged page is said, exit 1); and verify passes on the undamaged store.
#   VERIFY_SEED=N   reproduce a run (printed at the start).
. "$(dirname "$0")/lib.sh"
rel_init verify
A_TOOL=$ASAN_BUILD/breachguard
[ -f "$A_TOOL" ] || { fail "ASan build missing: $A_TOOL"; exit 1; }
cp "$A_TOOL" "$T/bin/breachguard-asan" && A_TOOL=$T/bin/breachguard-asan
ASAN_LIB=$(ldd "$A_TOOL" | awk '/libasan/ { print $3; exit }')
NWRAP=
for d in /usr/lib/*-linux-gnu /usr/lib64 /usr/lib; do
	[ -e "$d/libnss_wrapper.so" ] && NWRAP=$d/libnss_wrapper.so && break
done
[ -n "$NWRAP" ] || { fail "libnss_wrapper.so not found"; exit 1; }
export ASAN_OPTIONS=exitcode=86:detect_leaks=0:abort_on_error=0
export UBSAN_OPTIONS=exitcode=87:print_stacktrace=1:halt_on_error=1
TRIALS=${VERIFY_TRIALS:-100}
SEED=${VERIFY_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
note "seed $SEED (VERIFY_SEED=$SEED reproduces this run)"

# 120 users: 1-30 in A and rotated (reset), 31-60 in A, 41-90 in B (newer),
# 91-100 flagged by name, 101-120 in nothing.
awk 'BEGIN { for (i = 1; i <= 120; i++) printf "vu%03d:x:%d:%d::/nonexistent:/bin/sh\n", i, 3000 + i, 3000 + i }' >"$T/passwd"
awk -F: '{ printf "%s:x:%s:\n", $1, $3 }' "$T/passwd" >"$T/group"
USERS=$(cut -d: -f1 "$T/passwd" | tr '\n' ' ')
nss() { env LD_PRELOAD="$NWRAP" NSS_WRAPPER_PASSWD="$T/passwd" NSS_WRAPPER_GROUP="$T/group" "$@"; }
anss() { env LD_PRELOAD="$ASAN_LIB:$NWRAP" NSS_WRAPPER_PASSWD="$T/passwd" NSS_WRAPPER_GROUP="$T/group" "$@"; }

mkstore "$T/base" --map-size 4194304 || exit 1
BASE_CONF=$CONF
gen_addrs 20000 filler_ filler.example "$T/a.txt"
awk 'BEGIN { for (i = 1; i <= 60; i++) printf "vu%03d@rel.example\n", i }' >>"$T/a.txt"
awk 'BEGIN { for (i = 41; i <= 90; i++) printf "vu%03d@rel.example\n", i }' >"$T/b.txt"
bg import --name A --date 2021-01-01 "$T/a.txt" >/dev/null 2>"$T/setup.err" &&
	bg import --name B --date 2022-01-01 "$T/b.txt" >/dev/null 2>>"$T/setup.err" &&
	nss "$TOOL" --config "$CONF" flag --name F $(awk 'BEGIN { for (i = 91; i <= 100; i++) printf "vu%03d ", i }') >/dev/null 2>>"$T/setup.err" &&
	nss "$TOOL" --config "$CONF" reset $(awk 'BEGIN { for (i = 1; i <= 30; i++) printf "vu%03d ", i }') >/dev/null 2>>"$T/setup.err" ||
	{ fail "setup: $(cat "$T/setup.err")"; exit 1; }

# verdicts CONF OUT: "user verdict" lines of status --json (ASan tool); returns its exit.
verdicts() {
	# shellcheck disable=SC2086
	anss "$A_TOOL" --config "$1" status --json $USERS >"$2.json" 2>"$2.err"
	_rc=$?
	# One account a line, whatever fields stand around "user" and "verdict".
	python3 -c 'import json, sys
for o in json.load(open(sys.argv[1])): print(o["user"], o["verdict"])' "$2.json" >"$2" 2>/dev/null
	return $_rc
}
crashed() { [ "$1" -ge 86 ] || [ "$1" -gt 128 ] || grep -qE 'Sanitizer|runtime error|Segmentation' "$2"; }

verdicts "$BASE_CONF" "$T/base.verdicts" || { fail "status on the undamaged store: $(cat "$T/base.verdicts.err")"; exit 1; }
for v in rotated enforce clear; do
	grep -q " $v\$" "$T/base.verdicts" || { fail "the undamaged store has no $v user: $(cat "$T/base.verdicts")"; exit 1; }
done
anss "$A_TOOL" --config "$BASE_CONF" verify >"$T/v0.out" 2>&1
check "verify passes on the undamaged store ($(tail -n 1 "$T/v0.out" | cut -c1-120))" [ $? = 0 ]

# The live pages: 2 .. last used, less the free list.
USED=$(bg stats --json | sed -n 's/.*"used_bytes": \([0-9]*\).*/\1/p')
LAST=$((USED / 4096 - 1))
mdb_stat -fff "$T/base" 2>/dev/null | awk '
	/^ +[0-9]+(\[[0-9]+\])?$/ { n = $1; c = 1; if (n ~ /\[/) { split(n, p, "["); n = p[1]; c = p[2] + 0 }
		for (i = 0; i < c; i++) print n + i }' | sort -n >"$T/free"
awk -v last="$LAST" 'NR == FNR { free[$1] = 1; next } END { for (p = 2; p <= last; p++) if (!(p in free)) print p }' \
	"$T/free" /dev/null >"$T/live"
NLIVE=$(wc -l <"$T/live" | tr -d ' ')
note "$NLIVE live pages of $((LAST + 1)) ($(wc -l <"$T/free" | tr -d ' ') free)"
[ "$NLIVE" -gt 5 ] || { fail "too few live pages ($NLIVE)"; exit 1; }

changed=0 detected=0 missed=0 crashes=0 flagged_clean=0 said=0 i=1
awk -v seed="$SEED" -v n="$TRIALS" -v live="$NLIVE" 'BEGIN { srand(seed);
	for (t = 1; t <= n; t++) { kind = int(rand() * 3); pg = 1 + int(rand() * live);
		off = int(rand() * 4096); len = 1 + int(rand() * 16); bit = int(rand() * 8);
		print t, kind, pg, off, len, bit } }' >"$T/plan"
while read -r t kind pgi off len bit; do
	pg=$(sed -n "${pgi}p" "$T/live")
	S=$T/c
	rm -rf "$S" && cp -a "$T/base" "$S" || { fail "copy"; break; }
	C=$T/c.conf
	mkconf "$C" "$S" "$T/base.key"
	case $kind in
	0) dd if=/dev/urandom of="$S/data.mdb" bs=1 count="$len" seek=$((pg * 4096 + off)) conv=notrunc 2>/dev/null
		what="$len random byte(s) at page $pg+$off" ;;
	1) b=$(od -An -tu1 -j $((pg * 4096 + off)) -N1 "$S/data.mdb" | tr -d ' ')
		printf "$(printf '\\%03o' $((b ^ (1 << bit))))" | dd of="$S/data.mdb" bs=1 seek=$((pg * 4096 + off)) conv=notrunc 2>/dev/null
		what="bit $bit of byte $pg+$off" ;;
	*) dd if=/dev/urandom of="$S/data.mdb" bs=4096 count=1 seek="$pg" conv=notrunc 2>/dev/null
		what="all of page $pg" ;;
	esac
	verdicts "$C" "$T/t.verdicts"
	src=$?
	if crashed "$src" "$T/t.verdicts.err"; then
		crashes=$((crashes + 1))
		fail "trial $t ($what): status crashed (exit $src): $(grep -m 3 -E 'ERROR|runtime error|SUMMARY' "$T/t.verdicts.err")"
	fi
	# A reader LMDB sent through a wild pointer dies in status's child; status says so.
	grep -q 'reading the store .* crashed (signal' "$T/t.verdicts.err" && said=$((said + 1))
	anss "$A_TOOL" --config "$C" verify >"$T/t.verify" 2>&1
	vrc=$?
	if crashed "$vrc" "$T/t.verify"; then
		crashes=$((crashes + 1))
		fail "trial $t ($what): verify crashed (exit $vrc): $(grep -m 3 -E 'ERROR|runtime error|SUMMARY' "$T/t.verify")"
	fi
	diff_=0
	if [ "$src" = 0 ] && ! cmp -s "$T/base.verdicts" "$T/t.verdicts"; then diff_=1; fi
	if [ "$diff_" = 1 ]; then
		changed=$((changed + 1))
		if [ "$vrc" = 1 ]; then
			detected=$((detected + 1))
		else
			missed=$((missed + 1))
			fail "trial $t ($what): verdicts changed ($(diff "$T/base.verdicts" "$T/t.verdicts" | grep '^>' | head -3 | tr '\n' ' ')) but verify exited $vrc: $(head -c 300 "$T/t.verify")"
		fi
	elif [ "$vrc" = 1 ]; then
		flagged_clean=$((flagged_clean + 1))
	fi
	i=$((i + 1))
done <"$T/plan"
note "$TRIALS trials: $changed changed a verdict (status exit 0, other verdicts), all detected: $detected; missed: $missed; verify also flagged $flagged_clean that changed none; crashes: $crashes; status said a crashed reader: $said"
[ "$missed" = 0 ] && pass "verify detected every one of the $changed trials (of $TRIALS) whose damage changed a verdict"
[ "$crashes" = 0 ] && pass "no crash in status or verify over $TRIALS damaged stores (ASan+UBSan)"
rel_done

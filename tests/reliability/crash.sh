#!/bin/sh
# Item 1, crash safety: an import of 2M addresses is killed (SIGKILL) at 20
# random points spread over its whole run, half of them aimed at the write
# phase (the import holds writer.lock, seen in /proc/locks, only while its one
# write transaction runs).  After each kill: `advisories --json` works, the
# earlier advisories are there with their exact counts, the interrupted one is
# absent, the store's totals are exact, a flagged user is still enforced.  Then
# a final re-import succeeds.
#   RELIABILITY_SEED=N  reproduces a run's kill points.
. "$(dirname "$0")/lib.sh"
rel_init crash

TRIALS=${RELIABILITY_CRASH_TRIALS:-20}
N=${RELIABILITY_CRASH_ADDRS:-2000000}
SEED=${RELIABILITY_SEED:-$(date +%s)}
say "  seed $SEED (RELIABILITY_SEED=$SEED reproduces the kill points), $N addresses, $TRIALS kills"

mkstore "$T/store" || exit 1
export TMPDIR="$T" # the import's spool file
gen_addrs "$N" user crash.example "$T/big.txt"
mkuser c
U1=$U
gen_addrs 1000 early1_ early.example "$T/e1.txt"
echo "$U1@rel.example" >>"$T/e1.txt"
gen_addrs 5000 early2_ early.example "$T/e2.txt"
bg import --name early-1 --date 2021-03-01 "$T/e1.txt" >"$T/imp.out" 2>&1 &&
	bg import --name early-2 --date 2021-04-01 "$T/e2.txt" >>"$T/imp.out" 2>&1 ||
	{ fail "setup imports: $(cat "$T/imp.out")"; exit 1; }
GATE_INO=$(stat -c %i "$T/store/writer.lock")

# Calibration: how long the import runs and when its write phase begins, in a
# scratch store (the same files, so the same work).
mkconf "$T/cal.conf" "$T/cal" "$T/store.key"
"$TOOL" --config "$T/cal.conf" init >/dev/null 2>&1 || { fail "init scratch store"; exit 1; }
CAL_INO=$(stat -c %i "$T/cal/writer.lock")
"$TOOL" --config "$T/cal.conf" import --name crash --date 2021-05-01 "$T/big.txt" >/dev/null 2>&1 &
cpid=$!
"$STORETOOL" watch "$cpid" "$CAL_INO" >"$T/cal.out"
wait "$cpid" || { fail "calibration import failed"; exit 1; }
read -r _ WS _ WE _ DUR _ <"$T/cal.out"
[ "$WS" != "-1.000" ] || { fail "calibration: the import never held writer.lock"; exit 1; }
say "  calibration: import takes ${DUR}s, write phase (writer.lock held) from ${WS}s to ${WE}s"
rm -rf "$T/cal"

# Kill points: odd trials at a random time of the whole run ("at"), even ones
# at a random time after the import took writer.lock ("write").
awk -v s="$SEED" -v n="$TRIALS" -v d="$DUR" -v ws="$WS" -v we="$WE" 'BEGIN {
	srand(s)
	for (i = 1; i <= n; i++) {
		if (i % 2) printf "at %.3f\n", rand() * d
		else printf "write %.3f\n", rand() * (we - ws) * 0.9
	}
}' >"$T/delays"

# Every outcome must be all or nothing: the interrupted advisory absent (and the
# store's totals as before), or, when the kill came after the commit, whole.
# A kill while writer.lock is held is a kill inside the write transaction.
mid_write=0 before_write=0 after_commit=0 trial=0
while read -r mode delay; do
	trial=$((trial + 1))
	"$TOOL" --config "$CONF" import --name crash --date 2021-05-01 "$T/big.txt" >"$T/crash.out" 2>&1 &
	pid=$!
	phase=$("$STORETOOL" kill "$pid" "$GATE_INO" "$mode" "$delay")
	wait "$pid" 2>/dev/null
	rc=$?
	why=""
	cc=unknown
	if ! adv_json; then
		why="advisories --json failed: $(cat "$T/adv.err")"
	else
		c1=$(adv_count early-1)
		c2=$(adv_count early-2)
		cc=$(adv_count crash)
		[ "$c1" = 1001 ] || why="$why early-1 has $c1 (want 1001);"
		[ "$c2" = 5000 ] || why="$why early-2 has $c2 (want 5000);"
		case $cc in
		absent) want_exp=6001 ;;
		"$N") want_exp=$((6001 + N)) ;;
		*) why="$why advisory crash is partial ($cc of $N);" want_exp=x ;;
		esac
	fi
	bg stats --json >"$T/stats.json" 2>"$T/stats.err" || why="$why stats failed: $(cat "$T/stats.err");"
	grep -q "\"exposures\": ${want_exp:-x}, " "$T/stats.json" &&
		grep -q "\"identities\": ${want_exp:-x}, " "$T/stats.json" ||
		why="$why stats $(cat "$T/stats.json") (want exposures and identities ${want_exp:-?});"
	st=$(bg status "$U1" 2>&1)
	case $st in *enforce*) ;; *) why="$why status of a flagged user: $st;" ;; esac
	if [ "$cc" = absent ]; then
		[ "$phase" = write ] && mid_write=$((mid_write + 1)) || before_write=$((before_write + 1))
		what="$phase$([ "$phase" = write ] && echo ", inside the write txn"): interrupted import absent"
	else
		after_commit=$((after_commit + 1))
		what="after the commit (exit $rc): advisory whole"
		bg forget crash >/dev/null 2>&1 || why="$why forget after a committed import failed;"
	fi
	if [ -z "$why" ]; then
		pass "trial $trial: SIGKILL $mode+${delay}s, $what; earlier advisories exact"
	else
		fail "trial $trial: SIGKILL $mode+${delay}s ($phase, exit $rc):$why"
	fi
done <"$T/delays"
say "  kills: $before_write before the write phase, $mid_write inside the write transaction, $after_commit after the commit"
if [ "$mid_write" -ge $((TRIALS / 4)) ]; then
	pass "the write phase was hit: $mid_write of $TRIALS kills inside the write transaction left nothing"
else
	fail "only $mid_write of $TRIALS kills landed inside the write transaction (want >= $((TRIALS / 4)))"
fi

# The store still takes the same import whole.
if bg import --name crash --date 2021-05-01 "$T/big.txt" >"$T/final.out" 2>&1 && adv_json &&
	[ "$(adv_count crash)" = "$N" ] && [ "$(adv_count early-1)" = 1001 ]; then
	pass "re-import after $TRIALS kills: advisory crash with $N identities"
else
	fail "re-import after the kills: $(tail -n 3 "$T/final.out") crash=$(adv_count crash)"
fi
rel_done

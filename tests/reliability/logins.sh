#!/bin/sh
# Item 2, logins during writes: 16 processes run account checks in a loop
# through the real libpam (pam_start_confdir, on_error=closed so that any error
# shows as PAM_PERM_DENIED) while an import of 1M addresses and a `forget` run.
# Users (real, made with useradd): F stays flagged, C stays clear, G is in the
# advisory being forgotten, N in the one being imported.
# Checked, from a per-check log with CLOCK_MONOTONIC times (comparable across
# processes) and the writers' write windows (writer.lock held, from /proc/locks):
#   - every result is PAM_NEW_AUTHTOK_REQD or PAM_SUCCESS, none an error;
#   - every result is the verdict of the state before or after the write: a check
#     that ended before a write window began sees the old state, one that began
#     after it ended sees the new one, and each process sees each user change at
#     most once (old... then new...);
#   - no check waits on the writer: checks complete inside the write windows,
#     and the slowest check is far shorter than the import.
. "$(dirname "$0")/lib.sh"
rel_init logins

PROCS=${RELIABILITY_LOGIN_PROCS:-16}
# A roomy map: a forget that finds the map full fails (see space.sh), not the point here.
mkstore "$T/store" --map-size 536870912 || exit 1
export TMPDIR="$T"
mkuser f && F=$U
mkuser c && C=$U
mkuser g && G=$U
mkuser n && N=$U
[ -n "${N:-}" ] || exit 1
echo "$F@rel.example" >"$T/base.txt"
gen_addrs 20000 gone_ old.example "$T/forgetme.txt"
echo "$G@rel.example" >>"$T/forgetme.txt"
gen_addrs 1000000 new_ new.example "$T/incoming.txt"
echo "$N@rel.example" >>"$T/incoming.txt"
{ bg import --name base --date 2021-01-10 "$T/base.txt" &&
	bg import --name forgetme --date 2021-02-10 "$T/forgetme.txt"; } >"$T/setup.out" 2>&1 ||
	{ fail "setup: $(cat "$T/setup.out")"; exit 1; }
GATE_INO=$(stat -c %i "$T/store/writer.lock")
mkservice other "account required pam_deny.so"
mkservice bgrel "account required $MODULE conf=$CONF on_error=closed"

# Sanity: the states before.
before=$("$PAMLOOP" -D "$T/pam.d" once "$F" "$C" "$G" "$N" | grep -v '^msg:' | tr '\n' ' ')
want="$F PAM_NEW_AUTHTOK_REQD $C PAM_SUCCESS $G PAM_NEW_AUTHTOK_REQD $N PAM_SUCCESS "
[ "$before" = "$want" ] || { fail "states before the writes: $before (want $want)"; exit 1; }

export BGREL_SYSLOG="$T/syslog"
i=0
pids=""
while [ $i -lt "$PROCS" ]; do
	i=$((i + 1))
	run_bg p "$PAMLOOP" -D "$T/pam.d" -x "$T/stop" -l "$T/checks.$i" \
		-e PAM_SUCCESS,PAM_NEW_AUTHTOK_REQD loop "$F" "$C" "$G" "$N" >"$T/loop.$i" 2>&1
	pids="$pids $p"
done
sleep 1
# The import, then the forget (which waits for the import's gate: the tool may wait).
t0=$(date +%s.%N)
"$TOOL" --config "$CONF" import --name incoming --date 2021-03-10 "$T/incoming.txt" >"$T/import.out" 2>&1 &
ipid=$!
"$STORETOOL" watch "$ipid" "$GATE_INO" >"$T/import.win" &
iw=$!
wait "$ipid"
irc=$?
t1=$(date +%s.%N)
wait "$iw"
"$TOOL" --config "$CONF" forget forgetme >"$T/forget.out" 2>&1 &
fpid=$!
"$STORETOOL" watch "$fpid" "$GATE_INO" >"$T/forget.win" &
fw=$!
wait "$fpid"
frc=$?
wait "$fw"
sleep 1
touch "$T/stop"
lrc=0
for p in $pids; do wait "$p" || lrc=1; done
IMPORT_S=$(echo "$t1 - $t0" | bc)

[ "$irc" = 0 ] && pass "import of 1M addresses during the logins (${IMPORT_S}s)" ||
	fail "import failed: $(tail -n 3 "$T/import.out")"
[ "$frc" = 0 ] && pass "forget during the logins" || fail "forget failed (exit $frc): $(cat "$T/forget.out")"

cat "$T"/checks.* >"$T/all.checks"
CHECKS=$(wc -l <"$T/all.checks")
errors=$(awk '$4 != "PAM_SUCCESS" && $4 != "PAM_NEW_AUTHTOK_REQD"' "$T/all.checks" | wc -l)
if [ "$lrc" = 0 ] && [ "$errors" = 0 ] && [ "$CHECKS" -gt 0 ]; then
	pass "$CHECKS checks by $PROCS processes: every result PAM_SUCCESS or PAM_NEW_AUTHTOK_REQD"
else
	fail "$errors of $CHECKS checks returned something else: $(awk '$4 != "PAM_SUCCESS" && $4 != "PAM_NEW_AUTHTOK_REQD"' "$T/all.checks" | head -n 3 | tr '\n' ';') $(cat "$T"/loop.* | grep -v '^seq\|^[a-z_]* [0-9.]*$' | head -n 3)"
fi

# Per process and user: one run of the old state, then one of the new, at most.
bad_seq=$(cat "$T"/loop.* | awk -v f="$F" -v c="$C" -v g="$G" -v n="$N" '
	$1 != "seq" { next }
	$2 == f && $3 !~ /^PAM_NEW_AUTHTOK_REQD:[0-9]+$/ { print; next }
	$2 == c && $3 !~ /^PAM_SUCCESS:[0-9]+$/ { print; next }
	$2 == g && $3 !~ /^(PAM_NEW_AUTHTOK_REQD:[0-9]+)?(,?PAM_SUCCESS:[0-9]+)?$/ { print; next }
	$2 == n && $3 !~ /^(PAM_SUCCESS:[0-9]+)?(,?PAM_NEW_AUTHTOK_REQD:[0-9]+)?$/ { print; next }')
[ -z "$bad_seq" ] && pass "each process saw each user change at most once, old state then new" ||
	fail "a process saw a state flip back: $bad_seq"

# Against the write windows.
read -r _ _ _ _ _ _ _ IWS IWE _ IHOLDS <"$T/import.win"
read -r _ _ _ _ _ _ _ FWS FWE _ FHOLDS <"$T/forget.win"
say "  import write window $(echo "$IWE - $IWS" | bc)s ($IHOLDS hold(s) of writer.lock), forget write window $(echo "$FWE - $FWS" | bc)s"
awk -v n="$N" -v g="$G" -v iws="$IWS" -v iwe="$IWE" -v fws="$FWS" -v fwe="$FWE" '
	# user N: old (clear) before the import wrote, new (enforced) after
	$3 == n && $2 < iws && $4 != "PAM_SUCCESS" { bad++; print "N before: " $0 }
	$3 == n && $1 > iwe && $4 != "PAM_NEW_AUTHTOK_REQD" { bad++; print "N after: " $0 }
	$3 == g && $2 < fws && $4 != "PAM_NEW_AUTHTOK_REQD" { bad++; print "G before: " $0 }
	$3 == g && $1 > fwe && $4 != "PAM_SUCCESS" { bad++; print "G after: " $0 }
	$3 == n && $2 < iws { nb++ } $3 == n && $1 > iwe { na++ }
	$3 == g && $2 < fws { gb++ } $3 == g && $1 > fwe { ga++ }
	$1 >= iws && $2 <= iwe { inside_i++ }
	$1 >= fws && $2 <= fwe { inside_f++ }
	END {
		printf "summary bad=%d n_before=%d n_after=%d g_before=%d g_after=%d inside_import=%d inside_forget=%d\n",
			bad, nb, na, gb, ga, inside_i, inside_f
	}' "$T/all.checks" >"$T/windows.out"
sum=$(tail -n 1 "$T/windows.out")
eval "$(echo "$sum" | sed 's/^summary //')"
if [ "$bad" = 0 ] && [ "$n_before" -gt 0 ] && [ "$n_after" -gt 0 ] && [ "$g_before" -gt 0 ] && [ "$g_after" -gt 0 ]; then
	pass "checks before each write window saw the old state, after it the new (N: $n_before before, $n_after after; G: $g_before before, $g_after after)"
else
	fail "state against the write windows: $sum $(head -n 3 "$T/windows.out" | tr '\n' ';')"
fi

MAX_US=$(awk '{ l = ($2 - $1) * 1e6; if (l > m) m = l } END { printf "%.0f", m }' "$T/all.checks")
P99_US=$(awk '{ printf "%.0f\n", ($2 - $1) * 1e6 }' "$T/all.checks" | sort -n |
	awk '{ a[NR] = $1 } END { print a[int(NR * 0.99)] }')
IMPORT_US=$(echo "$IMPORT_S * 1000000 / 1" | bc)
say "  latency: max ${MAX_US}us, p99 ${P99_US}us; import ${IMPORT_US}us; $inside_import checks inside the import's write window, $inside_forget inside the forget's"
if [ "$inside_import" -gt 0 ] && [ "$inside_forget" -gt 0 ] && [ "$MAX_US" -lt $((IMPORT_US / 4)) ]; then
	pass "no check waits on the writer: $inside_import + $inside_forget checks completed inside the write windows; max latency ${MAX_US}us < 1/4 of the import (${IMPORT_S}s)"
else
	fail "waiting on the writer? max latency ${MAX_US}us, import ${IMPORT_US}us, checks inside windows $inside_import/$inside_forget"
fi
echo "$CHECKS $MAX_US $P99_US $IMPORT_US" >"${RELIABILITY_FIGURES:-/dev/null}" 2>/dev/null || :
errs=$(grep -c '^err ' "$T/syslog" 2>/dev/null)
[ "${errs:-0}" = 0 ] && pass "no error in the module's syslog lines during the writes" ||
	fail "$errs error lines in syslog: $(grep '^err ' "$T/syslog" | sort | uniq -c | head -n 3)"
rel_done

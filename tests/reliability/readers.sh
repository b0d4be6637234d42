#!/bin/sh
# Item 3, stale readers: processes (storetool hold, linked with libbreachguard)
# open the store, begin a read transaction and are killed with SIGKILL while
# holding it, in three rounds of 60: 180 dead readers, more than the 126 slots
# of the reader table.  A keeper process holds the environment open all along,
# so the table is never reset by a first opener: only the store's own
# mdb_reader_check can free the slots.  After each round, readers, writers and
# the module work, and the slots in use (LMDB's reader list) are back to the
# keeper's; `breachguard stats` must say so too.
. "$(dirname "$0")/lib.sh"
rel_init readers

mkstore "$T/store" || exit 1
mkuser r
echo "$U@rel.example" >"$T/a.txt"
bg import --name stale --date 2021-01-01 "$T/a.txt" >/dev/null 2>&1 || { fail "setup import"; exit 1; }
mkservice other "account required pam_deny.so"
mkservice bgrel "account required $MODULE conf=$CONF on_error=closed"

run_bg keeper "$STORETOOL" hold "$T/store" "$T/store.key" env >"$T/keeper.out" 2>&1
sleep 0.3
ROUNDS=3 PER=60
round=0
while [ $round -lt $ROUNDS ]; do
	round=$((round + 1))
	pids=""
	i=0
	while [ $i -lt $PER ]; do
		i=$((i + 1))
		run_bg p "$STORETOOL" hold "$T/store" "$T/store.key" txn >"$T/hold.$round.$i" 2>&1
		pids="$pids $p"
	done
	# Wait until every holder has its read txn.
	n=0
	while [ "$(cat "$T"/hold.$round.* 2>/dev/null | grep -c ready)" -lt $PER ] && [ $n -lt 300 ]; do
		sleep 0.05
		n=$((n + 1))
	done
	held=$(cat "$T"/hold.$round.* | grep -c ready)
	inuse=$("$STORETOOL" readers "$T/store")
	for p in $pids; do kill -9 "$p"; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	why=""
	[ "$held" = $PER ] || why="$why only $held of $PER holders got a read txn: $(cat "$T"/hold.$round.* | grep -v ready | head -n 2);"
	# Later readers, writers and the module.
	r=$("$PAMLOOP" -D "$T/pam.d" once "$U" | grep -v '^msg:')
	[ "$r" = "$U PAM_NEW_AUTHTOK_REQD" ] || why="$why module after the kill: $r;"
	bg status "$U" >"$T/status.out" 2>&1 || why="$why status failed: $(cat "$T/status.out");"
	gen_addrs 1000 "r${round}_" stale.example "$T/r$round.txt"
	bg import --name "round-$round" "$T/r$round.txt" >"$T/imp.out" 2>&1 || why="$why import failed: $(tail -n 2 "$T/imp.out");"
	after=$("$STORETOOL" readers "$T/store")
	case $after in "in_use 0 "*) ;; *) why="$why reader slots still in use after the kill: $after;" ;; esac
	if [ -z "$why" ]; then
		pass "round $round: $PER readers killed holding a read txn ($inuse while held); module, status and import work; slots freed ($after)"
	else
		fail "round $round:$why"
	fi
done
# `stats` reports the reader slots: after the cleanup only its own should be in use.
bg stats --json >"$T/stats.json" 2>"$T/stats.err"
readers=$(sed -n 's/.*"readers": \([0-9]*\).*/\1/p' "$T/stats.json")
if [ -n "$readers" ] && [ "$readers" -le 2 ]; then
	pass "breachguard stats shows the slots freed (readers: $readers)"
else
	fail "breachguard stats reports readers: ${readers:-?} after $((ROUNDS * PER)) dead readers were cleared (LMDB's reader list: $("$STORETOOL" readers "$T/store")): it prints me_numreaders, a high-water mark, not the slots in use"
fi
# Live readers that stay in their transaction (a user's su under kill -STOP)
# fill the table while a writer holds the gate, so the module must read the
# LMDB way: with on_error=open too the check is refused (PAM_PERM_DENIED), never
# let through (PAM_IGNORE) for whoever fills the table.
mkservice bgrelopen "account required $MODULE conf=$CONF on_error=open"
run_bg filler "$STORETOOL" fill "$T/store" >"$T/fill.out" 2>&1
n=0
while ! grep -q -e full -e storetool "$T/fill.out" && [ $n -lt 300 ]; do
	sleep 0.05
	n=$((n + 1))
done
run_bg gate flock -x "$T/store/writer.lock" sleep 30
sleep 0.3
r=$("$PAMLOOP" -D "$T/pam.d" -s bgrelopen once "$U" | grep -v '^msg:')
kill -9 "$gate" "$filler" 2>/dev/null
wait "$gate" 2>/dev/null
wait "$filler" 2>/dev/null
if [ "$r" = "$U PAM_PERM_DENIED" ] && grep -q full "$T/fill.out"; then
	pass "a full reader table ($(cat "$T/fill.out")) while a writer holds the gate: refused with on_error=open"
else
	fail "a full reader table while a writer holds the gate, on_error=open: $r (want PAM_PERM_DENIED); filler: $(cat "$T/fill.out")"
fi
kill -9 "$keeper"
rel_done

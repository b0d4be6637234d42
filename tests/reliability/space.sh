#!/bin/sh
# Item 4, full map and full disk.
#  a. A store made with the smallest map (init --map-size 65536) takes an import
#     of 200k addresses: the map grows and the import finishes, while the module
#     answers account checks in a loop (on_error=closed: an error would show).
#  b. A forget right after a big import (the map sized tightly around the data)
#     must grow the map or say why it cannot: never a silent exit 1.
#  c. A store on a 2 MB tmpfs: an import too big for it fails with a clear "no
#     space" error, exit 1, the store unchanged and still usable (module, status,
#     a small import); the module's checks during the failing import all right.
#  d. The import's spool (3M addresses: sorted runs spill to $TMPDIR) on a full
#     file system: a clear error, exit 1, store unchanged.
#  e. init on a file system with less room than the map: a clear error, and
#     nothing half-made left behind (a second init must not find "a store").
. "$(dirname "$0")/lib.sh"
rel_init space
export TMPDIR="$T"
mkservice other "account required pam_deny.so"
mkuser f && F=$U
mkuser c && C=$U
[ -n "${C:-}" ] || exit 1

# loop_start CONF: account checks of F (flagged) and C (clear) until $T/stop.
loop_start() {
	rm -f "$T/stop"
	mkservice bgrel "account required $MODULE conf=$1 on_error=closed"
	run_bg LOOP "$PAMLOOP" -D "$T/pam.d" -x "$T/stop" -e PAM_SUCCESS,PAM_NEW_AUTHTOK_REQD \
		loop "$F" "$C" >"$T/loop.out" 2>&1
}
loop_stop() {
	touch "$T/stop"
	wait "$LOOP"
	LOOP_RC=$?
	LOOP_SUM="$(grep -E '^(checks|errors) ' "$T/loop.out" | tr '\n' ' ')"
	seqs=$(grep '^seq' "$T/loop.out" | tr '\n' ' ')
	case $seqs in
	"seq $F PAM_NEW_AUTHTOK_REQD:"*" seq $C PAM_SUCCESS:"*) ;;
	*) LOOP_RC=1 LOOP_SUM="$LOOP_SUM $seqs $(grep -v '^seq\|^[a-z_]* [0-9.-]*$' "$T/loop.out" | head -n 3)" ;;
	esac
}

# --- a. map growth --------------------------------------------------------------
mkstore "$T/tiny" --map-size 65536 || exit 1
echo "$F@rel.example" >"$T/f.txt"
bg import --name flagged --date 2021-01-01 "$T/f.txt" >/dev/null 2>&1 || fail "a: small import into a 64 KiB map"
map0=$(bg stats --json | sed -n 's/.*"map_size": \([0-9]*\).*/\1/p')
gen_addrs 200000 grow_ grow.example "$T/200k.txt"
loop_start "$CONF"
bg import --name grow --date 2021-02-01 "$T/200k.txt" >"$T/grow.out" 2>&1
rc=$?
loop_stop
adv_json
map1=$(bg stats --json | sed -n 's/.*"map_size": \([0-9]*\).*/\1/p')
if [ "$rc" = 0 ] && [ "$(adv_count grow)" = 200000 ] && [ "$(adv_count flagged)" = 1 ] && [ "${map1:-0}" -gt "${map0:-0}" ]; then
	pass "a: 200k addresses into a store made with a 64 KiB map: grew $map0 -> $map1 bytes, finished, 200000 identities"
else
	fail "a: import into a tiny map: exit $rc, grow=$(adv_count grow), map $map0 -> $map1: $(tail -n 3 "$T/grow.out")"
fi
[ "$LOOP_RC" = 0 ] && pass "a: the module during the growth: every check right ($LOOP_SUM)" ||
	fail "a: the module during the growth: $LOOP_SUM"

# --- b. forget on a tight map -----------------------------------------------------
mkstore "$T/tight" || exit 1
gen_addrs 20000 gone_ old.example "$T/20k.txt"
gen_addrs 1000000 many_ new.example "$T/1m.txt"
bg import --name forgetme "$T/20k.txt" >/dev/null 2>&1 && bg import --name many "$T/1m.txt" >/dev/null 2>&1 ||
	fail "b: setup imports"
bg stats --json >"$T/tight.stats"
bg forget forgetme >"$T/forget.out" 2>"$T/forget.err"
rc=$?
adv_json
if [ "$rc" = 0 ] && [ "$(adv_count forgetme)" = absent ] && [ "$(adv_count many)" = 1000000 ]; then
	pass "b: forget of 20k identities after a 1M import (map grown as needed)"
elif [ "$rc" = 1 ] && [ -s "$T/forget.err" ]; then
	fail "b: forget after a 1M import failed, though with a message: $(cat "$T/forget.err") (stats before: $(cat "$T/tight.stats"))"
else
	fail "b: forget after a 1M import: exit $rc with no message at all (stderr: \"$(cat "$T/forget.err")\"); the advisory is still there ($(adv_count forgetme)); stats before: $(cat "$T/tight.stats")"
fi
rm -rf "$T/tight"

# --- c. full disk -------------------------------------------------------------------
mkdir -m 0700 "$T/mnt"
mount -t tmpfs -o size=2m,mode=0700 bgrel-tmpfs "$T/mnt" || { fail "c: cannot mount a tmpfs"; rel_done; exit 1; }
cleanup_add "umount -l '$T/mnt'"
mkconf "$T/full.conf" "$T/mnt/store" "$T/tiny.key"
CONF=$T/full.conf
bg init --map-size 1048576 >"$T/init.out" 2>&1 || fail "c: init on a 2 MB tmpfs: $(cat "$T/init.out")"
bg import --name flagged --date 2021-01-01 "$T/f.txt" >/dev/null 2>&1 || fail "c: small import on the tmpfs"
# One check first: enforcement begins and the module records F's fingerprint
# (its one write), which must not count as a change below.
mkservice bgrel "account required $MODULE conf=$CONF on_error=closed"
"$PAMLOOP" -D "$T/pam.d" once "$F" >/dev/null
adv_json && cp "$T/adv.json" "$T/adv.before"
bg stats --json | sed 's/"map_size": [0-9]*, "used_bytes": [0-9]*, //; s/"readers": [0-9]*, //' >"$T/stats.before"
loop_start "$CONF"
bg import --name toobig --date 2021-03-01 "$T/1m.txt" >"$T/full.out" 2>"$T/full.err"
rc=$?
loop_stop
adv_json
bg stats --json | sed 's/"map_size": [0-9]*, "used_bytes": [0-9]*, //; s/"readers": [0-9]*, //' >"$T/stats.after"
if [ "$rc" = 1 ] && grep -qi "no space" "$T/full.err"; then
	pass "c: import too big for a 2 MB file system: exit 1, \"$(tail -n 1 "$T/full.err")\""
else
	fail "c: import on a full file system: exit $rc, stderr: $(cat "$T/full.err")"
fi
cmp -s "$T/adv.before" "$T/adv.json" && cmp -s "$T/stats.before" "$T/stats.after" &&
	pass "c: store unchanged (advisories and counts identical)" ||
	fail "c: store changed: $(cat "$T/adv.json") $(cat "$T/stats.after") (before: $(cat "$T/stats.before"))"
[ "$LOOP_RC" = 0 ] && pass "c: the module during the failing import: every check right ($LOOP_SUM)" ||
	fail "c: the module during the failing import: $LOOP_SUM"
r=$("$PAMLOOP" -D "$T/pam.d" once "$F" "$C" | grep -v '^msg:' | tr '\n' ' ')
st=$(bg status "$F" 2>&1)
bg import --name small-after "$T/f.txt" >"$T/after.out" 2>&1
arc=$?
if [ "$r" = "$F PAM_NEW_AUTHTOK_REQD $C PAM_SUCCESS " ] && case $st in *enforce*) true ;; *) false ;; esac && [ "$arc" = 0 ]; then
	pass "c: still usable after the failure: module, status and a small import work"
else
	fail "c: after the failure: module \"$r\", status \"$st\", small import exit $arc: $(tail -n 2 "$T/after.out")"
fi

# --- d. the spool on a full file system ------------------------------------------------
CONF=$T/tiny.conf
adv_json && cp "$T/adv.json" "$T/adv.before"
dd if=/dev/zero of="$T/mnt/filler" bs=64k 2>/dev/null
# Enough addresses that the import spills sorted runs to its spool file.
gen_addrs 3000000 spill_ spill.example "$T/3m.txt"
TMPDIR="$T/mnt" bg import --name spool "$T/3m.txt" >"$T/spool.out" 2>"$T/spool.err"
rc=$?
adv_json
if [ "$rc" = 1 ] && grep -qi "space" "$T/spool.err" && cmp -s "$T/adv.before" "$T/adv.json"; then
	pass "d: spool file on a full file system: exit 1, \"$(tail -n 1 "$T/spool.err")\", store unchanged"
else
	fail "d: spool on a full file system: exit $rc, stderr: $(cat "$T/spool.err")"
fi

# --- e. init with no room for the map -------------------------------------------------
# The tmpfs is full now (d's filler): a fresh store there cannot get its map.
printf 'store = %s\nkey_file = %s\n' "$T/mnt/noroom" "$T/noroom.key" >"$T/noroom.conf"
chmod 0644 "$T/noroom.conf"
CONF=$T/noroom.conf
bg init >"$T/noroom.out" 2>&1
rc=$?
if [ "$rc" = 1 ] && grep -qi "space\|allocate" "$T/noroom.out" && [ ! -e "$T/mnt/noroom" ]; then
	pass "e: init with no room for the map: exit 1, \"$(grep -i 'allocate\|space' "$T/noroom.out" | head -n 1)\", nothing left behind"
else
	fail "e: init with no room: exit $rc, left: $(ls -la "$T/mnt/noroom" 2>&1 | tr '\n' ' '), output: $(cat "$T/noroom.out")"
fi
rel_done

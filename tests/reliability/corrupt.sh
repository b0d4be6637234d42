#!/bin/sh
# Item 5, corrupt stores.  Each case damages a copy of a good store (with one
# flagged user F); then, with the normal and the ASan+UBSan builds:
#   - the module (called directly: its own return code) gives PAM_IGNORE with
#     on_error=open and PAM_PERM_DENIED with on_error=closed, and a stack with
#     pam_permit after it passes; a LOG_ERR syslog line names the cause;
#   - the tool (advisories, status, import) prints an error and exits 1;
#   - nothing crashes (no signal, no sanitizer report).
# Cases: data.mdb truncated to 0, to the meta pages, to half of its data; random bytes over
# the whole file, over the meta pages; wrong schema version; wrong key; a key
# file of 31 bytes; an LMDB file without our tables; an advisory record of the
# wrong size.  Two cases where LMDB cannot know: random bytes in lock.mdb (LMDB
# rebuilds it) and random bytes inside live B-tree pages (no checksums in LMDB):
# there only "no crash" on the read paths (module, status, advisories) is checked.
. "$(dirname "$0")/lib.sh"
rel_init corrupt
export TMPDIR="$T"
for f in "$ASAN_BUILD/pam_breachguard.so" "$ASAN_BUILD/breachguard" "$PAMLOOP_ASAN"; do
	[ -f "$f" ] || { fail "ASan build missing: $f"; exit 1; }
	mkdir -p "$T/asan" && cp "$f" "$T/asan/"
done
A_MODULE=$T/asan/pam_breachguard.so A_TOOL=$T/asan/breachguard A_PAMLOOP=$T/asan/pamloop-asan
export ASAN_OPTIONS=exitcode=86:detect_leaks=0:abort_on_error=0
export UBSAN_OPTIONS=exitcode=87:print_stacktrace=1:halt_on_error=1
mkservice other "account required pam_deny.so"
mkservice direct "account required pam_permit.so"

mkstore "$T/base" || exit 1
mkuser f && F=$U
[ -n "${F:-}" ] || exit 1
gen_addrs 20000 filler_ filler.example "$T/filler.txt"
echo "$F@rel.example" >>"$T/filler.txt"
bg import --name base --date 2021-01-01 "$T/filler.txt" >/dev/null 2>&1 || { fail "setup import"; exit 1; }
echo "new1@rel.example" >"$T/small.txt"
head -c 32 /dev/urandom >"$T/other.key" && chmod 0600 "$T/other.key"
head -c 31 /dev/urandom >"$T/short.key" && chmod 0600 "$T/short.key"

crashed() { [ "$1" -ge 86 ] || grep -qE 'Sanitizer|runtime error|Segmentation' "$2"; }

# verify CASE EXPECT: EXPECT "error" (on_error applies, the tool fails) or "any"
# (only: nothing crashes).  Uses $C (config) and $S (store).
verify() {
	_case=$1 _exp=$2 _why=""
	for build in normal asan; do
		if [ $build = normal ]; then m=$MODULE tl=$TOOL pl=$PAMLOOP; else m=$A_MODULE tl=$A_TOOL pl=$A_PAMLOOP; fi
		mkservice "stack_$build" "account required $m conf=$C on_error=open" "account required pam_permit.so"
		for oe in open closed; do
			module_direct "$pl" "$m" $oe
			if crashed "$rc" "$T/direct.out"; then
				_why="$_why $build module on_error=$oe crashed (exit $rc): $(grep -m 3 -E 'ERROR|runtime error|SUMMARY' "$T/direct.out");"
				continue
			fi
			[ "$_exp" = any ] && continue
			want=PAM_IGNORE
			[ $oe = closed ] && want=PAM_PERM_DENIED
			[ "$got" = "$want" ] || _why="$_why $build module on_error=$oe gave ${got:-nothing} (want $want);"
			grep -q '^err ' "$T/syslog" || _why="$_why $build on_error=$oe: no LOG_ERR line in syslog;"
			[ $oe = open ] && [ $build = normal ] && LOGLINE=$(grep -m 1 '^err ' "$T/syslog" | cut -c1-160)
		done
		r=$("$pl" -D "$T/pam.d" -s "stack_$build" once "$F" 2>"$T/stack.err" | grep -v '^msg:')
		if crashed $? "$T/stack.err"; then
			_why="$_why $build stack crashed: $(grep -m 3 -E 'ERROR|runtime error' "$T/stack.err");"
		elif [ "$_exp" = error ] && [ "$r" != "$F PAM_SUCCESS" ]; then
			_why="$_why $build stack with pam_permit after us (on_error=open): $r (want PAM_SUCCESS);"
		fi
		for cmd in "advisories" "status $F" "import --name new $T/small.txt"; do
			# shellcheck disable=SC2086
			"$tl" --config "$C" $cmd >"$T/tool.out" 2>"$T/tool.err"
			rc=$?
			if crashed "$rc" "$T/tool.err"; then
				_why="$_why $build tool $cmd crashed (exit $rc): $(grep -m 3 -E 'ERROR|runtime error|SUMMARY' "$T/tool.err");"
			elif [ "$_exp" = error ] && { [ "$rc" != 1 ] || ! [ -s "$T/tool.err" ]; }; then
				_why="$_why $build tool $cmd: exit $rc, stderr \"$(cat "$T/tool.err")\" (want exit 1 and a message);"
			fi
			[ "$cmd" = advisories ] && [ $build = normal ] && TOOLMSG=$(head -n 1 "$T/tool.err" | cut -c1-160)
		done
		# The import of "any" cases may have succeeded: do not let it change later runs.
	done
	if [ -z "$_why" ]; then
		if [ "$_exp" = error ]; then
			pass "$_case: module PAM_IGNORE (open) / PAM_PERM_DENIED (closed), stack passes, tool exit 1, no crash (ASan too); tool: \"$TOOLMSG\""
		else
			pass "$_case: no crash in module, status, advisories, import (normal and ASan)"
		fi
	else
		fail "$_case:$_why"
	fi
}

# newcase NAME [KEY]: a fresh copy of the good store; sets C and S.
newcase() {
	S=$T/c_$1
	rm -rf "$S"
	cp -a "$T/base" "$S"
	C=$S.conf
	mkconf "$C" "$S" "${2:-$T/base.key}"
}
SIZE=$(stat -c %s "$T/base/data.mdb")

newcase trunc0 && : >"$S/data.mdb" && verify "data.mdb truncated to 0 bytes" error
newcase trunc8k && truncate -s 8192 "$S/data.mdb" && verify "data.mdb truncated to its meta pages (8 KiB)" error
USED=$(bg stats --json | sed -n 's/.*"used_bytes": \([0-9]*\).*/\1/p')
newcase trunchalf && truncate -s $((USED / 2)) "$S/data.mdb" && verify "data.mdb truncated to half its data ($((USED / 2)) of $USED bytes)" error
newcase random && head -c "$SIZE" /dev/urandom >"$S/data.mdb" && verify "data.mdb all random bytes" error
newcase randmeta && dd if=/dev/urandom of="$S/data.mdb" bs=4096 count=2 conv=notrunc 2>/dev/null &&
	verify "random bytes over both meta pages" error
newcase schema && "$STORETOOL" schema "$S" 2 && verify "schema version 2" error
newcase schema0 && "$STORETOOL" schema "$S" 4294967295 && verify "schema version 0xffffffff" error
newcase wrongkey "$T/other.key" && verify "wrong key (another 32 bytes)" error
newcase shortkey "$T/short.key" && verify "key file of 31 bytes" error
S=$T/c_empty C=$S.conf && mkconf "$C" "$S" "$T/base.key" && "$STORETOOL" empty "$S" && verify "an LMDB environment without our tables" error
newcase badadv && "$STORETOOL" badrec "$S" adv && verify "an advisory record of the wrong size" error
newcase lockrand && head -c 8192 /dev/urandom >"$S/lock.mdb" && verify "lock.mdb random bytes (LMDB rebuilds it)" any
# A page LMDB finds impossible: it asserts, and its assert is abort(), which in
# sshd or sudo ends the login.  The module applies on_error instead (store.h,
# bg_store_open_trap), the tool exits 1 with the store's name.
newcase lmdbassert && "$STORETOOL" bend "$S" branch &&
	verify "the advisories' root leaf flagged a branch of one key (LMDB asserts on it)" error

# The same page while a writer holds the gate: the module reads through LMDB
# then (it never waits), and LMDB's assertion jumps back to the module's trap
# (session.c bg_ctx_guard) instead of abort(): on_error, the LOG_ERR line.
lmdb_trap() {
	_why=""
	# The holder is the sleep itself (exec), so that killing it lets the lock go.
	(
		exec 9<"$S/writer.lock"
		flock -x 9
		exec sleep 60
	) &
	holder=$!
	for _ in $(seq 50); do flock -n -s "$S/writer.lock" true 2>/dev/null || break; sleep 0.1; done
	for build in normal asan; do
		if [ $build = normal ]; then m=$MODULE pl=$PAMLOOP; else m=$A_MODULE pl=$A_PAMLOOP; fi
		for oe in open closed; do
			module_direct "$pl" "$m" $oe
			want=PAM_IGNORE
			[ $oe = closed ] && want=PAM_PERM_DENIED
			if crashed "$rc" "$T/direct.out"; then
				_why="$_why $build on_error=$oe crashed (exit $rc);"
			elif [ "$got" != "$want" ]; then
				_why="$_why $build on_error=$oe gave ${got:-nothing} (want $want);"
			fi
			grep -q "^err .*damaged: LMDB cannot read it (.*Assertion" "$T/syslog" ||
				_why="$_why $build on_error=$oe: no LOG_ERR line of the trapped assertion;"
		done
	done
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	if [ -z "$_why" ]; then
		pass "the same page with a writer holding the gate (LMDB reads it): its assertion is trapped, on_error applies (normal and ASan)"
	else
		fail "LMDB's assertion with a writer holding the gate:$_why"
	fi
}
lmdb_trap

# unsound_write: a page the module's first write would copy holds a node past
# its end, which no lookup of the check reads (storetool bend node).  LMDB's
# write trusts every node of a page it copies: the module checks them first
# (store.c, sound_before_change) and refuses the write.  The verdict stands
# (PAM_NEW_AUTHTOK_REQD for F), a LOG_ERR line names the cause, data.mdb is
# left byte for byte as it was, nothing crashes (normal and ASan builds).
unsound_write() {
	_why=""
	before=$(cksum <"$S/data.mdb")
	for build in normal asan; do
		if [ $build = normal ]; then m=$MODULE pl=$PAMLOOP; else m=$A_MODULE pl=$A_PAMLOOP; fi
		module_direct "$pl" "$m" open
		if crashed "$rc" "$T/direct.out"; then
			_why="$_why $build module crashed (exit $rc);"
			continue
		fi
		[ "$got" = PAM_NEW_AUTHTOK_REQD ] || _why="$_why $build module gave ${got:-nothing} (want PAM_NEW_AUTHTOK_REQD);"
		grep -q '^err .*cannot be read soundly; nothing written' "$T/syslog" ||
			_why="$_why $build: no LOG_ERR line on the refused write ($(grep -m 1 '^err ' "$T/syslog"));"
		[ "$(cksum <"$S/data.mdb")" = "$before" ] || _why="$_why $build: data.mdb changed;"
	done
	if [ -z "$_why" ]; then
		pass "a meta page with a node past its end: verdict stands, the module's write refused with a line, data.mdb unchanged (normal and ASan)"
	else
		fail "unsound page before a write:$_why"
	fi
}
newcase unsound && "$STORETOOL" bend "$S" node && unsound_write

# Random damage, one page at a time, on a store of a few pages (every page is
# one the check or its first write reads): storetool damage runs the module
# on each and puts the file back.  Seeded, so each run makes the same trials.
# LMDB reads a page without checking it: before the pread reader said
# "damaged" and the write checked its pages first, about 7% of these trials
# crashed the process (SIGBUS, SIGSEGV, LMDB's abort).
CONF_SAVE=$CONF
mkstore "$T/tiny" || exit 1
{ gen_addrs 30 tiny_ tiny.example /dev/stdout; echo "$F@rel.example"; } >"$T/tiny.txt"
bg import --name tiny --date 2021-01-01 "$T/tiny.txt" >/dev/null 2>&1 || { fail "tiny import"; exit 1; }
for build in normal asan; do
	if [ $build = normal ]; then m=$MODULE pl=$PAMLOOP n=1500; else m=$A_MODULE pl=$A_PAMLOOP n=200; fi
	if out=$("$STORETOOL" damage "$T/tiny" 11 $n "$pl" -D "$T/pam.d" -s direct -M "$m" \
		-a "conf=$CONF" -a on_error=open direct "$F" 2>&1); then
		pass "random damage of one page, $n trials ($build build): the module never crashed ($(tail -n 1 <<EOT
$out
EOT
))"
	else
		fail "random damage of one page ($build build): $(echo "$out" | tr '\n' ';')"
	fi
done
CONF=$CONF_SAVE
# Live B-tree pages: fixed pages spread over the file, so runs are comparable.
pages=$((SIZE / 4096))
for k in 1 2 3 4 5 6 7 8; do
	pg=$((2 + (pages - 2) * k / 9))
	newcase "page$k" && dd if=/dev/urandom of="$S/data.mdb" bs=4096 seek="$pg" count=1 conv=notrunc 2>/dev/null &&
		verify "random bytes in page $pg of $pages" any
done
rel_done

#!/bin/sh
# Item 6, tampering.  Store directory, data.mdb, lock.mdb, writer.lock, key file
# and config file owned by another user (nobody), group- or world-writable, or
# replaced by a symlink (to a good copy): the module refuses (its own return:
# PAM_IGNORE with on_error=open, PAM_PERM_DENIED with on_error=closed), a LOG_ERR
# syslog line says why, and the tool exits 1 with a message.
# Then a race: the store directory is swapped (renameat2 RENAME_EXCHANGE, in a
# loop) with an unsafe copy (data.mdb and lock.mdb owned by nobody, holding a
# marker advisory and not F's) while the library and the module open it in a
# loop: no crash, and never an accepted unsafe file or the copy's data.
. "$(dirname "$0")/lib.sh"
rel_init tamper
export TMPDIR="$T"
NOBODY=$(id -u nobody)
mkservice other "account required pam_deny.so"
mkservice direct "account required pam_permit.so"
mkstore "$T/base" || exit 1
mkuser f && F=$U
[ -n "${F:-}" ] || exit 1
cp -a "$T/base" "$T/pristine" # before any advisory: the race's unsafe copy
echo "$F@rel.example" >"$T/f.txt"
bg import --name base --date 2021-01-01 "$T/f.txt" >/dev/null 2>&1 || { fail "setup import"; exit 1; }
bg stats >/dev/null 2>&1 # makes writer.lock exist for sure

# refused CASE WHY-REGEX: the module and the tool refuse config $C.
refused() {
	_case=$1 _re=$2 _why=""
	for oe in open closed; do
		module_direct "$PAMLOOP" "$MODULE" $oe
		want=PAM_IGNORE
		[ $oe = closed ] && want=PAM_PERM_DENIED
		[ "$rc" -lt 2 ] || _why="$_why module exit $rc;"
		[ "$got" = "$want" ] || _why="$_why on_error=$oe gave ${got:-nothing} (want $want);"
		grep -Eq "^err .*($_re)" "$T/syslog" || _why="$_why on_error=$oe: no LOG_ERR line matching /$_re/ (got: $(head -n 2 "$T/syslog" | tr '\n' ' '));"
		[ $oe = open ] && LOGLINE=$(grep -m 1 -E "^err .*($_re)" "$T/syslog" | cut -c1-150)
	done
	"$TOOL" --config "$C" status "$F" >"$T/tool.out" 2>"$T/tool.err"
	rc=$?
	{ [ "$rc" = 1 ] && grep -Eq "$_re" "$T/tool.err"; } ||
		_why="$_why tool status: exit $rc, \"$(cat "$T/tool.err")\";"
	if [ -z "$_why" ]; then
		pass "$_case: refused, on_error applied, logged: \"$LOGLINE\""
	else
		fail "$_case:$_why"
	fi
}

# newcase NAME: a fresh copy of the store (and its own key and config); sets C S K.
newcase() {
	S=$T/t_$1
	rm -rf "$S"
	cp -a "$T/base" "$S"
	K=$S.key
	cp -a "$T/base.key" "$K"
	C=$S.conf
	mkconf "$C" "$S" "$K"
}
OWN="not owned by root"
WR="writable by group or others"
LNK="symbolic link"

newcase dirown && chown nobody "$S" && refused "store directory owned by nobody" "$OWN"
newcase dirg && chmod 0770 "$S" && refused "store directory group-writable (0770)" "$WR"
newcase diro && chmod 0707 "$S" && refused "store directory world-writable (0707)" "$WR"
newcase dirlnk && mv "$S" "$S.real" && ln -s "$S.real" "$S" && cleanup_add "rm -rf '$S.real'" &&
	refused "store directory a symlink to a good copy" "$LNK"
for f in data.mdb lock.mdb writer.lock; do
	newcase "own_$f" && chown nobody "$S/$f" && refused "$f owned by nobody" "$OWN"
	newcase "g_$f" && chmod 0620 "$S/$f" && refused "$f group-writable (0620)" "$WR"
	newcase "o_$f" && chmod 0602 "$S/$f" && refused "$f world-writable (0602)" "$WR"
	newcase "lnk_$f" && mv "$S/$f" "$S/$f.real" && ln -s "$f.real" "$S/$f" &&
		refused "$f a symlink to the real file" "$LNK"
done
newcase keyown && chown nobody "$K" && refused "key file owned by nobody" "$OWN"
newcase keyg && chmod 0620 "$K" && refused "key file group-writable (0620)" "$WR"
newcase keyr && chmod 0644 "$K" && refused "key file readable by others (0644)" "readable by group or others"
newcase keylnk && mv "$K" "$K.real" && ln -s "$K.real" "$K" && refused "key file a symlink" "$LNK"
newcase confown && chown nobody "$C" && refused "config file owned by nobody" "$OWN"
newcase confg && chmod 0664 "$C" && refused "config file group-writable (0664)" "$WR"
newcase confo && chmod 0646 "$C" && refused "config file world-writable (0646)" "$WR"
newcase conflnk && mv "$C" "$C.real" && ln -s "$C.real" "$C" && refused "config file a symlink" "$LNK"

# --- the race --------------------------------------------------------------------
mkdir -m 0700 "$T/race"
cp -a "$T/base" "$T/race/store"
cp -a "$T/pristine" "$T/race/evil"
mkconf "$T/race.conf" "$T/race/evil" "$T/base.key"
echo "marker@evil.example" >"$T/evil.txt"
"$TOOL" --config "$T/race.conf" import --name EVIL-MARKER "$T/evil.txt" >/dev/null 2>&1 || fail "race: evil setup"
chown nobody "$T/race/evil/data.mdb" "$T/race/evil/lock.mdb" "$T/race/evil/writer.lock"
mkconf "$T/race.conf" "$T/race/store" "$T/base.key"
mkservice race "account required $MODULE conf=$T/race.conf on_error=closed"
SECS=${RELIABILITY_RACE_SECONDS:-4}
run_bg sw "$STORETOOL" swap "$T/race/store" "$T/race/evil" "$SECS"
run_bg pl "$PAMLOOP" -D "$T/pam.d" -s race -T "$SECS" -e PAM_NEW_AUTHTOK_REQD,PAM_PERM_DENIED loop "$F" >"$T/race.loop" 2>&1
"$STORETOOL" race "$T/race/store" "$T/base.key" "$SECS" EVIL-MARKER >"$T/race.out" 2>&1
rrc=$?
wait "$pl"
prc=$?
wait "$sw"
say "  race: $(cat "$T/race.out" | tr '\n' ' '); module: $(grep -E '^(seq|checks|errors)' "$T/race.loop" | tr '\n' ' ')"
if [ "$rrc" = 0 ] && grep -q "^opened" "$T/race.out"; then
	pass "race (library): $(grep '^opened' "$T/race.out"): never an unsafe file or the copy's data accepted"
else
	fail "race (library): exit $rrc: $(cat "$T/race.out")"
fi
if [ "$prc" = 0 ]; then
	pass "race (module, on_error=closed): only PAM_NEW_AUTHTOK_REQD (the real store) or PAM_PERM_DENIED (refused), no crash"
else
	fail "race (module): exit $prc: $(cat "$T/race.loop" | head -n 8 | tr '\n' ' ') (PAM_SUCCESS would mean the unsafe copy was used)"
fi
rel_done

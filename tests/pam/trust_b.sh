# tests/pam/trust_b.sh: issue 10's PAM-stack scenarios (items 4, 7, 8, 9, 10,
# 14, 15, 16, 17), sourced by tests/pam/run.sh after its own scenarios: it uses
# that script's sandbox ($T, $CONF, the users) and helpers (mksvc, drv, ...).

# --- item 10: configuration mistakes are errors, not warnings -------------------------
# "domain =" for "domains =": matching would be off with only a warning.
sed -e 's/^domains = /domain = /' "$CONF" >"$T/bg-misspelt.conf"
echo "on_error = closed" >>"$T/bg-misspelt.conf"
chmod 0644 "$T/bg-misspelt.conf"
SVC_CONF=$T/bg-misspelt.conf mksvc bgt-misspelt
begin 10g "a misspelled key (domain = for domains =): LOG_ERR naming file, line and domains; on_error=closed denies"
drv s10g bgt-misspelt dave account=PAM_PERM_DENIED
rc_is 0
logged err "$T/bg-misspelt.conf:4: unknown option \"domain\" (did you mean domains?)"
end

mksvc bgt-misspelt-arg domain=example.com on_error=closed
begin 10h "a misspelled module argument (domain=): LOG_ERR with the nearest key; on_error=closed denies"
drv s10h bgt-misspelt-arg alice account=PAM_PERM_DENIED
rc_is 0
logged err "did you mean domains?"
end

# A relative conf=: su and sudo run PAM in the caller's working directory.
cp "$CONF" "$T/rel.conf" && chmod 0644 "$T/rel.conf"
SVC_CONF=rel.conf mksvc bgt-relconf on_error=closed
begin 10i "a relative conf= is refused (LOG_ERR), even with such a file in the working directory"
(cd "$T" && drv s10i bgt-relconf alice account=PAM_PERM_DENIED)
RC=$(sed -n 's/^result: account //p' "$T/out/s10i.out")
[ "$RC" = PAM_PERM_DENIED ] || fail "s10i: account gave ${RC:-nothing}, want PAM_PERM_DENIED"
LOG=$T/out/s10i.syslog
logged err "conf=rel.conf: not an absolute path"
end

# Parent directories like OpenSSH's safe_path: config, key and store.
mkdir -p "$T/gw" && chmod 0775 "$T/gw"
cp "$CONF" "$T/gw/bg.conf" && chmod 0644 "$T/gw/bg.conf"
cp -a "$T/key" "$T/gw/key"
cp -a "$T/store" "$T/gw/store"
SVC_CONF=$T/gw/bg.conf mksvc bgt-gwdir-conf on_error=closed
mksvc bgt-gwdir-key "key_file=$T/gw/key" on_error=closed
mksvc bgt-gwdir-store "store=$T/gw/store" on_error=closed
for what in conf key store; do
	begin "10j-$what" "the $what in a group-writable directory: LOG_ERR naming it, on_error=closed denies"
	drv "s10j$what" "bgt-gwdir-$what" alice account=PAM_PERM_DENIED
	rc_is 0
	logged err "directory $T/gw is writable by group or others"
	end
done
chmod 0755 "$T/gw"
begin 10k "the same files once the directory is safe: the verdicts come back"
drv s10k bgt-gwdir-store dave account=PAM_NEW_AUTHTOK_REQD
rc_is 0
end

# --- items 7 and 8: nothing dropped quietly ----------------------------------------------
# New users of this file: tbmany (flagged by name, 100 domains configured),
# tbadv (in 101 advisories), tbjurgen (a non-ASCII GECOS address).
{
	echo "tbmany:x:1101:1101:Many Domains:/home/tbmany:/bin/sh"
	echo "tbadv:x:1102:1102:Many Advisories:/home/tbadv:/bin/sh"
	printf 'tbjurgen:x:1103:1103:J\303\274rgen,,,,j\303\274rgen@example.org:/home/tbjurgen:/bin/sh\n'
} >>"$T/passwd"
for u in tbmany tbadv tbjurgen; do echo "$u:x:$(awk -F: -v u="$u" '$1 == u { print $4 }' "$T/passwd"):" >>"$T/group"; done
USERS="$USERS tbmany tbadv tbjurgen"
mksvc bgt-force-b # the same as bgt-force, with these users in its passdb

# Item 8, identities: with 100 domains user:NAME was the 102nd identity and dropped.
{
	grep -v '^domains = ' "$CONF"
	printf 'domains = '
	i=1
	while [ $i -le 100 ]; do printf 'd%03d.example.test, ' $i; i=$((i + 1)); done
	echo "example.com"
} >"$T/bg-many.conf"
chmod 0644 "$T/bg-many.conf"
bg flag --name "Flagged by name" tbmany >"$T/out/flag-many.out" 2>&1 ||
	fail "flag tbmany: $(cat "$T/out/flag-many.out")"
SVC_CONF=$T/bg-many.conf mksvc bgt-many
begin 8d "100 domains configured: a user flagged by name (user:NAME) is still forced"
drv s8d bgt-many tbmany account=PAM_NEW_AUTHTOK_REQD
rc_is 0
msg "Your password must be changed now: this account appears in the security advisory \"Flagged by name\" ($TODAY)."
end

# Item 8, advisories: 100 old ones in a long grace, then a newer one without
# grace.  Only the oldest 64 were read: the newest was ignored.
i=1
while [ $i -le 100 ]; do
	echo "tbadv@example.com" | bg import --name "old-$i" --date "$(date -u -d "2020-01-01 + $i days" +%Y-%m-%d)" \
		--grace 3650 - >/dev/null 2>"$T/out/import-old.err" ||
		fail "import old-$i: $(cat "$T/out/import-old.err")"
	i=$((i + 1))
done
echo "tbadv@example.com" | bg import --name "newest" --date 2021-06-01 --grace 0 - >/dev/null 2>&1 ||
	fail "import newest"
begin 8e "101 advisories for one identity: the newest one (no grace) decides: forced, named, and 100 more"
drv s8e bgt-force-b tbadv account=PAM_NEW_AUTHTOK_REQD
rc_is 0
msg "Your password must be changed now: this account appears in the security advisory \"newest\" (2021-06-01) and 100 more."
status_is tbadv enforce
end

# Item 7: libidn2/libunistring cannot be loaded: the identity is an error, not a miss.
NOUNI=$BUILD/tests/nounicode_shim.so
$CC -D_GNU_SOURCE -DBG_NOUNICODE_SHIM_SO -std=c11 -O2 -g -fPIC -shared -Wall -Wextra \
	-o "$NOUNI" "$SRC/tests/pam/nounicode_shim.c" -ldl || fail "cannot build $NOUNI"
printf 'J\303\234RGEN@example.org\n' | bg import --name "Umlaut leak" --date "$TODAY" - >/dev/null 2>&1 ||
	fail "import Umlaut leak"
mksvc bgt-nouni-open on_error=open
mksvc bgt-nouni-closed on_error=closed
begin 7a "with libidn2/libunistring loadable, the non-ASCII GECOS address matches"
drv s7a bgt-nouni-closed tbjurgen account=PAM_NEW_AUTHTOK_REQD
rc_is 0
end
SAVED_PRELOAD=$PRELOAD
PRELOAD=$PRELOAD:$NOUNI
begin 7b "libidn2/libunistring not loadable, on_error=closed: LOG_ERR naming the identity, the account phase fails"
drv s7b bgt-nouni-closed tbjurgen account=PAM_PERM_DENIED
rc_is 0
logged err "cannot compute the identity from the GECOS field"
end
begin 7c "libidn2/libunistring not loadable, on_error=open: LOG_ERR, module PAM_IGNORE (never clear)"
drv s7c --module "$MODULE" --arg "conf=$CONF" --arg on_error=open bgt-nouni-open tbjurgen \
	sm-acct=PAM_IGNORE
rc_is 0
logged err "libidn2/libunistring cannot be loaded"
end
begin 7d "an ASCII-only account is judged as usual without the libraries"
drv s7d bgt-nouni-closed dave account=PAM_NEW_AUTHTOK_REQD
rc_is 0
end
PRELOAD=$SAVED_PRELOAD

# --- item 9: NSS entries larger than a fixed buffer ------------------------------------
# tbglass: in an exempt group of 5,000 members (an 8 KiB getgrgid_r buffer and a
# swallowed ERANGE dropped the exemption); tblong: a 20,000-byte GECOS field with
# the address at its end (getpwnam_r's ERANGE, and a 1 KiB copy of the field).
{
	echo "tbglass:x:1104:1104:Break Glass:/home/tbglass:/bin/sh"
	printf 'tblong:x:1105:1105:%s,,,,tblong.addr@example.org:/home/tblong:/bin/sh\n' \
		"$(head -c 20000 /dev/zero | tr '\0' 'x')"
} >>"$T/passwd"
{
	echo "tbglass:x:1104:"
	echo "tblong:x:1105:"
	printf 'bigglass:x:3000:'
	i=1
	while [ $i -le 5000 ]; do printf 'member%05d,' $i; i=$((i + 1)); done
	echo "tbglass"
} >>"$T/group"
USERS="$USERS tbglass tblong"
sed -e 's/^exempt_groups = .*/exempt_groups = breakglass, bigglass/' "$CONF" >"$T/bg-glass.conf"
echo "on_error = closed" >>"$T/bg-glass.conf"
chmod 0644 "$T/bg-glass.conf"
SVC_CONF=$T/bg-glass.conf mksvc bgt-glass
bg flag --name "Flagged by name" tbglass >"$T/out/flag-glass.out" 2>&1 ||
	fail "flag tbglass: $(cat "$T/out/flag-glass.out")"
echo "tblong.addr@example.org" | bg import --name "Long GECOS" --date "$TODAY" - >/dev/null 2>&1 ||
	fail "import Long GECOS"
begin 9d "a member of an exempt group of 5,000 members (a 55 KB group entry) stays exempt"
drv s9d bgt-glass tbglass account=PAM_SUCCESS
rc_is 0
no_msg
not_logged "forcing"
end
begin 9e "a 20,000-byte GECOS field: the account is looked up and its address at the end matches"
drv s9e bgt-glass tblong account=PAM_NEW_AUTHTOK_REQD
rc_is 0
msg "Your password must be changed now: this account appears in the security advisory \"Long GECOS\" ($TODAY)."
end

# --- item 15: untrusted names never reach a terminal or syslog as they are ------------
echo "tbevil:x:1106:1106:Evil:/home/tbevil:/bin/sh" >>"$T/passwd"
echo "tbevil:x:1106:" >>"$T/group"
USERS="$USERS tbevil"
mksvc bgt-force-c
echo "tbevil@example.com" | bg import --name "Evil" --date "$TODAY" - >/dev/null 2>&1 || fail "import Evil"
EVIL_ID=$(bg advisories --json | tr -d ' \n' | sed -n 's/.*{"id":\([0-9]*\),"name":"Evil".*/\1/p')
# Item 17: after every write so far (imports, flags, forgets, resets, and the
# module's own enforcement and rotation records) the store verifies.
begin 17a "breachguard verify passes after the tool's and the module's writes"
bg verify >"$T/out/verify1.out" 2>&1 || fail "verify: exit $?: $(cat "$T/out/verify1.out")"
end
# As a store written before names were checked may hold it: a newline, a fake
# syslog field, an escape sequence, a bidi override.
EVIL=$(printf 'Evil\nuser=root verdict=clear \033[2J\342\200\256txt')
"$BUILD/tests/pam_adv_rename" "$T/store" "$EVIL_ID" "$EVIL" >"$T/out/rename.out" 2>&1 ||
	fail "pam_adv_rename: $(cat "$T/out/rename.out")"
ESC_EVIL='Evil\x0auser=root verdict=clear \x1b[2J\u{202e}txt'
begin 17b "a record changed outside breachguard (pam_adv_rename): verify exits 1 and says so"
bg verify >"$T/out/verify2.out" 2>&1
st=$?
[ "$st" = 1 ] || fail "verify after a raw edit: exit $st: $(cat "$T/out/verify2.out")"
grep -q "do not match the digest" "$T/out/verify2.out" || fail "verify: $(cat "$T/out/verify2.out")"
end
begin 15a "an advisory name with a newline, an escape sequence and a bidi override is escaped in the message and syslog"
drv s15a bgt-force-c tbevil account=PAM_NEW_AUTHTOK_REQD
rc_is 0
msg "Your password must be changed now: this account appears in the security advisory \"$ESC_EVIL\" ($TODAY)."
logged notice "forcing a password change for user=tbevil: advisory \"$ESC_EVIL\""
if LC_ALL=C grep -q "$(printf '\033')" "$OUT" "$LOG"; then fail "s15a: a raw ESC reached the transcript or syslog"; fi
if LC_ALL=C grep -q "$(printf '\342\200\256')" "$OUT" "$LOG"; then fail "s15a: a raw U+202E reached the transcript or syslog"; fi
end

begin 15b "status and scan (text and JSON) escape the name; JSON escapes ESC and U+202E"
bg status tbevil >"$T/out/evil-status.txt" 2>&1
bg scan >"$T/out/evil-scan.txt" 2>/dev/null
bg advisories >"$T/out/evil-adv.txt" 2>&1
bg status --json tbevil >"$T/out/evil-status.json" 2>&1
for f in evil-status.txt evil-scan.txt evil-adv.txt evil-status.json; do
	if LC_ALL=C grep -q "$(printf '\033\|\342\200\256')" "$T/out/$f"; then fail "$f: raw ESC or U+202E: $(cat -v "$T/out/$f")"; fi
	if LC_ALL=C grep -q '^user=root' "$T/out/$f"; then fail "$f: the name's newline went through: $(cat -v "$T/out/$f")"; fi
done
grep -Fq 'Evil\x0auser=root verdict=clear \x1b[2J\u{202e}txt' "$T/out/evil-status.txt" ||
	fail "status text: no escaped name: $(cat -v "$T/out/evil-status.txt")"
grep -Fq 'Evil\nuser=root verdict=clear \u001b[2J\u202etxt' "$T/out/evil-status.json" ||
	fail "status --json: name not escaped as JSON: $(cat -v "$T/out/evil-status.json")"
end

begin 15c "a user name with a newline and a fake field (as sshd passes what was typed) is escaped in syslog"
drv s15c --module "$MODULE" --arg "conf=$CONF" --arg no_such_option=1 bgt-force-c \
	"$(printf 'x\nuser=root verdict=clear')" sm-acct=PAM_IGNORE
rc_is 0
logged err 'not checking x\x0auser=root verdict=clear'
end

begin 15d "import --name and flag --name refuse control and bidi characters"
echo "a@example.com" >"$T/one.txt"
for n in "$(printf 'a\nb')" "$(printf 'a\033[31m')" "$(printf 'a\342\200\256b')" "$(printf 'a\342\201\246b')" \
	"$(printf 'a\302\233b')" "$(printf 'a\342\200\250b')" "$(printf 'a\177')"; do
	bg import --name "$n" "$T/one.txt" >/dev/null 2>"$T/out/name.err"
	st=$?
	[ "$st" = 2 ] || fail "import --name $(printf '%s' "$n" | od -c | head -1): exit $st"
	grep -q "control or bidirectional" "$T/out/name.err" || fail "import --name: message: $(cat "$T/out/name.err")"
	bg flag --name "$n" alice >/dev/null 2>"$T/out/name.err"
	st=$?
	[ "$st" = 2 ] || fail "flag --name: exit $st"
done
cp "$T/one.txt" "$T/$(printf 'evil\033[2J.txt')"
bg import "$T/$(printf 'evil\033[2J.txt')" >/dev/null 2>"$T/out/name.err"
st=$?
[ "$st" = 1 ] || fail "import of a file whose name gives a bad advisory name: exit $st"
grep -q -- "--name" "$T/out/name.err" || fail "no hint to --name: $(cat "$T/out/name.err")"
end

# --- item 4: the user edits the field that matched them --------------------------------
echo "tbchfn:x:1107:1107:Chfn User,,,,tb.chfn@example.org:/home/tbchfn:/bin/sh" >>"$T/passwd"
echo "tbchfn:x:1107:" >>"$T/group"
USERS="$USERS tbchfn"
mksvc bgt-force-d
echo "tb.chfn@example.org" | bg import --name "GECOS leak" --date "$TODAY" - >/dev/null 2>&1 ||
	fail "import GECOS leak"
GECOS_MSG="Your password must be changed now: this account appears in the security advisory \"GECOS leak\" ($TODAY)."
begin 4d "matched through GECOS: forced (and the match is recorded)"
drv s4d bgt-force-d tbchfn account=PAM_NEW_AUTHTOK_REQD
rc_is 0
msg "$GECOS_MSG"
end
# What "chfn -r ''" does with Debian's CHFN_RESTRICT rwh: the address is gone.
sed -i 's/^tbchfn:x:1107:1107:Chfn User,,,,tb.chfn@example.org:/tbchfn:x:1107:1107:Chfn User,,,,:/' "$T/passwd"
grep -q '^tbchfn:x:1107:1107:Chfn User,,,,:' "$T/passwd" || fail "could not edit tbchfn's GECOS"
begin 4e "the user removed the GECOS address: still forced, status still enforce"
drv s4e bgt-force-d tbchfn account=PAM_NEW_AUTHTOK_REQD
rc_is 0
msg "$GECOS_MSG"
status_is tbchfn enforce
end
begin 4f "an administrator's reset ends it; forgetting the advisory would too"
bg reset tbchfn >"$T/out/reset-chfn.out" 2>&1 || fail "reset tbchfn: $(cat "$T/out/reset-chfn.out")"
drv s4f bgt-force-d tbchfn account=PAM_SUCCESS
rc_is 0
no_msg
status_is tbchfn rotated
end

echo "tbchfn2:x:1108:1108:Chfn Two,,,,tb.chfn2@example.org:/home/tbchfn2:/bin/sh" >>"$T/passwd"
echo "tbchfn2:x:1108:" >>"$T/group"
USERS="$USERS tbchfn2"
mksvc bgt-force-e
echo "tb.chfn2@example.org" | bg import --name "GECOS leak 2" --date "$TODAY" - >/dev/null 2>&1 ||
	fail "import GECOS leak 2"
begin 4g "matched through GECOS, then edited: forgetting the advisory ends the enforcement"
drv s4g bgt-force-e tbchfn2 account=PAM_NEW_AUTHTOK_REQD
rc_is 0
sed -i 's/^tbchfn2:x:1108:1108:Chfn Two,,,,tb.chfn2@example.org:/tbchfn2:x:1108:1108:Chfn Two,,,,:/' "$T/passwd"
drv s4g2 bgt-force-e tbchfn2 account=PAM_NEW_AUTHTOK_REQD
rc_is 0
bg forget "GECOS leak 2" >"$T/out/forget-chfn2.out" 2>&1 || fail "forget: $(cat "$T/out/forget-chfn2.out")"
drv s4g3 bgt-force-e tbchfn2 account=PAM_SUCCESS
rc_is 0
no_msg
status_is tbchfn2 clear
end

# An address in a field the user may change (login.defs CHFN_RESTRICT, Debian:
# rwh = room, work and home phone) is no identity: "chfn -r" could remove it,
# and could put someone else's there.
if grep -Eq '^[[:space:]]*CHFN_RESTRICT[[:space:]]+(rwh|yes)[[:space:]]*$' /etc/login.defs 2>/dev/null; then
	echo "tbroom:x:1109:1109:Room User,tb.room@example.org,,,:/home/tbroom:/bin/sh" >>"$T/passwd"
	echo "tbroom:x:1109:" >>"$T/group"
	USERS="$USERS tbroom"
	mksvc bgt-force-f
	echo "tb.room@example.org" | bg import --name "Room leak" --date "$TODAY" - >/dev/null 2>&1 ||
		fail "import Room leak"
	begin 4h "an address in the GECOS room field (the user's to change with CHFN_RESTRICT rwh) is not an identity"
	drv s4h bgt-force-f tbroom account=PAM_SUCCESS
	rc_is 0
	no_msg
	status_is tbroom clear
	end
else
	echo "pamtest: note: /etc/login.defs has no CHFN_RESTRICT rwh; scenario 4h skipped" >&2
fi

# --- a case-insensitive directory: one rotation record, under NSS's name ---------------
# SSSD with case_sensitive = false answers "TBCASE" with tbcase's entry.  The
# rotation was written under the name as typed and read under pw_name: the
# user was forced at every login (a red team's finding).
CASESHIM=$BUILD/tests/nsscase_shim.so
$CC -D_GNU_SOURCE -DBG_NSSCASE_SHIM_SO -std=c11 -O2 -g -fPIC -shared -Wall -Wextra \
	-o "$CASESHIM" "$SRC/tests/pam/nsscase_shim.c" -ldl || fail "cannot build $CASESHIM"
echo "tbcase:x:1110:1110:Case User:/home/tbcase:/bin/sh" >>"$T/passwd"
echo "tbcase:x:1110:" >>"$T/group"
USERS="$USERS tbcase TBCASE" # pam_matrix's passdb is case-sensitive: both spellings
mksvc bgt-case
echo "tbcase@example.com" | bg import --name "Case leak" --date "$TODAY" - >/dev/null 2>&1 ||
	fail "import Case leak"
SAVED_PRELOAD=$PRELOAD
if [ -n "$ASAN_LIB" ]; then
	PRELOAD=$ASAN_LIB:$CASESHIM:${SAVED_PRELOAD#"$ASAN_LIB:"}
else
	PRELOAD=$CASESHIM:$SAVED_PRELOAD
fi
begin 18a "a case-insensitive directory: TBCASE is forced, changes the password; the rotation is recorded"
drv s18a --answer Old-TBCASE-pw --answer 'N3w-case-pw!' --answer 'N3w-case-pw!' \
	bgt-case TBCASE account=PAM_NEW_AUTHTOK_REQD chauthtok=PAM_SUCCESS
rc_is 0
logged notice "rotation recorded for user=TBCASE"
end
begin 18b "the next logins, as TBCASE and as tbcase: not forced again"
drv s18b bgt-case TBCASE account=PAM_SUCCESS
rc_is 0
no_msg
drv s18b2 bgt-case tbcase account=PAM_SUCCESS
rc_is 0
no_msg
end
PRELOAD=$SAVED_PRELOAD
begin 18c "the record is under NSS's name: the tool says tbcase rotated"
status_is tbcase rotated
end

# --- item 14: a copied store names no account -------------------------------------------
begin 14a "after enforcement, rotations and resets, data.mdb holds no user name"
bg reset tbadv >/dev/null 2>&1 || fail "reset tbadv"
for u in carol kim dave tbchfn tbadv tbevil tblong; do
	if LC_ALL=C grep -aq "$u" "$T/store/data.mdb"; then fail "data.mdb holds \"$u\""; fi
done
bg stats --json >"$T/out/stats14.json" 2>&1
json_has "$T/out/stats14.json" '"rotations":'
flat "$T/out/stats14.json" | grep -q '"rotations":0' && fail "no rotation records at all: $(cat "$T/out/stats14.json")"
end

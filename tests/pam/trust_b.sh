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

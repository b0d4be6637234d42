#!/bin/sh
# Item 9, `make soak` (long; not in make check): for SOAK_SECONDS (default 600)
# two processes run account checks through libpam in a loop (target: a million
# checks per 600 s, scaled), while imports and forgets of small advisories run
# between them.  Each checker prints its RSS and open descriptors after warm-up
# and at the end: both must stay flat (RSS within 256 KiB, descriptors equal),
# every check right, and the target reached.
. "$(dirname "$0")/lib.sh"
rel_init soak
SECS=${SOAK_SECONDS:-600}
TARGET=$((1000000 * SECS / 600))
export TMPDIR="$T"
mkservice other "account required pam_deny.so"
mkstore "$T/store" --map-size 268435456 || exit 1
mkuser f && F=$U
mkuser c && C=$U
[ -n "${C:-}" ] || exit 1
echo "$F@rel.example" >"$T/f.txt"
bg import --name soak-base --date 2021-01-01 "$T/f.txt" >/dev/null 2>&1 || { fail "setup import"; exit 1; }
mkservice bgrel "account required $MODULE conf=$CONF on_error=closed"
say "  $SECS s, target $TARGET checks"
run_bg a "$PAMLOOP" -D "$T/pam.d" -T "$SECS" -r -e PAM_SUCCESS,PAM_NEW_AUTHTOK_REQD loop "$F" "$C" >"$T/a.out" 2>&1
run_bg b "$PAMLOOP" -D "$T/pam.d" -T "$SECS" -r -e PAM_SUCCESS,PAM_NEW_AUTHTOK_REQD loop "$C" "$F" >"$T/b.out" 2>&1
end=$(($(date +%s) + SECS - 2))
n=0 wfail=0
while [ "$(date +%s)" -lt "$end" ]; do
	n=$((n + 1))
	gen_addrs 5000 "s${n}_" soak.example "$T/w.txt"
	bg import --name "w$n" "$T/w.txt" >/dev/null 2>&1 || wfail=$((wfail + 1))
	sleep 1
	bg forget "w$n" >/dev/null 2>&1 || wfail=$((wfail + 1))
	sleep 1
done
wait "$a"
arc=$?
wait "$b"
brc=$?
total=0
for f in a b; do
	v() { sed -n "s/^$1 //p" "$T/$f.out"; }
	say "  checker $f: $(v checks) checks, errors $(v errors), RSS $(v rss_kib_start) -> $(v rss_kib_end) KiB, fds $(v fds_start) -> $(v fds_end), max latency $(v max_us) us"
	total=$((total + $(v checks)))
	if [ "$(v errors)" = 0 ] && [ "$(v fds_start)" = "$(v fds_end)" ] &&
		[ $(($(v rss_kib_end) - $(v rss_kib_start))) -le 256 ]; then
		pass "checker $f: RSS $(v rss_kib_start) -> $(v rss_kib_end) KiB, fds $(v fds_start) -> $(v fds_end), $(v checks) checks, no error"
	else
		fail "checker $f: $(tr '\n' ' ' <"$T/$f.out")"
	fi
done
[ "$arc" = 0 ] && [ "$brc" = 0 ] || fail "a checker exited $arc/$brc"
[ "$wfail" = 0 ] && pass "$n imports and $n forgets between the checks, all succeeded" || fail "$wfail of $((2 * n)) writes failed"
[ "$total" -ge "$TARGET" ] && pass "$total account checks in $SECS s (target $TARGET)" ||
	fail "only $total account checks in $SECS s (target $TARGET)"
rel_done

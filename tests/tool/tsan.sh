#!/bin/sh
# tests/tool/tsan.sh: the import's threads under ThreadSanitizer (`make tsan`,
# part of `make check`).  The reader hands batches to the workers, the workers
# spool sorted runs, the merge hands new records to the record digests' helper
# in batches of 8192 (or sums them itself while the helper is busy), the input
# hands its bytes to the SHA-256 thread (sha_async.c, inputs over 4 MiB): imports
# large enough for every one of those hand-overs, into an empty store and
# among existing keys, each then checked by `verify`.  A race report fails the
# step (TSan's exit code, 66).
# usage: tsan.sh BUILD/breachguard   (a -fsanitize=thread build)
set -u
TOOL=$1
. "$(dirname "$0")/../lib.sh"
t_start bgtsan
pass=0 fail=0
ok() { pass=$((pass + 1)); say "ok    $1"; }
bad() {
	fail=$((fail + 1))
	say "FAIL  $1"
	sed -n '1,60p' "$T/err"
}

# Kernels with high mmap randomisation can refuse TSan's memory layout: run
# without address randomisation (setarch -R), as TSan's documentation advises.
run() {
	TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1" \
		setarch "$(uname -m)" -R "$TOOL" --config "$T/conf" "$@" >"$T/out" 2>"$T/err"
}

printf 'store = %s/store\nkey_file = %s/key\ndomains = example.com\n' "$T" "$T" >"$T/conf"
chmod 600 "$T/conf"
# 300,000 distinct addresses, with 29,900 repeats further on; then 240,000
# written in other case (the same identities), half of them already stored.
awk 'BEGIN { for (i = 0; i < 300000; i++) { printf "t%d@example.com\n", i;
	if (i % 10 == 0 && i >= 1000) printf "t%d@example.com\n", i - 1000 } }' >"$T/a.txt"
awk 'BEGIN { for (i = 180000; i < 420000; i++) printf "T%d@Example.COM\n", i }' >"$T/b.txt"

if run init; then ok "init"; else bad "init (exit $?)"; fi
for step in "first a.txt 300000" "second b.txt 120000"; do
	set -- $step
	if run import --json --name "$1" "$T/$2"; then
		if grep -q "\"new\": $3," "$T/out"; then
			ok "import $1 under TSan: $3 new"
		else
			bad "import $1: not $3 new: $(head -c 300 "$T/out")"
		fi
	else
		bad "import $1 under TSan (exit $?)"
	fi
	if run verify && grep -q ": ok:" "$T/out"; then
		ok "verify after import $1"
	else
		bad "verify after import $1 (exit $?): $(cat "$T/out")"
	fi
done
say "tsan: $pass passed, $fail failed"
[ "$fail" = 0 ]

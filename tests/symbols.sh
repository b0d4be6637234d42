#!/bin/sh
# The module exports the PAM entry points and nothing else, and loads with
# RTLD_NOW (no unresolved symbol).
set -eu
mod=$1
out=$(dirname "$mod")/tests
mkdir -p "$out"
got=$(nm -D --defined-only "$mod" | awk '{print $3}' | sort | tr '\n' ' ')
want="pam_sm_acct_mgmt pam_sm_chauthtok "
if [ "$got" != "$want" ]; then
	echo "symbols: FAIL: $mod exports: $got (want: $want)"
	exit 1
fi
${CC:-cc} -o "$out/dlopen_check" tests/dlopen_check.c -ldl
"$out/dlopen_check" "$mod"
echo "symbols: 2 passed, 0 failed"

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
# The module must not pull in libcrypto (its load costs every su/sudo/login
# process ~2.7 ms; digest.c uses nettle) and stays loaded once loaded (-z nodelete).
needed=$(readelf -d "$mod" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
case " $needed" in
*" libcrypto"* | *" libssl"*)
	echo "symbols: FAIL: $mod links libcrypto/libssl: $needed"
	exit 1
	;;
esac
if ! readelf -d "$mod" | grep -q 'FLAGS_1.*NODELETE'; then
	echo "symbols: FAIL: $mod is not linked with -z nodelete"
	exit 1
fi
${CC:-cc} -o "$out/dlopen_check" tests/dlopen_check.c -ldl
"$out/dlopen_check" "$mod"
echo "symbols: 4 passed, 0 failed"

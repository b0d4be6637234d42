#!/bin/sh
# Scenario 7 (issue 11 item 3): the Debian package on this machine.
#   dpkg -i: the files in place, /etc/pam.d unchanged (the profile is Default:
#   no); breachguard init and pam-auth-update --enable breachguard; a flagged
#   throwaway user is made to change the password through the real su (the
#   machine's own /etc/pam.d/su-l and common-* stacks, as the package set them
#   up); removal is refused while another PAM file names the module; dpkg
#   --purge leaves /etc/pam.d byte-identical to before and nothing of ours in
#   the module directories, /usr/sbin, /usr/share/pam-configs or
#   /var/lib/breachguard; the site key is kept (by design) and removed here.
# While the package is installed the machine's common-* stacks include the
# module: run under /tmp/bg-heavy.lock (make e2e is), and the window is short.
# The EXIT trap purges the package on any failure; so does the next run
# (pkglib.sh pkg_sweep) after a kill.
# usage: deb.sh [MODULE TOOL]   (unused; the package is $BG_DEB or built here)
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/pkglib.sh"
pkg_init "7 Debian package: install, enable, su forced change, purge, /etc/pam.d as before"
start=$(date +%s)

pkg_machine_free || exit 1
pkg_deb || exit 1
pamd_sum >"$T/pamd.before"
pau_profiles() { debconf-show libpam-runtime 2>/dev/null | grep 'libpam-runtime/profiles:'; }
pau_profiles >"$T/profiles.before"

# --- install ------------------------------------------------------------------
NAME="7a dpkg -i: files in place, conffile, /etc/pam.d unchanged"
touch "$BGTP_STATE/deb-installed"
cleanup_add "pkg_purge"
export DEBIAN_FRONTEND=noninteractive
if ! dpkg -i "$DEB" >"$T/dpkg-i.log" 2>&1; then
	e2e_fail "dpkg -i $DEB failed"
	show "$T/dpkg-i.log"
	exit 1
fi
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
why=""
for f in "/usr/lib/$MA/security/pam_breachguard.so" /usr/sbin/breachguard \
	/usr/share/pam-configs/breachguard /etc/security/breachguard.conf \
	/usr/share/man/man8/pam_breachguard.8.gz /usr/share/man/man8/breachguard.8.gz \
	/usr/share/man/man5/breachguard.conf.5.gz; do
	[ -f "$f" ] || why="$why; $f missing"
done
dpkg-query -W -f='${Conffiles}\n' pam-breachguard | grep -q ' /etc/security/breachguard.conf ' ||
	why="$why; breachguard.conf is not a conffile"
pamd_sum >"$T/pamd.installed"
cmp -s "$T/pamd.before" "$T/pamd.installed" || why="$why; dpkg -i changed /etc/pam.d (profile should be Default: no)"
if [ -z "$why" ]; then
	e2e_pass
else
	e2e_fail "${why#; }"
	diff "$T/pamd.before" "$T/pamd.installed" | head -n 10
fi

# --- enable, flag, the real su ---------------------------------------------------
NAME="7b installed package: su - to a flagged user forces the change, then the shell"
BG=/usr/sbin/breachguard
if ! "$BG" init >"$T/init.out" 2>&1; then
	e2e_fail "breachguard init: $(cat "$T/init.out")"
	exit 1
fi
touch "$BGTP_STATE/key-made"
pam-auth-update --enable breachguard >"$T/pau.out" 2>&1
if ! grep -q '^account[[:space:]].*pam_breachguard\.so' /etc/pam.d/common-account ||
	! grep -q '^password[[:space:]].*pam_breachguard\.so' /etc/pam.d/common-password; then
	e2e_fail "pam-auth-update --enable breachguard did not add the module to common-account/password"
	show "$T/pau.out" 10
	exit 1
fi
pkg_mkuser d || { e2e_fail "useradd"; exit 1; }
"$BG" flag --name "bgtp deb $$" "$U" >"$T/flag.out" 2>&1 || {
	e2e_fail "breachguard flag: $(cat "$T/flag.out")"
	exit 1
}
v() { "$BG" status --json "$1" 2>/dev/null | sed -n 's/.*"verdict" *: *"\([a-z-]*\)".*/\1/p' | head -n 1; }
v0=$(v "$U")
converse su "$OLD_PW" "$NEW_PW" setpriv --reuid=65534 --regid=65534 --clear-groups su - "$U"
v1=$(v "$U")
forced_change su "$v0" "$v1"

# --- reinstall (the upgrade path: prerm upgrade, postinst configure) ----------------
NAME="7b' dpkg -i again while enabled: the profile stays enabled, once"
pamd_sum >"$T/pamd.enabled"
if dpkg -i "$DEB" >"$T/dpkg-i2.log" 2>&1 && pamd_sum >"$T/pamd.reinstalled" &&
	cmp -s "$T/pamd.enabled" "$T/pamd.reinstalled" &&
	[ "$(grep -c 'pam_breachguard\.so' /etc/pam.d/common-account)" = 1 ]; then
	e2e_pass
else
	e2e_fail "reinstalling changed the stacks or failed"
	show "$T/dpkg-i2.log" 10
	diff "$T/pamd.enabled" "$T/pamd.reinstalled" | head -n 10
fi

# --- removal refused while another PAM file uses the module -----------------------
NAME="7c dpkg -r refused while another PAM file names the module; module and stacks kept"
svc=/etc/pam.d/svc-$ID
cleanup_add "rm -f '$svc'"
printf 'account required pam_breachguard.so action=deny\n' >"$svc"
dpkg -r pam-breachguard >"$T/dpkg-r.log" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q "pam_breachguard.so is still used by: $svc" "$T/dpkg-r.log" &&
	[ -f "/usr/lib/$MA/security/pam_breachguard.so" ] &&
	grep -q '^account[[:space:]].*pam_breachguard\.so' /etc/pam.d/common-account; then
	e2e_pass
else
	e2e_fail "dpkg -r rc=$rc (want non-zero and the module kept)"
	show "$T/dpkg-r.log" 10
fi
rm -f "$svc"

# --- purge ------------------------------------------------------------------------
NAME="7d dpkg --purge: /etc/pam.d byte-identical, nothing left but the site key (kept by design)"
if ! dpkg --purge pam-breachguard >"$T/purge.log" 2>&1; then
	e2e_fail "dpkg --purge failed"
	show "$T/purge.log"
	exit 1
fi
pamd_sum >"$T/pamd.after"
why=""
cmp -s "$T/pamd.before" "$T/pamd.after" || why="$why; /etc/pam.d differs from before"
pau_profiles >"$T/profiles.after"
cmp -s "$T/profiles.before" "$T/profiles.after" ||
	why="$why; the pam-auth-update selection changed: $(cat "$T/profiles.before") -> $(cat "$T/profiles.after")"
for f in /usr/lib/*/security/pam_breachguard.so /lib/*/security/pam_breachguard.so \
	/usr/sbin/breachguard /usr/share/pam-configs/breachguard /etc/security/breachguard.conf \
	/var/lib/breachguard /usr/share/doc/pam-breachguard; do
	[ -e "$f" ] && why="$why; $f left"
done
dpkg-query -W pam-breachguard >/dev/null 2>&1 && why="$why; dpkg still knows the package"
[ -f /etc/security/breachguard.key ] || why="$why; the site key was removed (it must be kept)"
grep -q 'site key /etc/security/breachguard.key is kept' "$T/purge.log" ||
	why="$why; purge did not say that it keeps the key"
if [ -z "$why" ]; then
	e2e_pass
else
	e2e_fail "${why#; }"
	diff "$T/pamd.before" "$T/pamd.after" | head -n 20
fi
pkg_purge
note "took $(( $(date +%s) - start ))s (the package build included when BG_DEB is unset)"
exit $E2E_FAILED

# tests/e2e/pkglib.sh: helpers of the package and Ansible scenarios (deb.sh,
# ansible.sh), sourced after lib.sh.  Their throwaway users are bgtp_* (not
# bge2e_*), and what a killed run can leave on the machine is recorded under
# $BGTP_STATE so that the next run undoes it first (pkg_sweep).

BGTP_STATE=/var/lib/bgtp-e2e
TOP=$(cd "$E2E_DIR/../.." && pwd)

# pkg_mkuser TAG: a throwaway user bgtp_<tag><pid> with $OLD_PW; sets U.
pkg_mkuser() { mkuser "$1" bgtp_; }

# pamd_sum: one line per entry of /etc/pam.d (name, type, mode, owner, and the
# content's SHA-256 or the link target), for a byte-for-byte comparison.
pamd_sum() {
	(cd /etc/pam.d && find . -printf '%p %y %m %u:%g %l\n' | sort &&
		find . -type f -exec sha256sum {} + | sort -k 2)
}

# pkg_purge: removes the package if an earlier run of ours installed it (the
# marker says so); never a pam-breachguard that somebody else installed.
pkg_purge() {
	[ -e "$BGTP_STATE/deb-installed" ] || return 0
	if dpkg-query -W -f='${Status}' pam-breachguard 2>/dev/null | grep -q 'installed\|config-files'; then
		DEBIAN_FRONTEND=noninteractive dpkg --purge pam-breachguard >"$BGTP_STATE/purge.log" 2>&1 ||
			return 1
	fi
	# The site key the scenario made (the package keeps it on purge, by design).
	[ -e "$BGTP_STATE/key-made" ] && rm -f /etc/security/breachguard.key "$BGTP_STATE/key-made"
	rm -f "$BGTP_STATE/deb-installed"
}

# pkg_sweep: undoes what a killed earlier run left: our package install, bgtp_
# users, renamed sshd copies and their pam.d files.
pkg_sweep() {
	mkdir -m 0700 "$BGTP_STATE" 2>/dev/null
	pkg_purge || echo "pkg: purging a leftover pam-breachguard failed: $(cat "$BGTP_STATE/purge.log")"
	for p in /tmp/bgtp.*/sshd-*.pid; do
		[ -f "$p" ] || continue
		pid=$(cat "$p")
		case $(readlink "/proc/$pid/exe" 2>/dev/null) in
		/tmp/bgtp.*/sbin/sshd-bgtp*) kill "$pid" ;;
		esac
	done
	t_sweep_users "" bgtp_
	rm -f /etc/pam.d/*-bgtp*
	for d in /tmp/bgtp.*; do
		[ -d "$d" ] && rm -rf "$d"
	done
	return 0
}

# pkg_init NAME: root check, the sweep, the EXIT trap, a private temp dir $T.
pkg_init() {
	NAME=$1
	t_need_root "$NAME"
	pkg_sweep
	t_start bgtp
	ID=bgtp$$
}

# pkg_machine_free: fails unless this machine has no breachguard install of
# its own (the package, the default config, key or store, a stack line): the
# scenarios install and purge the package, which must not remove anybody's.
pkg_machine_free() {
	busy=""
	dpkg-query -W -f='${Status}' pam-breachguard 2>/dev/null | grep -q 'installed\|config-files' &&
		busy="$busy pam-breachguard(installed)"
	for f in /etc/security/breachguard.conf /etc/security/breachguard.key /var/lib/breachguard \
		/usr/sbin/breachguard /usr/share/pam-configs/breachguard; do
		[ -e "$f" ] && busy="$busy $f"
	done
	refs=$(grep -ls 'pam_breachguard\.so' /etc/pam.d/* /etc/pam.conf)
	[ -n "$refs" ] && busy="$busy $(echo "$refs" | tr '\n' ' ')"
	[ -z "$busy" ] && return 0
	e2e_fail "this machine already has breachguard files, not ours to remove:$busy"
	return 1
}

# pkg_deb: sets DEB to the package file: $BG_DEB (make e2e builds it), else
# built here with make deb into $T.
pkg_deb() {
	DEB=${BG_DEB:-}
	if [ -z "$DEB" ]; then
		make -C "$TOP" --no-print-directory BUILD="$T/build" deb >"$T/deb-build.log" 2>&1 || {
			e2e_fail "make deb failed"
			show "$T/deb-build.log"
			return 1
		}
		for DEB in "$T"/build/deb/pam-breachguard_*.deb; do break; done
	fi
	[ -f "$DEB" ] || { e2e_fail "no package file ($DEB)"; return 1; }
}

# pkg_root_sshd N PORT: a renamed sshd copy ($T/sbin/sshd-bgtpN) on
# 127.0.0.1:PORT that lets root in with the key $T/ssh/id only; its own config
# (UsePAM no, so no PAM file is needed; PermitRootLogin prohibit-password;
# AuthorizedKeysFile in $T, hence StrictModes no, since /tmp is world-writable).
# The machine's sshd configuration is not read.
pkg_root_sshd() {
	n=$1 port=$2
	mkdir -p "$T/sbin" "$T/ssh"
	[ -f "$T/ssh/id" ] || {
		ssh-keygen -q -t ed25519 -N '' -C bgtp-e2e -f "$T/ssh/id" &&
			ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/hostkey" &&
			cp "$T/ssh/id.pub" "$T/ssh/authorized_keys"
	} || return 1
	if ss -Htln "sport = :$port" | grep -q .; then
		e2e_fail "port $port (127.0.0.1) is in use; the Ansible scenario needs 23030 and 23031"
		return 1
	fi
	if [ ! -d /run/sshd ]; then
		mkdir -m 0755 /run/sshd && cleanup_add "rmdir /run/sshd"
	fi
	cp /usr/sbin/sshd "$T/sbin/sshd-bgtp$n" || return 1
	cat >"$T/ssh/sshd_config.$n" <<EOC
Port $port
ListenAddress 127.0.0.1
HostKey $T/ssh/hostkey
PidFile $T/sshd-$n.pid
UsePAM no
PermitRootLogin prohibit-password
AllowUsers root
AuthorizedKeysFile $T/ssh/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
StrictModes no
PrintMotd no
PrintLastLog no
UseDNS no
X11Forwarding no
Subsystem sftp internal-sftp
LogLevel VERBOSE
EOC
	sshd_run "$T/sbin/sshd-bgtp$n" "$T/ssh/sshd_config.$n" "$T/sshd-$n.log" "$port" "sshd $n"
}

# tests/e2e/lib.sh: shared helpers of the end-to-end scenarios (sourced).
#
# Every scenario script runs as root, makes its own temp dir, throwaway users
# (bge2e_*), renamed PAM services (/etc/pam.d/*-bge2e*) and processes, and
# registers each with `cleanup_add` the moment it exists; one EXIT trap undoes
# them in reverse order even when the scenario fails.  No real /etc/pam.d file
# of a common service is written: sudo is pointed at a renamed service by a
# sudoers.d rule, and su-l, login and passwd (fixed names) see our stack through
# a bind mount in a private mount namespace (replace_fixed, ns.sh).
#
# Usage from a scenario: . lib.sh; e2e_init NAME MODULE TOOL; ...; e2e_pass/e2e_fail.
# The cleanup stack, users and show come from tests/lib.sh.

BGE2E_BACKUP=/var/lib/bge2e-backup
E2E_DIR=${E2E_DIR:-$(cd "$(dirname "$0")" && pwd)}
# shellcheck source=SCRIPTDIR/../lib.sh
. "$E2E_DIR/../lib.sh"
POLICY_DIR=$(cd "$E2E_DIR/../../policy" && pwd)
CONVERSE="$E2E_DIR/converse.exp"
OLD_PW='Bg-e2e-Old-7kqX2'
NEW_PW='Bg-e2e-New-9zRw4'
BINDS="" # "SRC:DST ..." bind mounts for converse (replace_fixed)
E2E_FAILED=0
# Throwaway users are named UPFX<tag><pid> (BGE2E_USER_PREFIX: an engineer's
# own prefix on a shared machine; run.sh sweeps bge2e_ and bgta_).
UPFX=${BGE2E_USER_PREFIX:-bge2e_}

note() { printf '  %s\n' "$*"; }

# e2e_init NAME MODULE TOOL
e2e_init() {
	NAME=$1
	MODULE=$2
	TOOL=$3
	t_need_root "$NAME"
	for f in "$MODULE" "$TOOL"; do
		case $f in /*) ;; *) say "FAIL $NAME: $f is not an absolute path"; exit 1 ;; esac
		[ -e "$f" ] || { say "FAIL $NAME: $f missing (run make)"; exit 1; }
	done
	t_start bge2e
	ID=bge2e$$
	CONF=$T/bg.conf
	mkdir -m 0700 "$T/store"
	cat >"$CONF" <<EOC
store = $T/store
key_file = $T/bg.key
domains = e2e.example
EOC
	chmod 0644 "$CONF"
	"$TOOL" --config "$CONF" init >"$T/init.out" 2>&1 || {
		e2e_fail "breachguard init failed: $(cat "$T/init.out")"
		exit 1
	}
}

e2e_pass() { say "PASS $NAME${1:+: $1}"; }
e2e_fail() {
	say "FAIL $NAME: $*"
	E2E_FAILED=1
}

# mkuser TAG [PREFIX]: makes a throwaway user with a real password and sets U
# to its name, unique per run and scenario: <prefix><tag><pid> (PREFIX: $UPFX).
# (Not in a subshell: the cleanup must be registered in the scenario's shell.)
mkuser() {
	U="${2:-$UPFX}$1$$"
	t_user "$U" -m -s /bin/sh -K UMASK=022 || return 1
	printf '%s:%s\n' "$U" "$OLD_PW" | chpasswd || return 1
	chage -m 0 -M 99999 -W 7 "$U" || return 1
}

# flag USER: an advisory (dated today) listing USER@e2e.example.
flag() {
	printf '%s@e2e.example\n' "$1" >"$T/adv-$1.txt"
	"$TOOL" --config "$CONF" import --name "bge2e advisory $1" --date "$(date -u +%F)" \
		"$T/adv-$1.txt" >"$T/import.out" 2>&1 || {
		e2e_fail "import failed: $(cat "$T/import.out")"
		return 1
	}
}

# verdict USER: the verdict breachguard status reports (from --json).
verdict() {
	"$TOOL" --config "$CONF" status --json "$1" 2>"$T/status.err" |
		sed -n 's/.*"verdict" *: *"\([a-z-]*\)".*/\1/p' | head -n 1
}

# converse TAG OLD NEW CMD...: runs CMD on a pty through converse.exp; the
# markers go to $T/TAG.out, the transcript to $T/TAG.log.
converse() {
	tag=$1 old=$2 new=$3
	shift 3
	if [ -n "$BINDS" ]; then
		set -- unshare -m --propagation private sh "$E2E_DIR/ns.sh" "$BINDS" \
			expect -f "$CONVERSE" "$T/$tag.log" "$@"
	else
		set -- expect -f "$CONVERSE" "$T/$tag.log" "$@"
	fi
	BG_OLD=$old BG_NEW=$new BG_TIMEOUT=${BG_TIMEOUT:-20} "$@" >"$T/$tag.out" 2>&1
	# the transcript with CRs removed, for grep
	tr -d '\r' <"$T/$tag.log" >"$T/$tag.txt" 2>/dev/null
}
has() { grep -q -- "$2" "$T/$1.out"; }  # a marker
says() { grep -q -F -- "$2" "$T/$1.txt"; } # the program's words

# forced_change TAG BEFORE AFTER: judges a login through `converse TAG` that
# must force the change: verdict BEFORE enforce, asked for the password, told
# it must be changed, asked for the current and the new one, a shell, verdict
# AFTER rotated.  One PASS or FAIL line (with the transcript).
forced_change() {
	if [ "$2" = enforce ] && has "$1" asked-login && says "$1" "Your password must be changed now" &&
		has "$1" asked-current && has "$1" asked-new && has "$1" shell && [ "$3" = rotated ]; then
		e2e_pass
	else
		e2e_fail "verdict before=$2 (want enforce) after=$3 (want rotated); markers: $(tr '\n' ' ' <"$T/$1.out")"
		show "$T/$1.txt"
	fi
}

# --- PAM stacks ------------------------------------------------------------

# render_stacks: common-account-$ID and common-password-$ID in /etc/pam.d,
# rendered by pam-auth-update --root from this machine's profiles plus ours,
# with the module path made absolute and conf= pointing at $CONF.  debconf
# answers go to a private database, so the machine's debconf is untouched.
render_stacks() {
	R=$T/root
	mkdir -p "$R/etc" "$R/usr/share" "$R/var/lib"
	cp -a /etc/pam.d "$R/etc/" && cp -a /usr/share/pam-configs "$R/usr/share/" &&
		cp -a /var/lib/pam "$R/var/lib/" &&
		cp "$POLICY_DIR/pam-configs/breachguard" "$R/usr/share/pam-configs/breachguard" ||
		return 1
	RENDERED=pam-auth-update
	DEBCONF_DB_REPLACE="File{$T/debconf.dat}" DEBIAN_FRONTEND=noninteractive \
		pam-auth-update --root "$R" --enable breachguard >"$T/pam-auth-update.out" 2>&1
	if ! grep -q '^account.*pam_breachguard\.so' "$R/etc/pam.d/common-account" ||
		! grep -q '^password.*pam_breachguard\.so' "$R/etc/pam.d/common-password"; then
		# Local edits make pam-auth-update refuse: render by hand, as it would.
		RENDERED=by-hand
		cp /etc/pam.d/common-account /etc/pam.d/common-password "$R/etc/pam.d/"
		printf 'account\trequired\tpam_breachguard.so\n' >>"$R/etc/pam.d/common-account"
		printf 'password\toptional\tpam_breachguard.so\n' >>"$R/etc/pam.d/common-password"
		note "pam-auth-update did not render the profile (see below); stacks rendered by hand"
		show "$T/pam-auth-update.out" 5
	fi
	for s in account password; do
		cleanup_add "rm -f /etc/pam.d/common-$s-$ID"
		sed "s#\([[:space:]]\)pam_breachguard\.so#\1$MODULE conf=$CONF#" \
			"$R/etc/pam.d/common-$s" >"/etc/pam.d/common-$s-$ID" || return 1
		chmod 0644 "/etc/pam.d/common-$s-$ID"
	done
}

# service_from SRC: a service file like /etc/pam.d/SRC whose common-account and
# common-password includes name ours; written to stdout.
service_from() {
	sed -e "s/^@include[[:space:]]\{1,\}common-account[[:space:]]*$/@include common-account-$ID/" \
		-e "s/^@include[[:space:]]\{1,\}common-password[[:space:]]*$/@include common-password-$ID/" \
		"/etc/pam.d/$1"
}

# replace_fixed NAME FILE: the programs `converse` runs see FILE in place of
# /etc/pam.d/NAME (su-l, login, passwd: services whose names are fixed),
# through a bind mount in a private mount namespace (ns.sh, unshare -m).  The
# real file is never written: a crash leaves nothing to restore.
replace_fixed() {
	[ -s "$2" ] && [ -f "/etc/pam.d/$1" ] || return 1
	chmod 0644 "$2" || return 1
	BINDS="$BINDS $2:/etc/pam.d/$1"
}

# --- sshd ------------------------------------------------------------------

# start_sshd KBDINT(yes|no): a renamed sshd (PAM service sshd-$ID) on a free
# loopback port; sets PORT.  Its pam.d file is /etc/pam.d/sshd with our includes.
start_sshd() {
	mkdir -p "$T/sbin"
	SSHD=$T/sbin/sshd-$ID
	cp /usr/sbin/sshd "$SSHD" || return 1
	if [ ! -e "/etc/pam.d/sshd-$ID" ]; then
		cleanup_add "rm -f /etc/pam.d/sshd-$ID"
		service_from sshd >"/etc/pam.d/sshd-$ID" || return 1
	fi
	[ -f "$T/hostkey" ] || ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey" || return 1
	if [ ! -d /run/sshd ]; then
		mkdir -m 0755 /run/sshd && cleanup_add "rmdir /run/sshd"
	fi
	PORT=
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		p=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000 ))
		ss -Htln "sport = :$p" | grep -q . || { PORT=$p; break; }
	done
	[ -n "$PORT" ] || return 1
	cat >"$T/sshd_config.$1" <<EOC
Port $PORT
ListenAddress 127.0.0.1
HostKey $T/hostkey
PidFile $T/sshd.pid
UsePAM yes
KbdInteractiveAuthentication $1
PasswordAuthentication yes
PubkeyAuthentication yes
PermitRootLogin no
AllowUsers $UPFX*
StrictModes yes
PrintMotd no
PrintLastLog no
UseDNS no
X11Forwarding no
LogLevel VERBOSE
EOC
	sshd_run "$SSHD" "$T/sshd_config.$1" "$T/sshd.log" "$PORT" sshd
}

# sshd_run SSHD CONFIG LOG PORT WHAT: checks CONFIG (sshd -t), starts SSHD in
# the foreground (its kill registered, pid in SSHD_PID) logging to LOG, and
# waits up to 5 s for it to listen on 127.0.0.1:PORT.
sshd_run() {
	"$1" -t -f "$2" >"$T/sshd-t.out" 2>&1 || {
		e2e_fail "sshd -t: $(cat "$T/sshd-t.out")"
		return 1
	}
	"$1" -D -e -f "$2" >>"$3" 2>&1 &
	SSHD_PID=$!
	cleanup_add "kill $SSHD_PID"
	for _ in $(seq 50); do
		ss -Htln "sport = :$4" | grep -q . && return 0
		sleep 0.1
	done
	e2e_fail "$5 did not listen on 127.0.0.1:$4"
	show "$3"
	return 1
}

stop_sshd() {
	kill "$SSHD_PID" 2>/dev/null
	wait "$SSHD_PID" 2>/dev/null
}

SSH_OPTS="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=10"

# userkey USER: a key pair in $T/USER.key authorised for USER.
userkey() {
	ssh-keygen -q -t ed25519 -N '' -f "$T/$1.key" || return 1
	h=$(getent passwd "$1" | cut -d: -f6)
	install -d -m 0700 -o "$1" -g "$(id -gn "$1")" "$h/.ssh" &&
		install -m 0600 -o "$1" -g "$(id -gn "$1")" "$T/$1.key.pub" "$h/.ssh/authorized_keys"
}

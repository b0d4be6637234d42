#!/bin/sh
# Scenario 8 (issue 11 item 4): the Ansible role with the real ansible-playbook
# against two inventory hosts on loopback (two renamed sshd copies on
# 127.0.0.1:23030 and :23031, root by a throwaway key).  Both "hosts" are this
# machine, so each has its own configuration, store, key and work directory
# under $T; the package is installed by host1 only (the same dpkg database),
# and the PAM profile is not enabled (the machine's stacks stay as they are).
#   The management step (this shell, the control node): a store under the
#   site key, two advisories imported, a signing key, two signed bundles.
#   8a the playbook installs, configures, imports bundle 1 on both hosts,
#      scans, fetches, and builds the report: both hosts enforce the flagged
#      users, the report counts both hosts.
#      host2 scans under a name of its own (breachguard_host_name): its file
#      and its report entry carry that name, and nothing is misnamed.
#   8a2 again with one name for both hosts: each scan is kept in a file of its
#      own, the report counts neither, names both, and the play fails (exit 3).
#   8a3 the same under ANSIBLE_STRATEGY=free: the role's check before the
#      report (or the report) fails the play; nothing counts dup.example.
#   8a4 serial: 1 (a copy of site.yml): each batch passes the check, the last
#      batch's report counts both hosts.
#   8b a second run with bundle 1 again and bundle 2 with one byte changed:
#      bundle 1 is "ok" (already imported), nothing else changes on the hosts
#      (package, key, config, store); bundle 2's import fails on every host and
#      nothing is written (advisories unchanged, its user still clear), while
#      the same bundle as signed imports into a scratch store.
# At the end the package is purged and /etc/pam.d must be as before.
# usage: ansible.sh [MODULE TOOL]   (unused; the package is $BG_DEB or built here)
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/pkglib.sh"
pkg_init "8 Ansible role on two loopback hosts"
start=$(date +%s)
command -v ansible-playbook >/dev/null 2>&1 || { e2e_fail "ansible-playbook missing (make deps)"; exit 1; }
pkg_machine_free || exit 1
pkg_deb || exit 1
pamd_sum >"$T/pamd.before"
CHECK="/usr/bin/python3 $E2E_DIR/ansible_check.py"
DAY=$(date -u +%F)

# --- users: a and b in bundle 1, x in bundle 2, c in none ---------------------------
pkg_mkuser a || { e2e_fail "useradd"; exit 1; }
U_a=$U
pkg_mkuser b || { e2e_fail "useradd"; exit 1; }
U_b=$U
pkg_mkuser x || { e2e_fail "useradd"; exit 1; }
U_x=$U
pkg_mkuser c || { e2e_fail "useradd"; exit 1; }
U_c=$U

# --- the management host -------------------------------------------------------------
# Its tool is the build's (the package is not installed yet); its store holds
# the plaintext-derived digests; only bundles leave it.
BG=$TOP/build/breachguard
[ -x "$BG" ] || { e2e_fail "$BG missing (run make)"; exit 1; }
M=$T/mgmt
mkdir -m 0700 "$M"
printf 'store = %s/store\nkey_file = %s/site.key\ndomains = fleet.example\n' "$M" "$M" >"$M/breachguard.conf"
mgmt() { "$BG" --config "$M/breachguard.conf" "$@" >>"$M/log" 2>&1 || { e2e_fail "management: breachguard $*"; show "$M/log"; exit 1; }; }
mgmt init
printf '%s@fleet.example\n%s@fleet.example\n' "$U_a" "$U_b" >"$M/adv1.txt"
printf '"X" <%s@fleet.example>\n' "$U_x" >"$M/adv2.txt"
mgmt import --name "bgtp fleet one" --date "$DAY" "$M/adv1.txt"
mgmt import --name "bgtp fleet two" --date "$DAY" "$M/adv2.txt"
mgmt keygen "$M/sign.key"
mgmt export --sign "$M/sign.key" --out "$M/one.bundle" "bgtp fleet one"
mgmt export --sign "$M/sign.key" --out "$M/two.bundle" "bgtp fleet two"
mkdir "$M/tampered"
# one byte in the middle of the bundle, xor 0x01
/usr/bin/python3 - "$M/two.bundle" "$M/tampered/two.bundle" <<'EOP'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) // 2] ^= 1
open(sys.argv[2], "wb").write(b)
EOP
cmp -s "$M/two.bundle" "$M/tampered/two.bundle" && { e2e_fail "tampering did not change the bundle"; exit 1; }

# --- two hosts on loopback --------------------------------------------------------------
pkg_root_sshd 1 23030 || exit 1
pkg_root_sshd 2 23031 || exit 1
for n in 1 2; do mkdir -m 0700 "$T/host$n"; done
cat >"$T/inventory.yml" <<EOI
all:
  children:
    breachguard:
      hosts:
        host1:
          ansible_port: 23030
          breachguard_install_package: true
        host2:
          ansible_port: 23031
          # the same machine: host1 installed the package already
          breachguard_install_package: false
          # its scan's and its report's name, not the inventory's
          breachguard_host_name: web-02.example
      vars:
        ansible_host: 127.0.0.1
        ansible_user: root
        ansible_python_interpreter: /usr/bin/python3
        ansible_ssh_private_key_file: $T/ssh/id
        ansible_ssh_common_args: -o UserKnownHostsFile=$T/ssh/known_hosts -o IdentitiesOnly=yes -o BatchMode=yes
        ansible_remote_tmp: $T/{{ inventory_hostname }}/ansible-tmp
        breachguard_deb: $DEB
        breachguard_conf: $T/{{ inventory_hostname }}/breachguard.conf
        breachguard_store: $T/{{ inventory_hostname }}/store
        breachguard_key_file: $T/{{ inventory_hostname }}/site.key
        breachguard_trusted_keys_dir: $T/{{ inventory_hostname }}/trusted
        breachguard_work_dir: $T/{{ inventory_hostname }}/work
        breachguard_site_key: $M/site.key
        breachguard_trusted_keys: [$M/sign.key.pub]
        breachguard_domains: [fleet.example]
        breachguard_settings: {grace_days: 0}
        breachguard_pam_enable: false
        breachguard_fetch_dir: $T/scans
EOI
export ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_HOME="$T/ansible-home" ANSIBLE_LOCAL_TEMP="$T/ansible-local" \
	ANSIBLE_SSH_CONTROL_PATH_DIR="$T/cp" ANSIBLE_PIPELINING=True ANSIBLE_NOCOLOR=1 \
	ANSIBLE_RETRY_FILES_ENABLED=False ANSIBLE_CALLBACK_PLUGINS="$E2E_DIR/ansible_plugins" \
	ANSIBLE_CALLBACKS_ENABLED=bgtp_record \
	ANSIBLE_ROLES_PATH="$POLICY_DIR/ansible/roles" ANSIBLE_CONFIG="$T/ansible.cfg" \
	ANSIBLE_SSH_ARGS="-o ControlMaster=auto -o ControlPersist=30s"
# No ansible.cfg of the machine or the current directory is read.
printf '[defaults]\n' >"$T/ansible.cfg"
# The ssh masters end with the scenario (they would outlive sshd's listener).
cleanup_add 'for s in "$T"/cp/*; do [ -S "$s" ] && ssh -o ControlPath="$s" -O exit bgtp 2>/dev/null; done'
touch "$BGTP_STATE/deb-installed"
cleanup_add "pkg_purge"

# play TAG BUNDLE...: runs site.yml with breachguard_bundles=[BUNDLE...]; the
# results (ansible_plugins/bgtp_record.py) go to $T/TAG.json, the screen output
# to $T/TAG.out; sets RC.
play() {
	tag=$1
	shift
	b=$(printf '"%s",' "$@")
	(cd "$T" && BGTP_RECORD="$T/$tag.json" ansible-playbook -i "$T/inventory.yml" \
		"${PLAY_SITE:-$POLICY_DIR/ansible/site.yml}" -e "{\"breachguard_bundles\": [${b%,}]${PLAY_EXTRA:-}}" \
		>"$T/$tag.out" 2>&1)
	RC=$?
	note "run $tag: ansible-playbook took $($CHECK "$T/$tag.json" times | tail -n 1)"
	[ -n "${BGTP_TIMES:-}" ] && $CHECK "$T/$tag.json" times | sed "s/^/    /"
}
# task TAG NAME: "host1 STATE host2 STATE" for the task NAME of run TAG.
task() { $CHECK "$T/$1.json" task "$2" | tr '\n' ' ' | sed 's/ $//'; }
status_of() { # HOST USER: the verdict on that host
	"/usr/sbin/breachguard" --config "$T/$1/breachguard.conf" status --json "$2" 2>/dev/null |
		sed -n 's/.*"verdict" *: *"\([a-z-]*\)".*/\1/p' | head -n 1
}
show_run() {
	$CHECK "$T/$1.json" recap | sed 's/^/    | /'
	grep -E '^(fatal|failed|ERROR)|"(msg|stderr)"' "$T/$1.out" | head -n 10 | sed 's/^/    | /'
}

# --- 8a: the rollout ----------------------------------------------------------------------
NAME="8a playbook: install, config, bundle imported on both hosts, both enforce, report counts both"
play first "$M/one.bundle"
why=""
[ $RC -eq 0 ] || why="$why; ansible-playbook exited $RC"
[ "$(task first 'Install the package')" = "host1 changed host2 skipped" ] ||
	why="$why; install: $(task first 'Install the package') (want host1 changed host2 skipped)"
[ "$(task first 'Import the bundles')" = "host1 changed host2 changed" ] ||
	why="$why; import: $(task first 'Import the bundles')"
[ "$(task first 'Enable the breachguard profile')" = "host1 skipped host2 skipped" ] ||
	why="$why; the PAM task was not skipped: $(task first 'Enable the breachguard profile')"
for n in 1 2; do
	h=host$n
	scan=$h
	[ $n = 2 ] && scan=web-02.example
	for f in "$T/$h/store/data.mdb" "$T/$h/breachguard.conf" "$T/scans/$scan.json"; do
		[ -f "$f" ] || why="$why; $f missing"
	done
	m=$(stat -c %a "$T/$h/site.key" 2>/dev/null)
	[ "$m" = 600 ] || why="$why; $h site key mode $m (want 600)"
	cmp -s "$M/site.key" "$T/$h/site.key" || why="$why; $h has another site key"
	for u in "$U_a" "$U_b"; do
		v=$(status_of "$h" "$u")
		[ "$v" = enforce ] || why="$why; $h $u: $v (want enforce)"
	done
	for u in "$U_x" "$U_c"; do
		v=$(status_of "$h" "$u")
		[ "$v" = clear ] || why="$why; $h $u: $v (want clear)"
	done
done
[ "$($CHECK "$T/first.json" censored 'Place the site key (shared by the fleet; 32 bytes)')" = "host1 host2" ] ||
	why="$why; the site key task's result is not hidden (no_log)"
/usr/bin/python3 - "$T/scans/report.json" "$U_a" "$U_b" >"$T/report.check" 2>&1 <<'EOP' || why="$why; report: $(cat "$T/report.check")"
import json, sys
r = json.load(open(sys.argv[1]))
users = set(sys.argv[2:])
assert sorted(r["hosts"]) == ["host1", "web-02.example"], f"hosts {r['hosts']} (want host1, web-02.example)"
assert r["misnamed_scans"] == [] and r["host_conflicts"] == [], f"misnamed {r['misnamed_scans']}, conflicts {r['host_conflicts']}"
assert r["totals"].get("enforce") == 4, f"totals {r['totals']} (want enforce 4: 2 users x 2 hosts)"
pend = {(p["host"], p["user"]) for p in r["pending"]}
want = {(h, u) for h in ("host1", "web-02.example") for u in users}
assert want <= pend, f"pending {sorted(pend)} lacks {sorted(want - pend)}"
names = [a["name"] for a in r["advisories"]]
assert "bgtp fleet one" in names, f"advisories {names}"
EOP
grep -q '<svg' "$T/scans/report.html" 2>/dev/null || why="$why; report.html missing or without its chart"
if [ -z "$why" ]; then
	e2e_pass
else
	e2e_fail "${why#; }"
	show_run first
fi

# --- 8a2: two hosts that scan as one name ------------------------------------------------
NAME="8a2 two hosts scanning as one name: a file each, neither counted, both named, the play fails"
PLAY_EXTRA=', "breachguard_host_name": "dup.example"' play dup "$M/one.bundle"
why=""
[ $RC -ne 0 ] || why="$why; ansible-playbook exited 0"
[ "$(task dup 'Build the fleet report (breachguard report --json --html)')" = "host1 failed" ] ||
	why="$why; report task: '$(task dup 'Build the fleet report (breachguard report --json --html)')' (want failed)"
for n in 1 2; do
	[ -f "$T/scans/conflict/host$n/dup.example.json" ] || why="$why; no scans/conflict/host$n/dup.example.json"
done
/usr/bin/python3 - "$T/scans/report.json" "$T/scans" >"$T/dup.check" 2>&1 <<'EOP' || why="$why; report: $(cat "$T/dup.check")"
import json, sys
r = json.load(open(sys.argv[1]))
d = sys.argv[2]
want = [{"host": "dup.example", "files": [f"{d}/conflict/host1/dup.example.json", f"{d}/conflict/host2/dup.example.json"]}]
assert r["host_conflicts"] == want, f"conflicts {r['host_conflicts']} (want {want})"
assert "dup.example" not in r["hosts"] and r["misnamed_scans"] == [], f"hosts {r['hosts']}, misnamed {r['misnamed_scans']}"
EOP
if [ -z "$why" ]; then
	e2e_pass
else
	e2e_fail "${why#; }"
	show_run dup
fi

# --- 8a3: the same under the free strategy -------------------------------------------------
# Each host runs on without waiting for the other: the report's check may come
# before the other host's scan, or after both fetched to one file.  Whichever:
# the play fails, and no report counts dup.example.
NAME="8a3 two hosts scanning as one name under strategy free: the play fails, nothing counted"
rm -rf "$T/scans"
export ANSIBLE_STRATEGY=free
PLAY_EXTRA=', "breachguard_host_name": "dup.example"' play free "$M/one.bundle"
unset ANSIBLE_STRATEGY
why=""
[ $RC -ne 0 ] || why="$why; ansible-playbook exited 0"
chk=$(task free 'Check that every host fetched a scan of its own')
rep=$(task free 'Build the fleet report (breachguard report --json --html)')
case "$chk $rep" in
*failed*) ;;
*) why="$why; neither the check nor the report failed (check '$chk', report '$rep')" ;;
esac
if [ -f "$T/scans/report.json" ]; then
	/usr/bin/python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
assert "dup.example" not in r["hosts"], r["hosts"]' "$T/scans/report.json" >"$T/free.check" 2>&1 ||
		why="$why; the report counts dup.example: $(cat "$T/free.check")"
fi
if [ -z "$why" ]; then
	e2e_pass "check '$chk', report '$rep'"
else
	e2e_fail "${why#; }"
	show_run free
fi

# --- 8a4: one host at a time (serial: 1) ---------------------------------------------------
# The check waits for the hosts of its batch only: each batch's report is
# built, and the last one counts both hosts.
NAME="8a4 serial 1: each batch passes the check, the last report counts both hosts"
rm -rf "$T/scans"
sed 's/^  gather_facts: false$/  gather_facts: false\n  serial: 1/' "$POLICY_DIR/ansible/site.yml" >"$T/serial.yml"
export ANSIBLE_ROLES_PATH="$POLICY_DIR/ansible/roles"
PLAY_SITE="$T/serial.yml" play serial "$M/one.bundle"
unset ANSIBLE_ROLES_PATH
why=""
grep -q '^  serial: 1$' "$T/serial.yml" || why="$why; serial.yml has no serial: 1"
[ $RC -eq 0 ] || why="$why; ansible-playbook exited $RC"
[ "$(task serial 'Check that every host fetched a scan of its own')" = "host1 ok host2 ok" ] ||
	why="$why; check: '$(task serial 'Check that every host fetched a scan of its own')' (want ok on both)"
/usr/bin/python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
assert sorted(r["hosts"]) == ["host1", "web-02.example"], r["hosts"]' "$T/scans/report.json" >"$T/serial.check" 2>&1 ||
	why="$why; report: $(cat "$T/serial.check")"
if [ -z "$why" ]; then
	e2e_pass
else
	e2e_fail "${why#; }"
	show_run serial
fi

# --- 8b: again, with a tampered bundle ---------------------------------------------------
NAME="8b second run, bundle 1 again and bundle 2 with one byte changed: 1 ok, 2 fails on every host, nothing written or changed"
for n in 1 2; do
	/usr/sbin/breachguard --config "$T/host$n/breachguard.conf" advisories --json >"$T/adv$n.before" 2>&1
done
play again "$M/one.bundle" "$M/tampered/two.bundle"
why=""
[ $RC -ne 0 ] || why="$why; ansible-playbook exited 0"
items=$($CHECK "$T/again.json" items 'Import the bundles' | tr '\n' ' ')
[ "$items" = "host1 one.bundle ok host1 two.bundle failed host2 one.bundle ok host2 two.bundle failed " ] ||
	why="$why; import items: $items(want one ok, two failed, on both)"
for t in 'Install the package' 'Place the site key (shared by the fleet; 32 bytes)' \
	'Place the trusted public keys' 'Write the configuration' 'Make the store'; do
	s=$(task again "$t")
	case $s in *changed* | *failed* | "") why="$why; $t: '$s' (want ok or skipped)" ;; esac
done
for n in 1 2; do
	/usr/sbin/breachguard --config "$T/host$n/breachguard.conf" advisories --json >"$T/adv$n.after" 2>&1
	cmp -s "$T/adv$n.before" "$T/adv$n.after" || why="$why; host$n advisories changed"
	v=$(status_of "host$n" "$U_x")
	[ "$v" = clear ] || why="$why; host$n $U_x: $v (want clear)"
	v=$(status_of "host$n" "$U_a")
	[ "$v" = enforce ] || why="$why; host$n $U_a: $v (want enforce still)"
done
msg=$($CHECK "$T/again.json" failmsg 'Import the bundles' host1)
case $msg in *two.bundle*) ;; *) why="$why; the error does not name the bundle: $msg" ;; esac
[ "$(task again 'Scan the accounts (breachguard scan --json)')" = "" ] ||
	why="$why; the scan ran after every host failed"
# The same bundle as signed imports (so the one byte made the difference).
S=$T/scratch
mkdir -m 0700 "$S"
printf 'store = %s/store\nkey_file = %s/site.key\ntrusted_keys = %s/sign.key.pub\ndomains = fleet.example\n' \
	"$S" "$M" "$M" >"$S/breachguard.conf"
if ! "$BG" --config "$S/breachguard.conf" init >"$S/log" 2>&1 ||
	! "$BG" --config "$S/breachguard.conf" import "$M/two.bundle" >>"$S/log" 2>&1 ||
	[ "$("$BG" --config "$S/breachguard.conf" status --json "$U_x" 2>/dev/null |
		sed -n 's/.*"verdict" *: *"\([a-z-]*\)".*/\1/p')" != enforce ]; then
	why="$why; the untampered bundle 2 does not import into a scratch store: $(cat "$S/log")"
fi
if [ -z "$why" ]; then
	e2e_pass "$msg"
else
	e2e_fail "${why#; }"
	show_run again
fi

# --- the machine as before ------------------------------------------------------------------
NAME="8c purge: /etc/pam.d byte-identical to before the scenario"
pamd_sum >"$T/pamd.installed"
pkg_purge || e2e_fail "purge: $(cat "$BGTP_STATE/purge.log")"
pamd_sum >"$T/pamd.after"
if cmp -s "$T/pamd.before" "$T/pamd.installed" && cmp -s "$T/pamd.before" "$T/pamd.after" &&
	[ ! -e /usr/sbin/breachguard ]; then
	e2e_pass
else
	e2e_fail "/etc/pam.d changed or the tool is left"
	diff "$T/pamd.before" "$T/pamd.after" | head
fi
note "took $(( $(date +%s) - start ))s"
exit $E2E_FAILED

#!/usr/bin/env python3
"""Issue 10 tool-level tests (items 10, 14, 15, 17 of branch trust-b): every
command refuses a config with an unknown key, names file, line and the nearest
key.  Usage: test_trust.py BUILD/breachguard"""
import json, os, shutil, subprocess, sys, tempfile

TOOL = os.path.abspath(sys.argv[1])
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
from checks import check, summary  # noqa: E402


def run(conf, *args, stdin=None, env=None):
    return subprocess.run([TOOL, "--config", conf, *args], input=stdin, capture_output=True,
                          text=True, timeout=120, env=env)


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def mkstore(root, extra=""):
    os.makedirs(root, exist_ok=True)
    conf = os.path.join(root, "bg.conf")
    write(conf, f"store = {root}/store\nkey_file = {root}/key\ndomains = example.com\n{extra}")
    r = run(conf, "init")
    check(r.returncode == 0, "init", r.stderr)
    return conf


def item10(root):
    conf = mkstore(os.path.join(root, "i10"))
    good = open(conf).read()
    bad = os.path.join(root, "i10", "bad.conf")
    write(bad, good.replace("domains =", "domain ="))
    lineno = [l.split("=")[0].strip() for l in open(bad)].index("domain") + 1
    want = f"{bad}:{lineno}: unknown option \"domain\" (did you mean domains?)"
    user = os.environ.get("USER", "root")
    for cmd in (["init"], ["import", "--name", "x", "/dev/null"], ["advisories"],
                ["forget", "x"], ["flag", "root"], ["status", "root"], ["scan"],
                ["reset", "root"], ["stats"], ["check"]):
        r = run(bad, *cmd)
        check(r.returncode == 1, f"item 10: {' '.join(cmd)} with \"domain =\" exits 1",
              f"exit {r.returncode}: {r.stdout} {r.stderr}")
        check(want in r.stderr or want in r.stdout,
              f"item 10: {' '.join(cmd)} names file, line and the nearest key",
              f"want {want!r}, got {r.stderr!r} {r.stdout!r}")
    # The same through $BREACHGUARD_CONF.
    env = dict(os.environ, BREACHGUARD_CONF=bad)
    r = subprocess.run([TOOL, "advisories"], capture_output=True, text=True, env=env)
    check(r.returncode == 1 and want in r.stderr, "item 10: BREACHGUARD_CONF too", r.stderr)
    # A config (or key, or store) in a group-writable directory is refused.
    os.chmod(os.path.join(root, "i10"), 0o775)
    r = run(conf, "advisories")
    check(r.returncode == 1 and "is writable by group or others" in r.stderr
          and os.path.join(root, "i10") in r.stderr,
          "item 10: config in a group-writable directory is refused", r.stderr)
    os.chmod(os.path.join(root, "i10"), 0o755)
    r = run(conf, "advisories")
    check(r.returncode == 0, "item 10: and accepted once safe", r.stderr)


def main():
    root = tempfile.mkdtemp(prefix="bg-tooltrust-")
    os.chmod(root, 0o755)
    try:
        for name, fn in sorted(globals().items()):
            if name.startswith("item") and callable(fn):
                fn(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return summary("tooltest (trust): ")


def item17_many(root):
    """verify after imports large enough for the record digests' helper thread:
    batches of 8192 new records handed to it or, while it is busy, summed by the
    writer itself; either way the folded digest is the walk's.  Into an empty
    store (appends), then more into the same store (puts among existing keys)."""
    d = os.path.join(root, "i17m")
    conf = mkstore(d)
    first = os.path.join(d, "a.txt")
    write(first, "".join(f"m{i}@example.com\n" for i in range(200000)))
    second = os.path.join(d, "b.txt")
    write(second, "".join(f"m{i}@example.com\n" for i in range(150000, 330000)))
    for name, path, new in (("Many", first, 200000), ("More", second, 130000)):
        r = run(conf, "import", "--json", "--name", name, path)
        check(r.returncode == 0 and f'"new": {new},' in r.stdout,
              f"item 17: import {name}: {new} new", r.stdout[-300:] + r.stderr)
        r = run(conf, "verify")
        check(r.returncode == 0 and "ok" in r.stdout, f"item 17: verify after import {name}",
              r.stdout + r.stderr)


def item17(root):
    """verify: sound after every kind of write; a change outside breachguard is
    found; the shipped timer's and cron's commands log a failure to authpriv."""
    d = os.path.join(root, "i17")
    conf = mkstore(d, "exempt_users =\nmin_uid = 0\n")
    addrs = os.path.join(d, "a.txt")
    write(addrs, "".join(f"u{i}@example.com\n" for i in range(500)) + "root@example.com\n")
    steps = [["import", "--name", "TamperMe", "--date", "2021-01-01", addrs],
             ["import", "--name", "Second", addrs],
             ["flag", "--name", "Flagged", "root"], ["reset", "root"],
             ["forget", "Second"], ["import", "--name", "Second", addrs]]
    r = run(conf, "verify")
    check(r.returncode == 0 and "ok" in r.stdout, "item 17: verify on a new store", r.stdout + r.stderr)
    for s in steps:
        r = run(conf, *s)
        check(r.returncode == 0, f"item 17: {' '.join(s[:2])}", r.stderr)
        r = run(conf, "verify")
        check(r.returncode == 0, f"item 17: verify after {' '.join(s[:2])}", r.stdout + r.stderr)
    r = run(conf, "verify", "extra")
    check(r.returncode == 2, "item 17: verify takes no argument", r.stderr)
    # A change outside breachguard: the advisory's name, one byte, in every copy.
    data = os.path.join(d, "store", "data.mdb")
    with open(data, "rb") as f:
        blob = f.read()
    check(b"TamperMe" in blob, "item 17: the name is in data.mdb")
    with open(data, "r+b") as f:
        f.write(blob.replace(b"TamperMe", b"TamperMf"))
    r = run(conf, "verify")
    check(r.returncode == 1 and "do not match the digest" in r.stdout,
          "item 17: a record changed outside breachguard is found", r.stdout + r.stderr)
    # The shipped commands: the unit's ExecStart and the cron line, with a
    # stand-in logger that records its arguments and input.
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "policy")
    fake = os.path.join(d, "bin")
    os.makedirs(fake)
    log = os.path.join(d, "logger.out")
    write(os.path.join(fake, "logger"), f"#!/bin/sh\n{{ echo \"ARGS $*\"; cat; }} >>{log}\n", 0o755)
    write(os.path.join(fake, "breachguard"),
          f"#!/bin/sh\nexec {TOOL} --config {conf} \"$@\"\n", 0o755)
    unit = open(os.path.join(src, "systemd", "breachguard-verify.service")).read()
    line = [l for l in unit.splitlines() if l.startswith("ExecStart=")][0][len("ExecStart="):]
    cmd = line.replace("$$", "$").replace("%%", "%").replace("/usr/sbin/breachguard", "breachguard")
    cmd = cmd.split(" ", 2)[2]  # after /bin/sh -c
    cmd = cmd[1:-1].replace("\\\\n", "\\n")  # the single-quoted script
    env = dict(os.environ, PATH=fake + ":" + os.environ["PATH"])
    r = subprocess.run(["/bin/sh", "-c", cmd], capture_output=True, text=True, env=env)
    got = open(log).read() if os.path.exists(log) else ""
    check(r.returncode == 1 and "ARGS -p authpriv.err -t breachguard-verify" in got
          and "do not match the digest" in got, "item 17: the timer's command logs to authpriv.err",
          f"exit {r.returncode}: {got!r} {r.stderr!r}")
    os.unlink(log)
    cron = [l for l in open(os.path.join(src, "cron", "breachguard-verify")).read().splitlines()
            if l and not l.startswith("#") and "=" not in l.split()[0]][0]
    cmd = cron.split(None, 6)[6].replace("\\%", "%").replace("/var/lib/breachguard/data.mdb", data)
    subprocess.run(["/bin/sh", "-c", cmd], capture_output=True, text=True, env=env)
    got = open(log).read() if os.path.exists(log) else ""
    check("ARGS -p authpriv.err -t breachguard-verify" in got and "do not match the digest" in got,
          "item 17: the cron line logs to authpriv.err", repr(got))


if __name__ == "__main__":
    sys.exit(main())

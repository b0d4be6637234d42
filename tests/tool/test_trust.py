#!/usr/bin/env python3
"""Issue 10 tool-level tests (items 10, 14, 15, 17 of branch trust-b): every
command refuses a config with an unknown key, names file, line and the nearest
key.  Usage: test_trust.py BUILD/breachguard"""
import json, os, shutil, subprocess, sys, tempfile

TOOL = os.path.abspath(sys.argv[1])
passed = failed = 0


def check(cond, what, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {what} {detail}".rstrip())


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
    print(f"tooltest (trust): {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

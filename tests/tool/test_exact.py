#!/usr/bin/env python3
"""Exact-identity tests: an import must store exactly the identities a careful
person reads in the input, proved by digest, not by count.

Every tests/fixtures/exact/NAME.expected drives one case.  The input is the
sibling file NAME.<anything else> (there must be exactly one, besides the
optional NAME.args and NAME.fail).  NAME.expected lists the addresses, one a
line (# comments and blank lines ignored), written in their plain normalised
form.  NAME.args holds extra import arguments, one a line (a path relative to
the fixtures directory may be written as @FILE).  NAME.secret lists texts
(passwords) the import's report must never show, on stderr or in its JSON.
NAME.fail, when present,
holds words the error message must contain; the import must then fail with
exit 1 and store nothing (NAME.expected is then empty).

For a good case: import the input into an empty store; import NAME.expected
as plain text with --dry-run; require every expected address known, none new,
and the store's identity count equal to the expected count, so that nothing
else was stored.  Usage: test_exact.py BUILD/breachguard [NAME...]"""
import glob, json, os, subprocess, sys, tempfile

TOOL = os.path.abspath(sys.argv[1])
ONLY = set(sys.argv[2:])
FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
EXACT = os.path.join(FIX, "exact")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
from checks import check, summary  # noqa: E402


def run(conf, *args, stdin=None):
    return subprocess.run([TOOL, "--config", conf, *args], input=stdin,
                          capture_output=True, timeout=300)


def lines(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [l.strip() for l in f if l.strip() and not l.lstrip().startswith("#")]


def case(name, root):
    base = os.path.join(EXACT, name)
    inputs = [p for p in glob.glob(glob.escape(base) + ".*")
              if p[len(base):] not in (".expected", ".args", ".fail", ".secret")]
    if len(inputs) != 1:
        check(False, f"{name}: exactly one input file", str(inputs))
        return
    src = inputs[0]
    expected = sorted(set(lines(base + ".expected")))
    args = [os.path.join(FIX, a[1:]) if a.startswith("@") else a
            for a in lines(base + ".args")]
    fail_words = lines(base + ".fail")
    os.makedirs(root)
    conf = os.path.join(root, "bg.conf")
    with open(conf, "w") as f:
        f.write(f"store = {root}/store\nkey_file = {root}/key\ndomains = example.com\n")
    r = run(conf, "init")
    check(r.returncode == 0, f"{name}: init", r.stderr.decode(errors="replace"))
    r = run(conf, "import", "--name", name, "--json", *args, src)
    err = r.stderr.decode(errors="replace")
    stats = json.loads(run(conf, "stats", "--json").stdout or b"{}")
    for w in lines(base + ".secret"):
        check(w not in err and w not in r.stdout.decode(errors="replace"),
              f"{name}: the report never shows {w!r}", err)
    if fail_words:
        check(r.returncode == 1, f"{name}: refused with exit 1", f"got {r.returncode}: {err}")
        for w in fail_words:
            check(w in err, f"{name}: message says {w!r}", err)
        check(stats.get("identities", 0) == 0, f"{name}: nothing stored", str(stats))
        return
    check(r.returncode == 0, f"{name}: import exit 0", f"got {r.returncode}: {err}")
    if r.returncode != 0:
        return
    with tempfile.NamedTemporaryFile("w", suffix=".txt", dir=root, delete=False,
                                     encoding="utf-8") as f:
        f.write("".join(a + "\n" for a in expected))
    r = run(conf, "import", "--name", name + " (expected)", "--format", "text",
            "--dry-run", "--json", f.name)
    check(r.returncode == 0, f"{name}: dry run of the expected list",
          r.stderr.decode(errors="replace"))
    if r.returncode != 0:
        return
    rep = json.loads(r.stdout)
    tot = rep.get("totals", rep)
    check(tot.get("addresses") == len(expected),
          f"{name}: the expected list reads as {len(expected)} addresses", str(tot))
    check(tot.get("new") == 0, f"{name}: every expected address was imported",
          f"{tot.get('new')} missing")
    check(tot.get("known") == len(expected), f"{name}: known == expected", str(tot))
    check(stats.get("identities") == len(expected),
          f"{name}: nothing else stored", f"store holds {stats.get('identities')}, "
          f"expected {len(expected)}")


def main():
    names = sorted(os.path.basename(p)[:-len(".expected")]
                   for p in glob.glob(os.path.join(EXACT, "*.expected")))
    if ONLY:
        names = [n for n in names if n in ONLY]
    with tempfile.TemporaryDirectory(prefix="bg-exact-") as tmp:
        for i, n in enumerate(names):
            case(n, os.path.join(tmp, str(i)))
    print(f"exact identities: {len(names)} cases")
    sys.exit(summary())


main()

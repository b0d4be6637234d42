#!/usr/bin/env python3
"""breachguard report: JSON totals over hand-made scans of three hosts, strict
refusal of malformed scans (file:line:col, nothing printed), HTML escaping of
hostile names, and the page rendered by headless Chromium: the screenshot
must show the chart's colours and text (skipped, saying so, without chromium).
Usage: test_report.py BUILD/breachguard"""
import json, os, shutil, stat, struct, subprocess, sys, tempfile, time, zlib

TOOL = os.path.abspath(sys.argv[1])
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
from checks import check, output_modes, summary  # noqa: E402


def acct(host, user, verdict, advs, rotated=None, **kw):
    d = {"host": host, "user": user, "verdict": verdict, "action": "force-change",
         "advisories": [{"id": i + 1, "name": n, "date": dt} for i, (n, dt) in enumerate(advs)],
         "rotated_at": rotated}
    d.update(kw)
    return d


PW = ("ProjectWEB", "2021-05-26")
LK = ("Later leak", "2021-06-10")
EVIL = ('<script>alert("x")</script>\u202egnp.exe', "2021-06-01")

SCANS = {
    "web1": [acct("web1", "alice", "enforce", [PW]),
             acct("web1", "bob", "rotated", [PW], "2021-05-28T09:00:00Z", rotated_by="password change"),
             acct("web1", "carol", "grace", [PW, LK], until="2021-06-20"),
             acct("web1", "root", "exempt", [], why="listed in exempt_users")],
    "db1": [acct("db1", "dave", "rotated", [PW], "2021-06-02T12:00:00Z"),
            acct("db1", "erin", "rotated", [LK], None, why="password changed after the exposure day"),
            acct("db1", "frank", "change-blocked", [LK], until="2021-06-15"),
            acct("db1", "gina", "no-password", [PW])],
    "mail1": [acct("mail1", "<img src=x onerror=alert(1)>\u2066", "enforce", [EVIL]),
              acct("mail1", "heidi\u202e\u2066", "rotated", [PW], "2021-06-05T00:00:00Z"),
              acct("mail1", "ivan", "clear", [])],
}


def run(*args, umask=0o022, user=None):
    def drop():
        os.setgroups([])
        os.setgid(user)
        os.setuid(user)
    return subprocess.run([TOOL, "report", *args], capture_output=True, text=True, timeout=60,
                          umask=umask, preexec_fn=drop if user is not None else None)


def png_pixels(path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB/RGBA PNG."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w, h, bpp = 8, b"", 0, 0, 3
    while pos < len(data):
        n, = struct.unpack(">I", data[pos:pos + 4])
        typ, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        if typ == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), f"PNG type {ctype} depth {depth}"
            bpp = 3 if ctype == 2 else 4
        elif typ == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        ft, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ft == 1:
                line[x] = (line[x] + a) & 255
            elif ft == 2:
                line[x] = (line[x] + b) & 255
            elif ft == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def same_name_other_date(root, files):
    """An advisory name seen with another date is another advisory (a bundle
    gives every host the same date): counted apart, never merged under the
    earliest date, and the conflict said on stderr, in the JSON and the page."""
    later = ("ProjectWEB", "2022-01-01")
    undated = ("ProjectWEB", None)
    extra = {"web9": [acct("web9", "kim", "enforce", [later]),
                      acct("web9", "lee", "rotated", [later], "2022-01-03T00:00:00Z")],
             "web8": [acct("web8", "max", "grace", [undated])]}
    more = []
    for host, rows in extra.items():
        more.append(os.path.join(root, f"{host}.json"))
        with open(more[-1], "w") as f:
            json.dump(rows, f)
    r = run("--json", *files, *more)
    check(r.returncode == 0, "same name, other dates: report made", r.stderr)
    rep = json.loads(r.stdout)
    pw = [a for a in rep["advisories"] if a["name"] == "ProjectWEB"]
    check([a["date"] for a in pw] == [None, "2021-05-26", "2022-01-01"],
          "same name, other dates: one advisory per date", str(pw))
    by = {a["date"]: a["totals"] for a in pw}
    check(by["2021-05-26"]["accounts"] == 6 and by["2022-01-01"]["accounts"] == 2 and
          by["2022-01-01"]["enforce"] == 1 and by["2022-01-01"]["rotated"] == 1 and
          by[None]["grace"] == 1, "same name, other dates: counted apart", str(by))
    check(rep["advisory_conflicts"] == [{"name": "ProjectWEB",
                                         "dates": [None, "2021-05-26", "2022-01-01"],
                                         "files": [more[1], files[0], more[0]]}],
          "same name, other dates: the conflict in the JSON", str(rep["advisory_conflicts"]))
    kim = [p for p in rep["pending"] if p["user"] == "kim"][0]
    check(kim["since"] == "2022-01-01", "same name, other dates: exposure from its own date",
          str(kim))
    # The JSON says which of the name's dates, as the page does: "advisories"
    # keeps its names, "advisories_dated" adds each one's date.
    max_ = [p for p in rep["pending"] if p["user"] == "max"][0]
    check(kim["advisories"] == ["ProjectWEB"] and
          kim["advisories_dated"] == [{"name": "ProjectWEB", "date": "2022-01-01"}] and
          max_["advisories_dated"] == [{"name": "ProjectWEB", "date": None}],
          "same name, other dates: each pending account's advisory dates in the JSON",
          str(kim) + str(max_))
    check(r.stderr.count("\n") == 1 and '"ProjectWEB" has more than one date' in r.stderr and
          f"2022-01-01 (first in {more[0]})" in r.stderr and
          f"2021-05-26 (first in {files[0]})" in r.stderr and
          f"no date (first in {more[1]})" in r.stderr and "counted as 3 advisories" in r.stderr,
          "same name, other dates: warned on stderr", r.stderr)
    r = run(*files, *more)
    check(r.returncode == 0 and '"ProjectWEB" has more than one date' in r.stderr and
          "ProjectWEB" not in r.stdout, "same name, other dates: the summary warns too", r.stderr)
    page = os.path.join(root, "conflict.html")
    r = run("--html", page, *files, *more)
    html = open(page, encoding="utf-8").read() if r.returncode == 0 else ""
    check('class="alert">Advisory <bdi>ProjectWEB</bdi> has more than one date' in html and
          "ProjectWEB</bdi> (2022-01-01)" in html and "ProjectWEB</bdi> (no date)" in html and
          "ProjectWEB</bdi> (2021-05-26)" in html and "Later leak</bdi> (" not in html,
          "same name, other dates: shown on the page", r.stderr)
    # The same name and date from several hosts is one advisory.
    r = run("--json", files[0], files[1])
    rep = json.loads(r.stdout)
    check([a["name"] for a in rep["advisories"]].count("ProjectWEB") == 1 and r.stderr == "",
          "same name and date: one advisory", r.stderr)
    # Within one scan too (a hand-made or damaged scan: a store's names are unique).
    p = os.path.join(root, "one.json")
    with open(p, "w") as f:
        json.dump([acct("one", "u", "enforce", [PW, later])], f)
    r = run("--json", p)
    rep = json.loads(r.stdout)
    check(len(rep["advisories"]) == 2 and rep["pending"][0]["since"] == "2022-01-01" and
          len(rep["advisory_conflicts"]) == 1, "same name, other dates in one account",
          r.stdout)


def page_modes(root, files):
    """--html over an existing page keeps its owner, group and permissions
    (never wider), replaces it whole (a new inode, nothing left beside it),
    and a failure names the path and leaves the old page."""
    page = os.path.join(root, "modes.html")
    output_modes(page, lambda um: run("--html", page, *files, umask=um),
                 lambda p: open(p).read().startswith("<!DOCTYPE html>"), "report --html")
    # A symlink to a private page is refused, the page behind it untouched;
    # a dangling one too.
    with open(page, "w") as f:
        f.write("old")
    os.chmod(page, 0o600)
    for target in (page, os.path.join(root, "absent.html")):
        link = os.path.join(root, "link.html")
        os.symlink(target, link)
        r = run("--html", link, *files)
        check(r.returncode == 1 and link in r.stderr and "symbolic link" in r.stderr and
              os.path.islink(link) and open(page).read() == "old" and
              os.stat(page).st_mode & 0o777 == 0o600,
              f"--html onto a symlink to {os.path.basename(target)} refused", r.stderr)
        os.unlink(link)
    # Errors name the path and leave the old page.
    r = run("--html", os.path.join(root, "no-such-dir", "p.html"), *files)
    check(r.returncode == 1 and os.path.join(root, "no-such-dir", "p.html") in r.stderr and
          "No such file" in r.stderr, "--html into a missing directory: named", r.stderr)
    r = run("--html", "x" * 5000, *files)
    check(r.returncode == 1 and "too long" in r.stderr, "--html with a too long path", r.stderr)
    if os.geteuid() != 0:
        print("report: SKIPPED owner and group of the page: needs root")
        return
    # As root: the old owner and group are kept.
    os.chown(page, 12345, 23456)
    os.chmod(page, 0o640)
    r = run("--html", page, *files)
    st = os.stat(page)
    check(r.returncode == 0 and (st.st_uid, st.st_gid, st.st_mode & 0o777) == (12345, 23456, 0o640),
          "--html as root keeps the page's owner and group", f"{st.st_uid}:{st.st_gid} {r.stderr}")
    # As a user who cannot give the page its group: the group loses its bits.
    nobody = 65534
    shared = tempfile.mkdtemp(prefix="bg-report-user-", dir=os.path.dirname(root))
    try:
        os.chmod(shared, 0o755)
        os.chown(shared, nobody, nobody)
        mine = []
        for p in files:
            mine.append(os.path.join(shared, os.path.basename(p)))
            shutil.copy(p, mine[-1])
            os.chmod(mine[-1], 0o644)
        page = os.path.join(shared, "fleet.html")
        with open(page, "w") as f:
            f.write("old")
        os.chown(page, nobody, 0)
        os.chmod(page, 0o640)
        r = run("--html", page, *mine, user=nobody)
        st = os.stat(page)
        check(r.returncode == 0 and (st.st_uid, st.st_gid, st.st_mode & 0o777) == (nobody, nobody, 0o600),
              "--html as a user: a group it cannot give loses its bits",
              f"{st.st_uid}:{st.st_gid} {st.st_mode & 0o777:04o} {r.stderr}")
        # A directory it cannot write: named, the old page kept.
        os.chown(shared, 0, 0)
        with open(page, "w") as f:
            f.write("old")
        r = run("--html", page, *mine, user=nobody)
        check(r.returncode == 1 and page in r.stderr and "Permission denied" in r.stderr and
              "as it was" not in r.stderr and open(page).read() == "old",
              "--html into a directory it cannot write: named, the page kept", r.stderr)
    finally:
        shutil.rmtree(shared, ignore_errors=True)


def one_host_per_file(root, files):
    """A scan is one host's: a file naming a second host is refused with the
    file, where, and both hosts, whatever the rest of the fleet says (it could
    stand in for the other host's missing scan and hide its accounts)."""
    cases = [
        ("second host", [acct("web2", "u", "clear", []), acct("db2", "v", "clear", [])],
         "bad.json:", '"db2" in a scan of host "web2"'),
        ("a host another file has", [acct("web2", "u", "clear", []),
                                     acct("db1", "gina", "clear", [])],
         "bad.json:", '"db1" in a scan of host "web2"'),
        ("back to the first host", [acct("web2", "u", "clear", []), acct("db2", "v", "clear", []),
                                    acct("web2", "w", "clear", [])],
         "bad.json:", '"db2" in a scan of host "web2"'),
    ]
    for what, rows, where, word in cases:
        p = os.path.join(root, "bad.json")
        with open(p, "w") as f:
            f.write("[\n" + ",\n".join(json.dumps(x) for x in rows) + "\n]")
        for args in ([p], [*files, p], [p, *files]):
            r = run("--json", *args)
            check(r.returncode == 1 and r.stdout == "" and where in r.stderr and word in r.stderr
                  and "one host per scan file" in r.stderr,
                  f"a scan naming two hosts refused: {what}", r.stderr.strip())
    # The error points at the second host's "host" key.
    p = os.path.join(root, "bad.json")
    with open(p, "w") as f:
        f.write('[{"host":"a","user":"u","verdict":"clear","advisories":[]},\n'
                ' {"user":"v","host":"b","verdict":"clear","advisories":[]}]')
    r = run(p)
    check(r.returncode == 1 and "bad.json:2:14:" in r.stderr, "two hosts: the line and column",
          r.stderr.strip())
    # Host names are escaped in the message.
    with open(p, "w") as f:
        f.write('[{"host":"a","user":"u","verdict":"clear","advisories":[]},'
                '{"host":"\\u001b[2Jb","user":"v","verdict":"clear","advisories":[]}]')
    r = run(p)
    check(r.returncode == 1 and "\x1b" not in r.stderr and "\\x1b[2Jb" in r.stderr,
          "two hosts: names escaped", r.stderr.strip())


def scan_claims(root, files):
    """The host a scan's accounts name is the truth, not its file's name: a
    file named after another host is counted as the host it holds and said
    (stderr, JSON, page); two scans of one host cannot both be right and
    neither says when it was made, so neither is counted, both named; the
    same path twice is the command line's mistake."""
    d = os.path.join(root, "claims")
    os.makedirs(d)
    # web7.json holds db7's scan: counted as db7, the name said.
    web7 = os.path.join(d, "web7.json")
    with open(web7, "w") as f:
        json.dump([acct("db7", "una", "enforce", [PW])], f)
    r = run("--json", *files, web7)
    rep = json.loads(r.stdout) if r.returncode == 0 else {}
    check(r.returncode == 0 and rep["hosts"] == ["db1", "db7", "mail1", "web1"] and
          rep["totals"]["accounts"] == 12 and rep["host_conflicts"] == [] and
          rep["misnamed_scans"] == [{"file": web7, "host": "db7", "file_host": "web7"}],
          "a scan named after another host: counted as its own host, said in the JSON",
          r.stdout + r.stderr)
    check(r.stderr == f'breachguard: report: "{web7}" is the scan of host "db7", not of the host '
          'it is named after, "web7", which has no scan here\n',
          "a scan named after another host: said on stderr", r.stderr)
    # Named after a host that has a scan of its own: not "no scan here".
    db1_too = os.path.join(d, "db1.json")
    with open(db1_too, "w") as f:
        json.dump([acct("db8", "vic", "enforce", [PW])], f)
    r = run("--json", *files, db1_too)
    check(r.returncode == 0 and '"db8", not of the host it is named after, "db1"\n' in r.stderr,
          "a scan named after a host with a scan: said, without 'no scan here'", r.stderr)
    page = os.path.join(root, "claims.html")
    r = run("--html", page, *files, web7)
    html = open(page, encoding="utf-8").read() if r.returncode == 0 else ""
    check(f'<p class="alert"><bdi>{web7}</bdi> is the scan of host <bdi>db7</bdi>, not of the host '
          'it is named after, <bdi>web7</bdi>, which has no scan here.</p>' in html and
          "<td><bdi>db7</bdi></td>" in html, "a scan named after another host: on the page",
          r.stderr)
    # stale.json holds a second scan of db1: neither is counted, both named;
    # an advisory that only the refused scans name is not listed.
    stale = os.path.join(d, "stale.json")
    with open(stale, "w") as f:
        json.dump([acct("db1", "dave", "enforce", [("Stale only", "2020-01-01")])], f)
    r = run("--json", *files, stale)
    rep = json.loads(r.stdout) if r.returncode == 3 else {}
    check(r.returncode == 3 and rep["hosts"] == ["mail1", "web1"] and
          [h["host"] for h in rep["per_host"]] == ["mail1", "web1"] and
          rep["totals"]["accounts"] == 7 and
          rep["host_conflicts"] == [{"host": "db1", "files": [files[1], stale]}] and
          not any(p["host"] == "db1" for p in rep["pending"]) and
          "Stale only" not in [a["name"] for a in rep["advisories"]],
          "two scans of one host: neither counted, both in the JSON, exit 3", r.stdout + r.stderr)
    check(f'breachguard: report: host "db1" has 2 scans ("{files[1]}", "{stale}"): none is counted'
          in r.stderr and f'"{stale}" is the scan of host "db1", not of the host it is named '
          'after, "stale", which has no scan here' in r.stderr and r.stderr.count("\n") == 2,
          "two scans of one host: said on stderr", r.stderr)
    # In either order; the advisories' first file is a counted one.
    r = run("--json", stale, *files)
    rep = json.loads(r.stdout) if r.returncode == 3 else {}
    check(r.returncode == 3 and rep["hosts"] == ["mail1", "web1"] and
          rep["host_conflicts"] == [{"host": "db1", "files": [stale, files[1]]}],
          "two scans of one host, the stale one first: neither counted", r.stdout + r.stderr)
    r = run("--html", page, *files, stale)
    html = open(page, encoding="utf-8").read() if r.returncode == 3 else ""
    check(f'<p class="alert">Host <bdi>db1</bdi> has 2 scans (<bdi>{files[1]}</bdi>, '
          f'<bdi>{stale}</bdi>): none is counted' in html and "<td><bdi>db1</bdi></td>" not in html
          and "2 hosts, " in html, "two scans of one host: on the page, not in its tables",
          r.stderr)
    r = run(*files, stale)
    check(r.returncode == 3 and r.stdout.startswith("2 host(s)") and "dave" not in r.stdout and
          'host "db1" has 2 scans' in r.stderr, "two scans of one host: the summary", r.stdout)
    # An empty scan counts as the host its file names: one more scan of it.
    other = os.path.join(d, "web1.json")
    with open(other, "w") as f:
        f.write("[]")
    r = run("--json", *files, other)
    rep = json.loads(r.stdout) if r.returncode == 3 else {}
    check(r.returncode == 3 and rep["hosts"] == ["db1", "mail1"] and
          rep["host_conflicts"] == [{"host": "web1", "files": [files[0], other]}] and
          rep["misnamed_scans"] == [],
          "an empty scan named after a host with a scan: neither counted", r.stdout + r.stderr)
    r = run("--json", *files, stale, stale)
    check(r.returncode == 1 and "stale.json is given twice" in r.stderr and r.stdout == "",
          "the same scan file given twice: refused", r.stderr)
    # Three scans of one host.
    third = os.path.join(d, "third.json")
    shutil.copy(stale, third)
    r = run("--json", *files, stale, third)
    rep = json.loads(r.stdout) if r.returncode == 3 else {}
    check(r.returncode == 3 and
          rep["host_conflicts"] == [{"host": "db1", "files": [files[1], stale, third]}] and
          'host "db1" has 3 scans' in r.stderr, "three scans of one host: none counted",
          r.stdout + r.stderr)


def main():
    root = tempfile.mkdtemp(prefix="bg-report-")
    try:
        run_all(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return summary("report: ")


def run_all(root):
    files = []
    for host, rows in SCANS.items():
        p = os.path.join(root, f"{host}.json")
        with open(p, "w") as f:
            json.dump(rows, f, indent=1)
        files.append(p)

    r = run("--json", *files)
    check(r.returncode == 0, "report --json", r.stderr)
    rep = json.loads(r.stdout)
    check(rep["hosts"] == ["db1", "mail1", "web1"], "hosts sorted", str(rep["hosts"]))
    t = rep["totals"]
    want = {"enforce": 2, "rotated": 4, "grace": 1, "change-blocked": 1, "no-password": 1,
            "clear": 1, "exempt": 1, "pending": 5, "accounts": 11}
    for k, v in want.items():
        check(t.get(k) == v, f"fleet total {k}", f"{t.get(k)} != {v}")
    adv = {a["name"]: a for a in rep["advisories"]}
    check([a["name"] for a in rep["advisories"]] == ["ProjectWEB", EVIL[0], "Later leak"],
          "advisories by date", str(list(adv)))
    check(adv["ProjectWEB"]["totals"]["rotated"] == 3 and adv["ProjectWEB"]["totals"]["pending"] == 3,
          "ProjectWEB totals", str(adv["ProjectWEB"]["totals"]))
    check(adv["Later leak"]["totals"]["rotated"] == 1 and adv["Later leak"]["totals"]["grace"] == 1
          and adv["Later leak"]["totals"]["change-blocked"] == 1, "Later leak totals")
    check(adv["ProjectWEB"]["date"] == "2021-05-26", "advisory date")
    ph = {h["host"]: h["totals"] for h in rep["per_host"]}
    check(ph["web1"]["enforce"] == 1 and ph["web1"]["exempt"] == 1 and ph["web1"]["accounts"] == 4,
          "per-host web1", str(ph["web1"]))
    check(ph["db1"]["rotated"] == 2 and ph["db1"]["pending"] == 2, "per-host db1", str(ph["db1"]))
    pend = [(p["host"], p["user"], p["since"]) for p in rep["pending"]]
    check(pend == [("db1", "gina", "2021-05-26"), ("web1", "alice", "2021-05-26"),
                   ("mail1", "<img src=x onerror=alert(1)>\u2066", "2021-06-01"),
                   ("db1", "frank", "2021-06-10"), ("web1", "carol", "2021-06-10")],
          "pending, oldest exposure first", str(pend))
    carol = [p for p in rep["pending"] if p["user"] == "carol"][0]
    check(carol["advisories"] == ["ProjectWEB", "Later leak"] and carol["verdict"] == "grace",
          "pending carries advisories and verdict", str(carol))
    check(carol["advisories_dated"] == [{"name": "ProjectWEB", "date": "2021-05-26"},
                                        {"name": "Later leak", "date": "2021-06-10"}],
          "pending carries each advisory's date", str(carol))
    prog = rep["progress"]
    check([p["date"] for p in prog] == sorted(p["date"] for p in prog), "progress in date order")
    last = prog[-1]
    check(last["exposed"] == 9 and last["rotated"] == 4 and last["pending"] == 5,
          "progress ends at the totals", str(last))
    first = prog[0]
    check(first["date"] == "2021-05-26" and first["rotated"] == 0 and first["exposed"] == 5,
          "progress starts at the first exposure", str(first))
    by = {p["date"]: p for p in prog}
    check(by["2021-05-28"]["rotated"] == 1 and by["2021-06-02"]["rotated"] == 2,
          "rotations counted from their day", str(prog))
    check(rep["rotated_undated"] == 1, "a rotation seen in shadow has no day")
    check(rep["advisory_conflicts"] == [] and r.stderr == "", "no advisory conflicts", r.stderr)

    same_name_other_date(root, files)

    # Strict: each malformed scan is refused with file:line:col, nothing on stdout.
    bad_inputs = [
        ("trailing comma", '[{"host":"h","user":"u","verdict":"enforce","advisories":[]},]', "1:"),
        ("no host", '[{"user":"u","verdict":"enforce","advisories":[]}]', "host"),
        ("unknown verdict", '[{"host":"h","user":"u","verdict":"pwned","advisories":[]}]', "verdict"),
        ("bad date", '[{"host":"h","user":"u","verdict":"enforce","advisories":[{"name":"a","date":"2021-02-30"}]}]', "date"),
        ("duplicate key", '[{"host":"h","host":"g","user":"u","verdict":"enforce","advisories":[]}]', "twice"),
        ("lone surrogate", '[{"host":"h","user":"\\udc00","verdict":"enforce","advisories":[]}]', "surrogate"),
        ("NUL escape", '[{"host":"h","user":"a\\u0000b","verdict":"enforce","advisories":[]}]', "NUL"),
        ("raw control", '[{"host":"h","user":"a\tb","verdict":"enforce","advisories":[]}]', "control"),
        ("after the array", '[] []', "after"),
        ("not an array", '{"host":"h"}', "expected '['"),
        ("deep", '[{"host":"h","user":"u","verdict":"enforce","advisories":[],"x":' + "[" * 100 + "]" * 100 + "}]", "deeper"),
        ("cut short", '[{"host":"h","user":"u"', "ends"),
        ("bad number", '[{"host":"h","user":"u","verdict":"enforce","advisories":[{"id":01,"name":"a"}]}]', "expected"),
        ("account twice", '[' + ','.join(['{"host":"h","user":"u","verdict":"enforce","advisories":[]}'] * 2) + ']', "listed twice"),
        ("escaped in the message", '[' + ','.join(['{"host":"h","user":"\\u001b[2Jx","verdict":"enforce","advisories":[]}'] * 2) + ']', "\\x1b[2Jx"),
        ("bad rotated_at", '[{"host":"h","user":"u","verdict":"rotated","advisories":[],"rotated_at":"yesterday"}]', "time"),
    ]
    for what, text, word in bad_inputs:
        p = os.path.join(root, "bad.json")
        with open(p, "w") as f:
            f.write(text)
        r = run("--json", files[0], p)
        check(r.returncode == 1 and r.stdout == "" and "bad.json:1:" in r.stderr and word in r.stderr,
              f"malformed scan refused: {what}", r.stderr.strip())
    p = os.path.join(root, "badutf8.json")
    with open(p, "wb") as f:
        f.write(b'[\n{"host":"h","user":"\xff","verdict":"enforce","advisories":[]}]')
    r = run(p)
    check(r.returncode == 1 and "badutf8.json:2:" in r.stderr and "UTF-8" in r.stderr,
          "invalid UTF-8 refused with its line", r.stderr)
    r = run(os.path.join(root, "missing.json"))
    check(r.returncode == 1 and "missing.json" in r.stderr, "missing file", r.stderr)
    check(run().returncode == 2, "no file is usage")
    # Invisible characters in a user name are shown, never hidden: "alice" with
    # tag characters is not "alice" on the page.
    p = os.path.join(root, "tags.json")
    with open(p, "w") as f:
        f.write(json.dumps([acct("h", "alice\U000E0061", "enforce", []),
                            acct("h", "bo\u3164b\u180e", "enforce", [])]))
    page = os.path.join(root, "tags.html")
    r = run("--html", page, p)
    with open(page, encoding="utf-8") as f:
        html = f.read()
    check(r.returncode == 0 and "[U+E0061]" in html and "[U+3164]" in html and "[U+180E]" in html
          and "\U000E0061" not in html, "invisible characters shown in HTML", r.stderr)
    # A hostile scan with very many advisory names or accounts: linear time, not
    # quadratic (300000 of each took minutes with a linear search per name).
    p = os.path.join(root, "many.json")
    with open(p, "w") as f:
        f.write('[{"host":"h","user":"u","verdict":"enforce","advisories":[' +
                ",".join('{"name":"a%d"}' % i for i in range(300000)) + "]}," +
                ",".join('{"host":"h","user":"u%d","verdict":"enforce","advisories":[]}' % i
                         for i in range(300000)) + "]")
    t0 = time.monotonic()
    r = run("--json", p)
    took = time.monotonic() - t0
    rep = json.loads(r.stdout) if r.returncode == 0 else {}
    check(r.returncode == 0 and rep["hosts"] == ["h"] and len(rep["advisories"]) == 300000
          and rep["totals"]["accounts"] == 300001 and took < 20,
          "many advisories and accounts in one scan", f"rc={r.returncode} {took:.1f}s")
    # Many hosts, one file each.
    many = []
    for i in range(2000):
        many.append(os.path.join(root, f"m{i}.json"))
        with open(many[-1], "w") as f:
            json.dump([acct(f"m{i}", "u", "enforce", [PW])], f)
    r = run("--json", *many)
    check(r.returncode == 0 and len(json.loads(r.stdout)["hosts"]) == 2000,
          "many hosts, one file each", r.stderr.strip())

    one_host_per_file(root, files)
    scan_claims(root, files)

    # HTML: self-contained and escaped.
    page = os.path.join(root, "fleet.html")
    r = run("--html", page, *files)
    check(r.returncode == 0 and os.path.exists(page), "report --html", r.stderr)
    html = open(page, encoding="utf-8").read()
    check("<script" not in html.lower() and "<img" not in html.lower(), "no hostile markup")
    check("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html, "advisory name escaped")
    check("&lt;img src=x onerror=alert(1)&gt;" in html, "user name escaped")
    check("\u202e" not in html and "\u2066" not in html and "[U+202E]" in html and "[U+2066]" in html,
          "bidi controls shown, not applied")
    check("http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and
          "https://" not in html and "src=" not in html.replace("src=x", ""),
          "no external reference")
    check("<svg" in html and "Content-Security-Policy" in html, "inline SVG, CSP")
    check(os.stat(page).st_mode & 0o777 == 0o644, "page 0644")
    # The page is written beside its path and renamed over it: never over a
    # device, a fifo, a symlink or a directory (--html /dev/null replaced /dev/null).
    for kind in ("device", "fifo", "symlink", "dir"):
        node = os.path.join(root, "out-" + kind)
        if kind == "device":
            os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        elif kind == "fifo":
            os.mkfifo(node)
        elif kind == "symlink":
            os.symlink(page, node)
        else:
            os.mkdir(node)
        before = os.lstat(node)
        r = run("--html", node, *files)
        after = os.lstat(node)
        check(r.returncode == 1 and node in r.stderr and "replace" in r.stderr and
              stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode) and
              after.st_ino == before.st_ino, f"report --html onto a {kind} refused", r.stderr)

    page_modes(root, files)

    # The page in a real browser.
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("report: SKIPPED the browser check: chromium is not installed (tests/deps.sh)")
        return
    shot = os.path.join(root, "fleet.png")
    r = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--hide-scrollbars", f"--user-data-dir={root}/chromium",
                        f"--screenshot={shot}", "--window-size=1200,1600",
                        "file://" + page], capture_output=True, text=True, timeout=120)
    check(r.returncode == 0 and os.path.exists(shot), "chromium screenshot", r.stderr[-400:])
    if not os.path.exists(shot):
        return
    w, h, bpp, rows = png_pixels(shot)
    check((w, h) == (1200, 1600), "screenshot size", f"{w}x{h}")
    nonwhite = green = red = dark = 0
    for row in rows:
        for x in range(0, len(row), bpp):
            px = row[x:x + 3]
            if px != b"\xff\xff\xff":
                nonwhite += 1
            if abs(px[0] - 0x2e) < 12 and abs(px[1] - 0x9e) < 12 and abs(px[2] - 0x4f) < 12:
                green += 1
            elif abs(px[0] - 0xd9) < 12 and abs(px[1] - 0x53) < 12 and abs(px[2] - 0x4f) < 12:
                red += 1
            elif px[0] < 80 and px[1] < 80 and px[2] < 80:
                dark += 1
    check(nonwhite > w * h // 50, "screenshot is not blank", f"{nonwhite} non-white pixels")
    check(green > 20000, "chart shows rotated (green area)", f"{green} pixels")
    check(red > 20000, "chart shows pending (red area)", f"{red} pixels")
    check(dark > 5000, "text rendered", f"{dark} dark pixels")
    keep = os.environ.get("BG_REPORT_SCREENSHOT")
    if keep:
        shutil.copy(shot, keep)
        shutil.copy(page, keep + ".html")


if __name__ == "__main__":
    sys.exit(main())

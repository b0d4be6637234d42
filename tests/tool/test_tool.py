#!/usr/bin/env python3
"""Tool-level tests of `breachguard`: every advisory format imports with exact
counts, malformed and hostile inputs fail with a message naming the file and
leave the store unchanged, and each command keeps its exit codes (0 done,
1 runtime failure, 2 usage).  Usage: test_tool.py BUILD/breachguard"""
import gzip, json, os, shutil, stat, subprocess, sys

TOOL = os.path.abspath(sys.argv[1])
FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
from checks import check, in_tempdir  # noqa: E402
from store import Store  # noqa: E402

Store.tool = TOOL


def fix(*p):
    return os.path.join(FIX, *p)


# (file, extra args, format, read, addresses, invalid, duplicates, new)
GOOD = [
    ("notice.txt", [], "text", 11, 12, 4, 0, 12),
    # Tables: no address in a row left unsaid.  Without a header every column
    # of addresses is read; an address anywhere else is one invalid note.
    ("exact/csv-mixed-rows.list", [], "csv", 5, 8, 0, 0, 8),
    ("exact/csv-two-columns.csv", [], "csv", 4, 7, 0, 0, 7),
    ("exact/csv-password-column.csv", [], "csv", 4, 4, 1, 0, 4),
    ("exact/csv-header-other-address.csv", [], "csv", 3, 3, 2, 0, 3),
    ("exact/csv-note-cell-address.csv", [], "csv", 2, 2, 1, 0, 2),  # 備考's boss@ said
    ("notice.txt.gz", [], "text", 11, 12, 4, 0, 12),
    ("crlf.txt", [], "text", 4, 4, 0, 0, 4),
    # Line 3's lone Latin-1 byte makes the file Windows-1252: "Müller
    # <mueller@example.com>" is an address now (it was counted bad UTF-8).
    ("hostile.txt", [], "text", 4, 3, 1, 0, 3),
    ("contacts.csv", [], "csv", 6, 4, 2, 0, 4),
    ("people.tsv", [], "csv", 2, 2, 0, 0, 2),
    ("excel-fr.csv", [], "csv", 3, 3, 0, 0, 3),
    ("unicode-export.csv", [], "csv", 2, 2, 0, 0, 2),
    ("json/hibp_domain.json", ["--domain", "example.org"], "json", 5, 5, 0, 0, 5),
    ("json/notify_objects.json", [], "json", 5, 4, 2, 0, 4),  # ivan.alt@ said, not read
    ("json/plain_array.json", [], "json", 5, 3, 2, 0, 3),
    ("eml/breach_notice.eml", [], "eml", 9, 10, 4, 2, 8),
    ("eml/two.mbox", [], "eml", 5, 7, 0, 0, 7),
    ("eml/win1252.eml", [], "eml", 2, 3, 0, 0, 3),
    ("demo/advisory.txt", [], "text", None, None, None, None, None),
    # Workbooks (tests/fixtures/exact/wb-*; their identities are checked by test_exact.py)
    # W3C logs: a row before the first #Fields: and a Windows account are one note each
    ("exact/w3c-iis-fields-late.log", ["--column", "cs-username"], "csv", 3, 2, 1, 0, 2),
    ("exact/w3c-iis-domain-user.log", ["--column", "cs-username"], "csv", 3, 1, 2, 0, 1),
    # A directory's aliases: a column --column leaves out, and the entries of no
    # mail address (SIP:, SPO:, X500:, ...), are one note each, not one a row
    ("exact/ps-mailbox-column-only.csv", ["--column", "PrimarySmtpAddress"], "csv", 2, 2, 1, 0,
     2),
    ("exact/ps-mailbox-proxy-types.csv", [], "csv", 3, 8, 1, 2, 6),
    # PowerShell 5.1's ASCII Export-Csv: the address whose IDN domain became "??" is one note
    ("exact/ps51-export-ascii.csv", [], "csv", 4, 3, 1, 0, 3),
    ("exact/ps51-export-unicode.csv", [], "csv", 4, 4, 0, 0, 4),
    ("exact/wb-multisheet-ja.xlsx", [], "xlsx", 8, 5, 3, 0, 5),
    ("exact/wb-multisheet-ja-ods.ods", [], "ods", 5, 5, 0, 1, 4),
    ("exact/wb-column-ja.xlsx", ["--column", "メールアドレス"], "xlsx", 3, 2, 3, 0, 2),
    ("exact/wb-ja-header.xlsx", ["--format", "workbook"], "xlsx", 4, 3, 1, 0, 3),
    # a cell whose mailto: link names another address: one note for its row, not
    # also "no address in column" (it was counted invalid twice)
    ("exact/wb-hyperlink-mailto.xlsx", [], "xlsx", 6, 5, 1, 0, 5),
    # an .ods link per text:a; a row of one cell such a link emptied is read once
    # and invalid once (it was not counted read)
    ("exact/wb-ods-links-each.ods", [], "ods", 4, 4, 2, 0, 4),
    ("exact/wb-link-text-forms.xlsx", [], "xlsx", 5, 4, 1, 0, 4),
]

BAD = [  # (file, args, words the message must hold)
    ("truncated.txt.gz", [], "gzip stream cut short"),
    ("unterminated.csv", [], "unterminated quoted field opened at line 3"),
    ("json/syntax_error.json", [], "JSON syntax error at line 4"),
    ("eml/truncated_b64.eml", [], "line 16: base64 part"),
    # A zip (or workbook) cut short: the archive layer says it cannot be read.
    ("fake.xlsx", [], "cannot be read"),
    ("old.xls", [], "export it as CSV"),
    ("report.pdf", [], "PDF"),
    ("json/hibp_domain.json", [], "--domain"),
    ("exact/wb-bomb.xlsx", [], "zip bomb"),
    ("exact/wb-encrypted.xlsx", [], "without a password"),
    ("exact/wb-column-ja.xlsx", ["--column", "nope"], "no sheet has a column \"nope\""),
    ("notice.txt", ["--format", "ods"], "not a workbook"),
]


def main():
    return in_tempdir("bg-tooltest-",
                      lambda root: (run_all(root), stopped_holder(root), norm_pinned(root)),
                      "tool: ")


def run_all(root):
    s = Store(os.path.join(root, "a"))
    # Every format, exact counts, into a fresh advisory each.
    for i, (name, args, fmt, rd, addrs, inv, dups, new) in enumerate(GOOD):
        r = s.run("import", "--json", "--dry-run", "--name", f"g{i}", *args, fix(name))
        check(r.returncode == 0, f"import {name}", r.stderr)
        if r.returncode != 0:
            continue
        d = json.loads(r.stdout)
        f = d["files"][0]
        check(f["format"] == fmt, f"{name} format", f["format"])
        got = (d["read"], d["addresses"], d["invalid"], d["duplicates"], d["new"])
        want = (rd, addrs, inv, dups, new)
        if rd is not None:
            check(got == want, f"{name} counts", f"{got} != {want}")
        check(d["dry_run"] is True and d["known"] + d["new"] + d["duplicates"] == d["addresses"],
              f"{name} arithmetic", str(d))
        check(len(f["invalid_lines"]) == min(d["invalid"], 20), f"{name} invalid list")
    check(s.advisories() == [], "dry runs wrote nothing")
    in_domains(root)

    # Workbook notes name the sheet and row, in text and in JSON.
    r = s.run("import", "--dry-run", "--name", "wb", fix("exact/wb-multisheet-ja.xlsx"))
    check(r.returncode == 0 and "  sheet 概要 row 1: no address in column 1:" in r.stdout
          and "  sheet 追加分 row 4: no address in column \"メールアドレス\"" in r.stdout,
          "workbook notes say sheet and row", r.stdout + r.stderr)
    r = s.run("import", "--dry-run", "--json", "--name", "wb", fix("exact/wb-multisheet-ja.xlsx"))
    inv = json.loads(r.stdout)["files"][0]["invalid_lines"] if r.returncode == 0 else []
    check([(i.get("sheet"), i["line"]) for i in inv] == [("概要", 1), ("概要", 3), ("追加分", 4)],
          "workbook notes in JSON", str(inv))

    # A log's notes say why: a row above the first #Fields:, a DOMAIN\user account.
    for name, want in (("w3c-iis-fields-late.log", [(1, "before the log's first #Fields:")]),
                       ("w3c-iis-domain-user.log", [(5, "a Windows account (DOMAIN\\user)"),
                                                    (7, "a Windows account (DOMAIN\\user)")])):
        r = s.run("import", "--dry-run", "--json", "--name", "w3c", "--column", "cs-username",
                  fix("exact", name))
        inv = json.loads(r.stdout)["files"][0]["invalid_lines"] if r.returncode == 0 else []
        check([(i["line"], w in i["why"]) for i, (_, w) in zip(inv, want)] ==
              [(ln, True) for ln, _ in want] and len(inv) == len(want),
              f"{name}: its notes say why", str(inv) + r.stderr)

    for name, args, want in (
            ("ps-mailbox-column-only.csv", ["--column", "PrimarySmtpAddress"],
             (2, "not read in any row", "EmailAddresses")),
            ("ps-mailbox-proxy-types.csv", [],
             (3, "9 alias entries of no mail address", "SIP:aoki.sip@example.jp")),
            ("ps51-export-ascii.csv", [],
             (5, "saved in an encoding without it", "ichiro@??.jp"))):
        r = s.run("import", "--dry-run", "--json", "--name", "alias", *args, fix("exact", name))
        inv = json.loads(r.stdout)["files"][0]["invalid_lines"] if r.returncode == 0 else []
        check(len(inv) == 1 and (inv[0]["line"], want[1] in inv[0]["why"], inv[0]["text"]) ==
              (want[0], True, want[2]), f"{name}: its one note", str(inv))

    # The note names the column the address was in, and the one read.
    r = s.run("import", "--dry-run", "--name", "oc", fix("exact/csv-header-other-address.csv"))
    check(r.returncode == 0 and '  line 2: an address in column "manager", not imported: '
          "this table's addresses are read from column 2 (--column chooses, once for each column to read): "
          '"boss@example.com"' in r.stdout, "an address in another column is noted",
          r.stdout + r.stderr)

    # Malformed and refused inputs: exit 1, the file named, nothing written.
    base = s.run("import", "--name", "base", fix("notice.txt"))
    check(base.returncode == 0, "base import", base.stderr)
    before = s.stats()
    for name, args, words in BAD:
        r = s.run("import", "--name", "bad", *args, fix(name))
        check(r.returncode == 1, f"{name} exit 1", str(r.returncode))
        check(words in r.stderr and "nothing written" in r.stderr, f"{name} message", r.stderr)
        check(name.split("/")[-1] in r.stderr or "--domain" in words, f"{name} named", r.stderr)
    hostile = os.path.join(root, "hostile")
    os.mkdir(hostile)
    empty = os.path.join(hostile, "empty.txt")
    open(empty, "w").close()
    fifo = os.path.join(hostile, "fifo")
    os.mkfifo(fifo)
    for path, words in ((hostile, "is a directory"), (fifo, "fifo"), (empty, "empty"),
                        (os.path.join(hostile, "missing.txt"), "No such file")):
        r = s.run("import", "--name", "bad", path)
        check(r.returncode == 1 and words in r.stderr and path in r.stderr,
              f"refuse {os.path.basename(path)}", r.stderr)
    # Only invalid lines: nothing to import is an error, not an empty advisory.
    junk = os.path.join(hostile, "junk.txt")
    with open(junk, "w") as f:
        f.write("no address here\nnor here\n")
    r = s.run("import", "--name", "bad", junk)
    check(r.returncode == 1 and "no valid address" in r.stderr and
          "identities in all" not in r.stdout, "only invalid lines: refused, no advisory line",
          r.stderr + r.stdout)
    # --strict: an invalid record fails the whole import.
    r = s.run("import", "--strict", "--name", "bad", fix("notice.txt"))
    check(r.returncode == 1 and "--strict" in r.stderr, "--strict", r.stderr)
    check(s.stats() == before, "failed imports left the store unchanged",
          f"{s.stats()} != {before}")
    check([a["name"] for a in s.advisories()] == ["base"], "no advisory from failures")

    # Re-import is idempotent: same id, no new identities, counts unchanged.
    r = s.run("import", "--json", "--name", "base", fix("notice.txt"))
    d = json.loads(r.stdout)
    check(d["advisory"]["id"] == 1 and d["advisory"]["existed"] and d["new"] == 0 and
          d["known"] == 12, "re-import idempotent", r.stdout)
    advs = s.advisories()
    check(len(advs) == 1 and advs[0]["identities"] == 12, "count unchanged", str(advs))

    # Several files make one advisory; stdin needs --name; gzip on stdin.
    r = s.run("import", "--json", "--name", "multi", fix("contacts.csv"), fix("people.tsv"))
    d = json.loads(r.stdout)
    check(r.returncode == 0 and len(d["files"]) == 2 and d["addresses"] == 6, "two files", r.stdout)
    with open(fix("notice.txt.gz"), "rb") as f:
        gz = f.read()
    r = subprocess.run([TOOL, "--config", s.conf, "import", "--json", "--name", "stdin", "-"],
                       input=gz, capture_output=True, timeout=60)
    check(r.returncode == 0 and json.loads(r.stdout)["addresses"] == 12, "gzip on stdin",
          r.stderr)
    r = s.run("import", "-", stdin="a@example.com\n")
    check(r.returncode == 2, "stdin without --name is a usage error", str(r.returncode))
    # Standard input from a device that never ends is refused, not read forever.
    with open("/dev/zero", "rb") as zero:
        r = subprocess.run([TOOL, "--config", s.conf, "import", "--name", "z", "-"],
                           stdin=zero, capture_output=True, text=True, timeout=30)
    check(r.returncode == 1 and "character device" in r.stderr, "stdin from /dev/zero refused",
          r.stderr)

    # Output that cannot be written (a full disk) fails the command: a script
    # keeping `scan --json > host.json` must not take a cut file for a whole one.
    if os.path.exists("/dev/full"):
        for cmd in (["stats"], ["advisories", "--json"], ["scan", "--json"]):
            with open("/dev/full", "w") as full:
                r = subprocess.run([TOOL, "--config", s.conf, *cmd], stdout=full,
                                   stderr=subprocess.PIPE, text=True, timeout=60)
            check(r.returncode == 1 and "writing the output: No space left on device" in r.stderr,
                  f"{cmd[0]} onto a full disk fails", f"{r.returncode} {r.stderr}")

    # A line with bytes not valid in the input's encoding is named for that encoding.
    bad = os.path.join(root, "badline.txt")
    rows = [("山田太郎,user%d@example.jp" % i).encode("cp932") for i in range(40)]
    rows.insert(20, b"\x85\x40x,bad@example.jp")
    with open(bad, "wb") as f:
        f.write(b"\r\n".join(rows) + b"\r\n")
    r = s.run("import", "--name", "bad", "--dry-run", "--format", "text", "--encoding", "CP932", bad)
    check(r.returncode == 0 and "line 21: bytes not valid CP932:" in r.stdout and
          "40 addresses, 1 invalid" in r.stdout and "invalid UTF-8" not in r.stdout,
          "a bad CP932 line is named for CP932", r.stdout)

    # A file's own name reaches the terminal escaped, in the report and in errors.
    odd = os.path.join(root, "list\x1b]0;owned\x07\nforged.txt")
    with open(odd, "w") as f:
        f.write("a@example.com\n")
    r = s.run("import", "--name", "odd", "--dry-run", odd)
    check(r.returncode == 0 and "\x1b" not in r.stdout and "\\x1b]0;owned\\x07\\x0aforged.txt" in r.stdout,
          "file name escaped in the report", r.stdout)
    r = s.run("import", "--name", "odd", odd + "\x1b[31m-missing")
    check(r.returncode == 1 and "\x1b" not in r.stderr and "\\x1b[31m-missing" in r.stderr,
          "file name escaped in an error", r.stderr)

    # A name of digits only would read as an id in forget and export: refused.
    r = s.run("import", "--name", "7", "-", stdin="a@example.com\n")
    check(r.returncode == 2 and "digits only" in r.stderr, "--name 7 refused", r.stderr)
    digits = os.path.join(root, "2021")
    with open(digits, "w") as f:
        f.write("a@example.com\n")
    r = s.run("import", digits)
    check(r.returncode == 1 and "digits only" in r.stderr and "--name" in r.stderr,
          "a file named 2021 needs --name", r.stderr)

    # Dates: strict YYYY-MM-DD.
    for bad in ("2021-02-30", "21-05-26", "2021-5-26", "yesterday"):
        r = s.run("import", "--name", "d", "--date", bad, fix("notice.txt"))
        check(r.returncode == 2 and ("no such day" in r.stderr) == (bad == "2021-02-30"),
              f"--date {bad} refused, saying why", r.stderr)
    r = s.run("import", "--name", "dated", "--date", "2021-05-26", fix("crlf.txt"))
    check(r.returncode == 0 and any(a["date"] == "2021-05-26" for a in s.advisories()),
          "--date stored", r.stderr)

    # forget by name and by id; unknown advisory.
    r = s.run("forget", "multi")
    check(r.returncode == 0, "forget by name", r.stderr)
    r = s.run("forget", "9999")
    check(r.returncode == 1 and "no advisory" in r.stderr, "forget unknown", r.stderr)
    check("multi" not in [a["name"] for a in s.advisories()], "forgotten")

    # status and scan output: root is exempt; an unknown user is exit 1.
    r = s.run("status", "--json", "root")
    check(r.returncode == 0 and json.loads(r.stdout)[0]["verdict"] == "exempt", "status root",
          r.stdout)
    r = s.run("status", "no-such-user-bgtest")
    check(r.returncode == 1 and "no such user" in r.stderr, "status unknown user", r.stderr)
    r = s.run("scan", "--json")
    check(r.returncode == 0 and isinstance(json.loads(r.stdout), list), "scan --json", r.stderr)
    r = s.run("flag", "no-such-user-bgtest")
    check(r.returncode == 1, "flag unknown user", r.stderr)
    r = s.run("reset", "no-such-user-bgtest")
    check(r.returncode == 1, "reset unknown user", r.stderr)

    # Usage errors: exit 2.
    for args in (["nonsense"], ["import"], ["import", "--format", "xml", "x"], ["status"],
                 ["forget"], ["advisories", "extra"], ["init", "--map-size", "12"],
                 ["import", "--grace", "-1", "--name", "x", fix("crlf.txt")]):
        r = s.run(*args)
        check(r.returncode == 2, f"usage: {' '.join(args)}", str(r.returncode))
    r = subprocess.run([TOOL], capture_output=True, text=True)
    check(r.returncode == 2, "no command")

    # Unknown keys are errors in check and in every other command (issue 10).
    with open(s.conf, "a") as f:
        f.write("colour = blue\n")
    r = s.run("check")
    check(r.returncode == 1 and "colour" in r.stdout, "check refuses unknown keys", r.stdout)
    r = s.run("advisories")
    check(r.returncode == 1 and "colour" in r.stderr, "other commands refuse it too", r.stderr)
    with open(s.conf) as f:
        text = f.read()
    with open(s.conf, "w") as f:
        f.write(text.replace("colour = blue\n", ""))
    # A domain no address of can be imported (example.c: no real top-level
    # label) makes every account clear through it: check says so and fails.
    with open(s.conf) as f:
        text = f.read()
    with open(s.conf, "a") as f:
        f.write("domains = example.co.jp, example.c\n")
    r = s.run("check")
    check(r.returncode == 1 and 'domains: "example.c"' in r.stdout
          and "example.co.jp" not in r.stdout, "check: a domain the normaliser refuses", r.stdout)
    with open(s.conf, "w") as f:
        f.write(text)
    r = s.run("check")
    check("domains:" not in r.stdout, "check: the configured domains are fine", r.stdout)

    # init refuses an unsafe key file; a store made with another key is refused.
    t = Store(os.path.join(root, "b"))
    os.chmod(os.path.join(t.dir, "key"), 0o644)
    r = t.run("init")
    check(r.returncode == 1 and "key" in r.stderr and "group or others" in r.stderr,
          "init: unsafe key mode", r.stderr)
    os.chmod(os.path.join(t.dir, "key"), 0o600)
    os.unlink(os.path.join(t.dir, "key"))
    r = t.run("init")  # makes a new key, the store has the old key id
    check(r.returncode == 1 and "different site key" in r.stderr, "init: foreign store",
          r.stderr)
    r = t.run("import", "--name", "x", fix("crlf.txt"))
    check(r.returncode == 1 and "different site key" in r.stderr, "import: foreign store",
          r.stderr)
    os.chmod(os.path.join(t.dir, "store"), 0o777)
    r = t.run("advisories")
    check(r.returncode == 1 and "group or others" in r.stderr, "world-writable store", r.stderr)

    # A tiny map grows during the import and the import finishes.
    u = Store(os.path.join(root, "c"))
    shutil.rmtree(os.path.join(u.dir, "store"))
    r = u.run("init", "--map-size", "65536")
    check(r.returncode == 0, "init --map-size", r.stderr)
    many = os.path.join(root, "many.txt.gz")
    with gzip.open(many, "wt") as f:
        for i in range(60000):
            f.write(f"user{i}@example.net\n")
    r = u.run("import", "--json", "--name", "many", many)
    check(r.returncode == 0 and json.loads(r.stdout)["new"] == 60000, "map grows", r.stderr)
    check(u.stats()["map_size"] > 65536, "map grown", str(u.stats()))

    # The input layer: members named archive:member with their format and
    # encoding in --json; an archive on standard input; --encoding checked.
    ex = lambda n: fix("exact", n)
    r = s.run("import", "--json", "--dry-run", "--name", "t", ex("sevenzip.7z"))
    d = json.loads(r.stdout) if r.returncode == 0 else {"files": []}
    check([(f["file"], f["format"], f["encoding"]) for f in d["files"]] ==
          [(ex("sevenzip.7z") + ":a.txt", "text", "UTF-8"),
           (ex("sevenzip.7z") + ":b.csv", "csv", "UTF-8")], "7z members in --json", r.stdout)
    r = s.run("import", "--json", "--dry-run", "--name", "t", ex("cp932-excel.csv"))
    d = json.loads(r.stdout) if r.returncode == 0 else {"files": [{}]}
    check(d["files"][0].get("encoding") == "CP932" and d["addresses"] == 3, "CP932 in --json",
          r.stdout)
    # A CP932 list longer than the encoding decision's sample (256 KiB), which
    # the sample cuts inside a character: every row is read as CP932 (it came
    # out ISO-8859-13, every row invalid, when the cut line counted).
    long_sjis = os.path.join(root, "long-cp932.csv")
    with open(long_sjis, "wb") as f:
        f.write("氏名,メール\r\n".encode("cp932"))
        for i in range(30000):
            f.write(f"社員{i},user{i}＠example.co.jp\r\n".encode("cp932"))
    r = s.run("import", "--json", "--dry-run", "--name", "t", long_sjis)
    d = json.loads(r.stdout) if r.returncode == 0 else {"files": [{}]}
    check(d["files"][0].get("encoding") == "CP932" and d["addresses"] == 30000 and
          d["invalid"] == 0, "a long CP932 list cut by the decision sample", r.stdout[:400])
    with open(ex("tar-gz.tar.gz"), "rb") as f:
        tgz = f.read()
    r = subprocess.run([TOOL, "--config", s.conf, "import", "--json", "--dry-run", "--name",
                        "t", "-"], input=tgz, capture_output=True, timeout=60)
    d = json.loads(r.stdout) if r.returncode == 0 else {"files": []}
    check([f["file"] for f in d["files"]] == ["stdin:a.txt", "stdin:b.csv"], "tar.gz on stdin",
          r.stderr)
    with open(ex("aes.zip"), "rb") as f:
        aes = f.read()
    r = subprocess.run([TOOL, "--config", s.conf, "import", "--json", "--dry-run", "--name",
                        "t", "--password-file", fix("zip-password.txt"), "-"], input=aes,
                       capture_output=True, timeout=60)
    check(r.returncode == 0 and json.loads(r.stdout)["addresses"] == 2,
          "encrypted zip on stdin (spooled)", r.stderr)
    r = s.run("import", "--dry-run", "--name", "t", "--encoding", "klingon", ex("cp1252.csv"))
    check(r.returncode == 2 and "klingon" in r.stderr, "--encoding unknown is a usage error",
          r.stderr)
    r = s.run("import", "--dry-run", "--name", "t", "--max-ratio", "0", ex("cp1252.csv"))
    check(r.returncode == 2, "--max-ratio 0 is a usage error", r.stderr)
    r = s.run("import", "--dry-run", "--name", "t", "--password-file", "/nonexistent",
              ex("aes.zip"))
    check(r.returncode == 1 and "--password-file /nonexistent" in r.stderr,
          "missing --password-file named", r.stderr)
    r = s.run("import", "--dry-run", "--name", "t", "--max-members", "1", ex("sevenzip.7z"))
    check(r.returncode == 1 and "--max-members" in r.stderr and "nothing written" in r.stderr,
          "member limit", r.stderr)
    r = s.run("import", "--dry-run", "--name", "t", "--encoding", "EUC-JP", ex("undecidable.txt"))
    check(r.returncode == 0 and "(text, EUC-JP)" in r.stdout, "--encoding decides", r.stdout)


    # Issue 10 item 13 (trust-a): a future --date warns; a rotation older than
    # the newest advisory is "last rotation ..., before advisory ...", not
    # "enforce ... rotated"; check says whether anything listens on /dev/log.
    v = Store(os.path.join(root, "trust"), "exempt_users =\nmin_uid = 0\n")
    adv = os.path.join(root, "root-adv.txt")
    with open(adv, "w") as f:
        f.write("root@example.com\n")
    r = v.run("import", "--name", "future", "--date", "2999-01-01", adv)
    check(r.returncode == 0 and "in the future" in r.stderr and "2999-01-01" in r.stderr,
          "import: future --date warns", r.stderr)
    r = v.run("forget", "future")
    check(r.returncode == 0, "forget future", r.stderr)
    r = v.run("import", "--name", "first", "--date", "2020-01-01", adv)
    check(r.returncode == 0 and "future" not in r.stderr, "import: past --date", r.stderr)
    r = v.run("reset", "root")
    check(r.returncode == 0, "reset root", r.stderr)
    import datetime
    tomorrow = (datetime.datetime.now(datetime.timezone.utc).date() +
                datetime.timedelta(days=1)).isoformat()
    r = v.run("import", "--name", "second", "--date", tomorrow, adv)  # after the reset
    check(r.returncode == 0, "import second", r.stderr)
    r = v.run("status", "root")
    check(r.returncode == 0 and "last rotation" in r.stdout and "before advisory" in r.stdout
          and '"second"' in r.stdout and ", rotated " not in r.stdout,
          "status: stale rotation wording", r.stdout)
    import socket
    listening = False
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        try:
            with socket.socket(socket.AF_UNIX, kind) as so:
                so.connect("/dev/log")
                listening = True
                break
        except OSError:
            pass
    r = v.run("check")
    if listening:
        check("syslog: /dev/log: ok" in r.stdout, "check: /dev/log ok", r.stdout)
    else:
        check("nothing listens on /dev/log" in r.stdout, "check: /dev/log warning", r.stdout)


def stopped_holder(root):
    """A holder of writer.lock that stays stopped (a user's su under kill -STOP)
    holds up an import for BG_GATE_STOPPED_MAX seconds, not forever: then the
    import names it and writes nothing.  A holder that lets go is waited for."""
    import fcntl, signal, time
    s = Store(os.path.join(root, "gate"))
    adv = os.path.join(root, "gate", "adv.txt")
    with open(adv, "w") as f:
        f.write("gate@example.com\n")
    gate = os.path.join(s.dir, "store", "writer.lock")
    for mode in (fcntl.LOCK_SH, fcntl.LOCK_EX):
        pid = os.fork()
        if pid == 0:
            fd = os.open(gate, os.O_RDONLY)
            fcntl.flock(fd, mode)
            os.kill(os.getpid(), signal.SIGSTOP)
            os._exit(0)
        try:
            time.sleep(0.3)
            t0 = time.monotonic()
            r = s.run("import", "--name", "gate", adv)
            took = time.monotonic() - t0
            what = "shared" if mode == fcntl.LOCK_SH else "exclusively"
            check(r.returncode == 1 and f"held {what} by pid {pid}" in r.stderr
                  and "stopped for 10 s" in r.stderr and f"kill -CONT {pid}" in r.stderr,
                  f"a stopped holder ({what}) is named", r.stderr)
            check(9 <= took < 40, f"a stopped holder ({what}): gave up after ~10 s", str(took))
            check(s.advisories() == [], f"a stopped holder ({what}): nothing written")
        finally:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    # A running holder that lets go after a second: waited for, then written.
    pid = os.fork()
    if pid == 0:
        fd = os.open(gate, os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_EX)
        time.sleep(1.5)
        os._exit(0)
    time.sleep(0.3)
    r = s.run("import", "--name", "gate", adv)
    os.waitpid(pid, 0)
    check(r.returncode == 0 and len(s.advisories()) == 1, "a holder that lets go is waited for",
          r.stderr)


def in_domains(root):
    """How many addresses are in the configured domains: counted after the
    normaliser (case, an IDN domain in Unicode or in ACE), duplicates and
    repeated lines among them; said when not all are, warned when none is;
    null in --json (and nothing said) when no domain is configured."""
    s = Store(os.path.join(root, "dom"))
    lst = os.path.join(root, "dom", "list.txt")
    with open(lst, "w", encoding="utf-8") as f:
        f.write("a@Example.COM\nb@example.com\nb@example.com\nb@example.com\n"
                "c@other.example\nd@sub.example.com\ne@xn--r8jz45g.jp\nf@例え.jp\n")
    for domains, want in (("example.com", 4), ("example.com, 例え.jp", 6),
                          ("xn--r8jz45g.jp", 2), ("other.test", 0), ("", None)):
        with open(s.conf, "w") as f:
            f.write(f"store = {s.dir}/store\nkey_file = {s.key}\n" +
                    (f"domains = {domains}\n" if domains else ""))
        r = s.run("import", "--dry-run", "--json", "--name", "dom", lst)
        d = json.loads(r.stdout) if r.returncode == 0 else {}
        check(d.get("in_domains", "absent") == want and
              d.get("files", [{}])[0].get("in_domains", "absent") == want,
              f"in_domains with domains = {domains!r}", r.stdout + r.stderr)
        r = s.run("import", "--dry-run", "--name", "dom", lst)
        said = [ln for ln in r.stdout.splitlines()
                if ln.startswith(("domains:", "warning: none"))]
        if want is None or want == 8:
            check(said == [], f"nothing said with domains = {domains!r}", r.stdout)
        elif want == 0:
            check(len(said) == 1 and said[0].startswith(
                "warning: none of the 8 addresses is in the configured domains (other.test)")
                  and "check \"domains\"" in said[0], "none in the domains: a warning",
                  r.stdout)
        else:
            check(len(said) == 1 and said[0].startswith(
                f"domains: {want} of the 8 addresses are in the configured domains ({domains})"),
                  f"{want} of 8 in {domains!r}: said", r.stdout)
        check(r.returncode == 0, f"the import goes on with domains = {domains!r}", r.stderr)


def set_conf(s, extra):
    """Rewrites s's config with these lines after the usual three."""
    with open(s.conf, "w") as f:
        f.write(f"store = {s.dir}/store\nkey_file = {s.key}\ndomains = example.com\n{extra}")


def norm_service_check(s):
    """check names a PAM service whose module arguments set other settings
    than the store's identities were made under (a file of our own in
    /etc/pam.d, removed after; root only)."""
    if os.geteuid() != 0:
        print("tool: SKIPPED check of a service's fold_case argument: needs root")
        return
    svc = f"bgt-norm-check-{os.getpid()}"
    path = os.path.join("/etc/pam.d", svc)
    try:
        for args, bad in (("fold_case=no", True), ("subaddress=+", False), ("", False)):
            with open(path, "w") as f:
                f.write(f"account required pam_breachguard.so conf={s.conf} {args}\n"
                        f"password required pam_breachguard.so conf={s.conf}\n")
            r = s.run("check")
            said = f"/etc/pam.d/{svc}: its account phase says fold_case = no, subaddress = +"
            check((said in r.stdout and r.returncode == 1) if bad else svc not in
                  "".join(l for l in r.stdout.splitlines(True) if "error" in l),
                  f"check and a service with {args or 'no arguments'}", r.stdout)
    finally:
        os.unlink(path)


def norm_pinned(root):
    """The store records the fold_case and subaddress its digests were made
    under (init, or the first import into a store from before that); a config
    that says otherwise would match nobody, so every reader refuses it, naming
    both, and nothing is written."""
    adv = os.path.join(root, "norm.txt")
    with open(adv, "w") as f:
        f.write("Alice+news@Example.com\nbob@example.com\n")
    s = Store(os.path.join(root, "norm"))
    r = s.run("init")
    check(r.returncode == 0 and "match: fold_case = yes, subaddress = + (as recorded)" in r.stdout,
          "init names the recorded settings", r.stdout)
    check(s.run("import", "--name", "n1", adv).returncode == 0, "import under the defaults")
    before = s.stats()
    both = ["its identities were made with fold_case = yes, subaddress = +",
            "the config says fold_case = no, subaddress = +"]
    set_conf(s, "fold_case = no\n")
    for args in (["import", "--name", "n2", adv], ["import", "--dry-run", "--name", "n2", adv],
                 ["scan"], ["init"], ["check"]):
        r = s.run(*args)
        out = r.stderr + r.stdout
        check(r.returncode == 1 and all(w in out for w in both),
              f"{args[0]} {' '.join(args[1:2])}: refused under another fold_case", out)
    check(s.stats() == before, "nothing written under another fold_case")
    set_conf(s, "subaddress = -\n")
    r = s.run("import", "--name", "n2", adv)
    check(r.returncode == 1 and "the config says fold_case = yes, subaddress = -:" in r.stderr,
          "refused under another subaddress", r.stderr)
    set_conf(s, "subaddress = +\nfold_case = yes\n")  # the same, said out loud
    r = s.run("import", "--name", "n2", adv)
    check(r.returncode == 0, "the same settings written out are the same", r.stderr)
    norm_service_check(s)
    # A new store under other settings records those.
    o = Store(os.path.join(root, "norm-other"), "fold_case = no\nsubaddress =\n")
    r = o.run("init")
    check("match: fold_case = no, subaddress = none (as recorded)" in r.stdout,
          "init records other settings in a new store", r.stdout)
    # A store from before the record: meta "norm" taken out with LMDB's tools.
    old = Store(os.path.join(root, "norm-old"))
    data = os.path.join(old.dir, "store")
    dump = subprocess.run(["mdb_dump", "-a", data], capture_output=True, text=True)
    check(dump.returncode == 0 and " 6e6f726d\n" in dump.stdout, "mdb_dump of the store",
          dump.stderr)
    lines = dump.stdout.split("\n")
    k = lines.index(" 6e6f726d")
    del lines[k:k + 2]
    for n in ("data.mdb", "lock.mdb"):
        os.unlink(os.path.join(data, n))
    ld = subprocess.run(["mdb_load", data], input="\n".join(lines),
                        capture_output=True, text=True)
    check(ld.returncode == 0, "mdb_load without meta norm", ld.stderr)
    os.chmod(os.path.join(data, "data.mdb"), 0o600)
    r = old.run("init")
    check(r.returncode == 0 and "(recorded by the next import)" in r.stdout,
          "init on a store from before the record", r.stdout + r.stderr)
    set_conf(old, "fold_case = no\n")
    check(old.run("scan").returncode == 0, "a store from before is read under any settings")
    check(old.run("import", "--name", "o1", adv).returncode == 0, "its next import")
    set_conf(old, "")
    r = old.run("import", "--name", "o2", adv)
    check(r.returncode == 1 and "made with fold_case = no" in r.stderr,
          "the next import recorded its settings", r.stderr)


if __name__ == "__main__":
    sys.exit(main())

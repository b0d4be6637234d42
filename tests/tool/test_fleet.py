#!/usr/bin/env python3
"""The fleet path through the tool: keygen, export of a signed bundle on a
management host, import on two hosts sharing its site key (a file and a
pipe), the same advisories everywhere, every refusal with nothing written,
scan --json with "host", and report over the hosts' scans.
Usage: test_fleet.py BUILD/breachguard"""
import json, os, resource, shutil, signal, stat, subprocess, sys

TOOL = os.path.abspath(sys.argv[1])
NSS = "/usr/lib/x86_64-linux-gnu/libnss_wrapper.so"
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
from checks import check, in_tempdir, output_modes  # noqa: E402
from store import Store  # noqa: E402

Store.tool = TOOL


def fleet_store(root, extra=""):
    """A store whose accounts start at uid 1000 (the nss_wrapper users)."""
    return Store(root, "min_uid = 1000\n" + extra)


def nss_env(root, host):
    pw = os.path.join(root, "passwd")
    gr = os.path.join(root, "group")
    if not os.path.exists(pw):
        with open(pw, "w") as f:
            f.write("root:x:0:0:root:/root:/bin/sh\n"
                    "alice:x:2001:2001:Alice:/home/alice:/bin/sh\n"
                    "bob:x:2002:2002:Bob:/home/bob:/bin/sh\n"
                    "carol:x:2003:2003:Carol:/home/carol:/bin/sh\n"
                    "dave:x:2004:2004:Dave:/home/dave:/bin/sh\n")
        with open(gr, "w") as f:
            f.write("root:x:0:\nusers:x:2001:\n")
    # An ASan build (make asan) needs its runtime first in the preload list.
    pre = [l.split("=>")[1].split()[0] for l in
           subprocess.run(["ldd", TOOL], capture_output=True, text=True).stdout.splitlines()
           if "libasan" in l and "=>" in l]
    env = dict(os.environ, LD_PRELOAD=" ".join(pre + [NSS]), NSS_WRAPPER_PASSWD=pw,
               NSS_WRAPPER_GROUP=gr, BREACHGUARD_HOST=host)
    return env


def export_run(mg, *args, umask=0o022):
    return subprocess.run([TOOL, "--config", mg.conf, "export", *args], capture_output=True,
                          text=True, timeout=60, umask=umask)


def export_modes(root, mg, sk):
    """export --out over an existing bundle keeps its owner, group and
    permissions (never wider, as report --html); a new one is 0644 less the
    umask; a failure names the path and leaves the old bundle."""
    out = os.path.join(root, "modes.bgb")
    output_modes(out, lambda um: export_run(mg, "--sign", sk, "--out", out, "ProjectWEB", umask=um),
                 lambda p: open(p, "rb").read(8) == b"BGBUNDLE", "export --out")
    missing = os.path.join(root, "no-such-dir", "b.bgb")
    r = export_run(mg, "--sign", sk, "--out", missing, "ProjectWEB")
    check(r.returncode == 1 and missing in r.stderr and "No such file" in r.stderr and
          "no bundle written" in r.stderr, "export into a missing directory: named", r.stderr)
    if os.geteuid() != 0:
        print("fleet: SKIPPED owner and group of an exported bundle: needs root")
        return
    with open(out, "w") as f:
        f.write("old")
    os.chown(out, 12345, 23456)
    os.chmod(out, 0o640)
    r = export_run(mg, "--sign", sk, "--out", out, "ProjectWEB")
    st = os.stat(out)
    check(r.returncode == 0 and (st.st_uid, st.st_gid, st.st_mode & 0o777) == (12345, 23456, 0o640),
          "export as root keeps the bundle's owner and group", f"{st.st_uid}:{st.st_gid} {r.stderr}")
    os.unlink(out)


def piped(store, head, endless=True, tmpdir=None):
    """import - of head on a pipe, then (endless) zeros without end: a bundle
    refused by its header must be refused without reading the rest."""
    hp = os.path.join(store.dir, "head.bin")
    with open(hp, "wb") as f:
        f.write(head)
    feed = subprocess.Popen(["sh", "-c", f"cat '{hp}'" + ("; exec cat /dev/zero" if endless else "")],
                            stdout=subprocess.PIPE)
    env = dict(os.environ, TMPDIR=tmpdir or store.dir)
    try:
        return subprocess.run([TOOL, "--config", store.conf, "import", "-"], stdin=feed.stdout,
                              capture_output=True, text=True, timeout=60, env=env)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess([], -1, "", "timed out: stdin was read to its end")
    finally:
        feed.stdout.close()
        feed.kill()
        feed.wait()


def no_file_grows():
    """preexec_fn: no file the command writes may grow by a byte (a spool's
    write fails with EFBIG; SIGXFSZ ignored so that it is said, not fatal)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def stdin_in_place(root, data, h):
    """A bundle in a file on stdin (import - < bundle) is read in place, as a
    named one: nothing is spooled, so a TMPDIR that takes nothing does not
    matter.  The same bundle on a pipe needs its spool, and says so."""
    path = os.path.join(root, "in-place.bgb")
    with open(path, "wb") as f:
        f.write(data)
    ro = os.path.join(root, "unwritable-tmp")
    os.makedirs(ro, mode=0o500, exist_ok=True)
    env = dict(os.environ, TMPDIR=ro)
    before = h.stats()
    with open(path, "rb") as f:
        r = subprocess.run([TOOL, "--config", h.conf, "import", "--dry-run", "--json", "-"],
                           stdin=f, capture_output=True, text=True, env=env,
                           preexec_fn=no_file_grows)
    j = json.loads(r.stdout) if r.returncode == 0 else {}
    check(r.returncode == 0 and j.get("identities") == 4 and "spool" not in r.stderr,
          "a bundle in a file on stdin is read in place: no file written", r.stderr)
    r = subprocess.run(f"cat '{path}' | '{TOOL}' --config '{h.conf}' import --dry-run -",
                       shell=True, capture_output=True, text=True, env=env,
                       preexec_fn=no_file_grows)
    check(r.returncode == 1 and "stdin: spooling the bundle to a temporary file in" in r.stderr
          and "File too large" in r.stderr and "nothing written" in r.stderr,
          "a bundle on a pipe is spooled: its failed spool named", r.stderr)
    # In place from the file's start only (verify and apply read from offset
    # 0): a bundle after bytes already read from stdin is spooled.
    later = os.path.join(root, "later.bin")
    with open(later, "wb") as f:
        f.write(b"xyz" + data)
    for grows, ok in ((None, True), (no_file_grows, False)):
        with open(later, "rb") as f:
            f.seek(3)
            r = subprocess.run([TOOL, "--config", h.conf, "import", "--dry-run", "-"], stdin=f,
                               capture_output=True, text=True, env=env, preexec_fn=grows)
        check(r.returncode == 0 if ok else
              r.returncode == 1 and "spooling the bundle" in r.stderr and "File too large" in r.stderr,
              f"a bundle 3 bytes into stdin is spooled{'' if ok else ': its failed spool named'}",
              r.stdout + r.stderr)
    check(h.stats() == before, "stdin in place: dry runs leave the store as it was")


def stdin_refusals(root, data, h3, h4, h5, h6, hn):
    """A bundle on a pipe is refused after its header, before it is spooled
    (whatever follows); a spool that fails names its directory and the cause."""
    head = data[:69]
    cases = ((h4, head, ["stdin: signed by key", "not in trusted_keys"], "untrusted signer"),
             (h6, head, ["stdin: made under another site key"], "another site key"),
             (hn, head, ["stdin: its digests were made with fold_case = yes"], "other settings"),
             (h5, head, ["trusted_keys"], "no trusted_keys"),
             (h3, head[:9] + b"\x09" + head[10:], ["stdin: bundle format version 9"], "version 9"),
             (h3, b"BGBUNDLE", ["stdin: bundle format version 0"], "the magic, then zeros"))
    for st, h, words, what in cases:
        before = st.stats()
        r = piped(st, h)
        check(r.returncode == 1 and all(w in r.stderr for w in words) and
              "nothing written" in r.stderr,
              f"piped bundle refused by its header, before spooling: {what}", r.stderr)
        check(st.stats() == before, f"piped {what}: store unchanged")
    r = piped(h3, head[:10], endless=False)
    check(r.returncode == 1 and "stdin: truncated at byte 10 (in the header)" in r.stderr,
          "piped header cut short", r.stderr)
    # The spool on a full file system: the directory and the cause, nothing written.
    mnt = os.path.join(root, "full-tmp")
    os.makedirs(mnt)
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700",
                                            "bg-fleet-tmp", mnt],
                                           capture_output=True).returncode != 0:
        print("fleet: SKIPPED a bundle spooled to a full TMPDIR: needs root and a tmpfs")
        return
    try:
        try:
            with open(os.path.join(mnt, "filler"), "wb") as f:
                while True:
                    f.write(b"\0" * 4096)
                    f.flush()
        except OSError:
            pass
        before = h3.stats()
        r = piped(h3, data, endless=False, tmpdir=mnt)
        check(r.returncode == 1 and f"spooling the bundle to a temporary file in {mnt}" in r.stderr
              and "No space left on device" in r.stderr and "set TMPDIR" in r.stderr and
              "nothing written" in r.stderr, "spool on a full TMPDIR: directory and cause named",
              r.stderr)
        check(h3.stats() == before, "spool on a full TMPDIR: store unchanged")
        # A file on stdin needs no spool: imported with that TMPDIR.
        path = os.path.join(root, "full-tmp.bgb")
        with open(path, "wb") as f:
            f.write(data)
        with open(path, "rb") as f:
            r = subprocess.run([TOOL, "--config", h3.conf, "import", "--json", "-"], stdin=f,
                               capture_output=True, text=True, env=dict(os.environ, TMPDIR=mnt))
        check(r.returncode == 0 and json.loads(r.stdout).get("identities") == 4,
              "a bundle in a file on stdin imported with a full TMPDIR", r.stderr)
    finally:
        subprocess.run(["umount", "-l", mnt])


def compressed_bundles(root, data, h3, adv):
    """A gzipped bundle (as mailed) is refused naming what it is and the fix,
    not read as a list ("binary data"), from a file or a pipe; another
    compressor is named; a bundle beside other files is told to go alone."""
    import gzip, lzma
    gz = os.path.join(root, "mailed.bgb.gz")
    with open(gz, "wb") as f:
        f.write(gzip.compress(data))
    before = h3.stats()
    r = h3.run("import", gz)
    check(r.returncode == 1 and f"{gz}: a gzipped breachguard bundle: gunzip it" in r.stderr and
          "binary data" not in r.stderr, "gzipped bundle refused, the fix named", r.stderr)
    r = h3.run("import", "--name", "x", gz)
    check(r.returncode == 1 and "a gzipped breachguard bundle" in r.stderr,
          "gzipped bundle with --name refused the same", r.stderr)
    r = subprocess.run(f"cat '{gz}' | '{TOOL}' --config '{h3.conf}' import --name x -",
                       shell=True, capture_output=True, text=True)
    check(r.returncode == 1 and "a gzipped breachguard bundle" in r.stderr,
          "gzipped bundle on a pipe refused the same", r.stderr)
    xz = os.path.join(root, "mailed.bgb.xz")
    with open(xz, "wb") as f:
        f.write(lzma.compress(data))
    r = h3.run("import", "--name", "x", xz)
    check(r.returncode == 1 and "a breachguard bundle compressed with xz" in r.stderr,
          "xz bundle refused, the compressor named", r.stderr)
    plain = os.path.join(root, "second.bgb")
    with open(plain, "wb") as f:
        f.write(data)
    r = h3.run("import", "--name", "x", adv, plain)
    check(r.returncode == 1 and f"{plain}: a signed breachguard bundle: import it alone" in r.stderr,
          "a bundle beside a list: told to import it alone", r.stderr)
    check(h3.stats() == before, "compressed bundles: store unchanged")
    # The way out the message names works.
    r = subprocess.run(f"gunzip -c '{gz}' | '{TOOL}' --config '{h3.conf}' import --dry-run -",
                       shell=True, capture_output=True, text=True)
    check(r.returncode == 0 and "verified; nothing written" in r.stdout,
          "gunzip -c | import - reads the bundle", r.stderr)


FORGOT_HEX = " 666f72676f74"  # meta keys of forget's records start with "forgot"


def meta_rewrite(st, edit):
    """The store's tables dumped with LMDB's tools, edit(lines) applied to the
    dump (a change outside breachguard), and loaded back."""
    data = os.path.join(st.dir, "store")
    dump = subprocess.run(["mdb_dump", "-a", data], capture_output=True, text=True)
    check(dump.returncode == 0, "mdb_dump of the store", dump.stderr)
    lines = dump.stdout.split("\n")
    edit(lines)
    for n in ("data.mdb", "lock.mdb"):
        os.unlink(os.path.join(data, n))
    ld = subprocess.run(["mdb_load", data], input="\n".join(lines), capture_output=True,
                        text=True)
    check(ld.returncode == 0, "mdb_load of the changed dump", ld.stderr)
    os.chmod(os.path.join(data, "data.mdb"), 0o600)
    return dump.stdout


def forget_records_digested(host, bundle, adv):
    """forget's records are under the store's digest: a store without any
    verifies as before (no key of theirs, the same line); removing one (a
    replay would then bring the advisory back), changing one, adding one or
    changing their recorded digest makes verify fail, naming the forget
    records."""
    fresh = host

    # Without forget records: verify as before, and no key of theirs.
    plain = fresh("plain")
    check(plain.run("import", bundle).returncode == 0, "plain store: import")
    r = plain.run("verify")
    check(r.returncode == 0 and r.stdout.endswith(": ok: 1 advisories, 4 identities, 4 exposures, "
                                                  "0 rotation records\n"),
          "a store without forget records verifies as before", r.stdout + r.stderr)
    text = meta_rewrite(plain, lambda lines: None)
    check(FORGOT_HEX not in text and " 6469676573745f666f72676f74" not in text,
          "a store without forget records has no key of theirs", text[:400])
    r = plain.run("verify")
    check(r.returncode == 0, "dumped and loaded back unchanged: verify", r.stdout + r.stderr)

    def drop(lines):
        k = next(i for i, ln in enumerate(lines) if ln.startswith(FORGOT_HEX))
        del lines[k:k + 2]

    def change_time(lines):
        k = next(i for i, ln in enumerate(lines) if ln.startswith(FORGOT_HEX))
        lines[k + 1] = " 0000000000000001"

    def add(lines):
        k = next(i for i, ln in enumerate(lines) if ln.startswith(FORGOT_HEX))
        lines[k:k] = [lines[k] + "78", lines[k + 1]]  # the same, for another name

    def change_sum(lines):
        k = lines.index(" 6469676573745f666f72676f74")
        v = lines[k + 1]
        lines[k + 1] = v[:-2] + ("00" if v[-2:] != "00" else "01")

    cases = ((drop, "removed"), (change_time, "changed"), (add, "added"))
    for edit, what in cases:
        st = fresh("forgot-" + what)
        check(st.run("import", bundle).returncode == 0 and
              st.run("forget", "ProjectWEB").returncode == 0, f"forget record {what}: forget")
        r = st.run("verify")
        check(r.returncode == 0 and ", 1 forget record" in r.stdout,
              f"forget record {what}: verify counts it first", r.stdout + r.stderr)
        meta_rewrite(st, edit)
        r = st.run("verify")
        check(r.returncode == 1 and "the forget records (" in r.stdout and
              "do not match the digest recorded at the last commit" in r.stdout and
              "the records do not match" not in r.stdout,
              f"a forget record {what} outside breachguard: verify names the forget records",
              r.stdout + r.stderr)
        if edit is drop:
            # What it guards: with the record gone, the replay is let in.
            r = st.run("import", "--dry-run", bundle)
            check(r.returncode == 0, "a forget record removed: the replay would go through",
                  r.stdout + r.stderr)
    st = fresh("forgot-sum")
    check(st.run("import", bundle).returncode == 0 and
          st.run("forget", "ProjectWEB").returncode == 0, "forget records' digest: forget")
    meta_rewrite(st, change_sum)
    r = st.run("verify")
    check(r.returncode == 1 and "the recorded digest of the forget records does not match them"
          in r.stdout, "the forget records' digest changed: verify says so", r.stdout + r.stderr)
    # An advisory's record changed: the records, not the forget records, named.
    st = fresh("forgot-adv")
    check(st.run("import", bundle).returncode == 0 and
          st.run("forget", "ProjectWEB").returncode == 0 and
          st.run("import", "--name", "Other", adv).returncode == 0,
          "with a forget record, another advisory")
    data = os.path.join(st.dir, "store", "data.mdb")
    with open(data, "rb") as f:
        blob = f.read()
    with open(data, "r+b") as f:
        f.write(blob.replace(b"Other", b"Othes"))
    r = st.run("verify")
    check(r.returncode == 1 and "the records do not match the digest" in r.stdout and
          "forget records" not in r.stdout, "an advisory changed, beside a forget record: the "
          "records named", r.stdout + r.stderr)
    # Forget, then --again: the record goes, and verify is sound.
    st = fresh("forgot-again")
    check(st.run("import", bundle).returncode == 0 and
          st.run("forget", "ProjectWEB").returncode == 0 and
          st.run("import", "--again", bundle).returncode == 0, "forget, then --again")
    r = st.run("verify")
    check(r.returncode == 0 and "forget record" not in r.stdout,
          "after --again: no forget record, verify sound", r.stdout + r.stderr)


def forgotten_replayed(hf, bundle, adv):
    """forget, then the same old bundle again (a replay, a configuration run):
    refused, saying when it was forgotten, unless --again, which says so."""
    import datetime
    import re

    def utc_day():
        return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")

    def said_day(text, prefix="forgotten on this host on "):
        """The forget's day is said (either side of a midnight, UTC, it ran across)."""
        m = re.search(re.escape(prefix) + r"(\d{4}-\d\d-\d\d)", text)
        return bool(m) and m.group(1) in days

    check(hf.run("import", bundle).returncode == 0, "forget host: first import")
    days = {utc_day()}
    r = hf.run("forget", "ProjectWEB")
    days.add(utc_day())
    check(r.returncode == 0 and "forgot advisory" in r.stdout, "forget the bundle's advisory", r.stderr)
    before = hf.stats()
    for args, what in (([bundle], "import"), (["--dry-run", bundle], "dry run")):
        r = hf.run("import", *args)
        check(r.returncode == 1 and said_day(r.stderr, 'advisory "ProjectWEB" was forgotten on this host on ')
              and "import --again brings it back" in r.stderr and
              "store unchanged" in r.stderr, f"forgotten advisory refused: {what}", r.stderr)
    r = subprocess.run(f"cat '{bundle}' | '{TOOL}' --config '{hf.conf}' import -", shell=True,
                       capture_output=True, text=True)
    check(r.returncode == 1 and "stdin: advisory \"ProjectWEB\" was forgotten" in r.stderr,
          "forgotten advisory refused on a pipe", r.stderr)
    check(hf.stats() == before and hf.advisories() == [], "forgotten: store unchanged")
    r = hf.run("import", "--dry-run", "--again", bundle)
    check(r.returncode == 0 and said_day(r.stdout) and
          "would be imported again" in r.stdout, "dry run --again says it", r.stdout + r.stderr)
    check(hf.advisories() == [], "dry run --again writes nothing")
    r = hf.run("import", "--again", "--json", bundle)
    j = json.loads(r.stdout) if r.returncode == 0 else {}
    a = (j.get("advisories") or [{}])[0]
    check(r.returncode == 0 and j.get("new") == 4 and (a.get("forgotten") or "")[:10] in days,
          "import --again brings it back, saying when it was forgotten", r.stdout + r.stderr)
    r = hf.run("import", "--json", bundle)
    j = json.loads(r.stdout) if r.returncode == 0 else {}
    check(r.returncode == 0 and j.get("known") == 4 and
          (j.get("advisories") or [{}])[0].get("forgotten", 0) is None,
          "after --again the bundle imports as before", r.stdout + r.stderr)
    r = hf.run("verify")
    check(r.returncode == 0, "verify after forget records", r.stdout + r.stderr)
    r = hf.run("import", "--again", "--name", "x", adv)
    check(r.returncode == 2 and "--again is for a signed bundle" in r.stderr,
          "--again with a list is a usage error", r.stderr)
    # A list imported again by hand is a new advisory: no forget record stops it.
    check(hf.run("import", "--name", "local", adv).returncode == 0 and
          hf.run("forget", "local").returncode == 0 and
          hf.run("import", "--name", "local", adv).returncode == 0,
          "a list imported again after forget")


def main():
    return in_tempdir("bg-fleet-", run_all, "fleet: ")


def run_all(root):
    mg = fleet_store(os.path.join(root, "mgmt"))
    adv = os.path.join(root, "projectweb.txt")
    with open(adv, "w") as f:
        f.write("alice@example.com\nBob <bob@example.com>\ncarol+x@example.com\n"
                "zed@elsewhere.example\n")
    r = mg.run("import", "--name", "ProjectWEB", "--date", "2021-05-26", "--grace", "0", adv)
    check(r.returncode == 0, "management import", r.stderr)

    # keygen: 0600 + 0644, never over an existing key; usage errors are 2.
    sk = os.path.join(root, "sign.key")
    r = mg.run("keygen", sk)
    check(r.returncode == 0 and "key id:" in r.stdout, "keygen", r.stderr)
    check(os.stat(sk).st_mode & 0o777 == 0o600, "signing key 0600")
    check(os.stat(sk + ".pub").st_mode & 0o777 == 0o644, "public key 0644")
    with open(sk, "rb") as f:
        first = f.read()
    r = mg.run("keygen", sk)
    check(r.returncode == 1 and "refusing to overwrite" in r.stderr, "keygen refuses overwrite",
          r.stderr)
    with open(sk, "rb") as f:
        check(f.read() == first, "key unchanged after refused keygen")
    check(mg.run("keygen").returncode == 2, "keygen without FILE is usage")
    link = os.path.join(root, "link.key")
    os.symlink(os.path.join(root, "nowhere"), link)
    r = mg.run("keygen", link)
    check(r.returncode == 1 and not os.path.exists(os.path.join(root, "nowhere")),
          "keygen does not follow a symlink", r.stderr)

    # export
    bundle = os.path.join(root, "projectweb.bgb")
    check(mg.run("export", "--out", bundle, "ProjectWEB").returncode == 2, "export without --sign")
    r = mg.run("export", "--sign", sk, "--out", bundle, "NoSuchAdvisory")
    check(r.returncode == 1 and "NoSuchAdvisory" in r.stderr and not os.path.exists(bundle),
          "export of an unknown advisory", r.stderr)
    fifo = os.path.join(root, "out.fifo")
    os.mkfifo(fifo)
    r = mg.run("export", "--sign", sk, "--out", fifo, "ProjectWEB")
    check(r.returncode == 1 and "a fifo" in r.stderr and stat.S_ISFIFO(os.lstat(fifo).st_mode),
          "export onto a fifo refused, the fifo left", r.stderr)
    r = mg.run("export", "--sign", sk, "--out", bundle, "--json", "ProjectWEB")
    check(r.returncode == 0, "export", r.stderr)
    ex = json.loads(r.stdout) if r.returncode == 0 else {}
    check(ex.get("identities") == 4, "export counts 4 identities", r.stdout)
    check(os.stat(bundle).st_mode & 0o777 == 0o644, "bundle 0644")
    with open(bundle, "rb") as f:
        data = f.read()
    check(data.startswith(b"BGBUNDLE"), "bundle magic")
    for word in (b"alice", b"bob", b"carol", b"example.com", b"zed"):
        check(word not in data, f"no plaintext {word!r} in the bundle")
    check(not [n for n in os.listdir(root) if n.startswith("projectweb.bgb.")],
          "no temp file left by export")
    pub = sk + ".pub"
    mg_adv = mg.advisories()[0]
    export_modes(root, mg, sk)

    # Hosts: the site key copied, the public key trusted.
    def host(name, extra=None, key=None):
        d = os.path.join(root, name)
        os.makedirs(d, mode=0o700)
        k = os.path.join(d, "key")
        shutil.copy(key or mg.key, k)
        os.chmod(k, 0o600)
        return fleet_store(d, f"trusted_keys = {pub}\n" if extra is None else extra)

    h1, h2 = host("h1"), host("h2")
    r = h1.run("import", "--json", bundle)
    check(r.returncode == 0, "host import", r.stderr)
    j = json.loads(r.stdout) if r.returncode == 0 else {}
    check(j.get("new") == 4 and j.get("known") == 0, "host import: 4 new", r.stdout)
    check(j.get("advisories", [{}])[0].get("existed") is False, "advisory new on the host")
    a = h1.advisories()[0]
    for k in ("name", "date", "imported", "identities"):
        check(a.get(k) == mg_adv.get(k), f"host advisory {k} as on the management host",
              f"{a.get(k)} vs {mg_adv.get(k)}")
    r = h1.run("import", "--json", bundle)
    j = json.loads(r.stdout) if r.returncode == 0 else {}
    check(r.returncode == 0 and j.get("new") == 0 and j.get("known") == 4,
          "second import is idempotent", r.stdout + r.stderr)
    check(len(h1.advisories()) == 1, "still one advisory")
    with open(bundle, "rb") as f:
        r = subprocess.run([TOOL, "--config", h2.conf, "import", "--json", "-"], stdin=f,
                           capture_output=True, text=True)
    check(r.returncode == 0 and json.loads(r.stdout).get("new") == 4, "import from a file on stdin",
          r.stderr)
    r = subprocess.run(f"cat '{bundle}' | '{TOOL}' --config '{h2.conf}' import --json -",
                       shell=True, capture_output=True, text=True)
    check(r.returncode == 0 and json.loads(r.stdout).get("known") == 4,
          "import from a pipe on stdin", r.stderr)
    r = h2.run("import", "--dry-run", bundle)
    check(r.returncode == 0 and "nothing written" in r.stdout, "dry run of a bundle", r.stderr)
    r = h2.run("import", "--name", "x", bundle)
    check(r.returncode == 2, "a bundle takes no --name", r.stderr)
    r = h2.run("import", bundle, adv)
    check(r.returncode == 2, "a bundle is imported alone", r.stderr)
    # A plain list through a pipe still imports (its first bytes given back).
    r = subprocess.run(f"cat '{adv}' | '{TOOL}' --config '{h2.conf}' import --dry-run --json --name p -",
                       shell=True, capture_output=True, text=True)
    check(r.returncode == 0 and json.loads(r.stdout).get("addresses") == 4,
          "plain list on a pipe after the bundle check", r.stderr)

    # Refusals: nothing written, a message naming the cause.
    def refused(store, path, words, what, code=1):
        before = store.stats()
        r = store.run("import", path)
        check(r.returncode == code and all(w in r.stderr for w in words), what,
              f"rc={r.returncode} {r.stderr.strip()}")
        check(store.stats() == before, what + ": store unchanged")

    h3 = host("h3")
    bad = os.path.join(root, "bad.bgb")
    for i in (9, 30, 70, len(data) // 2, len(data) - 70, len(data) - 1):
        m = bytearray(data)
        m[i] ^= 0x10
        with open(bad, "wb") as f:
            f.write(m)
        refused(h3, bad, ["nothing written"], f"byte {i} changed")
    with open(bad, "wb") as f:
        f.write(data[:-1])
    refused(h3, bad, ["truncated", "nothing written"], "truncated")
    with open(bad, "wb") as f:
        f.write(data[:-65])
    refused(h3, bad, ["not signed"], "unsigned")
    m = bytearray(data)
    m[9] = 9
    with open(bad, "wb") as f:
        f.write(m)
    refused(h3, bad, ["version 9"], "newer format version")
    m[9] = 1
    with open(bad, "wb") as f:
        f.write(m)
    refused(h3, bad, ["version 1", "export it again"], "format version 1 (no settings in it)")
    other = os.path.join(root, "other.key")
    check(mg.run("keygen", other).returncode == 0, "second keygen")
    h4 = host("h4", f"trusted_keys = {other}.pub\n")
    refused(h4, bundle, ["not in trusted_keys"], "untrusted signer")
    h5 = host("h5", "")
    refused(h5, bundle, ["trusted_keys"], "no trusted_keys configured")
    d6 = os.path.join(root, "h6")
    os.makedirs(d6, mode=0o700)
    h6 = fleet_store(d6, f"trusted_keys = {pub}\n")  # a key of its own
    refused(h6, bundle, ["another site key"], "another site key")
    loose = os.path.join(root, "loose.pub")
    shutil.copy(pub, loose)
    os.chmod(loose, 0o666)
    h7 = host("h7", f"trusted_keys = {loose}\n")
    refused(h7, bundle, ["loose.pub"], "group-writable trusted key")
    # A host whose settings differ would match none of its users: refused,
    # both settings named; dry run too.
    hn = host("hn", f"trusted_keys = {pub}\nfold_case = no\n")
    refused(hn, bundle, ["made with fold_case = yes, subaddress = + on the management host",
                         "this host's config says fold_case = no, subaddress = +",
                         "set them the same"], "bundle made under other fold_case")
    hs = host("hs", f"trusted_keys = {pub}\nsubaddress = +-\n")
    refused(hs, bundle, ["fold_case = yes, subaddress = +-"], "bundle made under other subaddress")
    r = hs.run("import", "--dry-run", bundle)
    check(r.returncode == 1 and "subaddress = +-" in r.stderr, "dry run refuses other settings too",
          r.stderr)
    stdin_refusals(root, data, h3, h4, h5, h6, hn)
    stdin_in_place(root, data, h3)
    compressed_bundles(root, data, h3, adv)
    forgotten_replayed(host("hf"), bundle, adv)
    forget_records_digested(host, bundle, adv)
    # The host's store records the bundle's settings: a later change of the
    # config is refused there as everywhere.
    hp = host("hp")
    check(hp.run("import", bundle).returncode == 0, "host import into a fresh store")
    with open(hp.conf, "a") as f:
        f.write("fold_case = no\n")
    r = hp.run("scan")
    check(r.returncode == 1 and "its identities were made with fold_case = yes" in r.stderr,
          "scan refuses a config changed after the bundle", r.stderr)
    r = h7.run("import", "--dry-run", bundle)
    check(r.returncode == 1, "dry run refuses too")
    r = h1.run("check")
    check("trusted_keys: 1 key(s)" in r.stdout and "ok: " + pub in r.stdout, "check lists the trusted key",
          r.stdout)
    r = h7.run("check")
    check(r.returncode == 1 and "loose.pub" in r.stdout, "check reports an unsafe trusted key", r.stdout)
    # The same name with other contents: an error, not a merge.
    h8 = host("h8")
    r = h8.run("import", "--name", "ProjectWEB", "--date", "2021-05-27", adv)
    check(r.returncode == 0, "local import of the same name", r.stderr)
    refused(h8, bundle, ["already in the store", "ProjectWEB"], "conflicting advisory")
    check(h8.advisories()[0]["date"] == "2021-05-27", "local advisory untouched")
    # Config: a relative trusted key is a config error naming file and line.
    d9 = os.path.join(root, "h9")
    os.makedirs(d9, mode=0o700)
    conf9 = os.path.join(d9, "bg.conf")
    with open(conf9, "w") as f:
        f.write(f"store = {d9}/store\nkey_file = {mg.key}\ntrusted_keys = sign.key.pub\n")
    r = subprocess.run([TOOL, "--config", conf9, "import", bundle], capture_output=True, text=True)
    check(r.returncode == 1 and "bg.conf:3" in r.stderr and "absolute path" in r.stderr,
          "relative trusted_keys refused", r.stderr)

    # scan --json carries the host; report merges the hosts.
    if not os.path.exists(NSS):
        print("fleet: nss_wrapper missing; scan and report part skipped")
        return
    scans = []
    for st, name in ((h1, "web1"), (h2, "db1")):
        env = nss_env(root, name)
        if st is h2:
            r = st.run("reset", "bob", env=env)
            check(r.returncode == 0, "reset bob", r.stderr)
        r = st.run("scan", "--json", env=env)
        check(r.returncode == 0, f"scan {name}", r.stderr)
        rows = json.loads(r.stdout) if r.returncode == 0 else []
        check(rows and all(x.get("host") == name for x in rows), f"scan {name}: host field",
              r.stdout)
        check(sorted(x["user"] for x in rows) == ["alice", "bob", "carol"],
              f"scan {name}: the three exposed accounts", r.stdout)
        r = st.run("status", "--json", "alice", env=env)
        check(r.returncode == 0 and json.loads(r.stdout)[0].get("host") == name,
              "status --json host", r.stdout + r.stderr)
        p = os.path.join(root, f"{name}.json")
        with open(p, "w") as f:
            f.write(json.dumps(rows))
        scans.append(p)
    clean = os.path.join(root, "quiet1.json")
    with open(clean, "w") as f:
        f.write("[]\n")
    r = mg.run("report", "--json", *scans, clean)
    check(r.returncode == 0, "report", r.stderr)
    rep = json.loads(r.stdout) if r.returncode == 0 else {}
    check(rep.get("hosts") == ["db1", "quiet1", "web1"], "report hosts", str(rep.get("hosts")))
    t = rep.get("totals", {})
    check(t.get("enforce") == 5 and t.get("rotated") == 1 and t.get("pending") == 5,
          "report totals", str(t))
    check([a["name"] for a in rep.get("advisories", [])] == ["ProjectWEB"], "report advisory")
    check((rep.get("advisories") or [{}])[0].get("date") == "2021-05-26", "report advisory date")
    pend = [(p["host"], p["user"]) for p in rep.get("pending", [])]
    check(("db1", "bob") not in pend and ("web1", "bob") in pend and len(pend) == 5,
          "report pending", str(pend))
    check(all(p.get("since") == "2021-05-26" for p in rep.get("pending", [])), "pending since")
    r = mg.run("report", scans[0], scans[0])
    check(r.returncode == 1 and "given twice" in r.stderr, "one scan file given twice", r.stderr)
    # A second scan of a host: neither is counted, both named.
    stale = os.path.join(root, "stale.json")
    shutil.copy(scans[0], stale)
    r = mg.run("report", "--json", *scans, clean, stale)
    rep = json.loads(r.stdout) if r.returncode == 3 else {}
    name = os.path.basename(scans[0])[:-5]
    check(r.returncode == 3 and name not in rep.get("hosts", []) and
          rep.get("host_conflicts") == [{"host": name, "files": [scans[0], stale]}],
          "two scans of one host: neither counted, exit 3", r.stdout + r.stderr)


if __name__ == "__main__":
    sys.exit(main())

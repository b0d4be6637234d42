"""The tool tests' one assertion counter: check() counts a pass, or prints
FAIL with what was checked and why; summary() prints the closing line
("LABEL N passed, N failed") and returns the exit status.  in_tempdir() runs
a test's body in a private temp dir removed afterwards.  output_modes()
checks the modes of a file the tool writes whole (a bundle, a page)."""
import os, shutil, tempfile

passed = failed = 0


def check(cond, what, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {what} {detail}".rstrip())


def summary(label=""):
    print(f"{label}{passed} passed, {failed} failed")
    return 1 if failed else 0


def in_tempdir(prefix, body, label):
    """Runs body(root) in a new 0700 directory, removes it, returns summary(label)."""
    root = tempfile.mkdtemp(prefix=prefix)
    os.chmod(root, 0o700)
    try:
        body(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return summary(label)


def output_modes(path, write, valid, what):
    """write(umask) makes path anew (a temp file renamed over it): over an
    existing file it keeps the read and write bits (execute dropped, never
    wider), on a new inode; a new one is 0644 less the umask; valid(path)
    says the contents are the tool's; nothing is left beside it."""
    for mode, want in ((0o600, 0o600), (0o640, 0o640), (0o400, 0o400), (0o755, 0o644),
                       (0o666, 0o666)):
        with open(path, "w") as f:
            f.write("old")
        os.chmod(path, mode)
        ino = os.stat(path).st_ino
        r = write(0)
        st = os.stat(path)
        check(r.returncode == 0 and st.st_mode & 0o7777 == want and st.st_ino != ino and
              valid(path), f"{what} over a {mode:04o} file leaves it {want:04o}",
              f"{st.st_mode & 0o7777:04o} {r.stderr}")
    os.unlink(path)
    for umask, want in ((0o022, 0o644), (0o077, 0o600), (0o027, 0o640)):
        r = write(umask)
        st = os.stat(path)
        check(r.returncode == 0 and st.st_mode & 0o7777 == want,
              f"{what}: a new file under umask {umask:03o} is {want:04o}",
              f"{st.st_mode & 0o7777:04o}")
        os.unlink(path)
    d, base = os.path.split(path)
    check(not [n for n in os.listdir(d) if n.startswith(base)],
          f"{what}: nothing left beside the file", str(os.listdir(d)))

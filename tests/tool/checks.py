"""The tool tests' one assertion counter: check() counts a pass, or prints
FAIL with what was checked and why; summary() prints the closing line
("LABEL N passed, N failed") and returns the exit status.  in_tempdir() runs
a test's body in a private temp dir removed afterwards."""
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

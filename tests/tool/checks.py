"""The tool tests' one assertion counter: check() counts a pass, or prints
FAIL with what was checked and why; summary() prints the closing line
("LABEL N passed, N failed") and returns the exit status."""
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

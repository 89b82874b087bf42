"""Pass/fail bookkeeping for the e2e scripts (imported, not a test itself).

check(name, ok, detail) counts a result and prints FAIL lines; finish() prints 'N passed,
M failed' and returns the script's exit status (1 on any failure).
"""

_counts = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    if ok:
        _counts["passed"] += 1
    else:
        _counts["failed"] += 1
        print("FAIL %s %s" % (name, detail))


def finish():
    print("%d passed, %d failed" % (_counts["passed"], _counts["failed"]))
    return 1 if _counts["failed"] else 0

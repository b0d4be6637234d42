#!/usr/bin/env python3
"""bench/report.py: medians of bench/run.sh's raw rows (raw.tsv) as a markdown table."""
import statistics
import sys
from collections import defaultdict

MIB = 1024


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def fmt_rate(x):
    return f"{x:,.0f}/s"


def main(path):
    rows = [line.rstrip("\n").split("\t") for line in open(path) if line.strip()]
    imp = defaultdict(list)   # (kind, n) -> [(wall, user, sys, maxrss, anon, file, rc, addrs, new, bytes)]
    acct = defaultdict(list)  # (variant, svc, user) -> [usec]
    dfloor = defaultdict(list)  # n -> [(wall, cpu)] of bench/digestfloor
    acct_res = {}
    cg = {}
    proc = defaultdict(list)  # (svc, user) -> [median usec of a slice]
    proc_st = {}
    scan = []
    scan_prev = []
    floor = []
    machine = knobs = devlog = None
    loads = []
    for r in rows:
        k = r[0]
        if k == "machine":
            machine = r[1:]
        elif k == "knobs":
            knobs = r[1:]
        elif k == "load":
            loads.append(float(r[1]))
        elif k == "devlog":
            devlog = r[1]
        elif k in ("import", "import2", "import_prev", "import2_prev", "import_nosync", "mdb_load_nosync",
                   "mdb_load_stock"):
            n = int(r[1])
            v = [float(x) for x in r[3:10]] + [int(r[10]), int(r[11]), int(r[12])]
            imp[(k, n)].append(v)
            if k == "import2":
                imp[("import2_base", n)] = int(r[13])
        elif k == "digestfloor":
            dfloor[int(r[1])].append((float(r[3]), float(r[4])))
        elif k == "acct":
            acct[(r[1], r[2], r[3])].append(float(r[5]))
            acct_res[(r[1], r[2], r[3])] = r[6].replace("_", " ")
        elif k == "proc":
            proc[(r[1], r[2])].append(float(r[4]))
            proc_st[(r[1], r[2])] = int(r[7])
        elif k == "callgrind":
            cg[(r[1], r[2], r[3])] = int(r[4]) if r[4] else None
        elif k == "nssfloor":
            floor.append(float(r[3]))
        elif k == "scan_prev":
            scan_prev.append(float(r[3]))
        elif k == "scan":
            scan.append([float(x) for x in r[3:10]] + [int(r[10]), int(r[1])])

    out = []
    if machine:
        out.append(f"Machine: {machine[0].replace('_', ' ')}, {machine[1]} cores, "
                   f"{int(machine[2]) / 2**30:.1f} GiB RAM, kernel {machine[3]}, Debian {machine[4]}; "
                   f"{' '.join(knobs or [])}")
        if loads:
            out.append(f"1-minute load average during the run: median {med(loads):.2f}, max {max(loads):.2f} "
                       f"(above ~0.5 another job was competing for the 2 cores)")
        if devlog == "sink":
            out.append("syslog: the machine has no /dev/log; a sink stood in for it during the account phase "
                       "(as journald or rsyslog does on every host)")
        out.append("")
    out.append("Ratios of the account phase: the median of the per-round (per-slice) ratios, each round "
               "timing every stack in turn; the times: medians over the rounds.")
    out.append("")
    out.append("| # | Measure | Median | Target | Reference (same run) | Ratio |")
    out.append("|---|---|---|---|---|---|")

    def stat(kind, n, col):
        return med([v[col] for v in imp[(kind, n)]])

    sizes = sorted({n for (k, n) in imp if k == "import"})
    for n in sizes:
        wall = stat("import", n, 0)
        addrs = imp[("import", n)][0][7]
        new = imp[("import", n)][0][8]
        rate = addrs / wall
        tgt = (">= 2,000,000/s" if n >= 10_000_000 else ">= 1,500,000/s" if n >= 2_000_000
               else "(>= 1,500,000/s at 2M)")
        ml = imp.get(("mdb_load_nosync", n))
        ref = ratio = "-"
        if ml:
            mlw = med([v[0] for v in ml])
            ref = f"mdb_load (no flush) {new:,} keys in {mlw:.2f} s = {fmt_rate(new / mlw)}"
            ratio = (f"{mlw / wall:.2f}x mdb_load's rate"
                     + (" (target >= 0.7x)" if n >= 10_000_000 else ""))
        n_runs = len(imp[("import", n)])
        out.append(f"| 1 | import {n:,} lines ({addrs:,} addresses, {new:,} distinct), "
                   f"median of {n_runs} | {wall:.2f} s = **{fmt_rate(rate)}** "
                   f"(user {stat('import', n, 1):.2f} s, sys {stat('import', n, 2):.2f} s) | {tgt} | {ref} | {ratio} |")
        rss = stat("import", n, 3) / MIB
        anon = stat("import", n, 4) / MIB
        fil = stat("import", n, 5) / MIB
        out.append(f"| 1 | peak RSS, import {n:,} | maxrss {rss:.0f} MiB (anon {anon:.0f} MiB, "
                   f"file-backed {fil:.0f} MiB) | anon <= 256 MiB | - | {anon / 256:.2f} of the limit |")
        sb = stat("import", n, 9)
        msb = med([v[9] for v in ml]) if ml else None
        out.append(f"| 1 | store size (pages used), {new:,} identities | {sb / 2**20:.1f} MiB "
                   f"({sb / new:.1f} B/identity) | - | "
                   + (f"mdb_load env {msb / 2**20:.1f} MiB | {sb / msb:.2f}x |" if msb else "- | - |"))
        ns = imp.get(("import_nosync", n))
        if ns and ml:
            w = med([v[0] for v in ns])
            out.append(f"| 1 | diagnostic: import {n:,} lines under the same no-flush shim as mdb_load, "
                       f"median of {len(ns)} | {w:.2f} s = {fmt_rate(addrs / w)} (user "
                       f"{med([v[1] for v in ns]):.2f} s) | - | mdb_load (no flush) {mlw:.2f} s | "
                       f"{mlw / w:.2f}x mdb_load's rate |")
        df = dfloor.get(n)
        if df:
            dw, dc = med([x[0] for x in df]), med([x[1] for x in df])
            out.append(f"| 1 | floor: the keyed digests alone (bench/digestfloor.c: an address's and a "
                       f"record's HMAC-SHA-256 for each of the {n:,} lines, both cores, nothing else), "
                       f"median of {len(df)} | {dw:.2f} s (CPU {dc:.2f} s) | - | import {wall:.2f} s"
                       + (f"; 0.7x mdb_load's rate is {mlw / 0.7:.2f} s" if ml else "") + " | "
                       f"{dw / wall:.2f} of the import's time |")
        st = imp.get(("mdb_load_stock", n))
        if st:
            w = st[0][0]
            out.append(f"| 1 | stock mdb_load, {new:,} keys (flushes every 100 records) | {w:.1f} s = "
                       f"{fmt_rate(new / w)} | - | import {wall:.2f} s | import is {w / wall:.0f}x faster |")
    for (k, n) in sorted(imp):
        if k != "import2":
            continue
        v = imp[(k, n)]
        wall = med([x[0] for x in v])
        addrs, new = v[0][7], v[0][8]
        base = imp[("import2_base", n)]
        first = stat("import", n, 0) if ("import", n) in imp else None
        ref = f"first import {first:.2f} s" if first else "-"
        out.append(f"| 2 | second advisory {n:,} lines into {base:,} identities ({addrs:,} addresses, "
                   f"{new:,} new), median of {len(v)} | {wall:.2f} s = **{fmt_rate(addrs / wall)}**; "
                   f"anon RSS {med([x[4] for x in v]) / MIB:.0f} MiB | not slower than before | {ref} | "
                   f"{wall / first:.2f}x the first import's time |" if first else "")
    # The loop, every stack against pam_unix alone, per user.
    names = {"unixpermit": "+ pam_permit", "unixaccess": "+ pam_access",
             "unixfaillock": "+ pam_faillock (account)", "unixbg": "+ pam_breachguard",
             "unixfloor": "+ the floor of the design's check (bench/floor.c: NSS passwd; listed: shadow, "
                          "the NOTICE line, the message)",
             "unixbgbase": "+ pam_breachguard of BENCH_BASELINE"}
    # unix@USER: pam_unix alone for the user whose password is expired, the peer of
    # the matched outcome (pam_unix forcing the change itself), in the same rounds.
    forced = sorted({s for (vv, s, u) in acct if s.startswith("unix@")} |
                    {s for (s, u) in proc if s.startswith("unix@")})
    for f in forced:
        names[f] = "alone, forcing the change itself (a user not listed whose password is expired: chage -d 0)"
    stacks = tuple(forced) + ("unixpermit", "unixaccess", "unixfaillock", "unixfloor", "unixbg",
                            "unixbgbase")
    for u in sorted({u for (vv, s, u) in acct if vv == "plain"}):
        a = acct.get(("plain", "unix", u))
        if not a:
            continue
        ma = med(a)
        label = "matched" if u.endswith("_m") else "unmatched"
        for svc in stacks:
            b = acct.get(("plain", svc, u))
            if not b:
                continue
            mb = med(b)
            ratio = med([y / x for x, y in zip(a, b)])  # per round: drift between rounds cancels
            tgt = ("ratio <= 1.20" if svc == "unixbg" else "(the build before)" if svc == "unixbgbase" else
                   "(peer of the matched outcome)" if svc in forced else
                   "(floor)" if svc == "unixfloor" else "(peer)")
            bold = "**" if svc == "unixbg" else ""
            out.append(f"| 3 | loop, {label} user: pam_unix {names[svc]} "
                       f"({acct_res[('plain', svc, u)]}), median of {len(b)} runs | {mb:.0f} us/call "
                       f"(+{mb - ma:.0f} us) | {tgt} | pam_unix alone {ma:.0f} us/call | {bold}{ratio:.2f}{bold} |")
    for u in sorted({u for (s, u) in proc}):
        a = proc.get(("unix", u))
        if not a:
            continue
        ma = med(a)
        label = "matched" if u.endswith("_m") else "unmatched"
        for svc in stacks:
            b = proc.get((svc, u))
            if not b:
                continue
            mb = med(b)
            ratio = med([y / x for x, y in zip(a, b)])  # per slice, as in the loop
            tgt = ("ratio <= 1.20 (<= ~0.3 ms added)" if svc == "unixbg" else
                   "(the build before)" if svc == "unixbgbase" else
                   "(peer of the matched outcome)" if svc in forced else
                   "(floor)" if svc == "unixfloor" else "(peer)")
            bold = "**" if svc == "unixbg" else ""
            out.append(f"| 3 | one check per process (spawn, pam_start, acct, pam_end, exit), {label} user: "
                       f"pam_unix {names[svc]} (exit {proc_st[(svc, u)]}), median of {len(b)} slices | "
                       f"{mb / 1000:.3f} ms (+{(mb - ma) / 1000:.3f} ms) | {tgt} | pam_unix alone "
                       f"{ma / 1000:.3f} ms | {bold}{ratio:.2f}{bold} |")
    for variant in ("preloaded",):
        users = sorted({u for (vv, s, u) in acct if vv == variant})
        for u in users:
            a = acct.get((variant, "unix", u))
            b = acct.get((variant, "unixbg", u))
            if not a or not b:
                continue
            ma, mb = med(a), med(b)
            label = "matched" if u.endswith("_m") else "unmatched"
            how = ("as a login does it" if variant == "plain" else
                   "diagnostic: the module's libraries preloaded (no per-call loading)")
            out.append(f"| 3 | account phase, {label} user ({acct_res[(variant, 'unixbg', u)]}), {how}, "
                       f"median of {len(b)} | pam_unix+breachguard {mb:.0f} us/call | diagnostic | "
                       f"pam_unix alone {ma:.0f} us/call | **{mb / ma:.2f}** |")
    for variant in ("plain", "preloaded"):
        for u in sorted({u for (vv, s, u) in cg if vv == variant}):
            a, b = cg.get((variant, "unix", u)), cg.get((variant, "unixbg", u))
            if not a or not b:
                continue
            label = "matched" if u.endswith("_m") else "unmatched"
            out.append(f"| 3 | callgrind, one account check, {label}, {variant} | {b:,} Ir | - | "
                       f"pam_unix alone {a:,} Ir | {b / a:.2f} |")
            fl = cg.get((variant, "unixfloor", u))
            if fl:
                out.append(f"| 3 | callgrind, one account check, {label}, {variant}: the floor of the "
                           f"design's check (bench/floor.c) | {fl:,} Ir | - | pam_unix alone {a:,} Ir | "
                           f"{fl / a:.2f} |")
    if scan:
        w = med([s[0] for s in scan])
        fl = med(floor) if floor else None
        ref = (f"NSS floor (getpwent over every account, nss_wrapper) {fl:.3f} s; "
               f"scan minus floor {w - fl:.3f} s") if fl else "-"
        out.append(f"| 4 | scan over {scan[0][8]:,} accounts ({scan[0][7]} listed), median of "
                   f"{len(scan)} | **{w:.3f} s** (maxrss {med([s[3] for s in scan]) / MIB:.0f} MiB) | "
                   f"< 1 s | {ref} | {w:.2f} of the limit" + (f"; {w / fl:.2f}x the floor |" if fl else " |"))
    # The baseline build (BENCH_BASELINE), run in turn with ours.
    for (k, n) in sorted(imp):
        if k not in ("import_prev", "import2_prev"):
            continue
        ours = imp.get((k.replace("_prev", ""), n))
        if not ours:
            continue
        wp, wo = med([x[0] for x in imp[(k, n)]]), med([x[0] for x in ours])
        ap = med([x[4] for x in imp[(k, n)]]) / MIB
        ao = med([x[4] for x in ours]) / MIB
        what = "import" if k == "import_prev" else "second import"
        out.append(f"| 5 | {what} {n:,} lines: this build against the baseline build, in turn, "
                   f"median of {len(ours)} | {wo:.2f} s, anon {ao:.0f} MiB | not slower | "
                   f"baseline {wp:.2f} s, anon {ap:.0f} MiB | **{wo / wp:.2f}x** the time |")
    if scan and scan_prev:
        w, wp = med([s_[0] for s_ in scan]), med(scan_prev)
        out.append(f"| 5 | scan over {scan[0][8]:,} accounts: this build against the baseline, in turn, "
                   f"median of {len(scan)} | {w:.3f} s | not slower | baseline {wp:.3f} s | "
                   f"**{w / wp:.2f}x** the time |")
    print("\n".join(x for x in out if x))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/data/raw.tsv")

#!/usr/bin/env python3
"""Median over rounds of each row's per-run medians, old vs new (ratio new/old)."""
import json, sys, statistics, glob, collections
def rows(path):
    d = json.load(open(path))
    out = {}
    for r in d["rows"]:
        key = (r["section"], r["name"], r["config"]) + ((r["flags"],) if "flags" in r else ())
        if r.get("error"): continue
        if "median" in r:
            out[key] = r["median"]
        else:  # wait_cost rows: flags0 / nowait
            for k in ("flags0_median", "nowait_median", "median_flags0", "median_nowait"):
                if k in r: out[key + (k,)] = r[k]
    return out
d = sys.argv[1] if len(sys.argv) > 1 else "."
acc = collections.defaultdict(lambda: ([], []))
for i, side in ((0, "old"), (1, "new")):
    for p in sorted(glob.glob(f"{d}/{side}-*.json")):
        for k, v in rows(p).items():
            acc[k][i].append(v)
print(f"{'row':<52}{'old':>9}{'new':>9}{'new/old':>9}  per-round ratios")
for k, (o, n) in acc.items():
    if not o or not n: continue
    mo, mn = statistics.median(o), statistics.median(n)
    per = " ".join(f"{b/a:.2f}" for a, b in zip(o, n))
    print(f"{' '.join(k):<52}{mo:9.2f}{mn:9.2f}{mn/mo:9.2f}  {per}")

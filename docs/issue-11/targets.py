#!/usr/bin/env python3
"""targets.py - issue 11's targets, before and after, from the saved runs.

    python3 docs/issue-11/targets.py

Runs tools/bench-goals.py on the runs before issue 11's algorithms
(docs/bench-2026-12-01-{pause,yield}.json), after the first round
(docs/bench-2026-12-01-after-{pause,yield}.json) and after the second
(docs/bench-2026-12-01-late-{pause,yield}.json: lfqueue's real batches,
the counter's membarrier read, the single-thread path) and prints one
markdown row per goal: the three ratios and the latest verdict.
"""
import os
import re
import subprocess
import sys

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
goals = os.path.join(root, "tools", "bench-goals.py")


def run(path):
    out = subprocess.run([sys.executable, goals, path], capture_output=True,
                         text=True).stdout.splitlines()
    res = {}
    for i, line in enumerate(out):
        m = re.match(r"^(PASS|FAIL|SKIP)\s+(.*)$", line)
        if not m:
            continue
        detail = out[i + 1].strip() if i + 1 < len(out) else ""
        r = re.match(r"^(p50 )?([0-9.]+)x", detail)
        res[m.group(2)] = (m.group(1), r.group(2) + "x" if r else detail[:40])
    return res


rows = []
for mode in ("pause", "yield"):
    before = run(os.path.join(root, "docs", f"bench-2026-12-01-{mode}.json"))
    after = run(os.path.join(root, "docs", f"bench-2026-12-01-after-{mode}.json"))
    late = run(os.path.join(root, "docs", f"bench-2026-12-01-late-{mode}.json"))
    for goal, (verdict, ratio) in late.items():
        b = before.get(goal, ("", "-"))[1]
        a = after.get(goal, ("", "-"))[1]
        label = goal if goal.startswith("[") else f"({mode} run) {goal}"
        rows.append((label, b, a, ratio, verdict))

print("| goal (handoff: the row's p50 over the pipe's, lower is better) | before | after | late | verdict (late) |")
print("|---|---|---|---|---|")
for goal, b, a, l, v in rows:
    print(f"| {goal} | {b} | {a} | {l} | {v} |")

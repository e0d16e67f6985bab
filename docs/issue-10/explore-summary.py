#!/usr/bin/env python3
"""Sum a conc-explore table per structure: scenarios, DFS executions, how
many DFS searches exhausted their space within the bound, PCT executions,
seconds, failures.  Usage: explore-summary.py < conc-explore-output"""
import re
import sys

rows = {}
for line in sys.stdin:
    m = re.match(r'^(\S+)/(\S+)\s+(dfs|pct\d+)\s+(\d+)\s+(exhausted|truncated|trunc/b\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+(\S+)', line)
    if not m:
        continue
    fam, scen, mode, execs, space, cut, steps, secs, verdict = m.groups()
    r = rows.setdefault(fam, {'scen': set(), 'dfs': 0, 'exh': 0, 'ndfs': 0,
                              'pct': 0, 'secs': 0.0, 'fail': 0, 'b1': 0})
    r['scen'].add(scen)
    r['secs'] += float(secs)
    if verdict != 'pass':
        r['fail'] += 1
    if mode == 'dfs':
        r['ndfs'] += 1
        r['dfs'] += int(execs)
        r['exh'] += space == 'exhausted'
        r['b1'] += space == 'exhausted' or space.startswith('trunc/b') and int(space[7:]) >= 1
    else:
        r['pct'] += int(execs)

print('| structure | scenarios | DFS executions | exhausted at the top bound | exhausted through bound 1 at least | PCT executions | seconds | failed |')
print('|---|---|---|---|---|---|---|---|')
tot = {'scen': 0, 'dfs': 0, 'exh': 0, 'ndfs': 0, 'pct': 0, 'secs': 0.0, 'fail': 0, 'b1': 0}
for fam in sorted(rows):
    r = rows[fam]
    print(f"| {fam} | {len(r['scen'])} | {r['dfs']:,} | {r['exh']} of {r['ndfs']} | {r['b1']} of {r['ndfs']} | {r['pct']:,} | {r['secs']:.1f} | {r['fail']} |")
    tot['scen'] += len(r['scen'])
    for k in ('dfs', 'exh', 'ndfs', 'pct', 'secs', 'fail', 'b1'):
        tot[k] += r[k]
print(f"| all | {tot['scen']} | {tot['dfs']:,} | {tot['exh']} of {tot['ndfs']} | {tot['b1']} of {tot['ndfs']} | {tot['pct']:,} | {tot['secs']:.1f} | {tot['fail']} |")

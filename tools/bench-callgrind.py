#!/usr/bin/env python3
"""bench-callgrind.py - instructions per push + pop pair, one thread, for
every queue and stack conc-bench knows (conc's and the peers'), counted by
valgrind's callgrind: the one figure of conc-bench that does not move with
the machine's noise.

    python3 tools/bench-callgrind.py [--bench PATH] [--total N]
                                      [--json FILE] [NAME ...]

For each structure it runs, under
`valgrind --tool=callgrind --toggle-collect=bench_solo_loop`,
`conc-bench --solo-only --only NAME --runs 1 --total N`: one thread pushes
64 items, pops them, again, until N items went through.  Only the timed
loop (bench_solo_loop in bench/pair.c, and everything it calls) is counted,
so set-up, the peers' preallocation and the checks afterwards are not.
Instructions per pair = the loop's instructions (Ir) / N.  They include the
loop's own bookkeeping, the same few instructions for every structure (an
item encoded, a checksum added, one indirect call per operation).

--bench defaults to build/release/bench/conc-bench (`make bench` builds
it); --total to 100000 (about a second per structure under callgrind).
Names default to every queue and stack of `conc-bench --list`.  Prints a
table; --json FILE also writes {"tool": "bench-callgrind", "total": N,
"rows": [{"name", "instructions", "per_pair"}]} for tools/bench-doc.py.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

NOT_CONTAINERS = ("conc_counter", "conc_sharded", "conc_mutexcounter", "faa",
                  "faa_slot")


def names_of(bench):
    out = subprocess.run([bench, "--list"], check=True, capture_output=True,
                         text=True).stdout
    names = []
    for line in out.splitlines():
        line = line.strip()
        if not line or " " in line or line in NOT_CONTAINERS:
            continue  # "(latency)" and "(counters)" rows have a space
        names.append(line)
    return names


def count(bench, name, total, tmp):
    out = os.path.join(tmp, "callgrind.%s.out" % name)
    cmd = ["valgrind", "--tool=callgrind", "--toggle-collect=bench_solo_loop",
           "--callgrind-out-file=" + out, bench, "--solo-only", "--only",
           name, "--runs", "1", "--total", str(total)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("%s: exit %d\n%s" % (" ".join(cmd), p.returncode,
                                                p.stderr[-2000:]))
    ir = None
    with open(out, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.match(r"(?:summary|totals):\s+(\d+)", line)
            if m:
                ir = int(m.group(1))
    if ir is None:
        raise RuntimeError("%s: no totals in %s" % (name, out))
    return ir


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", default="build/release/bench/conc-bench")
    ap.add_argument("--total", type=int, default=100000)
    ap.add_argument("--json")
    ap.add_argument("names", nargs="*")
    a = ap.parse_args(argv)
    if not shutil.which("valgrind"):
        sys.stderr.write("bench-callgrind: valgrind is not installed "
                         "(bash tools/install-deps.sh bench)\n")
        return 2
    if not os.access(a.bench, os.X_OK):
        sys.stderr.write("bench-callgrind: no %s (make bench builds it)\n"
                         % a.bench)
        return 2
    names = a.names or names_of(a.bench)
    rows, failed = [], False
    print("one thread, %d items (push a batch of 64, pop it, again); "
          "callgrind, the timed loop only" % a.total)
    print("%-18s %14s %12s" % ("structure", "instructions", "per pair"))
    with tempfile.TemporaryDirectory(prefix="bench-callgrind.") as tmp:
        for name in names:
            try:
                ir = count(a.bench, name, a.total, tmp)
            except (RuntimeError, OSError) as e:
                sys.stderr.write("bench-callgrind: %s\n" % e)
                failed = True
                continue
            rows.append({"name": name, "instructions": ir,
                         "per_pair": ir / a.total})
            print("%-18s %14d %12.1f" % (name, ir, ir / a.total))
            sys.stdout.flush()
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump({"tool": "bench-callgrind", "total": a.total,
                       "rows": rows}, f, indent=1)
            f.write("\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

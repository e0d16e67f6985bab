#!/usr/bin/env python3
"""bench-goals.py - check a conc-bench run against the project's goals.

    make bench BENCH_ARGS="--json run.json"    (or conc-bench --json run.json)
    python3 tools/bench-goals.py run.json

conc-bench reports figures only.  This script reads the JSON it writes
(`--json FILE`; "-" reads standard input) and checks the goals the project
holds conc to, each as a ratio of two figures of the same run against a
threshold:

  conc_ring 1P1C median / ck_ring 1P1C median            >= 1.00
  conc_ring 1P1C median / wfcqueue 1P1C median           >= 1.00
  conc_ring 2P2C and 4P4C: slowest run / median          >= 0.50
  conc_stack / ck_stack medians, at every config run     >= 1.00
  conc_sharded 2T median / conc_counter 2T median        >= 5.00
  waiting support: flags-0 median / CONC_NOWAIT median,
    every structure and config of the waiting-cost table >= 0.90
  conc_lfqueue memory: RSS drained / RSS empty           <= 1.05

Each goal prints PASS, FAIL, or SKIP when a row it needs was not measured
(left out with --only, --no-wait-cost, a mode not run, or a failed row).
When spinning threads did not obtain the CPUs (the `parallel` figures),
the run was disturbed and the verdicts describe the run, not the code.

Exit status: 0 when no goal failed, 1 when one did (or, with --strict,
when one was skipped), 2 when the file could not be read as a conc-bench
run.  Ratios within one run are what to compare; never use this as a test.
"""

import argparse
import json
import sys

# The goals' thresholds, in one place.
RING_VS_PEER = 1.00       # conc_ring 1P1C over ck_ring, over wfcqueue
RING_STEADY = 0.50        # conc_ring slowest run over its median
RING_STEADY_CONFIGS = ("2P2C", "4P4C")
STACK_VS_CK = 1.00        # conc_stack over ck_stack, every config
SHARDED_VS_COUNTER = 5.00  # conc_sharded 2T over conc_counter 2T
WAIT_VS_NOWAIT = 0.90     # flags 0 over CONC_NOWAIT
RSS_DRAINED_MAX = 1.05    # conc_lfqueue RSS drained over empty
DISTURBED_BELOW = 0.75    # parallel figure under this share of the CPUs

PASS, FAIL, SKIP = "PASS", "FAIL", "SKIP"


class Goal:
    """One goal: what it asks, its verdict, the figures behind it."""

    def __init__(self, what, verdict, detail):
        self.what = what
        self.verdict = verdict
        self.detail = detail

    def __repr__(self):
        return "Goal(%r, %r)" % (self.what, self.verdict)


class BadRun(Exception):
    """The input is not a conc-bench run."""


def load(path):
    try:
        if path == "-":
            doc = json.load(sys.stdin)
        else:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
    except (OSError, ValueError) as e:
        raise BadRun(str(e))
    if not isinstance(doc, dict) or doc.get("tool") != "conc-bench":
        raise BadRun('not a conc-bench JSON file (no "tool": "conc-bench")')
    if not isinstance(doc.get("rows", []), list):
        raise BadRun("\"rows\" is not a list")
    return doc


def measured(row):
    """A row that ran and passed its checks: it has a median."""
    return row is not None and isinstance(row.get("median"), (int, float))


def find(doc, section, name, config):
    for r in doc.get("rows", []):
        if (r.get("section") == section and r.get("name") == name
                and r.get("config") == config):
            return r
    return None


def pair_configs(doc):
    """The pair configurations of the run, in the order they ran."""
    seen = []
    for r in doc.get("rows", []):
        pair = r.get("section") in ("queue", "stack", "ceiling") or (
            r.get("section") == "wait_cost" and r.get("consumers", 0) > 0)
        if pair and r.get("config") not in seen:
            seen.append(r.get("config"))
    return seen


def at_least(what, num, den, threshold, detail):
    """num / den >= threshold, or SKIP when either is missing."""
    if num is None or den is None or not den > 0:
        return Goal(what, SKIP, "not measured (a row it needs was left "
                                "out, or failed)")
    ratio = num / den
    return Goal(what, PASS if ratio >= threshold else FAIL,
                "%.2fx; %s" % (ratio, detail))


def median(row):
    return row["median"] if measured(row) else None


def ratio_goal(doc, section, name, peer, config, threshold):
    a = find(doc, section, name, config)
    b = find(doc, section, peer, config)
    return at_least("%s %s median >= %.2f x %s" % (name, config, threshold,
                                                    peer),
                    median(a), median(b), threshold,
                    "%s %s, %s %s Mops/s" % (name, fmt(median(a)), peer,
                                            fmt(median(b))))


def fmt(v):
    return "-" if v is None else "%.2f" % v


def ring_goals(doc):
    goals = [ratio_goal(doc, "queue", "conc_ring", peer, "1P1C",
                        RING_VS_PEER)
             for peer in ("ck_ring", "wfcqueue")]
    for cfg in RING_STEADY_CONFIGS:
        r = find(doc, "queue", "conc_ring", cfg)
        runs = doc.get("params", {}).get("runs", "?")
        lo = r["min"] if measured(r) else None
        goals.append(at_least(
            "conc_ring %s slowest of %s runs >= %.2f x its median"
            % (cfg, runs, RING_STEADY),
            lo, median(r), RING_STEADY,
            "min %s, median %s Mops/s" % (fmt(lo), fmt(median(r)))))
    return goals


def stack_goals(doc):
    return [ratio_goal(doc, "stack", "conc_stack", "ck_stack", cfg,
                       STACK_VS_CK)
            for cfg in pair_configs(doc)]


def counter_goals(doc):
    return [ratio_goal(doc, "counter", "conc_sharded", "conc_counter", "2T",
                       SHARDED_VS_COUNTER)]


def wait_goals(doc):
    goals = []
    for r in doc.get("rows", []):
        if r.get("section") != "wait_cost" or r.get("flags") != "0":
            continue
        what = "%s %s flags-0 median >= %.2f x CONC_NOWAIT" % (
            r.get("name"), r.get("config"), WAIT_VS_NOWAIT)
        ratio = r.get("vs_nowait") if measured(r) else None
        if ratio is None:
            goals.append(Goal(what, SKIP, "not measured (a row failed)"))
            continue
        verdict = PASS if ratio >= WAIT_VS_NOWAIT else FAIL
        goals.append(Goal(what, verdict, "%.2fx; run by run %.2fx" % (
            ratio, r.get("vs_nowait_paired") or 0.0)))
    return goals


def memory_goals(doc):
    goals = []
    for m in doc.get("memory", []):
        what = ("conc_lfqueue: RSS after draining %s items <= %.2f x RSS of "
                "the empty queue" % (m.get("items"), RSS_DRAINED_MAX))
        empty, drained = m.get("rss_empty"), m.get("rss_drained")
        if m.get("error") is not None or not empty or drained is None:
            goals.append(Goal(what, SKIP, "not measured (%s)"
                              % (m.get("error") or "no figures")))
            continue
        ratio = drained / empty
        mib = 1024.0 * 1024.0
        goals.append(Goal(what, PASS if ratio <= RSS_DRAINED_MAX else FAIL,
                          "%.3fx; %.2f MiB empty, %.2f MiB drained"
                          % (ratio, empty / mib, drained / mib)))
    return goals


def evaluate(doc):
    """Every goal the run can speak to, in a fixed order."""
    return (ring_goals(doc) + stack_goals(doc) + counter_goals(doc)
            + wait_goals(doc) + memory_goals(doc))


def disturbed(doc):
    """True when spinning threads got under 3/4 of the CPUs at the start
    or at the end of the run."""
    m = doc.get("machine", {})
    cpus = m.get("cpus") or 0
    got = [m.get(k) for k in ("parallel_start", "parallel_end")]
    got = [g for g in got if isinstance(g, (int, float)) and g >= 0]
    return cpus > 1 and bool(got) and min(got) < DISTURBED_BELOW * cpus


def report(doc, goals, out):
    m = doc.get("machine", {})
    out.write("conc-bench run of %s: conc %s, %s CPUs, %s\n" % (
        m.get("date", "?"), doc.get("conc_version", "?"), m.get("cpus", "?"),
        m.get("compiler", "?")))
    if disturbed(doc):
        out.write("(a disturbed run: spinning threads obtained %s and %s of "
                  "%s CPUs; the verdicts\n describe this run, not the code)\n"
                  % (fmt(m.get("parallel_start")), fmt(m.get("parallel_end")),
                     m.get("cpus")))
    for g in goals:
        out.write("%s  %s\n      %s\n" % (g.verdict, g.what, g.detail))
    count = {v: sum(g.verdict == v for g in goals) for v in (PASS, FAIL,
                                                              SKIP)}
    out.write("%d goals: %d passed, %d failed, %d not measured\n" % (
        len(goals), count[PASS], count[FAIL], count[SKIP]))
    return count


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Check a conc-bench --json run against the project's "
                    "goals.")
    ap.add_argument("json", help="conc-bench's JSON (--json FILE), or -")
    ap.add_argument("--strict", action="store_true",
                    help="a goal that was not measured counts as a miss")
    args = ap.parse_args(argv)
    try:
        doc = load(args.json)
        goals = evaluate(doc)
    except BadRun as e:
        sys.stderr.write("bench-goals: %s: %s\n" % (args.json, e))
        return 2
    except (KeyError, TypeError, AttributeError) as e:
        sys.stderr.write("bench-goals: %s: unexpected shape (%s)\n"
                         % (args.json, e))
        return 2
    count = report(doc, goals, sys.stdout)
    if count[FAIL] or (args.strict and count[SKIP]):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

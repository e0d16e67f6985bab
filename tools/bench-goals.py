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

and issue 11's targets, for a pinned run (--pin), in each spin mode it ran
(--spin pause, yield or both; each goal names its mode):

  conc_ring 1P1C / the fastest bounded peer (vyukov_ring, ck_ring,
    boost_queue)                                         >= 1.00
  conc_ring 2P2C, 4P4C / the fastest peer queue, bounded or not
                                                         >= 1.00
  conc_ring slowest run / median, every config           >= 0.50
  conc_ring single-thread pair rate / ck_ring's          >= 1.00
  push_many/pop_many of 32 / one at a time, 1P1C, conc_ring and
    conc_lfqueue                                         >= 3.00
  conc_lfqueue / wfcqueue and / moodycamel_tok, every config
                                                         >= 1.00
  conc_stack single-thread pair rate / ck_stack's        >= 1.00
  conc_stack / ck_stack, every config                    >= 1.50
  conc_sharded 1T / faa 1T                               >= 0.90
  conc_sharded 2T / faa_slot 2T (a padded word per thread)
                                                         >= 1.00
  handoff latency, steady pace: pipe p50 / p50 of every conc row
    (threads and processes), with p99 and p99.9 reported >= 1.00

A run that was not pinned, or that predates these rows, gets SKIP for
them.

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

# Issue 11's targets (pinned runs, each spin mode).
I11_RING_VS_BOUNDED = 1.00       # conc_ring 1P1C over the best bounded peer
I11_RING_VS_ALL = 1.00           # conc_ring 2P2C, 4P4C over the best queue
I11_RING_VS_ALL_CONFIGS = ("2P2C", "4P4C")
I11_RING_STEADY = 0.50           # slowest run over median, every config
I11_SOLO_RING_VS_CK = 1.00       # single-thread pair rate over ck_ring's
I11_BATCH_VS_SINGLE = 3.00       # batch rows over one-at-a-time, 1P1C
I11_BATCH_CONFIG = "1P1C"
I11_LFQUEUE_VS = 1.00            # conc_lfqueue over wfcqueue, moodycamel_tok
I11_LFQUEUE_PEERS = ("wfcqueue", "moodycamel_tok")
I11_SOLO_STACK_VS_CK = 1.00      # single-thread pair rate over ck_stack's
I11_STACK_VS_CK = 1.50           # conc_stack over ck_stack, every config
I11_SHARDED_VS_FAA_1T = 0.90     # conc_sharded 1T over faa 1T
I11_SHARDED_VS_SLOT_2T = 1.00    # conc_sharded 2T over faa_slot 2T
I11_LAT_VS_PIPE = 1.00           # pipe p50 over a conc row's p50
BOUNDED_QUEUE_PEERS = ("vyukov_ring", "ck_ring", "boost_queue")

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


def find(doc, section, name, config, spin=None):
    """The first row of that section, name and config (of that spin mode,
    when one is given; rows that never spin match any)."""
    for r in doc.get("rows", []):
        if (r.get("section") == section and r.get("name") == name
                and r.get("config") == config
                and (spin is None or r.get("spin", "yield") in (spin,
                                                                "none"))):
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


# ---- issue 11 -------------------------------------------------------------

def spin_modes(doc):
    """The spin modes of the run's pair rows, in run order ("yield" for a
    run that predates --spin)."""
    seen = []
    for r in doc.get("rows", []):
        if r.get("section") in ("queue", "stack", "batch"):
            s = r.get("spin", "yield")
            if s not in seen:
                seen.append(s)
    return seen


def pinned(doc):
    return doc.get("params", {}).get("pin") is True


def best_peer(doc, section, config, spin, names=None):
    """The peer row (not conc) with the largest median, or None."""
    best = None
    for r in doc.get("rows", []):
        if (r.get("section") != section or r.get("conc")
                or r.get("config") != config
                or r.get("spin", "yield") not in (spin, "none")
                or not measured(r)):
            continue
        if names is not None and r.get("name") not in names:
            continue
        if best is None or r["median"] > best["median"]:
            best = r
    return best


def skip_unpinned(what):
    return Goal(what, SKIP, "issue 11's targets are for a pinned run "
                            "(--pin); this one was not")


def i11_ratio(doc, what, a, b, threshold, pin_needed=True):
    if pin_needed and not pinned(doc):
        return skip_unpinned(what)
    return at_least(what, median(a), median(b), threshold,
                    "%s %s, %s %s Mops/s" % (
                        a.get("name") if a else "-", fmt(median(a)),
                        b.get("name") if b else "-", fmt(median(b))))


def i11_ring_goals(doc, spin, configs):
    goals = []
    tag = "[%s] " % spin
    ring = find(doc, "queue", "conc_ring", "1P1C", spin)
    peer = best_peer(doc, "queue", "1P1C", spin, BOUNDED_QUEUE_PEERS)
    goals.append(i11_ratio(
        doc, tag + "conc_ring 1P1C median >= %.2f x the fastest bounded peer"
        % I11_RING_VS_BOUNDED, ring, peer, I11_RING_VS_BOUNDED))
    for cfg in I11_RING_VS_ALL_CONFIGS:
        ring = find(doc, "queue", "conc_ring", cfg, spin)
        peer = best_peer(doc, "queue", cfg, spin)
        goals.append(i11_ratio(
            doc, tag + "conc_ring %s median >= %.2f x the fastest peer queue"
            % (cfg, I11_RING_VS_ALL), ring, peer, I11_RING_VS_ALL))
    for cfg in configs:
        r = find(doc, "queue", "conc_ring", cfg, spin)
        what = tag + "conc_ring %s slowest run >= %.2f x its median" % (
            cfg, I11_RING_STEADY)
        if not pinned(doc):
            goals.append(skip_unpinned(what))
            continue
        lo = r["min"] if measured(r) else None
        goals.append(at_least(what, lo, median(r), I11_RING_STEADY,
                              "min %s, median %s Mops/s"
                              % (fmt(lo), fmt(median(r)))))
    return goals


def i11_batch_goals(doc, spin):
    goals = []
    for name in ("conc_ring", "conc_lfqueue"):
        b = find(doc, "batch", name, I11_BATCH_CONFIG, spin)
        one = find(doc, "queue", name, I11_BATCH_CONFIG, spin)
        n = b.get("batch", "?") if b else "?"
        goals.append(i11_ratio(
            doc, "[%s] %s %s push_many/pop_many of %s >= %.2f x one at a time"
            % (spin, name, I11_BATCH_CONFIG, n, I11_BATCH_VS_SINGLE),
            b, one, I11_BATCH_VS_SINGLE))
    return goals


def i11_lfqueue_goals(doc, spin, configs):
    goals = []
    for cfg in configs:
        lf = find(doc, "queue", "conc_lfqueue", cfg, spin)
        for peer in I11_LFQUEUE_PEERS:
            goals.append(i11_ratio(
                doc, "[%s] conc_lfqueue %s median >= %.2f x %s"
                % (spin, cfg, I11_LFQUEUE_VS, peer),
                lf, find(doc, "queue", peer, cfg, spin), I11_LFQUEUE_VS))
    return goals


def i11_stack_goals(doc, spin, configs):
    return [i11_ratio(
        doc, "[%s] conc_stack %s median >= %.2f x ck_stack"
        % (spin, cfg, I11_STACK_VS_CK),
        find(doc, "stack", "conc_stack", cfg, spin),
        find(doc, "stack", "ck_stack", cfg, spin), I11_STACK_VS_CK)
        for cfg in configs]


def i11_solo_goals(doc):
    """Single-thread pair rates (higher rate = fewer ns per pair)."""
    goals = []
    for name, peer, thr in (("conc_ring", "ck_ring", I11_SOLO_RING_VS_CK),
                            ("conc_stack", "ck_stack",
                             I11_SOLO_STACK_VS_CK)):
        a = find(doc, "solo", name, "1T")
        b = find(doc, "solo", peer, "1T")
        what = ("%s single-thread pair no slower than %s (rate >= %.2f x)"
                % (name, peer, thr))
        g = at_least(what, median(a), median(b), thr,
                     "%s %s ns/pair, %s %s ns/pair" % (
                         name, fmt(1e3 / median(a) if median(a) else None),
                         peer, fmt(1e3 / median(b) if median(b) else None)))
        goals.append(g)
    return goals


def i11_counter_goals(doc):
    return [
        i11_ratio(doc, "conc_sharded 1T median >= %.2f x faa"
                  % I11_SHARDED_VS_FAA_1T,
                  find(doc, "counter", "conc_sharded", "1T"),
                  find(doc, "counter", "faa", "1T"), I11_SHARDED_VS_FAA_1T),
        i11_ratio(doc, "conc_sharded 2T median >= %.2f x faa_slot"
                  % I11_SHARDED_VS_SLOT_2T,
                  find(doc, "counter", "conc_sharded", "2T"),
                  find(doc, "counter", "faa_slot", "2T"),
                  I11_SHARDED_VS_SLOT_2T)]


def i11_latency_goals(doc):
    """Every conc row at the steady pace against the pipe's p50."""
    rows = doc.get("latency", {}).get("rows", []) or []
    pipe = [r for r in rows if r.get("name") == "pipe"
            and r.get("pace") == "steady" and r.get("error") is None]
    goals = []
    for r in rows:
        if r.get("name") == "pipe" or r.get("pace") != "steady":
            continue
        what = ("handoff %s (%s) p50 <= %.2f x the pipe's p50, p99 and "
                "p99.9 reported" % (r.get("name"), r.get("between"),
                                    1 / I11_LAT_VS_PIPE))
        if not pinned(doc):
            goals.append(skip_unpinned(what))
            continue
        if r.get("error") is not None or not pipe or any(
                not isinstance(r.get(k), (int, float))
                for k in ("p50", "p99", "p999")):
            goals.append(Goal(what, SKIP, "not measured (a row failed)"))
            continue
        p = pipe[0]
        ok = p["p50"] > 0 and r["p50"] <= p["p50"] / I11_LAT_VS_PIPE
        g = Goal(what, PASS if ok else FAIL,
                 "p50 %.2fx the pipe's; p50 %.1f / %.1f us, p99 %.1f / %.1f, "
                 "p99.9 %.1f / %.1f (row / pipe)"
                 % (r["p50"] / p["p50"] if p["p50"] > 0 else float("inf"),
                    r["p50"], p["p50"], r["p99"], p["p99"], r["p999"],
                    p["p999"]))
        goals.append(g)
    return goals


def issue11_goals(doc):
    configs = [c for c in pair_configs(doc)
               if find(doc, "queue", "conc_ring", c) is not None]
    goals = []
    for spin in spin_modes(doc):
        goals += i11_ring_goals(doc, spin, configs)
        goals += i11_batch_goals(doc, spin)
        goals += i11_lfqueue_goals(doc, spin, configs)
        goals += i11_stack_goals(doc, spin, configs)
    solo = i11_solo_goals(doc) + i11_counter_goals(doc)
    if not pinned(doc):
        solo = [skip_unpinned(g.what) for g in solo]
    return goals + solo + i11_latency_goals(doc)


def evaluate(doc):
    """Every goal the run can speak to, in a fixed order."""
    return (ring_goals(doc) + stack_goals(doc) + counter_goals(doc)
            + wait_goals(doc) + memory_goals(doc) + issue11_goals(doc))


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

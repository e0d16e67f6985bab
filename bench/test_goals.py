#!/usr/bin/env python3
"""test_goals.py SCRIPT RUN.json... - tools/bench-goals.py on saved runs.

The saved runs in docs/ were written by a conc-bench that still judged its
own figures: their "targets" list holds its verdicts.  The script must read
each run, exit 0 or 1 (never 2, never a traceback), and, where a run holds
such a list, reach the same verdict for every target (the first target,
conc_ring 1P1C against both ck_ring and wfcqueue, is two goals in the
script).  Figures come from the
files; nothing is timed.
"""

import importlib.util
import io
import re
import subprocess
import sys

OLD_VERDICT = {"met": "PASS", "not_met": "FAIL", "not_measured": "SKIP"}


def load_script(path):
    spec = importlib.util.spec_from_file_location("bench_goals", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def goal_prefixes(target):
    """The start of the script's goal text(s) for one recorded target."""
    m = re.match(r"conc_ring (\S+) >= ck_ring and >= wfcqueue", target)
    if m:
        return ["conc_ring %s median >= 1.00 x ck_ring" % m.group(1),
                "conc_ring %s median >= 1.00 x wfcqueue" % m.group(1)]
    m = re.match(r"conc_ring (\S+) slowest of (\d+) runs >= half", target)
    if m:
        return ["conc_ring %s slowest of %s runs >= 0.50" % m.groups()]
    m = re.match(r"conc_stack (\S+) >= ck_stack", target)
    if m:
        return ["conc_stack %s median >= 1.00 x ck_stack" % m.group(1)]
    m = re.match(r"conc_sharded 2T >= 5x conc_counter 2T", target)
    if m:
        return ["conc_sharded 2T median >= 5.00 x conc_counter"]
    m = re.match(r"(\S+) (\S+) flags 0 >= 0.90 x CONC_NOWAIT", target)
    if m:
        return ["%s %s flags-0 median >= 0.90 x CONC_NOWAIT" % m.groups()]
    m = re.match(r"conc_lfqueue: RSS after draining (\d+) items <= 1.05",
                 target)
    if m:
        return ["conc_lfqueue: RSS after draining %s items <= 1.05"
                % m.group(1)]
    raise AssertionError("no goal for the recorded target %r" % target)


def combined(verdicts):
    if "SKIP" in verdicts:
        return "SKIP"
    return "FAIL" if "FAIL" in verdicts else "PASS"


def check_run(mod, script, path):
    errors = []
    rc = subprocess.run([sys.executable, script, path],
                        stdout=subprocess.DEVNULL).returncode
    if rc not in (0, 1):
        errors.append("exit status %d (0 or 1 expected)" % rc)

    doc = mod.load(path)
    goals = mod.evaluate(doc)
    mod.report(doc, goals, io.StringIO())
    used = set()
    for t in doc.get("targets", []):
        verdicts = []
        for prefix in goal_prefixes(t["target"]):
            hits = [i for i, g in enumerate(goals)
                    if g.what.startswith(prefix)]
            if len(hits) != 1:
                errors.append("%d goals start with %r" % (len(hits), prefix))
                continue
            used.add(hits[0])
            verdicts.append(goals[hits[0]].verdict)
        want = OLD_VERDICT[t["verdict"]]
        if verdicts and combined(verdicts) != want:
            errors.append("%s: %s, the run recorded %s"
                          % (t["target"], combined(verdicts), want))
    for i, g in enumerate(goals):
        if "targets" in doc and i not in used and g.verdict != "SKIP":
            errors.append("goal %r has no recorded target" % g.what)
    return errors


def main():
    script, runs = sys.argv[1], sys.argv[2:]
    mod = load_script(script)
    failed = False
    for path in runs:
        errors = check_run(mod, script, path)
        print("%s %s" % ("not ok" if errors else "ok", path))
        for e in errors:
            print("  " + e)
        failed |= bool(errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

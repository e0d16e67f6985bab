#!/usr/bin/env python3
"""mutants.py - conc's mutation runner (issue 12; docs/verification.md,
"Mutation score").

  mutants.py gen [--tree DIR]              the mutants, one a line (TSV:
                                           id, file:line, kind, mutation)
  mutants.py show ID                       the edit a mutant makes (a diff)
  mutants.py run [options]                 apply, build and check mutants
                                           in a scratch copy; write the
                                           results (JSON) and print the table
  mutants.py render RESULTS.json [--md]    the table and score of a run

The mutants come from the site table of hooks v2: every call of an atomics.h
door in src/*.c and src/internal/*.h (conc_load/store/exchange/cas/cas_weak/
fetch_*_{u32,u64,uptr}, conc_fence) with its memory orders (a per-file
`#define SC CONC_SEQ_CST` is resolved), every futex wake (futex.h callers)
and every mutex lock (lock.h callers); and from a few source patterns (a CAS
retry loop, a bound or index comparison, a MAX_* constant).  Each mutant is
one textual edit of one file; `run` applies it to a scratch copy of the
tree (never to the tree itself), rebuilds incrementally (one gcc build,
one TSan build, each configured once), and runs the checks of the family
the file belongs to, cheapest first:

  fuzz     the fuzz targets' corpus replay (meson test, suite fuzz)
  unit     meson test (gcc build) of the family's unit/concurrent/verify
           tests, CONC_TEST_ONLY=<family entries>
  stress   conc-stress-verify with yield injection (--yield-rate)
  explore  conc-explore (SC) over the family's tier-0 scenarios, capped
  tsan     the TSan build's run of the unit tests
  weak     conc-explore --weak over the same scenarios, if the binary
           accepts --weak; otherwise "n/a (not built)"

A check kills a mutant when it reports a failure: a failing test (meson's
own per-test timeout is a failure: the test's hang guard), a stall reported
by conc-stress's watchdog (exit 3), a failed or deadlocked exploration.
The runner's outer cap on a check (--check-cap) is not a detection: a check
cut by it is recorded "cap" and does not kill.  A mutant that does not
compile is stillborn and not counted.

Budget: mutants run in a fixed interleaved order (kinds round robin, each
kind in a fixed shuffled order, seed 12) until --budget seconds have gone;
the rest are recorded "not run".  Each mutant's checks run in the order
above and stop at the first kill, except every --full-every'th mutant,
which runs every check (the sampled full matrix behind "kills per check").
"""
import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TREE = os.path.abspath(os.path.join(HERE, "..", ".."))

MO = ["CONC_RELAXED", "CONC_ACQUIRE", "CONC_RELEASE", "CONC_ACQ_REL",
      "CONC_SEQ_CST"]
SHORT = {"CONC_RELAXED": "relaxed", "CONC_ACQUIRE": "acquire",
         "CONC_RELEASE": "release", "CONC_ACQ_REL": "acq_rel",
         "CONC_SEQ_CST": "seq_cst"}
# one step weaker, per kind of access
WEAKER = {
    "load": {"CONC_SEQ_CST": ["CONC_ACQUIRE"], "CONC_ACQUIRE": ["CONC_RELAXED"]},
    "store": {"CONC_SEQ_CST": ["CONC_RELEASE"], "CONC_RELEASE": ["CONC_RELAXED"]},
    "rmw": {"CONC_SEQ_CST": ["CONC_ACQ_REL"],
            "CONC_ACQ_REL": ["CONC_ACQUIRE", "CONC_RELEASE"],
            "CONC_ACQUIRE": ["CONC_RELAXED"], "CONC_RELEASE": ["CONC_RELAXED"]},
    "fail": {"CONC_SEQ_CST": ["CONC_ACQUIRE"], "CONC_ACQUIRE": ["CONC_RELAXED"]},
    "fence": {"CONC_SEQ_CST": ["CONC_ACQ_REL"],
              "CONC_ACQ_REL": ["CONC_ACQUIRE", "CONC_RELEASE"]},
}
# the strongest failure order a success order allows (C11 7.17.7.4)
FAIL_CAP = {"CONC_SEQ_CST": "CONC_SEQ_CST", "CONC_ACQ_REL": "CONC_ACQUIRE",
            "CONC_ACQUIRE": "CONC_ACQUIRE", "CONC_RELEASE": "CONC_RELAXED",
            "CONC_RELAXED": "CONC_RELAXED"}
RANK = {m: i for i, m in enumerate(MO)}
RANK["CONC_ACQ_REL"] = 3
RANK["CONC_RELEASE"] = 1

SKIP_FILES = {"src/internal/atomics.h", "src/internal/verify.h",
              "src/internal/site.h", "src/internal/verify_state.h",
              "src/verify_hooks.c", "src/internal/futex.h",
              "src/internal/lock.h", "src/internal/spin.h",
              "src/internal/clock.h"}

CALL_RE = re.compile(
    r"\bconc_(load|store|exchange|cas_weak|cas|fetch_add|fetch_sub|fetch_or|"
    r"fetch_and)_(u32|u64|uptr)\s*\(|\bconc_fence\s*\(|"
    r"\bconc_futex_wake\s*\(|\bconc__mutex_lock\s*\(|\bla_lock\s*\(")


# ---------------------------------------------------------------- parsing
def code_mask(text):
    """True for each character of code (not in a comment or a literal)."""
    mask = bytearray(b"\x01" * len(text))
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            mask[i:j] = b"\x00" * (j - i)
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            mask[i:j] = b"\x00" * (j - i)
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            j = min(n, j + 1)
            mask[i:j] = b"\x00" * (j - i)
            i = j
        else:
            i += 1
    return mask


def split_args(text, open_paren):
    """The top-level arguments of the call whose '(' is at open_paren:
    [(start, end)], and the index of the closing ')'."""
    depth, i, start, args = 0, open_paren, open_paren + 1, []
    while i < len(text):
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                args.append((start, i))
                return args, i
        elif c == "," and depth == 1:
            args.append((start, i))
            start = i + 1
        i += 1
    raise ValueError("unbalanced call")


def order_names(text):
    """Per-file aliases: #define SC CONC_SEQ_CST."""
    names = {m: m for m in MO}
    for m in re.finditer(r"^#define\s+(\w+)\s+(CONC_(?:RELAXED|ACQUIRE|"
                         r"RELEASE|ACQ_REL|SEQ_CST))\s*$", text, re.M):
        names[m.group(1)] = m.group(2)
    return names


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


class Mutant:
    def __init__(self, file, line, kind, desc, start, end, repl, site):
        self.file, self.line, self.kind, self.desc = file, line, kind, desc
        self.start, self.end, self.repl, self.site = start, end, repl, site
        self.id = None

    def record(self):
        return {"id": self.id, "file": self.file, "line": self.line,
                "kind": self.kind, "mutation": self.desc}


def atomic_mutants(rel, text, mask):
    out = []
    names = order_names(text)
    for m in CALL_RE.finditer(text):
        if not mask[m.start()]:
            continue
        # a definition or a macro parameter list, not a call
        pre = text[max(0, m.start() - 30):m.start()]
        if re.search(r"#define\s*$", pre):
            continue
        op = m.group(1)
        width = m.group(2)
        paren = m.end() - 1
        try:
            args, close = split_args(text, paren)
        except ValueError:
            continue
        line = line_of(text, m.start())
        call = text[m.start():close + 1]
        site = " ".join(call.split())[:70]
        a = [text[s:e].strip() for s, e in args]
        head = m.group(0)
        if head.startswith("conc_futex_wake"):
            out.append(Mutant(rel, line, "wake-skip", "futex wake skipped",
                              m.start(), close + 1, "((void)0)", site))
            continue
        if head.startswith("conc__mutex_lock") or head.startswith("la_lock"):
            ls = text.rfind("\n", 0, m.start()) + 1
            if text[ls:m.start()].lstrip().startswith("#define"):
                continue
            out.extend(lock_mutant(rel, text, mask, m, close, line, site))
            continue
        if head.startswith("conc_fence"):
            mo = names.get(a[0])
            out.append(Mutant(rel, line, "fence-drop", "fence dropped",
                              m.start(), close + 1, "((void)0)", site))
            for w in WEAKER["fence"].get(mo, []):
                s, e = args[0]
                out.append(Mutant(rel, line, "order",
                                  "fence %s -> %s" % (SHORT[mo], SHORT[w]),
                                  s, e, " " + w, site))
            continue
        kind = {"load": "load", "store": "store"}.get(op, "rmw")
        if op in ("cas", "cas_weak"):
            if len(a) != 5:
                continue
            succ, fail = names.get(a[3]), names.get(a[4])
            if succ:
                for w in WEAKER["rmw"].get(succ, []):
                    newfail = fail
                    note = ""
                    if fail and RANK[fail] > RANK[FAIL_CAP[w]]:
                        newfail = FAIL_CAP[w]
                        note = " (failure %s -> %s with it)" % (
                            SHORT[fail], SHORT[newfail])
                    s, e = args[3][0], args[4][1]
                    repl = " %s, %s" % (w, newfail if newfail else a[4])
                    out.append(Mutant(rel, line, "order",
                                      "%s success %s -> %s%s" % (
                                          op, SHORT[succ], SHORT[w], note),
                                      s, e, repl, site))
            if fail:
                for w in WEAKER["fail"].get(fail, []):
                    s, e = args[4]
                    out.append(Mutant(rel, line, "order",
                                      "%s failure %s -> %s" % (
                                          op, SHORT[fail], SHORT[w]),
                                      s, e, " " + w, site))
            if op == "cas":
                out.append(Mutant(rel, line, "cas-weak",
                                  "strong CAS made weak", m.start(),
                                  m.start() + len("conc_cas_"), "conc_cas_weak_",
                                  site))
            # a CAS split into a load and a store (not atomic any more)
            A, E, D = a[0], a[1], a[2]
            lo = a[4] if fail else "CONC_SEQ_CST"
            so = store_part(names.get(a[3]) or "CONC_SEQ_CST")
            T = {"u32": "uint32_t", "u64": "uint64_t", "uptr": "uintptr_t"}[width]
            repl = ("({ %s conc__m_o = conc_load_%s((%s), %s); "
                    "_Bool conc__m_ok = conc__m_o == *(%s); "
                    "if (conc__m_ok) conc_store_%s((%s), (%s), %s); "
                    "else *(%s) = conc__m_o; conc__m_ok; })" % (
                        T, width, A, lo, E, width, A, D, so, E))
            out.append(Mutant(rel, line, "rmw-split",
                              "%s split into a load and a store" % op,
                              m.start(), close + 1, repl, site))
            continue
        if len(a) < 2:
            continue
        mo = names.get(a[-1])
        if mo:
            for w in WEAKER[kind].get(mo, []):
                s, e = args[-1]
                out.append(Mutant(rel, line, "order", "%s %s -> %s" % (
                    op, SHORT[mo], SHORT[w]), s, e, " " + w, site))
        if op == "store":
            out.append(Mutant(rel, line, "store-skip", "store skipped",
                              m.start(), close + 1, "((void)0)", site))
        elif kind == "rmw" and mo:
            T = {"u32": "uint32_t", "u64": "uint64_t", "uptr": "uintptr_t"}[width]
            new = {"exchange": "(%s)", "fetch_add": "conc__m_o + (%s)",
                   "fetch_sub": "conc__m_o - (%s)",
                   "fetch_or": "(conc__m_o | (%s))",
                   "fetch_and": "(conc__m_o & (%s))"}[op] % a[1]
            lo = load_part(mo)
            so = store_part(mo)
            repl = ("({ %s conc__m_o = conc_load_%s((%s), %s); "
                    "conc_store_%s((%s), (%s)(%s), %s); conc__m_o; })" % (
                        T, width, a[0], lo, width, a[0], T, new, so))
            out.append(Mutant(rel, line, "rmw-split",
                              "%s split into a load and a store" % op,
                              m.start(), close + 1, repl, site))
    return out


def load_part(mo):
    return {"CONC_SEQ_CST": "CONC_SEQ_CST", "CONC_ACQ_REL": "CONC_ACQUIRE",
            "CONC_ACQUIRE": "CONC_ACQUIRE"}.get(mo, "CONC_RELAXED")


def store_part(mo):
    return {"CONC_SEQ_CST": "CONC_SEQ_CST", "CONC_ACQ_REL": "CONC_RELEASE",
            "CONC_RELEASE": "CONC_RELEASE"}.get(mo, "CONC_RELAXED")


def lock_mutant(rel, text, mask, m, close, line, site):
    """A lock removed: the lock call reads as success (0) and every unlock
    of the same mutex up to the end of the function becomes a no-op.  One
    mutant, a list of edits."""
    arg = " ".join(text[m.end():close].split())
    if m.group(0).startswith("la_lock"):
        unlock_re = re.compile(r"\bla_unlock\s*\(\s*%s\s*\)" % re.escape(arg))
    else:
        unlock_re = re.compile(r"\bconc__mutex_unlock\s*\(\s*%s\s*\)" %
                               re.escape(arg))
    fn_end = text.find("\n}", close)
    fn_end = len(text) if fn_end < 0 else fn_end
    edits = [(m.start(), close + 1, "0")]
    for u in unlock_re.finditer(text, close, fn_end):
        if mask[u.start()]:
            edits.append((u.start(), u.end(), "((void)0)"))
    mu = Mutant(rel, line, "lock-remove",
                "lock removed (%d unlock%s with it)" % (
                    len(edits) - 1, "" if len(edits) == 2 else "s"),
                None, None, None, site)
    mu.edits = edits
    return [mu]


def source_mutants(rel, text, mask):
    out = []
    # a CAS retry loop that gives up after one try
    for m in re.finditer(r"\bwhile\s*\(\s*!\s*conc_cas", text):
        if not mask[m.start()]:
            continue
        line = line_of(text, m.start())
        before = text[:m.start()].rstrip()
        site = " ".join(text[m.start():m.start() + 60].split())
        if before.endswith("}"):  # do { ... } while (!cas(...));
            s = m.start() + text[m.start():].index("(") + 1
            out.append(Mutant(rel, line, "retry-once",
                              "do/while CAS retry: one try", s, s, "0 && ",
                              site))
        else:
            out.append(Mutant(rel, line, "retry-once",
                              "while CAS retry: one try (if)", m.start(),
                              m.start() + len("while"), "if", site))
    # MAX_* constants
    for m in re.finditer(r"^#define\s+(\w*MAX\w*)\s+(\d+)u?\s*$", text, re.M):
        v = int(m.group(2))
        s, e = m.span(2)
        line = line_of(text, m.start())
        for nv in (v - 1, v + 1):
            if nv <= 0:
                continue
            out.append(Mutant(rel, line, "off-by-one", "%s %d -> %d" % (
                m.group(1), v, nv), s, e, str(nv), m.group(0).strip()))
    # comparisons of bounds, capacities, cycles and indices
    interesting = re.compile(r"cap|count|len|size|cycle|cyc|idx|index|"
                             r"\bn\b|\bi\b|\bk\b|order|slots|head|tail|"
                             r"threshold|MAX|limit|bound|\bpos", re.I)
    for m in re.finditer(r"(?<![<>=!-])(<=|>=|<|>)(?![<>=])", text):
        if not mask[m.start()]:
            continue
        ls = text.rfind("\n", 0, m.start()) + 1
        le = text.find("\n", m.end())
        ln = text[ls:le]
        if ln.lstrip().startswith("#") or "->" in text[m.start():m.end() + 1]:
            continue
        if "<" in m.group(1) and re.search(r"#include|<<", ln):
            pass
        if not interesting.search(ln):
            continue
        if not re.search(r"\b(for|while|if|return)\b|\?", ln):
            continue
        op = m.group(1)
        flip = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}[op]
        line = line_of(text, m.start())
        out.append(Mutant(rel, line, "off-by-one", "%s -> %s" % (op, flip),
                          m.start(), m.end(), flip, " ".join(ln.split())[:70]))
    return out


def generate(tree):
    files = []
    for d in ("src", "src/internal"):
        for f in sorted(os.listdir(os.path.join(tree, d))):
            rel = d + "/" + f
            if f.endswith((".c", ".h")) and rel not in SKIP_FILES:
                files.append(rel)
    muts = []
    for rel in files:
        text = open(os.path.join(tree, rel)).read()
        mask = code_mask(text)
        muts.extend(atomic_mutants(rel, text, mask))
        muts.extend(source_mutants(rel, text, mask))
    seen = {}
    for mu in muts:
        base = "%s:%d:%s" % (os.path.basename(mu.file), mu.line, mu.kind)
        seen[base] = seen.get(base, 0) + 1
        mu.id = base if seen[base] == 1 else "%s.%d" % (base, seen[base])
        mu.text = None
    return muts


def edits_of(mu):
    if getattr(mu, "edits", None):
        return mu.edits
    return [(mu.start, mu.end, mu.repl)]


def apply_mutant(mu, tree, dst):
    """Write the mutated file into dst (a copy of tree)."""
    text = open(os.path.join(tree, mu.file)).read()
    for s, e, r in sorted(edits_of(mu), reverse=True):
        text = text[:s] + r + text[e:]
    with open(os.path.join(dst, mu.file), "w") as f:
        f.write(text)


# ---------------------------------------------------------------- families
# file -> (registry entries for CONC_TEST_ONLY, unit tests, fuzz targets,
#          stress structures, explorer scenario prefixes / regex)
COMMON_UNIT = ["sequential", "lincheck", "concurrent", "concurrent-verify",
               "races"]
FAM = {
    "ring": ("ring", COMMON_UNIT + ["wait", "wait-verify", "ring-batch",
                                     "ring-forged-batch", "ring-livelock"],
             ["fuzz_sequential_queue_corpus", "fuzz_concurrent_corpus",
              "fuzz_api_corpus"], ["ring"], ["ring/"]),
    "shm": ("", ["shm", "shm-verify", "shm-trust", "shm-trust-verify",
                 "xproc", "xproc-verify"],
            ["fuzz_shm_corpus"], [], ["shmring/"]),
    "lfqueue": ("lfqueue", COMMON_UNIT + ["wait", "wait-verify",
                                          "lfqueue-batch", "lfqueue-batch-seg",
                                          "lfqueue-pool"],
                ["fuzz_sequential_queue_corpus", "fuzz_concurrent_corpus",
                 "fuzz_api_corpus"], ["lfqueue"], ["lfqueue/"]),
    "hp": ("lfqueue,stack", COMMON_UNIT + ["hp", "hp-verify",
                                           "lfqueue-pool"],
           ["fuzz_concurrent_corpus"], ["lfqueue", "stack"],
           ["hp/", "lfqueue/"]),
    "stack": ("stack", COMMON_UNIT + ["wait", "wait-verify", "stack-tag",
                                      "stack-tag4"],
              ["fuzz_sequential_stack_corpus", "fuzz_concurrent_corpus",
               "fuzz_api_corpus"], ["stack"], ["stack/"]),
    "counter": ("counter,sharded,mutexcounter",
                COMMON_UNIT + ["counter-edges"],
                ["fuzz_sequential_counter_corpus", "fuzz_concurrent_corpus"],
                ["counter", "sharded", "mutexcounter"],
                ["counter/", "sharded/", "mutexcounter/"]),
    "mutex": ("mutexq,mutexstack", COMMON_UNIT + ["wait", "wait-verify"],
              ["fuzz_sequential_queue_corpus", "fuzz_sequential_stack_corpus",
               "fuzz_concurrent_corpus"], ["mutexq", "mutexstack"],
              ["mutexq/", "mutexstack/"]),
    "wait": ("ring,lfqueue,mutexq,stack", COMMON_UNIT + ["wait", "wait-verify"],
             ["fuzz_concurrent_corpus", "fuzz_api_corpus"],
             ["ring", "mutexq"],
             ["re:^(ring|lfqueue|mutexq|stack)/.*(wait|join|close|done|fd|timeout)"]),
}
FILE_FAM = {
    "src/ring.c": ["ring"], "src/internal/ring_impl.h": ["ring", "shm"],
    "src/shm.c": ["shm"], "src/lfqueue.c": ["lfqueue"],
    "src/internal/lfqueue_impl.h": ["lfqueue"], "src/hp.c": ["hp"],
    "src/internal/hp.h": ["hp"], "src/stack.c": ["stack"],
    "src/counter.c": ["counter"], "src/mutexq.c": ["mutex"],
    "src/mutexstack.c": ["mutex"], "src/lockedarray.c": ["mutex"],
    "src/internal/lockedarray.h": ["mutex"], "src/wait.c": ["wait"],
    "src/internal/waitset.h": ["wait"], "src/container.c": ["wait"],
    "src/internal/container.h": ["wait"],
}


def family(file):
    fams = FILE_FAM.get(file, ["wait"])
    only, unit, fuzz, stress, scen = set(), [], [], [], []
    for f in fams:
        o, u, z, s, x = FAM[f]
        if o == "":
            only = None
        elif only is not None:
            only.update(o.split(","))
        for lst, add in ((unit, u), (fuzz, z), (stress, s), (scen, x)):
            for v in add:
                if v not in lst:
                    lst.append(v)
    return {"only": ",".join(sorted(only)) if only else "", "unit": unit,
            "fuzz": fuzz, "stress": stress, "scen": scen}


# ---------------------------------------------------------------- running
CHECKS = ["fuzz", "unit", "stress", "explore", "tsan", "weak"]
# The checks that cannot see a mutant whose normal-build machine code is
# the original's (gcc -O2: e.g. a load seq_cst -> acquire is one mov either
# way on x86-64): unit and fuzz run that code; stress and the SC explorer
# run the verify build, which differs from the original only in the memory
# order it writes into each conc_point, a field that neither the yield
# injector (src/verify_hooks.c) nor the SC explorer (explore/) reads.  TSan
# (clang, its own instrumentation of each order) and the weak explorer
# (which models the orders) still run.
SAME_BLIND = ("unit", "fuzz", "stress", "explore")


def sh(cmd, cap, env=None, cwd=None):
    """Run cmd; (rc, seconds, output, capped)."""
    t0 = time.time()
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=cap,
                           start_new_session=True)
        return p.returncode, time.time() - t0, p.stdout.decode(
            "utf-8", "replace"), False
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        return -1, time.time() - t0, out, True


def sync_tree(src, dst):
    """Make dst hold what src holds (but .git and build trees), copying
    only files whose content differs (the rest keep their time stamps)."""
    want = set()
    for root, dirs, files in os.walk(src):
        rel = os.path.relpath(root, src)
        dirs[:] = [d for d in dirs if not (rel == "." and (
            d == ".git" or d.startswith("build"))) and
            not os.path.exists(os.path.join(root, d, "meson-private"))]
        os.makedirs(os.path.join(dst, rel), exist_ok=True)
        for f in files:
            r = os.path.normpath(os.path.join(rel, f))
            want.add(r)
            a, b = os.path.join(src, r), os.path.join(dst, r)
            if os.path.islink(a):
                if os.path.lexists(b):
                    os.remove(b)
                os.symlink(os.readlink(a), b)
                continue
            if os.path.exists(b) and not os.path.islink(b):
                with open(a, "rb") as fa, open(b, "rb") as fb:
                    if fa.read() == fb.read():
                        continue
            if os.path.lexists(b):
                os.remove(b)
            shutil.copy(a, b)
    for root, dirs, files in os.walk(dst):
        for f in files:
            r = os.path.normpath(os.path.join(os.path.relpath(root, dst), f))
            if r not in want:
                os.remove(os.path.join(dst, r))


class Runner:
    def __init__(self, args):
        self.a = args
        self.dir = os.path.abspath(args.dir)
        self.tree = os.path.join(self.dir, "tree")
        self.env = dict(os.environ)
        self.env.update({
            "TSAN_OPTIONS": "halt_on_error=1 exitcode=66 second_deadlock_stack=1",
            "ASAN_OPTIONS": "halt_on_error=1 detect_leaks=1 exitcode=67",
            "UBSAN_OPTIONS": "halt_on_error=1 print_stacktrace=1 exitcode=68",
            "CONC_TEST_STALL": str(args.stall),
        })
        self.scen_list = None
        self.weak_ok = None

    def log(self, *m):
        if not self.a.quiet:
            print(*m, file=sys.stderr, flush=True)

    def setup(self):
        os.makedirs(self.dir, exist_ok=True)
        rel = os.path.relpath(os.path.realpath(self.dir), os.path.realpath(TREE))
        if not rel.startswith("..") and not rel.startswith("build"):
            sys.exit("mutants.py: --dir must be outside the tree (or under "
                     "its build/)")
        # a fresh copy of src/ and everything else the build needs; files
        # that did not change keep their time stamps (incremental builds)
        os.makedirs(self.tree, exist_ok=True)
        sync_tree(TREE, self.tree)
        builds = [("gcc", "gcc", "g++", [])]
        if "tsan" in self.a.checks:
            builds.append(("tsan", "clang", "clang++",
                           ["-Db_sanitize=thread", "-Db_lundef=false"]))
        for name, cc, cxx, extra in builds:
            b = os.path.join(self.dir, "b" + name)
            if not os.path.exists(os.path.join(b, "build.ninja")):
                shutil.rmtree(b, ignore_errors=True)
                env = dict(self.env, CC=cc, CXX=cxx)
                subprocess.run(["meson", "setup", b, self.tree,
                                "-Dtests=true", "-Dbench=disabled",
                                "-Dfuzzing=none", "-Dwerror=false"] + extra,
                               env=env, check=True, stdout=subprocess.DEVNULL)
        self.ninja("gcc", check=True)
        if "tsan" in self.a.checks:
            self.ninja("tsan", check=True)
        self.base = self.objects()
        self.base_verify = self.objects(verify=True)

    def objects(self, verify=False):
        """The machine code of src/ in the gcc build: each object of
        libconc (verify=True: also those of the verify builds of the
        library, libconc-verify and the explorer's and tests' variants)
        with its debug information stripped (objcopy -g), as bytes."""
        import glob
        out = {}
        pats = [os.path.join(self.dir, "bgcc", "libconc.*.p", "*.o")]
        if verify:
            pats += [os.path.join(self.dir, "bgcc", "libconc-verify.a.p", "*.o"),
                     os.path.join(self.dir, "bgcc", "*", "libconc-*.a.p",
                                  "*src_*.o")]
        for f in sorted(set(sum((glob.glob(p) for p in pats), []))):
            d, f = os.path.split(f)
            f = os.path.relpath(os.path.join(d, f), self.dir)
            d = self.dir
            if True:
                t = os.path.join(self.dir, "obj.tmp")
                subprocess.run(["objcopy", "-g", os.path.join(d, f), t],
                               check=True)
                out[f] = open(t, "rb").read()
                os.remove(t)
        if not out:
            sys.exit("mutants.py: no objects of libconc in %s/bgcc" % self.dir)
        return out

    def ninja(self, name, check=False):
        rc, secs, out, _ = sh(["nice", "-n", str(self.a.nice), "ninja", "-C",
                               os.path.join(self.dir, "b" + name), "-j2"],
                              900, self.env)
        if check and rc != 0:
            sys.exit("mutants.py: the unmutated %s build fails:\n%s" % (
                name, out[-3000:]))
        return rc == 0, secs, out

    def restore(self, mu):
        shutil.copy2(os.path.join(TREE, mu.file),
                     os.path.join(self.tree, mu.file))
        os.utime(os.path.join(self.tree, mu.file))

    def scenarios(self, specs):
        if self.scen_list is None:
            exe = os.path.join(self.dir, "bgcc/explore/conc-explore")
            out = subprocess.run([exe, "--list"], stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT).stdout.decode()
            self.scen_list = [(l.split()[0], "tier 0" in l)
                              for l in out.splitlines() if l.strip()]
        names = []
        for s in specs:
            if s.startswith("re:"):
                r = re.compile(s[3:])
                names += [n for n, t0 in self.scen_list if t0 and r.search(n)]
            else:
                names += [n for n, t0 in self.scen_list
                          if t0 and n.startswith(s)]
        return names

    def meson_test(self, build, tests, fam, mult):
        env = dict(self.env)
        if fam["only"]:
            env["CONC_TEST_ONLY"] = fam["only"]
        b = os.path.join(self.dir, "b" + build)
        cmd = ["nice", "-n", str(self.a.nice)]
        if build == "tsan":
            cmd += ["setarch", "-R"]
        cmd += ["meson", "test", "-C", b, "--no-rebuild", "--no-suite", "stress", "--num-processes",
                "2", "--timeout-multiplier", str(mult)] + tests
        rc, secs, out, capped = sh(cmd, self.a.check_cap, env)
        failed = re.findall(r"^\s*\d+/\d+ \S+ / (\S+)\s+(FAIL|TIMEOUT|ERROR)",
                            out, re.M)
        if capped:
            return "cap", secs, "cut at %d s" % self.a.check_cap
        if rc != 0:
            if not failed and "No tests defined" in out:
                return "n/a", secs, "no tests"
            return "killed", secs, ",".join(
                "%s%s" % (n, "(timeout)" if v == "TIMEOUT" else "")
                for n, v in failed)[:80] or "rc %d" % rc
        return "survived", secs, ""

    def check(self, name, mu, fam):
        a = self.a
        if name == "unit":
            return self.meson_test("gcc", fam["unit"], fam, a.timeout_mult)
        if name == "fuzz":
            if not fam["fuzz"]:
                return "n/a", 0, "no target"
            return self.meson_test("gcc", fam["fuzz"], fam, a.timeout_mult)
        if name == "tsan":
            ok, bsecs, out = self.ninja("tsan")
            if not ok:
                return "n/a", bsecs, "tsan build failed"
            v, secs, note = self.meson_test("tsan", fam["unit"], fam,
                                            a.timeout_mult * 3)
            return v, secs + bsecs, note
        if name == "stress":
            if not fam["stress"]:
                return "n/a", 0, "no structure"
            exe = os.path.join(self.dir, "bgcc/stress/conc-stress-verify")
            t0 = time.time()
            for cap in ("2", "1024"):
                rc, secs, out, capped = sh(
                    ["nice", "-n", str(a.nice), exe, "--structure",
                     ",".join(fam["stress"]), "--duration", a.stress_dur,
                     "--yield-rate", str(a.yield_rate), "--capacity", cap,
                     "--stall", "5s", "--quiet", "--seed", "12"],
                    a.check_cap, self.env)
                if capped:
                    return "cap", time.time() - t0, "cut"
                if rc != 0:
                    first = next((l for l in out.splitlines()
                                  if "FAIL" in l or "stall" in l.lower()
                                  or "error" in l.lower()), "rc %d" % rc)
                    return "killed", time.time() - t0, (
                        "cap=%s: %s" % (cap, first))[:80]
            return "survived", time.time() - t0, ""
        if name in ("explore", "weak"):
            exe = os.path.join(self.dir, "bgcc/explore/conc-explore")
            extra = []
            if name == "weak":
                if self.weak_ok is None:
                    h = subprocess.run([exe, "--help"], stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT).stdout.decode()
                    self.weak_ok = "--weak" in h
                if not self.weak_ok:
                    return "n/a", 0, "not built"
                extra = ["--weak"]
            names = self.scenarios(fam["scen"])
            if not names:
                return "n/a", 0, "no scenario"
            rc, secs, out, capped = sh(
                ["nice", "-n", str(a.nice), exe] + extra +
                ["--quiet", "--no-shrink", "--both", str(a.pct), "--max-execs",
                 str(a.max_execs), "--seconds", str(a.explore_secs)] + names,
                a.check_cap, self.env)
            fail = next((l for l in out.splitlines()
                         if l.startswith("FAIL") or " FAIL" in l
                         or "NONDETERMINISM" in l or "DEADLOCK" in l), "")
            if capped:
                if fail:
                    return "killed", secs, fail[:80]
                return "cap", secs, "cut at %d s" % a.check_cap
            if rc != 0:
                return "killed", secs, (fail or "rc %d" % rc)[:80]
            return "survived", secs, "%d scenarios" % len(names)
        raise ValueError(name)

    def run_one(self, mu, full):
        rec = mu.record()
        fam = family(mu.file)
        apply_mutant(mu, TREE, self.tree)
        try:
            ok, bsecs, out = self.ninja("gcc")
            rec["build_s"] = round(bsecs, 1)
            if not ok:
                rec["status"] = "stillborn"
                err = next((l for l in out.splitlines() if "error:" in l), "")
                rec["note"] = err.split("error:", 1)[-1].strip()[:80]
                return rec
            rec["checks"] = {}
            rec["full"] = full
            killed = False
            # An order mutant changes the verify builds only in the order a
            # schedule point carries (read by no SC tool): the normal
            # build's code decides.  Any other mutant must leave the verify
            # builds' code alone too (code under #ifdef CONC_VERIFY).
            if mu.kind == "order":
                same = self.objects() == self.base
            else:
                same = self.objects(verify=True) == self.base_verify
            if same:
                rec["same_code"] = True
            for c in self.a.checks:
                if same and c in SAME_BLIND:
                    rec["checks"][c] = {"v": "same", "s": 0}
                    continue
                if killed and not full:
                    rec["checks"][c] = {"v": "skip", "s": 0}
                    continue
                v, secs, note = self.check(c, mu, fam)
                rec["checks"][c] = {"v": v, "s": round(secs, 1), "note": note}
                if v == "killed":
                    killed = True
            rec["status"] = "killed" if killed else "survived"
            return rec
        finally:
            self.restore(mu)


def order_for_run(muts, seed):
    kinds = {}
    for mu in muts:
        kinds.setdefault(mu.kind, []).append(mu)
    rnd = random.Random(seed)
    for k in kinds:
        rnd.shuffle(kinds[k])
    seq = ["order", "store-skip", "rmw-split", "off-by-one", "cas-weak",
           "fence-drop", "wake-skip", "lock-remove", "retry-once"]
    seq += sorted(k for k in kinds if k not in seq)
    out = []
    while any(kinds.get(k) for k in seq):
        for k in seq:
            if kinds.get(k):
                out.append(kinds[k].pop(0))
    return out


def select(muts, specs):
    """--pick FILE:KIND:SNIPPET (SNIPPET a substring of the site text, or of
    the mutation's description after a '|'), or an exact id."""
    out = []
    for spec in specs:
        hit = [mu for mu in muts if mu.id == spec]
        if not hit:
            f, k, snip = spec.split(":", 2)
            snip, _, desc = snip.partition("|")
            hit = [mu for mu in muts if mu.file.endswith(f) and mu.kind == k
                   and snip in mu.site and desc in mu.desc]
        if not hit:
            sys.exit("mutants.py: no mutant matches %r" % spec)
        out.append(hit[0])
    return out


def cmd_run(a):
    t_start = time.time()
    muts = generate(TREE)
    if a.pick:
        todo = select(muts, a.pick)
    else:
        todo = order_for_run(muts, a.seed)
        if a.files:
            todo = [m for m in todo if any(m.file.endswith(f) for f in a.files)]
        if a.limit:
            todo = todo[:a.limit]
    r = Runner(a)
    r.setup()
    res = {"command": " ".join(sys.argv), "started": time.strftime(
        "%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "generated": len(muts),
        "checks": a.checks, "budget_s": a.budget, "full_every": a.full_every,
        "settings": {"pct": a.pct, "max_execs": a.max_execs,
                     "explore_secs": a.explore_secs, "stress": a.stress_dur,
                     "yield_rate": a.yield_rate, "check_cap": a.check_cap,
                     "timeout_mult": a.timeout_mult},
        "by_kind": {}, "mutants": []}
    for mu in muts:
        res["by_kind"][mu.kind] = res["by_kind"].get(mu.kind, 0) + 1
    n = 0
    for i, mu in enumerate(todo):
        if time.time() - t_start > a.budget:
            rec = mu.record()
            rec["status"] = "not run"
            res["mutants"].append(rec)
            continue
        full = a.full_every > 0 and n % a.full_every == 0
        n += 1
        rec = r.run_one(mu, full)
        r.log("[%4.0f s] %-34s %-10s %s" % (time.time() - t_start, mu.id,
              rec["status"], " ".join(
                  "%s=%s" % (c, v["v"]) for c, v in rec.get("checks", {}).items())))
        res["mutants"].append(rec)
        if a.out:
            write(res, a.out, t_start)
    write(res, a.out, t_start)
    print(render(res))
    if a.expect:
        want = a.expect.split(",")
        got = [m["status"] for m in res["mutants"]]
        if got != want:
            print("mutants.py: expected %s, got %s" % (want, got))
            return 1
    if a.expect_same:
        want = [x == "1" for x in a.expect_same.split(",")]
        got = [bool(m.get("same_code")) for m in res["mutants"]]
        if got != want:
            print("mutants.py: expected same-code %s, got %s" % (want, got))
            return 1
    return 0


def write(res, path, t_start):
    res["wall_s"] = round(time.time() - t_start)
    if path:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path + ".tmp", "w") as f:
            json.dump(res, f, indent=1)
        os.replace(path + ".tmp", path)


# ---------------------------------------------------------------- output
TRIAGE = os.path.join(HERE, "triage.tsv")
TRIAGE_KINDS = ("equivalent", "awaiting-weak", "hole", "stronger")


def load_triage(path=TRIAGE):
    """id -> (verdict, reason), from triage.tsv (id TAB verdict TAB reason;
    '#' comments).  Verdicts: equivalent (not counted in the score),
    awaiting-weak (an order weakening no x86 check can see: the weak
    explorer settles it), hole (a check is missing), stronger (an order
    stronger than the algorithm needs; the reason to keep it)."""
    t = {}
    if os.path.exists(path):
        for ln in open(path):
            if not ln.strip() or ln.startswith("#"):
                continue
            f = ln.rstrip("\n").split("\t")
            if len(f) >= 3 and f[1] in TRIAGE_KINDS:
                t[f[0]] = (f[1], f[2])
    return t


def apply_triage(res):
    t = load_triage()
    for m in res["mutants"]:
        if m.get("status") == "survived" and m["id"] in t:
            m["triage"], m["reason"] = t[m["id"]]
def cell(c):
    if not c:
        return "-"
    v = c["v"]
    if v in ("killed", "survived", "cap"):
        return "%s %.0fs" % ({"killed": "KILL", "survived": "surv",
                              "cap": "cap"}[v], c["s"])
    if v == "same":
        return "same"
    if v == "n/a":
        return "n/a" + (" (%s)" % c.get("note") if c.get("note") else "")
    return v


def summary(res):
    ms = res["mutants"]
    run = [m for m in ms if m["status"] in ("killed", "survived")]
    killed = [m for m in run if m["status"] == "killed"]
    still = [m for m in ms if m["status"] == "stillborn"]
    notrun = [m for m in ms if m["status"] == "not run"]
    equiv = [m for m in run if m["status"] == "survived" and
             m.get("triage", "").startswith("equivalent")]
    per = {}
    for c in res["checks"]:
        ran = [m for m in run if m["checks"].get(c, {}).get("v") in
               ("killed", "survived", "cap")]
        k = [m for m in ran if m["checks"][c]["v"] == "killed"]
        fr = [m for m in ran if m.get("full")]
        fk = [m for m in fr if m["checks"][c]["v"] == "killed"]
        fkill = [m for m in run if m.get("full") and m["status"] == "killed"]
        alone = [m for m in fkill if m["checks"][c]["v"] == "killed" and
                 all(v["v"] != "killed" for cc, v in m["checks"].items()
                     if cc != c)]
        per[c] = (len(k), len(ran), len(fk), len(fr), len(alone))
    return run, killed, still, notrun, per


def render(res, md=False):
    apply_triage(res)
    run, killed, still, notrun, per = summary(res)
    lines = []
    hdr = ["mutant", "site", "mutation"] + res["checks"] + ["verdict"]
    rows = []
    for m in res["mutants"]:
        if m["status"] == "not run":
            continue
        if m["status"] == "stillborn":
            rows.append([m["id"], "%s:%d" % (m["file"], m["line"]),
                         m["mutation"], "stillborn: " + m.get("note", "")] +
                        [""] * len(res["checks"]))
            continue
        verdict = "killed" if m["status"] == "killed" else (
            m.get("triage") or "UNTRIAGED")
        rows.append([m["id"] + (" *" if m.get("full") else ""),
                     "%s:%d" % (m["file"], m["line"]), m["mutation"]] +
                    [cell(m["checks"].get(c)) for c in res["checks"]] +
                    [verdict])
    if md:
        lines.append("| " + " | ".join(hdr) + " |")
        lines.append("|" + "---|" * len(hdr))
        for r in rows:
            lines.append("| " + " | ".join(x.replace("|", "\\|") for x in r)
                         + " |")
    else:
        w = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
             for i, h in enumerate(hdr)]
        w[2] = min(w[2], 44)
        fmt = "  ".join("%%-%ds" % x for x in w)
        lines.append(fmt % tuple(hdr))
        for r in rows:
            lines.append(fmt % tuple(x[:w[i]] if i == 2 else x
                                     for i, x in enumerate(r)))
    lines.append("")
    nonequiv = len(run) - sum(1 for m in run if m.get("triage", "").startswith(
        "equivalent"))
    lines.append("generated %d mutants; run %d (+%d stillborn), not run %d "
                 "(budget %d s); wall %d s" % (
                     res["generated"], len(run), len(still), len(notrun),
                     res["budget_s"], res.get("wall_s", 0)))
    same = [m for m in run if m.get("same_code")]
    lines.append("same machine code as the original in the gcc -O2 build "
                 "(unit, fuzz, stress, SC explorer blind to them): %d of "
                 "the %d run" % (len(same), len(run)))
    lines.append("killed %d of %d run; score (killed / non-equivalent) "
                 "%d/%d = %.0f%%" % (
                     len(killed), len(run), len(killed), nonequiv,
                     100.0 * len(killed) / nonequiv if nonequiv else 0))
    tri = {}
    for m in run:
        if m["status"] == "survived":
            k = m.get("triage", "untriaged")
            tri[k] = tri.get(k, 0) + 1
    lines.append("survivors: " + ", ".join(
        "%s %d" % (k, v) for k, v in sorted(tri.items())))
    lines.append("kills per check (killed / mutants it ran on; in the full "
                 "matrix (*): killed / ran, and killed by it alone):")
    for c in res["checks"]:
        k, n, fk, fn, alone = per[c]
        lines.append("  %-8s %3d / %3d    full matrix: %3d / %3d, alone %d" % (
            c, k, n, fk, fn, alone))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--stats", action="store_true")
    s = sub.add_parser("show")
    s.add_argument("id")
    r = sub.add_parser("run")
    r.add_argument("--dir", default=os.environ.get(
        "MUTANTS_DIR", "/tmp/conc-mutants"))
    r.add_argument("--out", default=None, help="results JSON")
    r.add_argument("--budget", type=int, default=3000,
                   help="seconds; mutants after it are 'not run'")
    r.add_argument("--checks", default=",".join(CHECKS))
    r.add_argument("--full-every", type=int, default=4)
    r.add_argument("--pick", action="append", default=[])
    r.add_argument("--files", nargs="*", default=[])
    r.add_argument("--limit", type=int, default=0)
    r.add_argument("--seed", type=int, default=12)
    r.add_argument("--expect", default="",
                   help="comma list of statuses the picked mutants must get")
    r.add_argument("--expect-same", default="",
                   help="comma list of 1/0: which picked mutants must have "
                   "the original's machine code")
    r.add_argument("--check-cap", type=int, default=300)
    r.add_argument("--timeout-mult", type=float, default=0.1)
    r.add_argument("--stall", type=int, default=5)
    r.add_argument("--stress-dur", default="1500ms")
    r.add_argument("--yield-rate", type=float, default=0.05)
    r.add_argument("--pct", type=int, default=200)
    r.add_argument("--max-execs", type=int, default=300)
    r.add_argument("--explore-secs", type=int, default=5)
    r.add_argument("--nice", type=int, default=10)
    r.add_argument("--quiet", action="store_true")
    g2 = sub.add_parser("merge", help="fold a rerun's checks of some "
                        "mutants into a results file")
    g2.add_argument("results")
    g2.add_argument("rerun")
    d = sub.add_parser("render")
    d.add_argument("results")
    d.add_argument("--md", action="store_true")
    d.add_argument("--into", default=None, help="replace the block between "
                   "<!-- mutants:begin --> and <!-- mutants:end --> in FILE")
    a = ap.parse_args()
    if a.cmd == "gen":
        muts = generate(TREE)
        if a.stats:
            by = {}
            for mu in muts:
                by[mu.kind] = by.get(mu.kind, 0) + 1
            print(len(muts), by)
            return 0
        for mu in muts:
            print("%s\t%s:%d\t%s\t%s\t%s" % (mu.id, mu.file, mu.line, mu.kind,
                                             mu.desc, mu.site))
        return 0
    if a.cmd == "show":
        muts = {mu.id: mu for mu in generate(TREE)}
        mu = muts.get(a.id) or sys.exit("no mutant %s" % a.id)
        import difflib
        import tempfile
        with tempfile.TemporaryDirectory() as t:
            os.makedirs(os.path.join(t, os.path.dirname(mu.file)))
            apply_mutant(mu, TREE, t)
            old = open(os.path.join(TREE, mu.file)).read().splitlines(True)
            new = open(os.path.join(t, mu.file)).read().splitlines(True)
            sys.stdout.writelines(difflib.unified_diff(
                old, new, "a/" + mu.file, "b/" + mu.file, n=1))
        return 0
    if a.cmd == "run":
        a.checks = [c for c in a.checks.split(",") if c]
        for c in a.checks:
            if c not in CHECKS:
                sys.exit("unknown check %s" % c)
        return cmd_run(a)
    if a.cmd == "merge":
        main_r = json.load(open(a.results))
        again = json.load(open(a.rerun))
        by = {m["id"]: m for m in main_r["mutants"]}
        for m in again["mutants"]:
            if m["id"] not in by or "checks" not in m:
                continue
            old = by[m["id"]]
            old.setdefault("checks", {}).update(m["checks"])
            old["same_code"] = bool(m.get("same_code"))
            old["rerun"] = True
            old["status"] = "killed" if any(
                v["v"] == "killed" for v in old["checks"].values()) else \
                "survived"
        main_r.setdefault("reruns", []).append(
            {"command": again["command"], "started": again["started"],
             "wall_s": again.get("wall_s"), "ids": [m["id"] for m in
                                                    again["mutants"]]})
        json.dump(main_r, open(a.results, "w"), indent=1)
        return 0
    if a.cmd == "render":
        res = json.load(open(a.results))
        out = render(res, a.md)
        if a.into:
            doc = open(a.into).read()
            b, e = "<!-- mutants:begin -->", "<!-- mutants:end -->"
            i, j = doc.index(b) + len(b), doc.index(e)
            st = res.get("settings", {})
            head = ("\nGenerated by `python3 verify/mutants/mutants.py render "
                    "%s --md --into %s` from the run `%s` (started %s, wall "
                    "%d s; settings %s).\n\n" % (
                        os.path.relpath(a.results, TREE), a.into,
                        res["command"].replace(TREE + "/", ""),
                        res["started"], res.get("wall_s", 0),
                        ", ".join("%s=%s" % kv for kv in st.items())))
            for rr in res.get("reruns", []):
                head += ("Rerun, folded in by `mutants.py merge`: `%s` (started "
                         "%s, wall %s s) for %s.\n\n" % (
                             rr["command"].replace(TREE + "/", ""),
                             rr["started"], rr["wall_s"], ", ".join(rr["ids"])))
            body = out.split("\n\n", 1)
            table, tail = body[0], body[1] if len(body) > 1 else ""
            surv = ["- `%s` (%s, %s): **%s**: %s" % (
                m["id"], "%s:%d" % (m["file"], m["line"]), m["mutation"],
                m.get("triage", "UNTRIAGED"), m.get("reason", ""))
                for m in res["mutants"] if m["status"] == "survived"]
            doc = doc[:i] + head + "```\n" + tail.strip() + "\n```\n\n" + \
                table + "\n\nThe survivors, triaged (verify/mutants/" \
                "triage.tsv):\n\n" + "\n".join(surv) + "\n" + doc[j:]
            open(a.into, "w").write(doc)
        else:
            print(out)
        return 0


if __name__ == "__main__":
    sys.exit(main())

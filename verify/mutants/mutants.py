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
one textual edit of one file (or a few, for a lock removed).

`run` compiles every mutant into one scratch copy of the tree, each behind
a guard that CONC_MUTANT=n turns on at run time (schemata.py: mutant
schemata), builds it once with gcc and once with clang+TSan, and runs each
piece of each check unmutated once with CONC_MUTANT=-1: its time, and the
guards it reaches.  Then each mutant, two at a time (--jobs), runs the
pieces that reach it, check by check in this order, stopping at the first
kill (every --full-every'th mutant runs them all):

  fuzz     a fuzz target's corpus replay
  explore  conc-explore (SC), the family's tier-0 scenarios that reach it
  stress   conc-stress-verify with yield injection, capacity 2 and 1024
  unit     a unit/concurrent/verify test of the family (gcc build),
           CONC_TEST_ONLY=<family entries>
  weak     conc-explore --weak over the scenarios that reach it
  tsan     a test of the family against libconc in the TSan build

A check kills a mutant when a piece fails: a failing test, a stall that
conc-stress's watchdog reports, a failed exploration, or a hang: a piece
past --timeout-factor x its unmutated time + --timeout-add s whose
unmutated rerun under the same cap ends in time (if the rerun does not end
in time either, the cell is "cap", no kill).  A check none of whose pieces
reaches the mutant is "unreached".  An order mutant whose textual version
compiles to the original's code in libconc (gcc -O2) skips the checks
that run that code (SAME_BLIND).  A mutant that does not compile is
stillborn and not counted; one that cannot be guarded is built alone, the
old way, after the others.  Mutants left when --budget seconds have gone
are "not run".
"""
import argparse
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import schemata  # noqa: E402

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
        # how its edits are guarded in the schema (schemata.py): "call"
        # (the smallest atomics.h call around the edit), "self" (the edit's
        # own span), "paren" (the parenthesised condition after the edit's
        # start), "while" (a while loop's head), "cmp" (the relational
        # expression around the operator)
        self.gkind = "call"
        self.num = None    # its number in the schema (CONC_MUTANT)
        self.guards = None  # [(gs, ge, mutated text, style)] or None

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
    mu.gkind = "self"
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
            out[-1].gkind = "paren"
        else:
            out.append(Mutant(rel, line, "retry-once",
                              "while CAS retry: one try (if)", m.start(),
                              m.start() + len("while"), "if", site))
            out[-1].gkind = "while"
    # MAX_* constants
    for m in re.finditer(r"^#define\s+(\w*MAX\w*)\s+(\d+)(u?)\s*$", text,
                         re.M):
        v = int(m.group(2))
        s, e = m.start(2), m.end(3)
        line = line_of(text, m.start())
        for nv in (v - 1, v + 1):
            if nv <= 0:
                continue
            out.append(Mutant(rel, line, "off-by-one", "%s %d -> %d" % (
                m.group(1), v, nv), s, e, str(nv) + m.group(3),
                m.group(0).strip()))
            out[-1].gkind = "self"
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
        out[-1].gkind = "cmp"
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
        mine = atomic_mutants(rel, text, mask) + source_mutants(rel, text,
                                                                mask)
        attach_guards(text, mask, mine)
        muts.extend(mine)
    seen = {}
    for n, mu in enumerate(muts):
        mu.num = n + 1
        base = "%s:%d:%s" % (os.path.basename(mu.file), mu.line, mu.kind)
        seen[base] = seen.get(base, 0) + 1
        mu.id = base if seen[base] == 1 else "%s.%d" % (base, seen[base])
        mu.text = None
    return muts


def call_spans(text, mask):
    """The spans of every atomics.h call (and futex wake, lock) in text."""
    out = []
    for m in CALL_RE.finditer(text):
        if not mask[m.start()]:
            continue
        try:
            _, close = split_args(text, m.end() - 1)
        except ValueError:
            continue
        out.append((m.start(), close + 1))
    return out


def attach_guards(text, mask, muts):
    """Give each mutant its guards in the schema (schemata.py): for each
    edit, the span it guards, the text of that span mutated, and the
    style; None if an edit cannot be guarded (the mutant is then built the
    old way)."""
    calls = call_spans(text, mask)
    for mu in muts:
        guards = []
        try:
            for s, e, r in edits_of(mu):
                if mu.gkind == "call":
                    inside = [c for c in calls if c[0] <= s and e <= c[1]]
                    if not inside:
                        raise ValueError("no call around the edit")
                    gs, ge = min(inside, key=lambda c: c[1] - c[0])
                    style = "tern"
                elif mu.gkind == "self":
                    gs, ge, style = s, e, "tern"
                elif mu.gkind == "paren":
                    gs, ge = schemata.paren_group_after(text, mask, s - 1)
                    style = "tern-bare"
                elif mu.gkind == "while":
                    _, ge = schemata.paren_group_after(text, mask, e)
                    gs, style = s, "while"
                elif mu.gkind == "cmp":
                    gs, ge = schemata.operator_operands(text, mask, s, e)
                    style = "tern"
                else:
                    raise ValueError(mu.gkind)
                guards.append((gs, ge, text[gs:s] + r + text[e:ge], style))
        except ValueError:
            guards = None
        mu.guards = guards


def edits_of(mu):
    if getattr(mu, "edits", None):
        return mu.edits
    return [(mu.start, mu.end, mu.repl)]


def mutated_text(mu, tree=TREE):
    """The text of mu's file in tree with mu's edits made (textually)."""
    text = open(os.path.join(tree, mu.file)).read()
    for s, e, r in sorted(edits_of(mu), reverse=True):
        text = text[:s] + r + text[e:]
    return text


def apply_mutant(mu, tree, dst):
    """Write the mutated file into dst (a copy of tree)."""
    with open(os.path.join(dst, mu.file), "w") as f:
        f.write(mutated_text(mu, tree))


# ---------------------------------------------------------------- families
# file -> (registry entries for CONC_TEST_ONLY, unit tests, fuzz targets,
#          stress structures, explorer scenario prefixes / regex)
COMMON_UNIT = ["sequential", "lincheck", "concurrent", "concurrent-verify",
               "hooks", "races", "args"]
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
    "src/ring.c": ["ring", "shm"], "src/internal/ring_impl.h": ["ring", "shm"],
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
CHECKS = ["fuzz", "explore", "stress", "unit", "weak", "tsan"]
# The checks that cannot see a mutant whose normal-build machine code is
# the original's (gcc -O2: e.g. a load seq_cst -> acquire is one mov either
# way on x86-64): unit and fuzz run that code; stress and the SC explorer
# run the verify build, which differs from the original only in the memory
# order it writes into each conc_point, a field that neither the yield
# injector (src/verify_hooks.c) nor the SC explorer (explore/) reads.  TSan
# (clang, its own instrumentation of each order) and the weak explorer
# (which models the orders) still run.
SAME_BLIND = ("unit", "fuzz", "stress", "explore")
# For the order mutants that survive: is their code the original's on
# other machines too (gcc cross compilers, tools/install-deps.sh mutants)?
# Where it is, no check on that machine could tell them apart either; only
# the weak explorer, which follows C11 rather than a machine, can.
# Undefined-behaviour checks of the schema builds (Runner.builds): an
# array index out of bounds, a null pointer passed where the callee's
# declaration says nonnull (memcpy(NULL, p, 0)).  A report ends the process
# (-fno-sanitize-recover), so the piece fails.
UB_CHECKS = {"gcc": ["-fsanitize=bounds,nonnull-attribute",
                     "-fno-sanitize-recover=bounds,nonnull-attribute"],
             "clang": ["-fsanitize=array-bounds,nonnull-attribute",
                       "-fno-sanitize-recover=array-bounds,nonnull-attribute"]}
CROSS = {"aarch64": "aarch64-linux-gnu-", "ppc64le": "powerpc64le-linux-gnu-"}
# The family's unit tests that the TSan check runs: the concurrent ones
# against libconc that race its structures' words and their payloads
# (the -verify twins add yield injection, which TSan's scheduler does not
# need; sequential tests have no second thread; the wait and xproc
# tests spend their time asleep or in children, which TSan makes slow).
# shm is in for its format-vs-attach race (t_format_race), under a second.
TSAN_UNIT = {"concurrent", "races", "hp", "counter-edges", "shm"}


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


def sync_tree(src, dst, overlay=None):
    """Make dst hold what src holds (but .git and build trees), copying
    only files whose content differs (the rest keep their time stamps);
    overlay {rel: text} gives some files other contents than src's."""
    overlay = overlay or {}
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
            if r in overlay:
                data = overlay[r].encode()
            else:
                with open(a, "rb") as fa:
                    data = fa.read()
            if os.path.exists(b) and not os.path.islink(b):
                with open(b, "rb") as fb:
                    if fb.read() == data:
                        continue
            if os.path.lexists(b):
                os.remove(b)
            if r in overlay:
                with open(b, "wb") as fb:
                    fb.write(data)
            else:
                shutil.copy(a, b)
    for root, dirs, files in os.walk(dst):
        for f in files:
            r = os.path.normpath(os.path.join(os.path.relpath(root, dst), f))
            if r not in want:
                os.remove(os.path.join(dst, r))


def tap_failed(out):
    """The failures a TAP stream reports (as meson reads it): a 'not ok'
    that is not a TODO, a 'Bail out!', or fewer results than the plan."""
    bad, plan, seen = [], None, 0
    for ln in out.splitlines():
        m = re.match(r"^(not ok|ok)\b\s*(\d+)?\s*-?\s*(.*)$", ln)
        if m:
            seen += 1
            if m.group(1) == "not ok" and "# TODO" not in ln and \
                    "# SKIP" not in ln.upper():
                bad.append((m.group(3) or "").strip()[:60])
            continue
        m = re.match(r"^1\.\.(\d+)", ln)
        if m:
            plan = int(m.group(1))
        if ln.startswith("Bail out!"):
            bad.append(ln[:60])
    if plan is not None and seen < plan and not bad:
        bad.append("%d of %d results" % (seen, plan))
    return bad


class Runner:
    """The checks of mutants on a schema build (schemata.py): one gcc
    build and one TSan build of a scratch copy of the tree in which every
    mutant sits behind its guard; the checks of mutant n run with
    CONC_MUTANT=n.  A mutant that cannot be guarded is built alone, the
    old way (textual edit, rebuild), after the others."""

    def __init__(self, args, muts):
        self.a = args
        self.muts = muts
        self.dir = os.path.abspath(args.dir)
        self.tree = os.path.join(self.dir, "tree")
        self.env = dict(os.environ)
        self.env.update({
            "TSAN_OPTIONS": "halt_on_error=1 exitcode=66 second_deadlock_stack=1",
            "ASAN_OPTIONS": "halt_on_error=1 detect_leaks=1 exitcode=67",
            "UBSAN_OPTIONS": "halt_on_error=1 print_stacktrace=1 exitcode=68",
            "CONC_TEST_STALL": str(args.stall),
        })
        self.env.pop("CONC_MUTANT", None)
        self.scen_list = None
        self.weak_ok = None
        self.exclude = {}       # num -> why it is not in the schema
        self.tests = {}         # build -> {test name: introspection entry}
        self.base_t = {}        # piece -> (baseline seconds, reached)
        self.base_ev = {}
        self.lock = threading.Lock()
        self.local = threading.local()
        self.cache_path = os.path.join(self.dir, "same-code.json")
        self.same_cache = {}
        if os.path.exists(self.cache_path):
            try:
                # a compile error kept by an older runner is no answer
                self.same_cache = {k: v for k, v in
                                   json.load(open(self.cache_path)).items()
                                   if not v[1]}
            except ValueError:
                self.same_cache = {}

    def log(self, *m):
        if not self.a.quiet:
            print(*m, file=sys.stderr, flush=True)

    # ------------------------------------------------------------ builds
    def builds(self):
        """(name, cc, cxx, meson options, sanitizer flags).  Both builds
        check array indices and nonnull arguments (UB_CHECKS): an index one
        past an array whose word happens to hold a harmless value
        (lfqueue.c's slots[SLOTS], hp.c's reserve_busy[CONC_HP_SLOTS]), or
        memcpy(NULL, p, 0), then kills the mutant in every check instead of
        passing unseen.  gcc 12 does not check a struct's last array member
        (it takes it for a flexible one); clang does, so the TSan build
        covers those."""
        b = [("gcc", "gcc", "g++", [], UB_CHECKS["gcc"])]
        if "tsan" in self.a.checks:
            b.append(("tsan", "clang", "clang++",
                      ["-Db_sanitize=thread", "-Db_lundef=false"],
                      UB_CHECKS["clang"]))
        return b

    def schema_overlay(self, subset):
        """{file: schema text} with the mutants of subset in it."""
        muts = [mu for mu in self.muts if mu.num in subset]
        files = {mu.file for mu in self.muts}
        by = {}
        for mu in muts:
            by.setdefault(mu.file, []).append(mu)
        out = {}
        for f in files:
            text = open(os.path.join(TREE, f)).read()
            entries = [(mu.num, mu.guards) for mu in by.get(f, [])
                       if mu.guards and mu.num not in self.exclude]
            s, left = schemata.render_file(text, entries)
            for n, why in left.items():
                self.exclude[n] = why
            out[f] = s
        conc = "src/conc.c"
        base = out.get(conc) or open(os.path.join(TREE, conc)).read()
        out[conc] = base + schemata.COVERAGE % {"n": len(self.muts)}
        return out

    def setup(self, subset):
        os.makedirs(self.dir, exist_ok=True)
        rel = os.path.relpath(os.path.realpath(self.dir), os.path.realpath(TREE))
        if not rel.startswith("..") and not rel.startswith("build"):
            sys.exit("mutants.py: --dir must be outside the tree (or under "
                     "its build/)")
        for mu in self.muts:
            if mu.num in subset and not mu.guards:
                self.exclude[mu.num] = "no guard for its edit"
        self.subset = set(subset)
        hdr = os.path.join(self.dir, "schema.h")
        if not os.path.exists(hdr) or open(hdr).read() != schemata.HEADER:
            open(hdr, "w").write(schemata.HEADER)
        self.overlay = self.schema_overlay(self.subset)
        sync_tree(TREE, self.tree, self.overlay)
        for name, cc, cxx, extra, san in self.builds():
            b = os.path.join(self.dir, "b" + name)
            q = lambda l: "[%s]" % ", ".join("'%s'" % x for x in l)
            opts = ["-Dtests=true", "-Dbench=disabled", "-Dfuzzing=none",
                    "-Dwerror=false",
                    "-Dc_args=" + q(["-include", hdr] + san),
                    "-Dcpp_args=" + q(san),
                    "-Dc_link_args=" + q(san),
                    "-Dcpp_link_args=" + q(san)] + extra
            stamp = os.path.join(b, "mutants-options.json")
            if not os.path.exists(os.path.join(b, "build.ninja")) or \
                    not os.path.exists(stamp) or \
                    json.load(open(stamp)) != [cc, cxx] + opts:
                shutil.rmtree(b, ignore_errors=True)
                env = dict(self.env, CC=cc, CXX=cxx)
                subprocess.run(["meson", "setup", b, self.tree] + opts,
                               env=env, check=True, stdout=subprocess.DEVNULL)
                json.dump([cc, cxx] + opts, open(stamp, "w"))
        for name, _, _, _, _ in self.builds():
            self.build_schema(name)
        for name, _, _, _, _ in self.builds():
            self.tests[name] = self.introspect(name)
        self.setup_plain()

    def build_schema(self, name):
        """Build; while it fails, take out of the schema the mutants whose
        guards stand on the lines the compiler's errors name."""
        for _ in range(20):
            ok, secs, out = self.ninja(name)
            if ok:
                self.log("[setup] %s schema build: %.0f s, %d mutants in "
                         "it, %d built alone" % (
                             name, secs, len(self.subset - set(self.exclude)),
                             len(self.subset & set(self.exclude))))
                return
            bad = set()
            for m in re.finditer(r"^(\S+?):(\d+):\d+: (?:fatal )?(error|note)",
                                 out, re.M):
                p = os.path.normpath(os.path.join(self.dir, "b" + name,
                                                  m.group(1)))
                if not p.startswith(self.tree + os.sep):
                    continue
                rel = os.path.relpath(p, self.tree)
                if rel not in self.overlay:
                    continue
                lines = self.overlay[rel].split("\n")
                ln = int(m.group(2))
                for l in lines[max(0, ln - 2):ln + 1]:
                    bad.update(int(x) for x in re.findall(
                        r"conc__mut\((\d+)\)", l))
            bad -= set(self.exclude)
            if not bad:
                sys.exit("mutants.py: the %s schema build fails where no "
                         "guard stands:\n%s" % (name, out[-3000:]))
            for n in bad:
                self.exclude[n] = "its guard does not compile"
            self.overlay = self.schema_overlay(self.subset)
            sync_tree(TREE, self.tree, self.overlay)
        sys.exit("mutants.py: the %s schema build still fails" % name)

    def ninja(self, name, check=False):
        rc, secs, out, _ = sh(["nice", "-n", str(self.a.nice), "ninja", "-C",
                               os.path.join(self.dir, "b" + name), "-j2"],
                              1800, self.env)
        if check and rc != 0:
            sys.exit("mutants.py: the %s build fails:\n%s" % (
                name, out[-3000:]))
        return rc == 0, secs, out

    def introspect(self, name):
        out = subprocess.run(["meson", "introspect", "--tests",
                              os.path.join(self.dir, "b" + name)],
                             stdout=subprocess.PIPE, check=True).stdout
        return {t["name"]: t for t in json.loads(out)}

    # --------------------------------------------------- same machine code
    def setup_plain(self):
        """The compile commands of libconc's objects in the gcc build, to
        compile a textual mutant's file and compare its code with the
        original's (a copy of the unmutated tree per worker)."""
        cc = json.load(open(os.path.join(self.dir, "bgcc",
                                         "compile_commands.json")))
        objs = [c for c in cc if re.search(r"(^|/)libconc\.so[0-9.]*\.p/",
                                           c["output"])]
        if not objs:
            objs = [c for c in cc if re.search(r"(^|/)libconc\.a\.p/",
                                               c["output"])]
        self.lib_cmds = objs

    def plain(self):
        """This worker's copy of the unmutated tree (src/ and include/)."""
        w = getattr(self.local, "plain", None)
        if w:
            return w
        with self.lock:
            self.nplain = getattr(self, "nplain", 0) + 1
            k = self.nplain
        w = os.path.join(self.dir, "plain%d" % k)
        for d in ("src", "include"):
            os.makedirs(os.path.join(w, d), exist_ok=True)
            sync_tree(os.path.join(TREE, d), os.path.join(w, d))
        self.local.plain = w
        self.local.base = {}
        return w

    def compile_obj(self, c, root, out, arch=None):
        """Compile entry c of compile_commands.json against tree root
        (the schema tree's path replaced by root; no -include of the
        schema, no dependency files) into out; its code, stripped.  arch:
        with that cross compiler (CROSS) instead of the build's."""
        cmd = shlex.split(c["command"])
        if arch:
            cmd[0] = CROSS[arch] + "gcc"
        res, i = [], 0
        while i < len(cmd):
            x = cmd[i]
            if x in ("-MD", "-MMD"):
                i += 1
                continue
            if x in ("-MQ", "-MF", "-MT", "-o"):
                i += 2
                continue
            if x == "-include" and i + 1 < len(cmd) and \
                    cmd[i + 1].endswith("schema.h"):
                i += 2
                continue
            if x in UB_CHECKS["gcc"] + UB_CHECKS["clang"]:
                i += 1  # the machine code compared is the library's own
                continue
            res.append(x.replace(self.tree, root).replace(
                "../tree/", os.path.relpath(root, c["directory"]) + "/"))
            i += 1
        res += ["-o", out]
        p = subprocess.run(res, cwd=c["directory"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        if p.returncode != 0:
            return None, p.stdout.decode("utf-8", "replace")
        subprocess.run([(CROSS[arch] if arch else "") + "objcopy", "-g", out],
                       check=True)
        data = open(out, "rb").read()
        os.remove(out)
        return data, ""

    def users(self, rel):
        """The libconc objects whose translation unit reads file rel."""
        out = []
        for c in self.lib_cmds:
            src = os.path.normpath(os.path.join(c["directory"], c["file"]))
            if os.path.relpath(src, self.tree) == rel:
                out.append(c)
                continue
            d = os.path.join(c["directory"], c["output"] + ".d")
            if os.path.exists(d) and ("/" + rel) in open(d).read():
                out.append(c)
        return out

    def same_code(self, mu, arch=None):
        """(True if the textual mutant compiles to the original's code in
        every libconc object it touches, compiler error or None); arch:
        compiled for that machine (CROSS) with the same flags."""
        text = mutated_text(mu)
        import hashlib
        key = hashlib.sha256((mu.file + "\0" + text).encode()).hexdigest()
        if arch:
            key += "/" + arch
        with self.lock:
            if key in self.same_cache:
                return tuple(self.same_cache[key])
        w = self.plain()
        users = self.users(mu.file)
        tmp = os.path.join(w, "obj.tmp.o")
        same, err = True, None
        try:
            with open(os.path.join(w, mu.file), "w") as f:
                f.write(text)
            for c in users:
                bk = (arch, c["output"])
                if bk not in self.local.base:
                    shutil.copy(os.path.join(TREE, mu.file),
                                os.path.join(w, mu.file))
                    self.local.base[bk], e0 = self.compile_obj(
                        c, w, tmp, arch)
                    with open(os.path.join(w, mu.file), "w") as f:
                        f.write(text)
                got, e1 = self.compile_obj(c, w, tmp, arch)
                if got is None:
                    same, err = False, e1
                    break
                if got != self.local.base[bk]:
                    same = False
                    break
        finally:
            shutil.copy(os.path.join(TREE, mu.file), os.path.join(w, mu.file))
        if not users:
            same = False
        if err:
            m = next((l for l in err.splitlines() if "error:" in l), err)
            err = m.split("error:", 1)[-1].strip()[:80]
        with self.lock:
            if err:
                # a failed compilation is no answer: not kept, tried again
                return (same, err)
            self.same_cache[key] = [same, err]
            with open(self.cache_path + ".tmp", "w") as f:
                json.dump(self.same_cache, f)
            os.replace(self.cache_path + ".tmp", self.cache_path)
        return same, err

    # ------------------------------------------------------------ checks
    def scenarios(self, specs):
        with self.lock:
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
                names += [n for n, t0 in self.scen_list if t0 and r.search(n)
                          and n not in names]
            else:
                names += [n for n, t0 in self.scen_list
                          if t0 and n.startswith(s) and n not in names]
        return names

    def pieces(self, check, fam):
        """The pieces a check runs, each on its own (a test, a stress run,
        an explorer scenario), so that a mutant runs only those whose
        unmutated run reached its guard."""
        if check == "unit":
            return [t for t in fam["unit"] if t in self.tests["gcc"]]
        if check == "fuzz":
            return [t for t in fam["fuzz"] if t in self.tests["gcc"]]
        if check == "tsan":
            return [t for t in fam["unit"] if t in TSAN_UNIT and
                    t in self.tests.get("tsan", {})]
        if check == "stress":
            return ["capacity=2", "capacity=1024"] if fam["stress"] else []
        if check in ("explore", "weak"):
            if check == "weak" and self.weak_ok is None:
                exe = os.path.join(self.dir, "bgcc/explore/conc-explore")
                h = subprocess.run([exe, "--help"], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT).stdout.decode()
                self.weak_ok = "--weak" in h
            if check == "weak" and not self.weak_ok:
                return []
            return self.scenarios(fam["scen"])
        raise ValueError(check)

    def run_piece(self, check, piece, fam, num, cap, cov=None):
        """Run one piece with CONC_MUTANT=num (0: none; with cov: none, and
        the guards reached written to cov): (failure or None, seconds,
        timed out)."""
        a = self.a
        env = dict(self.env, CONC_TEST_SCALE=str(a.scale))
        if cov:
            env.update(CONC_MUTANT="-1", CONC_MUTANT_COV=cov)
        elif num:
            env["CONC_MUTANT"] = str(num)
        cmd = ["nice", "-n", str(a.nice)]
        cwd = None
        tap = False
        if check in ("unit", "fuzz", "tsan"):
            build = "tsan" if check == "tsan" else "gcc"
            t = self.tests[build][piece]
            env.update(t.get("env") or {})
            if fam["only"]:
                env["CONC_TEST_ONLY"] = fam["only"]
            if build == "tsan":
                cmd += ["setarch", "-R"]
            cmd += t["cmd"]
            cwd = t.get("workdir") or os.path.join(self.dir, "b" + build)
            tap = t.get("protocol") == "tap"
        elif check == "stress":
            cmd += [os.path.join(self.dir, "bgcc/stress/conc-stress-verify"),
                    "--structure", ",".join(fam["stress"]), "--duration",
                    a.stress_dur, "--yield-rate", str(a.yield_rate),
                    "--capacity", piece.split("=")[1], "--stall", "5s",
                    "--quiet", "--seed", "12"]
        else:
            cmd += [os.path.join(self.dir, "bgcc/explore/conc-explore")]
            if check == "weak":
                cmd += ["--weak", "--bound", str(a.weak_bound)]
            cmd += ["--quiet", "--no-shrink", "--both", str(a.pct),
                    "--max-execs", str(a.max_execs), "--seconds",
                    str(a.explore_secs)]
            cmd += piece if isinstance(piece, list) else [piece]
        rc, secs, out, capped = sh(cmd, cap, env, cwd)
        if capped:
            return None, secs, True
        bad = tap_failed(out) if tap else []
        if rc != 0 or bad:
            if bad:
                what = bad[0]
            else:
                # a test's "# mode: ThreadSanitizer ..." header is not a
                # reason (it once stood for an unexplained exit status)
                what = next((l.strip() for l in out.splitlines()
                             if not l.startswith("# mode:") and
                             re.search(r"FAIL|DEADLOCK|LIVELOCK|"
                                       r"NONDETERMINISM|stall|error|"
                                       r"ThreadSanitizer|runtime error",
                                       l)), None)
                # (no TAP failure: rc is non-zero here)
                what = "rc %d: %s" % (rc, what) if what else "rc %d" % rc
            if isinstance(piece, list):
                return what, secs, False
            return "%s: %s" % (piece, what), secs, False
        return None, secs, False

    def baseline(self, check, piece, fam):
        """The unmutated run of a piece, once: (seconds, the guards it
        reached); None if it fails unmutated (it is then not used)."""
        key = "%s|%s|%s|%s" % (check, piece, fam["only"],
                               ",".join(fam["stress"]))
        with self.lock:
            if key in self.base_t:
                return self.base_t[key]
            first = key not in self.base_ev
            ev = self.base_ev.setdefault(key, threading.Event())
        if not first:
            ev.wait()
            return self.base_t[key]
        os.makedirs(os.path.join(self.dir, "cov"), exist_ok=True)
        cov = os.path.join(self.dir, "cov", re.sub(r"[^\w.-]", "_", key))
        if os.path.exists(cov):
            os.remove(cov)
        cap = self.a.check_cap
        if check in ("unit", "fuzz", "tsan"):
            t = self.tests["tsan" if check == "tsan" else "gcc"][piece]
            cap = max(cap, t.get("timeout") or 0)
        fail, secs, to = self.run_piece(check, piece, fam, 0, cap, cov)
        if fail or to:
            v = None
            self.log("[baseline] %s %s (%s) FAILS unmutated: %s" % (
                check, piece, fam["only"] or "-", fail or "past %d s" % cap))
        else:
            reached = set()
            if os.path.exists(cov):
                reached = {int(x) for x in open(cov).read().split()}
            v = (secs, reached)
        with self.lock:
            self.base_t[key] = v
        ev.set()
        return v

    def check(self, name, mu, fam):
        """Run the pieces of a check that reach the mutant's guard; the
        first failure kills.  A piece that runs past timeout_factor x its
        unmutated time + timeout_add seconds is run unmutated once more
        with the same cap: if that one ends in time the mutant's run was a
        hang (killed, "timeout"); if not, the machine is too loaded to tell
        ("cap", not a kill)."""
        total, ran, unreached = 0.0, 0, 0
        capped = None
        todo = []
        for p in self.pieces(name, fam):
            b = self.baseline(name, p, fam)
            if b is None:
                continue
            secs0, reached = b
            if mu.num not in reached and mu.num not in self.exclude:
                unreached += 1
                continue
            todo.append((p, secs0))
        # the quick pieces first: a kill ends the check
        todo.sort(key=lambda x: x[1])
        if name in ("explore", "weak") and todo:
            # the scenarios in one run of the explorer
            todo = [([p for p, _ in todo], sum(s for _, s in todo))]
        for p, secs0 in todo:
            ran += 1 if not isinstance(p, list) else len(p)
            what = name if isinstance(p, list) else p
            cap = self.a.timeout_factor * secs0 + self.a.timeout_add
            fail, secs, to = self.run_piece(name, p, fam, mu.num, cap)
            total += secs
            if to:
                f2, s2, to2 = self.run_piece(name, p, fam, 0, cap)
                total += s2
                if to2 or f2:
                    capped = "%s: past %.0f s, and so was the unmutated " \
                        "run" % (what, cap)
                    continue
                return "killed", total, "%s: timeout %.0f s (unmutated " \
                    "%.1f s)" % (what, cap, s2)
            if fail:
                return "killed", total, fail[:90]
        if capped:
            return "cap", total, capped[:90]
        if not ran:
            return ("unreached", total, "%d pieces" % unreached) if \
                unreached else ("n/a", total, "nothing to run")
        return "survived", total, "%d run, %d unreached" % (ran, unreached)

    # ------------------------------------------------------- one mutant
    def build_alone(self, mu):
        """A mutant outside the schema: its file written with the textual
        edit (and no guards: the other mutants of the file are off anyway),
        both builds rebuilt.  Returns the compiler's error or None."""
        apply_mutant(mu, TREE, self.tree)
        for name, _, _, _, _ in self.builds():
            ok, _, out = self.ninja(name)
            if not ok:
                err = next((l for l in out.splitlines() if "error:" in l), "")
                return err.split("error:", 1)[-1].strip()[:80] or "build"
        return None

    def unbuild_alone(self, mu):
        with open(os.path.join(self.tree, mu.file), "w") as f:
            f.write(self.overlay.get(mu.file) or
                    open(os.path.join(TREE, mu.file)).read())

    def run_one(self, mu, full):
        rec = mu.record()
        rec["num"] = mu.num
        fam = family(mu.file)
        alone = mu.num in self.exclude
        t0 = time.time()
        try:
            if alone:
                rec["alone"] = self.exclude[mu.num]
                err = self.build_alone(mu)
                if err:
                    rec["status"] = "stillborn"
                    rec["note"] = err
                    return rec
            same = False
            if mu.kind == "order":
                same, err = self.same_code(mu)
                if err:
                    rec["status"] = "stillborn"
                    rec["note"] = err
                    return rec
            if same:
                rec["same_code"] = True
            rec["checks"] = {}
            rec["full"] = full
            killed = False
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
            rec["secs"] = round(time.time() - t0, 1)
            if alone:
                self.unbuild_alone(mu)


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
        if a.kinds:
            todo = [m for m in todo if m.kind in a.kinds.split(",")]
        if a.resume:
            left = {m["id"] for m in json.load(open(a.resume))["mutants"]
                    if m.get("status") == "not run"}
            todo = [m for m in todo if m.id in left]
        if a.limit:
            todo = todo[:a.limit]
    r = Runner(a, muts)
    # every mutant in the schema (one build serves every run), but for a
    # --pick run (the self-test), which builds only what it picked
    r.setup([mu.num for mu in (todo if a.pick else muts)])
    # the unmutated run of every piece of every check the mutants' families
    # use (times and coverage), before the mutants
    from concurrent.futures import ThreadPoolExecutor
    jobs, seen = [], set()
    for mu in todo:
        fam = family(mu.file)
        key = json.dumps(fam, sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        for c in a.checks:
            for p in r.pieces(c, fam):
                jobs.append((c, p, fam))
    with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        for f in [ex.submit(r.baseline, c, p, fam) for c, p, fam in jobs]:
            f.result()
    r.log("[setup] %d unmutated runs (times, coverage): done at %.0f s" % (
        len(jobs), time.time() - t_start))
    t_setup = time.time() - t_start
    res = {"command": " ".join(sys.argv), "started": time.strftime(
        "%Y-%m-%d %H:%M:%S UTC", time.gmtime(t_start)), "generated": len(muts),
        "checks": a.checks, "budget_s": a.budget, "full_every": a.full_every,
        "settings": {"jobs": a.jobs, "pct": a.pct, "max_execs": a.max_execs,
                     "explore_secs": a.explore_secs, "weak_bound": a.weak_bound,
                     "stress": a.stress_dur, "yield_rate": a.yield_rate,
                     "check_cap": a.check_cap, "scale": a.scale,
                     "timeout": "%gx+%gs" % (a.timeout_factor,
                                             a.timeout_add)},
        "setup_s": round(t_setup), "by_kind": {}, "mutants": []}
    for mu in muts:
        res["by_kind"][mu.kind] = res["by_kind"].get(mu.kind, 0) + 1
    # the schema's mutants on a.jobs workers; those built alone after them,
    # one at a time (each rebuilds the tree)
    inschema = [mu for mu in todo if mu.num not in r.exclude]
    alone = [mu for mu in todo if mu.num in r.exclude]
    slots = {mu.num: None for mu in todo}
    fulls = {mu.num: a.full_every > 0 and i % a.full_every == 0
             for i, mu in enumerate(todo)}

    def task(mu):
        if time.time() - t_start > a.budget:
            rec = mu.record()
            rec["status"] = "not run"
        else:
            rec = r.run_one(mu, fulls[mu.num])
            r.log("[%4.0f s] %-34s %-10s %5.0f s  %s" % (
                time.time() - t_start, mu.id, rec["status"],
                rec.get("secs", 0), " ".join(
                    "%s=%s" % (c, v["v"]) for c, v in
                    rec.get("checks", {}).items())))
        with r.lock:
            slots[mu.num] = rec
            res["mutants"] = [slots[m.num] for m in todo if slots[m.num]]
            if a.out:
                write(res, a.out, t_start)

    with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        for f in [ex.submit(task, mu) for mu in inschema]:
            f.result()
    for mu in alone:
        task(mu)
    res["mutants"] = [slots[m.num] for m in todo]
    res["alone"] = {str(n): why for n, why in r.exclude.items()}
    res["pieces"] = {k: None if v is None else [round(v[0], 2), len(v[1])]
                     for k, v in sorted(r.base_t.items())}
    if a.arch:
        arch_pass(r, todo, slots, a.jobs)
    write(res, a.out, t_start)
    print(render(res))
    if a.expect:
        want = a.expect.split(",")
        got = [m["status"] for m in res["mutants"]]
        if got != want:
            print("mutants.py: expected %s, got %s" % (want, got))
            return 1
    if a.expect_check:
        c, _, vs = a.expect_check.partition("=")
        want = vs.split(",")
        got = [m.get("checks", {}).get(c, {}).get("v") for m in
               res["mutants"]]
        if got != want:
            print("mutants.py: expected %s cells %s, got %s" % (c, want, got))
            return 1
    if a.expect_same:
        want = [x == "1" for x in a.expect_same.split(",")]
        got = [bool(m.get("same_code")) for m in res["mutants"]]
        if got != want:
            print("mutants.py: expected same-code %s, got %s" % (want, got))
            return 1
    return 0


def arch_pass(r, muts, recs, jobs=2):
    """The order survivors' code on the other machines (CROSS)."""
    errs = []

    def one(mu, rec):
        arch = {"x86_64": bool(rec.get("same_code"))}
        for a_ in CROSS:
            if shutil.which(CROSS[a_] + "gcc"):
                same, err = r.same_code(mu, a_)
                if err:
                    # not compiled (a missing header, say): no answer, and
                    # never "differs"
                    errs.append("%s %s: %s" % (a_, mu.id, err))
                else:
                    arch[a_] = same
        rec["same_code_arch"] = arch
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        fs = [ex.submit(one, mu, recs[mu.num]) for mu in muts
              if recs.get(mu.num) and mu.kind == "order" and
              recs[mu.num].get("status") == "survived"]
        for f in fs:
            f.result()
    if errs:
        print("mutants.py arch: %d compilations failed (left out of the "
              "counts); the first: %s" % (len(errs), sorted(errs)[0]),
              file=sys.stderr)
    return len(errs)


def cmd_arch(a):
    """mutants.py arch RESULTS: the arch pass over a finished run's
    results (its scratch builds in --dir)."""
    res = json.load(open(a.results))
    muts = generate(TREE)
    r = Runner(a, muts)
    r.setup_plain()
    by = {m["id"]: m for m in res["mutants"]}
    recs = {mu.num: by[mu.id] for mu in muts if mu.id in by}
    t0 = time.time()
    nerr = arch_pass(r, muts, recs, a.jobs)
    res["arch_s"] = round(time.time() - t0)
    json.dump(res, open(a.results, "w"), indent=1)
    return 1 if nerr else 0


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
    if v == "unreached":
        return "unr"
    if v == "n/a":
        return "n/a" + (" (%s)" % c.get("note") if c.get("note") else "")
    return v


def arch_note(m):
    """' [the original's code on x86_64, aarch64; not on ppc64le]'."""
    a = m.get("same_code_arch")
    if not a:
        return ""
    same = [k for k, v in a.items() if v]
    diff = [k for k, v in a.items() if not v]
    return " [the original's code on %s%s]" % (
        ", ".join(same) or "no machine checked",
        "; not on " + ", ".join(diff) if diff else "")


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
    archs = {}
    for m in run:
        for k, v in (m.get("same_code_arch") or {}).items():
            archs.setdefault(k, [0, 0])
            archs[k][0] += bool(v)
            archs[k][1] += 1
    if archs:
        lines.append("order survivors with the original's machine code: " +
                     ", ".join("%s %d of %d" % (k, v[0], v[1])
                               for k, v in sorted(archs.items())))
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
    r.add_argument("--full-every", type=int, default=20)
    r.add_argument("--pick", action="append", default=[])
    r.add_argument("--files", nargs="*", default=[])
    r.add_argument("--limit", type=int, default=0)
    r.add_argument("--seed", type=int, default=12)
    r.add_argument("--expect", default="",
                   help="comma list of statuses the picked mutants must get")
    r.add_argument("--expect-check", default="",
                   help="CHECK=v1,v2,...: the picked mutants' cells of a "
                   "check (killed, survived, same, unreached, ...)")
    r.add_argument("--expect-same", default="",
                   help="comma list of 1/0: which picked mutants must have "
                   "the original's machine code")
    r.add_argument("--kinds", default="", help="comma list of kinds")
    r.add_argument("--arch", action="store_true", help="then the arch pass "
                   "(see `arch`) over the order survivors")
    r.add_argument("--resume", default="", help="a results file: run only "
                   "its mutants that are 'not run' (then `merge` them in)")
    r.add_argument("--jobs", type=int, default=3,
                   help="mutants checked at once")
    r.add_argument("--check-cap", type=int, default=300)
    r.add_argument("--timeout-factor", type=float, default=2.0,
                   help="a test past factor x its unmutated time + "
                   "--timeout-add s is a hang")
    r.add_argument("--timeout-add", type=float, default=5.0)
    r.add_argument("--scale", type=float, default=0.25,
                   help="CONC_TEST_SCALE of the tests")
    r.add_argument("--weak-bound", type=int, default=1)
    r.add_argument("--stall", type=int, default=5)
    r.add_argument("--stress-dur", default="1s")
    r.add_argument("--yield-rate", type=float, default=0.05)
    r.add_argument("--pct", type=int, default=50)
    r.add_argument("--max-execs", type=int, default=100)
    r.add_argument("--explore-secs", type=int, default=2)
    r.add_argument("--nice", type=int, default=10)
    r.add_argument("--quiet", action="store_true")
    g2 = sub.add_parser("merge", help="fold a rerun's checks of some "
                        "mutants into a results file")
    g2.add_argument("results")
    g2.add_argument("rerun")
    g3 = sub.add_parser("arch", help="for the order survivors of a run: "
                        "is their code the original's on aarch64 and ppc64le "
                        "too (gcc cross compilers)?")
    g3.add_argument("results")
    g3.add_argument("--jobs", type=int, default=2)
    g3.add_argument("--dir", default=os.environ.get(
        "MUTANTS_DIR", "/tmp/conc-mutants"))
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
    if a.cmd == "arch":
        a.checks, a.stall, a.quiet = [], 5, True
        return cmd_arch(a)
    if a.cmd == "merge":
        main_r = json.load(open(a.results))
        again = json.load(open(a.rerun))
        by = {m["id"]: m for m in main_r["mutants"]}
        for m in again["mutants"]:
            if m["id"] not in by or m.get("status") == "not run":
                continue
            old = by[m["id"]]
            if old.get("status") == "not run" or "checks" not in m:
                # a mutant the first run did not reach: the rerun's record
                old.clear()
                old.update(m, rerun=True)
                continue
            old.setdefault("checks", {}).update(m["checks"])
            old["same_code"] = bool(m.get("same_code"))
            if m.get("same_code_arch"):
                old["same_code_arch"] = m["same_code_arch"]
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
            surv = ["- `%s` (%s, %s)%s: **%s**: %s" % (
                m["id"], "%s:%d" % (m["file"], m["line"]), m["mutation"],
                arch_note(m), m.get("triage", "UNTRIAGED"),
                m.get("reason", ""))
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

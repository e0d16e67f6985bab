#!/usr/bin/env python3
"""make_seeds.py - write the seed corpora fuzz/corpus/<target>/ and the
broken-queue inputs fuzz/broken/fuzz_concurrent/.

    python3 fuzz/make_seeds.py        # rewrites them (deterministic)

Each seed is a small, meaningful program in the input language of its
target (the layouts are documented at the top of each target's source):
edges of capacity (1, 2, 3, powers of two and their neighbours), full and
empty, wrap-around, batches across the edges, NULL and extreme items,
caller memory, init over a live structure, and, for fuzz_concurrent, every
structure with 2 to 4 threads and a range of schedules.  The output is
checked in; rerun this after changing an input layout.

Registry order assumed by fuzz_concurrent's and fuzz_api's structure byte
(harness/registry.c): ring, mutexq, stack, mutexstack, lfqueue, counter,
sharded, mutexcounter; the broken queue comes last when allowed (index 8 of
9).
"""
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
REG = ["ring", "mutexq", "stack", "mutexstack", "lfqueue", "counter", "sharded",
       "mutexcounter"]
CONTAINERS = [i for i, n in enumerate(REG) if not (n.endswith("counter") or n == "sharded")]
COUNTERS = [i for i, n in enumerate(REG) if i not in CONTAINERS]
BROKEN = len(REG)  # index of the broken queue when --broken is given


def write(target, name, data, root="corpus"):
    d = os.path.join(HERE, root, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(bytes(data))


def fresh(root, target):
    """Remove what this script wrote before (seed-*, broken-*), and only
    that: reproducers kept by hand (regress-*, ring-cap1-empty-but-full)
    stay, and `make test` goes on replaying them."""
    d = os.path.join(HERE, root, target)
    if not os.path.isdir(d):
        return
    for name in os.listdir(d):
        if name.startswith("seed-") or name.startswith("broken-"):
            os.remove(os.path.join(d, name))


# ---- fuzz_sequential_queue / _stack (seq_container.c) ----------------------

class Seq:
    """Opcodes b % 16: 0-2 push, 3-5 pop, 6 push_many, 7 pop_many,
    8-9 observe, 10 fill, 11 drain, 12 edge, 13 reinit, 14 rebuild, 15 push+pop."""

    def __init__(self, cap_bytes, mode=0):
        self.b = list(cap_bytes) + [mode]

    @staticmethod
    def cap(n):
        edges = [31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1023, 1024, 1025, 4097]
        if 1 <= n <= 24:
            return [n - 1]
        if n in edges:
            i = edges.index(n)
            return [0xF0 + i]
        assert 1 <= n <= 4096
        v = n - 1
        return [0xC0, v & 0xFF, v >> 8]

    def push(self, item=0x10):
        self.b += [0, item]; return self

    def push_edge(self, k):
        self.b += [1, 0xF0 + k]; return self

    def pop(self):
        self.b += [3]; return self

    def push_many(self, n, count=True, items=None):
        items = items or [0x20 + i for i in range(n)]
        self.b += [6 | (0x10 if count else 0), n] + items[:n]; return self

    def pop_many(self, n, count=True):
        self.b += [7 | (0x10 if count else 0), n]; return self

    def observe(self):
        self.b += [8]; return self

    def fill(self):
        self.b += [10]; return self

    def drain(self):
        self.b += [11]; return self

    def edge(self, k):
        self.b += [12 | (k << 4)]; return self

    def reinit(self):
        self.b += [13]; return self

    def rebuild(self, cap, mode=0):
        self.b += [14] + Seq.cap(cap) + [mode]; return self

    def pushpop(self, item=0x30):
        self.b += [15, item]; return self


def seq_container_seeds(target):
    fresh("corpus", target)
    n = 0

    def emit(s):
        nonlocal n
        write(target, "seed-%03d" % n, s.b)
        n += 1

    for cap in [1, 2, 3, 4, 5, 7, 8, 9, 16, 24]:
        for mode in (0, 3):
            s = Seq(Seq.cap(cap), mode)
            for _ in range(cap + 1):
                s.push()
            s.observe()
            for _ in range(cap + 1):
                s.pop()
            s.observe()
            for _ in range(3 * cap):  # wrap around many times
                s.pushpop()
            emit(s)
    for cap in [32, 33, 64, 65, 128, 1024, 1025, 100, 1000]:
        emit(Seq(Seq.cap(cap), 1).fill().observe().drain().observe()
             .push_many(200).pop_many(150).fill().pop_many(255).observe())
    emit(Seq(Seq.cap(3)).push_many(5).observe().pop_many(2).push_many(4, count=False)
         .pop_many(7, count=False).observe())
    emit(Seq(Seq.cap(1)).push_many(0).pop_many(0).push_many(1).push_many(1).pop_many(2))
    s = Seq(Seq.cap(4))
    for k in range(9):
        s.push_edge(k)
        s.pop()
    emit(s.push_edge(0).push_edge(2).push_edge(3).push_edge(1).drain())
    s = Seq(Seq.cap(5), 1)
    for k in range(5):
        s.edge(k)
    emit(s.push().edge(0).edge(1).observe().pop().edge(3).edge(4))
    emit(Seq(Seq.cap(6), 3).push().push().reinit().observe().push().pop().pop()
         .rebuild(2, 0).push().push().push().reinit().pop())
    emit(Seq(Seq.cap(7)).rebuild(4097, 3).fill().pop_many(255).observe()
         .rebuild(1, 1).push().push().pop())
    emit(Seq(Seq.cap(2)).push().pop().pop().push().push().push().pop().push().observe()
         .drain().pop())
    rnd = random.Random(target)
    for k in range(6):  # mixed programs on small capacities
        s = Seq(Seq.cap(rnd.randint(1, 12)), rnd.randint(0, 3))
        for _ in range(rnd.randint(20, 80)):
            r = rnd.random()
            if r < 0.35:
                s.push(rnd.randrange(0xF8))
            elif r < 0.65:
                s.pop()
            elif r < 0.75:
                s.push_many(rnd.randint(0, 10), rnd.random() < 0.5)
            elif r < 0.85:
                s.pop_many(rnd.randint(0, 10), rnd.random() < 0.5)
            else:
                s.observe()
        emit(s)


# ---- fuzz_sequential_counter -----------------------------------------------

def counter_seeds():
    t = "fuzz_sequential_counter"
    fresh("corpus", t)
    n = 0

    def emit(b):
        nonlocal n
        write(t, "seed-%03d" % n, b)
        n += 1

    def add(delta, width, prev=True):
        op = (0 if prev else 3) | ({1: 0, 2: 1, 4: 2, 8: 3}[width] << 4)
        return [op] + list((delta & ((1 << (8 * width)) - 1)).to_bytes(width, "little"))

    def add_edge(k, prev=True):
        return [(0 if prev else 3) | (4 << 4), k]

    READ = [4]
    THREAD = lambda d: [6] + add(d, 1)[1:]  # width 1 (b >> 4 == 0)

    for shards in [1, 2, 3, 8, 64]:
        for mode in (0, 7):
            emit([shards - 1, mode] + add(1, 1) + add(-1, 1) + READ + add(100, 2)
                 + add(-30000, 2) + READ + add(123456789, 4, False) + READ)
    emit([0, 0] + add_edge(1) + add(1, 1) + READ + add_edge(0) + READ
         + add_edge(0) + READ + add_edge(2) + READ)           # wrap through INT64_MAX/MIN
    emit([3, 5] + add((1 << 63) - 1, 8) + add(1, 1) + READ + add(-1, 8) + READ)
    emit([7, 0] + THREAD(5) + THREAD(7) + THREAD(-3) + READ + THREAD(1) + READ)
    emit([0xF0, 2] + THREAD(1) + add(2, 1) + THREAD(3) + READ)      # 127 shards
    emit([0xF3, 7] + add(9, 1) + READ + [7 | 0x80] + READ + add(4, 1) + READ)  # reinit
    emit([1, 0] + add(5, 1) + [7, 4, 7] + READ + add(6, 1) + READ)       # rebuild
    for k in range(10):
        emit([k, k % 8] + add_edge(k) + READ + add_edge((k + 3) % 10, False) + READ)
    rnd = random.Random(7)
    for k in range(6):
        b = [rnd.randrange(64), rnd.randrange(8)]
        for _ in range(rnd.randint(10, 60)):
            r = rnd.random()
            if r < 0.5:
                w = rnd.choice([1, 2, 4, 8])
                b += add(rnd.randrange(-(1 << (8 * w - 1)), 1 << (8 * w - 1)), w,
                         rnd.random() < 0.8)
            elif r < 0.6:
                b += add_edge(rnd.randrange(10))
            elif r < 0.9:
                b += READ
            else:
                b += THREAD(rnd.randrange(-100, 100))
        emit(b)


# ---- fuzz_concurrent -----------------------------------------------------------

CAPS = [1, 2, 3, 4, 5, 7, 8, 9, 16, 33, 64]
PUSH, POP, PUSH_MANY, POP_MANY, LEN = 0, 3, 5, 6, 7
CLOSE = 0x3F  # b % 8 == 7 and (b >> 3) % 8 == 7


def cop(kind, batch=1):
    return kind | ((batch - 1) << 3)


def conc_input(sel, cap, threads, ops, sched, caller=False, nullkey=False,
               period=0, prefill=0, counter=False):
    capb = cap - 1 if counter else CAPS.index(cap)
    flags = {2: 0, 3: 1, 4: 3}[threads] | (4 if caller else 0) | \
        (8 if nullkey else 0) | (period << 4)
    b = [sel, capb, flags, prefill]
    for t in range(threads):
        b += [len(ops[t])] + ops[t]
    return b + sched


def sched_bytes(rnd, n, style):
    if style == "none":
        return []
    if style == "yield":
        return [rnd.choice([0x20, 0x40, 0x21, 0x60]) for _ in range(n)]
    if style == "stall":
        return [rnd.choice([0xA0, 0xA3, 0xC1, 0xE0, 0x05, 0x20]) for _ in range(n)]
    return [rnd.randrange(256) for _ in range(n)]


def producer_consumer(rnd, threads, kind_counter=False):
    ops = []
    for t in range(threads):
        if kind_counter:
            ops.append([rnd.choice([0, 1, 2, 4, 8, 3, 7, 11]) for _ in range(rnd.randint(8, 64))])
        elif t % 2 == 0:
            ops.append([rnd.choice([cop(PUSH), cop(PUSH), cop(PUSH_MANY, rnd.randint(1, 4)),
                                    cop(LEN)]) for _ in range(rnd.randint(8, 64))])
        else:
            ops.append([rnd.choice([cop(POP), cop(POP), cop(POP_MANY, rnd.randint(1, 4)),
                                    cop(LEN)]) for _ in range(rnd.randint(8, 64))])
    return ops


def mixed(rnd, threads, counter=False):
    if counter:
        return [[rnd.randrange(256) for _ in range(rnd.randint(4, 64))] for _ in range(threads)]
    return [[rnd.choice([cop(PUSH), cop(POP), cop(PUSH_MANY, rnd.randint(1, 4)),
                         cop(POP_MANY, rnd.randint(1, 4)), cop(LEN)])
             for _ in range(rnd.randint(4, 64))] for _ in range(threads)]


def concurrent_seeds():
    t = "fuzz_concurrent"
    fresh("corpus", t)
    rnd = random.Random(2024)
    n = 0
    styles = ["none", "yield", "stall", "random"]
    for sel, name in enumerate(REG):
        counter = name.endswith("counter") or name == "sharded"
        for k in range(6):
            threads = [2, 3, 4][k % 3]
            cap = rnd.randint(1, 8) if counter else [1, 2, 3, 4, 16, 64][k]
            ops = producer_consumer(rnd, threads, counter) if k % 2 == 0 else \
                mixed(rnd, threads, counter)
            sched = sched_bytes(rnd, rnd.randint(0, 400), styles[k % 4])
            prefill = 0 if counter else rnd.randint(0, cap)
            data = conc_input(sel, cap, threads, ops, sched, caller=k % 3 == 1,
                              nullkey=k % 2 == 1, prefill=prefill, counter=counter)
            write(t, "seed-%03d-%s" % (n, name), data)
            n += 1
    # close at a random moment: one thread pushes then closes, the others
    # push and pop around it
    for sel in CONTAINERS:
        for k in range(3):
            threads = [2, 3, 4][k]
            ops = mixed(rnd, threads)
            closer = ops[k % threads]
            closer.insert(rnd.randrange(len(closer) + 1), CLOSE)
            if k == 2:
                ops[0].insert(0, CLOSE)  # twice: close is idempotent
            cap = [1, 3, 8][k]
            data = conc_input(sel, cap, threads, ops,
                              sched_bytes(rnd, rnd.randint(50, 300), styles[k + 1]),
                              prefill=rnd.randint(0, cap), nullkey=k == 1)
            write(t, "seed-%03d-%s-close" % (n, REG[sel]), data)
            n += 1
    # positive deltas only: the chain and read checks apply
    for sel in COUNTERS:
        ops = [[rnd.choice([0, 4, 8, 3, 12, 15]) for _ in range(64)] for _ in range(4)]
        write(t, "seed-%03d-%s-positive" % (n, REG[sel]),
              conc_input(sel, 4, 4, ops, sched_bytes(rnd, 200, "stall"), counter=True))
        n += 1

    # the broken queue (fuzz/broken/): faults every 2..17 operations
    fresh("broken", t)
    for k in range(4):
        threads = [2, 3, 4, 2][k]
        ops = producer_consumer(rnd, threads) if k % 2 == 0 else mixed(rnd, threads)
        data = conc_input(BROKEN, [2, 4, 8, 64][k], threads, ops,
                          sched_bytes(rnd, 100, styles[k]), period=k * 3, prefill=1)
        write(t, "broken-%d" % k, data, root="broken")


# ---- fuzz_api --------------------------------------------------------------------

def api_seeds():
    t = "fuzz_api"
    fresh("corpus", t)
    n = 0

    def emit(b):
        nonlocal n
        write(t, "seed-%03d" % n, b)
        n += 1

    NEW, INIT, REINIT, RELEASE, PUSH, POP, PUSHM, POPM, LEN_, ADD, READ, FOOT, NAMES, NULLS = \
        0, 1, 2, 3, 4, 6, 8, 9, 10, 11, 12, 13, 14, 15
    NEWF, CLOSE_, WAIT, JOIN, FD = 16, 17, 18, 19, 20  # opcodes b % 21
    edge_caps = 21  # entries in fuzz_api.c's edge_caps (index with 0x80 + i)

    emit([NULLS, NAMES, 0, NAMES, 7, NAMES, 8, NAMES, 9, NAMES, 10, NAMES, 11,
          NAMES, 0x80, 0xff, 0xff, 0xff, 0x7f])
    for e in range(len(REG)):
        b = []
        for i in range(edge_caps):
            b += [FOOT, e, 0x80 + i, NEW, e, 0x80 + i]
        emit(b)
    for e in CONTAINERS:  # containers: new, fill past full, drain past empty, batches
        b = [NEW, e, 3]
        b += [PUSH, 0, 0x10] * 4 + [LEN_, 0] + [POP, 0, 0] * 4 + [LEN_, 0]
        b += [PUSHM, 0, (5 << 2), 1, 2, 3, 4, 5, POPM, 0, (6 << 2), LEN_, 0]
        b += [PUSHM, 0, 1, 2, PUSHM, 0, 1, 0, POPM, 0, 1, 2, POPM, 0, 1, 0]  # NULL arrays
        b += [POP, 0, 1, PUSH, 0x80, 0xC1, 0, POP, 0x80, 0, 0, LEN_, 0x80, 0]  # NULL obj / out
        b += [RELEASE, 0]
        emit(b)
    for e in range(len(REG)):  # caller memory: aligned, short, misaligned, NULL, over-long
        b = []
        b += [INIT, e, 5, 0x00, 0]         # exact footprint
        b += [INIT, e, 5, 0x00, 0xff]      # one byte short
        b += [INIT, e, 5, 0x81, 0]         # misaligned by 1
        b += [INIT, e, 5, 0xA0, 0]         # misaligned by 32
        b += [INIT, e, 5, 0x7f, 0]         # NULL
        b += [INIT, e, 5, 0x00, 0x40]      # 64 bytes spare
        b += [INIT, e, 0, 0x00, 0, 0x10, 0]  # capacity 0
        b += [REINIT, 0, 7, REINIT, 1, 2, RELEASE, 0]
        emit(b)
    for e in COUNTERS:  # counters
        b = [NEW, e, 4, INIT, e, 2, 0, 0]
        b += [ADD, 0, 0x07, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]  # INT64_MAX
        b += [ADD, 0, 0x00, 1, READ, 0, 0, READ, 0, 1, READ, 0x80, 0, e]
        b += [ADD, 0x80, 0, 1, e, ADD, 1, 0x80, 5, READ, 1, 0, REINIT, 1, 3, READ, 1, 0]
        emit(b)
    # the waiting vocabulary: joinable, close, close_now, waits, fd
    for e in CONTAINERS:
        b = [NEWF, e, 3, 1]                       # JOINABLE, capacity 3
        b += [PUSH, 0, 0x10, PUSH, 0, 0x11, JOIN, 0, 0, FD, 0, 0, FD, 0, 1]
        b += [WAIT, 0, 1, 0, JOIN, 0, 1]          # pop_wait(0), task_done
        b += [WAIT, 0, 3, 0, JOIN, 0, 1, JOIN, 0, 1, JOIN, 0, 0]  # FOREVER; beyond
        b += [WAIT, 0, 5, 0, FD, 0, 0]            # pop_wait(1 ns) on empty
        b += [WAIT, 0, 0, 0x20] * 4 + [WAIT, 0, 4, 0x21, LEN_, 0]  # to full
        b += [CLOSE_, 0, 0, CLOSE_, 0, 0, LEN_, 0, PUSH, 0, 0x30, WAIT, 0, 2, 0x31]
        b += [PUSHM, 0, (2 << 2), 1, 2, PUSHM, 0, 0, FD, 0, 0]
        b += [POP, 0, 0, WAIT, 0, 3, 0, POPM, 0, (4 << 2), POP, 0, 0, POPM, 0, 0]
        b += [WAIT, 0, 3, 0, JOIN, 0, 1, JOIN, 0, 0, LEN_, 0, RELEASE, 0]
        b += [NEWF, e, 5, 2, PUSH, 0, 1, WAIT, 0, 5, 0, WAIT, 0, 4, 2, JOIN, 0, 0,
              FD, 0, 0, CLOSE_, 0, 7, POP, 0, 0, LEN_, 0]           # NOWAIT
        b += [NEWF, e, 4, 3, PUSH, 1, 1, PUSH, 1, 2, PUSH, 1, 3, JOIN, 1, 1,
              CLOSE_, 1, 1, JOIN, 1, 0, JOIN, 1, 1]                 # both flags
        b += [NEWF, e, 2, 0, FD, 2, 0, PUSH, 2, 5, FD, 2, 0, CLOSE_, 2, 3,
              FD, 2, 0, POP, 2, 0, WAIT, 2, 3, 0]                   # fd, close_now(fn)
        b += [NEWF, e, 3, 0xF4, NEWF, e, 0, 1]                      # bad flags, cap 0
        b += [CLOSE_, 0x80, 0, e, WAIT, 0x80, 1, 0, e, WAIT, 0x80, 0, 0, e,
              JOIN, 0x80, 1, e, JOIN, 0x80, 0, e, FD, 0x80, 0, e]   # NULL handles
        b += [RELEASE, 0, RELEASE, 1, RELEASE, 2, RELEASE, 3]
        emit(b)
    # a full pool, then more
    emit([NEW, 0, 1, NEW, 1, 2, NEW, 2, 3, NEW, 3, 4, NEW, 4, 1, INIT, 5, 2, 0, 0,
          PUSH, 0, 1, PUSH, 1, 2, PUSH, 2, 3, PUSH, 3, 4, POP, 0, 0, POP, 1, 0,
          RELEASE, 1, RELEASE, 2])
    rnd = random.Random(99)
    for k in range(10):
        emit([rnd.randrange(256) for _ in range(rnd.randint(50, 300))])
    # CONC_SHARED (flags 4): with JOINABLE, alone, with every flag; fd EINVAL;
    # lfqueue refuses it (EINVAL)
    for e in CONTAINERS:
        b = [NEWF, e, 3, 5]                       # SHARED | JOINABLE
        b += [PUSH, 0, 0x10, FD, 0, 0, WAIT, 0, 1, 0, JOIN, 0, 1, JOIN, 0, 0]
        b += [WAIT, 0, 5, 0, PUSH, 0, 0x11, CLOSE_, 0, 0, WAIT, 0, 3, 0,
              WAIT, 0, 3, 0, JOIN, 0, 1, RELEASE, 0]
        b += [NEWF, e, 2, 4, FD, 0, 0, PUSH, 0, 1, PUSH, 0, 2, CLOSE_, 0, 7,
              RELEASE, 0]                          # SHARED; close_now
        b += [NEWF, e, 2, 7, FD, 0, 0, WAIT, 0, 4, 2, RELEASE, 0]  # every flag
        emit(b)


# ---- fuzz_shm ----------------------------------------------------------------------

def shm_seeds():
    """[cap-1][msg-1 | 0x80 joinable][npatch] patches, then operations.
    Patch: [anchor << 2 | width][off lo][off hi] value; anchors: 0 header,
    1 ring geometry, 2 waitset, 3 aq, 4 fq, 5 aq entries, 6 fq entries,
    7 messages; width 0 byte, 1 u32, 2 u64, 3 run ([len] bytes)."""
    t = "fuzz_shm"
    fresh("corpus", t)
    n = 0
    (ATTACH, PUSH, POP, PUSHW, POPW, CLOSE, CLOSE_NOW, OBS, DONE, JOIN, RECOVER,
     DETACH, PATCH, PUSHPOP, FILL, DRAIN) = range(16)
    HDR, RING, WS, AQ, FQ, AQE, FQE, MSGS = range(8)
    LINE = 128

    def emit(name, cap, msg, patches, ops, joinable=False):
        nonlocal n
        b = [cap - 1, (msg - 1) | (0x80 if joinable else 0), len(patches)]
        for p in patches:
            b += p
        b += ops
        write(t, "seed-%03d-%s" % (n, name), b)
        n += 1

    def u8(anchor, off, v):
        return [anchor << 2 | 0, off & 0xFF, off >> 8, v & 0xFF]

    def u32(anchor, off, v):
        return [anchor << 2 | 1, off & 0xFF, off >> 8] + list((v & 0xFFFFFFFF).to_bytes(4, "little"))

    def u64(anchor, off, v):
        return [anchor << 2 | 2, off & 0xFF, off >> 8] + list((v % (1 << 64)).to_bytes(8, "little"))

    def run(anchor, off, data):
        return [anchor << 2 | 3, off & 0xFF, off >> 8, len(data)] + list(data)

    def order(cap):
        o = 3
        while (1 << o) < cap:
            o += 1
        return o

    def entry(cap, pos, idx):
        o = order(cap)
        R = 2 << o
        return ((pos >> (o + 1)) << (o + 2)) | R | idx

    def remap(cap, p):
        R = 2 << order(cap)
        i = p & (R - 1)
        if R < 16:
            return i
        lines = R // 8
        return (i % lines) * 8 + i // lines

    # Valid rings: the model checks everything.
    for cap in [1, 2, 3, 4, 7, 8, 9, 16, 20]:
        for msg in [1, 8, 13, 48]:
            ops = [PUSH] * (cap + 1) + [OBS] + [POP] * (cap + 1) + [OBS]
            ops += [PUSHPOP] * (2 * cap) + [FILL, OBS, RECOVER, DRAIN, RECOVER]
            ops += [PUSHW, 1, POPW, 2, POPW, 1, FILL, PUSHW, 2, CLOSE, PUSH, POP, OBS,
                    CLOSE_NOW, POP, POPW, 2, OBS]
            emit("valid-c%d-m%d" % (cap, msg), cap, msg, [], ops)
    emit("joinable", 4, 8, [], [PUSH, PUSH, JOIN, 0, JOIN, 1, DONE, POP, DONE, POP, DONE,
                                DONE, JOIN, 2, FILL, CLOSE_NOW, JOIN, 0, OBS], joinable=True)
    emit("not-joinable", 3, 8, [], [DONE, JOIN, 0, JOIN, 2, PUSH, DONE])
    emit("reattach", 5, 16, [], [PUSH, PUSH, DETACH, PUSH, ATTACH, 0, POP, DETACH,
                                 ATTACH, 2, ATTACH, 1, POP, POP, OBS, DETACH, ATTACH, 1,
                                 FILL, DRAIN])
    emit("close-drain", 6, 4, [], [FILL, CLOSE, POP, POP, PUSH, PUSHW, 2, OBS, DRAIN, POPW, 2,
                                   CLOSE, CLOSE_NOW])

    # Attach must refuse: every geometry word and flag of the ring.
    for o in [0, 1, 2, 4, 31, 40, 64, 255]:
        emit("order-%d" % o, 8, 16, [u32(RING, 16, o)], [PUSH, POP, ATTACH, 0, PUSH])
    for bit in range(0, 32, 3):
        emit("wsflags-bit%d" % bit, 4, 8, [u32(WS, 0, 0x100 ^ (1 << bit))],
             [PUSH, POPW, 2, ATTACH, 1, POPW, 2])
        emit("ringflags-bit%d" % bit, 4, 8, [u32(RING, 20, 0x100 ^ (1 << bit))], [PUSH])
        emit("hdrflags-bit%d" % bit, 4, 8, [u32(HDR, 44, 0x100 ^ (1 << bit))], [PUSH])
    emit("capacity", 8, 8, [u64(RING, 0, 7)], [PUSH])
    emit("hdr-capacity", 8, 8, [u64(HDR, 16, 1 << 20)], [PUSH])
    emit("msgsize", 8, 16, [u64(RING, 8, 8)], [ATTACH, 0, PUSH])

    # Forged slot indices in aq (pop) and fq (push).
    for cap in [1, 4, 9]:
        R = 2 << order(cap)
        for idx in [cap, R - 2, R - 1]:
            pos = R  # Head of a fresh ring
            emit("forged-fq-c%d-i%d" % (cap, idx), cap, 8,
                 [u64(FQE, 8 * remap(cap, pos), entry(cap, pos, idx))],
                 [PUSH, PUSH, POP, OBS, RECOVER, FILL, DRAIN])
            emit("forged-aq-c%d-i%d" % (cap, idx), cap, 8, [],
                 [PUSH, PATCH] + u64(AQE, 8 * remap(cap, pos), entry(cap, pos, idx))
                 + [POP, POP, OBS, RECOVER, FILL, DRAIN])

    # Positions and thresholds a peer made huge: bounded loops.
    emit("drain-tail-2^36", 4, 8, [], [PUSH, CLOSE, PATCH] + u64(AQ, LINE, (16 + (1 << 36)) | (1 << 63))
         + [CLOSE_NOW, POP, OBS, RECOVER, POP, OBS])
    emit("pop-tail-threshold", 4, 8, [u64(AQ, LINE, 1 << 40), u64(AQ, 2 * LINE, (1 << 63) - 1)],
         [POP, POPW, 2, PUSH, POP, RECOVER, POP])
    emit("push-fq-tail-threshold", 4, 8, [u64(FQ, LINE, 1 << 40), u64(FQ, 2 * LINE, (1 << 63) - 1)]
         + [u64(FQE, 8 * i, 0) for i in range(16)], [PUSH, PUSHW, 2, RECOVER, FILL, DRAIN])
    emit("aq-unusable", 4, 8, [u64(AQE, 8 * i, ((1 << 64) - 1) << 5 | 1) for i in range(16)],
         [PUSH, PUSHW, 1, RECOVER, FILL, DRAIN])
    emit("head-bit63", 2, 8, [u64(FQ, 0, (1 << 63) | 16), u64(FQ, LINE, (1 << 63) | 18)],
         [PUSH, POP, RECOVER, FILL, DRAIN, RECOVER])

    # The fd number, the armed bit and CONC_WS_SHARED, flipped during use.
    fd_patch = u32(WS, 0, 0) + [PATCH] + u32(WS, 4, 1) + [PATCH] + u32(WS, 32, 2) + \
        [PATCH] + u32(WS, 36, 0)
    emit("fd-stdin", 3, 8, [], [PUSH, POP, PATCH] + fd_patch + [POP, POP, PUSH, POPW, 1,
                                PUSHW, 1, CLOSE, CLOSE_NOW, OBS])
    emit("nowait-flip", 3, 8, [], [PATCH] + u32(WS, 0, 0x102) + [POPW, 2, PUSHW, 1, JOIN, 1])
    emit("joinable-flip", 3, 8, [], [PATCH] + u32(WS, 0, 0x101) + [PUSH, DONE, JOIN, 0])
    emit("watch-counts", 3, 8, [], [PATCH] + u32(WS, 4, 0xFFFFFFFE) + [PATCH]
         + u32(WS, 8, 7) + [PUSH, POP, POPW, 1, PUSHW, 1, CLOSE])
    emit("unfinished", 3, 8, [], [PATCH] + u64(WS, LINE, (1 << 64) - 1) + [DONE, JOIN, 0, JOIN, 2],
         joinable=True)

    # Killed peers, as the block shows them: a slot missing, a stale entry.
    emit("lost-slot", 4, 8, [u64(FQE, 8 * remap(4, 16), entry(4, 16, 15) | 15)],
         [FILL, OBS, RECOVER, DRAIN, FILL, DRAIN, RECOVER])
    emit("stale-aq", 4, 8, [], [PUSH, PUSH, PATCH] + u64(AQ, 0, 17) + [POP, FILL, RECOVER,
                                DRAIN, FILL, DRAIN])

    # A whole run of bytes over the body, and random programs.
    rnd = random.Random(8)
    for k in range(6):
        cap = rnd.randint(1, 20)
        emit("run-%d" % k, cap, rnd.randint(1, 48),
             [run(rnd.randrange(8), rnd.randrange(64), [rnd.randrange(256) for _ in range(rnd.randint(8, 200))])],
             [rnd.randrange(16) for _ in range(40)])
    for k in range(10):
        b = [rnd.randrange(20), rnd.randrange(256), rnd.randrange(4)]
        b += [rnd.randrange(256) for _ in range(rnd.randint(30, 300))]
        write(t, "seed-%03d-random-%d" % (n, k), b)
        n += 1


def main():
    seq_container_seeds("fuzz_sequential_queue")
    seq_container_seeds("fuzz_sequential_stack")
    counter_seeds()
    concurrent_seeds()
    api_seeds()
    shm_seeds()


if __name__ == "__main__":
    main()

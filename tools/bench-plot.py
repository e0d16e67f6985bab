#!/usr/bin/env python3
"""bench-plot.py - plot a conc-bench run: pair throughput per structure per
config, conc's structures with the peers beside them.

    python3 tools/bench-plot.py RUN.json [RUN2.json ...] OUT

writes OUT.dat (the figures), OUT.gp (the gnuplot script) and, with
gnuplot, OUT.svg and OUT.png.  One panel per table (queues, queues through
push_many/pop_many, stacks) and spin mode (--spin pause / yield, one column
each); in a panel one group of bars per config, one bar per structure
(median, with the min-max range of its runs), log scale.  Several runs
(say a --spin pause run and a --spin yield run) are drawn side by side.
`make bench` calls it on build/bench/bench.json.

Exit status 0, 1 when gnuplot failed, 2 when an input is not a conc-bench
run.  Without gnuplot it writes OUT.dat and OUT.gp, says so, and exits 0.
"""

import json
import os
import shutil
import subprocess
import sys

SECTIONS = (("queue", "Queues"), ("batch", "conc queues, push_many/pop_many"),
            ("stack", "Stacks"))
SPIN_ORDER = ("pause", "yield")
# conc's structures warm, the peers cool; one color per name, fixed.
CONC_COLORS = ["#c0392b", "#e67e22", "#f1c40f", "#8e44ad", "#d35400"]
PEER_COLORS = ["#1f77b4", "#17becf", "#2ca02c", "#7f7f7f", "#9edae5",
               "#98df8a", "#393b79", "#637939", "#aec7e8", "#bcbd22"]


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise SystemExit("bench-plot: %s: %s" % (path, e)) from None
    if not isinstance(doc, dict) or doc.get("tool") != "conc-bench":
        sys.stderr.write("bench-plot: %s: not a conc-bench run\n" % path)
        sys.exit(2)
    return doc


def panels(docs):
    """{(section, spin): {config: [(name, conc, median, min, max)]}} and the
    configs in run order."""
    out, configs = {}, []
    for doc in docs:
        for r in doc.get("rows", []):
            sec = r.get("section")
            if sec not in dict(SECTIONS) or not isinstance(
                    r.get("median"), (int, float)):
                continue
            spin = r.get("spin") or doc.get("params", {}).get("spin", "yield")
            cfg = r.get("config")
            if cfg not in configs:
                configs.append(cfg)
            out.setdefault((sec, spin), {}).setdefault(cfg, []).append(
                (r["name"], bool(r.get("conc")), r["median"], r["min"],
                 r["max"]))
    return out, configs


def colors(names_conc):
    """A fixed color per structure name."""
    col, ci, pi = {}, 0, 0
    for name, conc in names_conc:
        if name in col:
            continue
        if conc:
            col[name] = CONC_COLORS[ci % len(CONC_COLORS)]
            ci += 1
        else:
            col[name] = PEER_COLORS[pi % len(PEER_COLORS)]
            pi += 1
    return col


def write_data(path, pan, configs):
    """One gnuplot data block per (panel, structure): x, median, min, max.
    Returns [(panel key, [(block index, name), ...], xtics)]."""
    layout, block = [], 0
    with open(path, "w", encoding="utf-8") as f:
        for key in sorted(pan, key=lambda k: (
                [s for s, _ in SECTIONS].index(k[0]),
                SPIN_ORDER.index(k[1]) if k[1] in SPIN_ORDER else 9)):
            by_cfg = pan[key]
            names = []
            for cfg in configs:
                for n, c, *_ in by_cfg.get(cfg, []):
                    if n not in [x for x, _ in names]:
                        names.append((n, c))
            width = len(names) + 1
            blocks, tics = [], []
            for j, (name, _) in enumerate(names):
                f.write("# %s %s %s\n" % (key[0], key[1], name))
                for k, cfg in enumerate(configs):
                    for n, _, med, lo, hi in by_cfg.get(cfg, []):
                        if n == name:
                            f.write("%g %g %g %g\n" % (k * width + j, med,
                                                       lo, hi))
                f.write("\n\n")
                blocks.append((block, name))
                block += 1
            for k, cfg in enumerate(configs):
                if cfg in by_cfg:
                    tics.append((cfg, k * width + (len(names) - 1) / 2.0))
            layout.append((key, blocks, tics, names,
                           len(configs) * width - 1))
    return layout


def gp_script(dat, layout, out, docs):
    allnames = [nc for _, _, _, names, _ in layout for nc in names]
    col = colors(allnames)
    secs = sorted({k[0] for k, *_ in layout},
                  key=lambda s: [x for x, _ in SECTIONS].index(s))
    spins = sorted({k[1] for k, *_ in layout},
                   key=lambda s: SPIN_ORDER.index(s) if s in SPIN_ORDER else 9)
    m = docs[0].get("machine", {})
    p = docs[0].get("params", {})
    title = ("conc-bench %s, %s CPUs, %s items per run, capacity %s, "
             "median of %s runs, whiskers min-max%s" % (
                 m.get("date", "?")[:10], m.get("cpus", "?"),
                 p.get("total", "?"), p.get("capacity", "?"),
                 p.get("runs", "?"), ", pinned" if p.get("pin") else ""))
    w, h = 620 * len(spins), 380 * len(secs)
    lines = []
    for term, ext in (("svg size %d,%d dynamic font 'Helvetica,11'" % (w, h),
                       "svg"),
                      ("pngcairo size %d,%d font 'Helvetica,10'" % (w, h),
                       "png")):
        lines += ["set terminal " + term,
                  "set termoption noenhanced",
                  "set output '%s.%s'" % (out, ext),
                  "set multiplot layout %d,%d title \"%s\"" % (
                      len(secs), len(spins), title),
                  "set style fill solid 0.85 border -1",
                  "set boxwidth 0.9",
                  "set logscale y",
                  "set grid ytics",
                  "set ylabel 'Mops/s'",
                  "set key outside right top samplen 1 spacing 0.9 "
                  "font ',8'",
                  "set xtics nomirror scale 0",
                  "set yrange [0.01:*]"]
        for sec in secs:
            for spin in spins:
                ent = [e for e in layout if e[0] == (sec, spin)]
                if not ent:
                    lines.append("set multiplot next")
                    continue
                _, blocks, tics, _, xmax = ent[0]
                lines.append("set title \"%s, --spin %s\"" % (
                    dict(SECTIONS)[sec], spin))
                lines.append("set xtics (%s)" % ", ".join(
                    "'%s' %g" % t for t in tics))
                lines.append("set xrange [-1:%g]" % xmax)
                plots = []
                for idx, name in blocks:
                    plots.append(
                        "'%s' index %d using 1:2 with boxes lc rgb '%s' "
                        "title '%s'" % (dat, idx, col[name], name))
                    plots.append(  # the min-max whisker, no point
                        "'' index %d using 1:3:(0):($4-$3) with vectors "
                        "nohead lc rgb 'black' lw 0.6 notitle" % idx)
                lines.append("plot " + ", \\\n     ".join(plots))
        lines.append("unset multiplot")
    return "\n".join(lines) + "\n"


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: bench-plot.py RUN.json [RUN2.json ...] OUT\n")
        return 2
    docs = [load(p) for p in argv[1:-1]]
    out = argv[-1]
    pan, configs = panels(docs)
    if not pan:
        sys.stderr.write("bench-plot: no queue or stack rows to plot\n")
        return 0
    d = os.path.dirname(out)
    if d:
        os.makedirs(d, exist_ok=True)
    layout = write_data(out + ".dat", pan, configs)
    with open(out + ".gp", "w", encoding="utf-8") as f:
        f.write(gp_script(out + ".dat", layout, out, docs))
    if not shutil.which("gnuplot"):
        sys.stderr.write("bench-plot: no gnuplot: wrote %s.dat and %s.gp "
                         "only (apt-get install gnuplot-nox)\n" % (out, out))
        return 0
    rc = subprocess.run(["gnuplot", out + ".gp"]).returncode
    if rc != 0:
        sys.stderr.write("bench-plot: gnuplot failed (%d)\n" % rc)
        return 1
    print("bench-plot: wrote %s.svg and %s.png" % (out, out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

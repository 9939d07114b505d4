#!/usr/bin/env python3
"""compare_etcd.sh's report: the median of each workload's runs per system,
the etcfs/etcd ratios against the targets, as markdown, and a gnuplot script
that plots the latency distributions of the median runs.

    compare_etcd_report.py OUT REPEAT KEYS
"""
import json
import statistics
import sys
from pathlib import Path

out = Path(sys.argv[1])
repeat = int(sys.argv[2])
keys = int(sys.argv[3])

# name -> (title, what the throughput counts, target on the throughput ratio)
TITLES = {
    "put-1": ("put, 1 client", "req/s", 1.5),
    "put-100": ("put, 100 clients", "req/s", 1.5),
    "txn-put-100": ("txn of 4 puts, 100 clients", "txn/s", 1.5),
    "range-l-100": ("range linearizable, 100 clients", "req/s", 1.5),
    "range-s-100": ("range serializable, 100 clients", "req/s", None),
    "watch-1000": ("watch: 1000 watchers, 2000 puts", "events/s", None),
}


def load(path):
    r = json.loads(path.read_text())
    if "events" in r:  # watch: the events delivered, timed from each put's sending
        r = r["events"]
    rate = r.get("requests_per_second", r.get("txns_per_second", r.get("events_per_second")))
    return {"rate": rate, "p50": r["latency_ms"]["p50"], "p99": r["latency_ms"]["p99"],
            "errors": r["errors"], "distribution": r.get("distribution_ms", [])}


def median_run(system, name):
    runs = [load(p) for p in sorted(out.glob(f"runs/{system}-{name}-*.json"))]
    if not runs:
        return None
    by_rate = sorted(runs, key=lambda r: r["rate"])
    return {"rate": statistics.median(r["rate"] for r in runs),
            "p50": statistics.median(r["p50"] for r in runs),
            "p99": statistics.median(r["p99"] for r in runs),
            "errors": sum(r["errors"] for r in runs),
            "distribution": by_rate[len(by_rate) // 2]["distribution"]}


def verdict(ratio, target, higher_is_better):
    if target is None:
        return "", ""
    met = ratio >= target if higher_is_better else ratio <= target
    return ("≥ %.1fx" if higher_is_better else "≤ %.1fx") % target, "met" if met else "**missed**"


rows = []


def row(what, etcd, etcfs, unit, target, higher_is_better, fmt="%.0f"):
    ratio = etcfs / etcd if etcd else float("nan")
    t, v = verdict(ratio, target, higher_is_better)
    rows.append(f"| {what} | {fmt % etcd} {unit} | {fmt % etcfs} {unit} | {ratio:.2f}x | {t} | {v} |")


workloads = [line.split("|", 1) for line in (out / "workloads.txt").read_text().splitlines() if line]
plots = []
for name, args in workloads:
    title, unit, target = TITLES.get(name, (name, "req/s", None))
    e, f = median_run("etcd", name), median_run("etcfs", name)
    if not e or not f:
        continue
    errors = "" if not (e["errors"] or f["errors"]) else f" (errors: etcd {e['errors']}, etcfs {f['errors']})"
    row(f"{title}{errors}: throughput", e["rate"], f["rate"], unit, target, True)
    row(f"{title}: p99 latency", e["p99"], f["p99"], "ms", 1.0, False, "%.2f")
    plots.append((name, title, e["distribution"], f["distribution"]))

restart = {}
restart_file = out / "restart.txt"
if restart_file.exists():
    for line in restart_file.read_text().splitlines():
        kind, *fields = line.split()
        restart[kind] = dict(f.split("=", 1) for f in fields)
if "etcd" in restart and "etcfs" in restart:
    e, f = restart["etcd"], restart["etcfs"]
    n = int(f["keys"])
    row(f"restart with {n:,} keys, to a linearizable read on all 3", float(e["restart_s"]), float(f["restart_s"]),
        "s", 0.5, False, "%.2f")
    for when in ("loaded", "restarted"):
        es = [int(x) for x in e[f"rss_{when}_mb"].split(",")]
        fs = [int(x) for x in f[f"rss_{when}_mb"].split(",")]
        label = "after loading" if when == "loaded" else "after restart and a full keys-only range"
        row(f"RSS with {n:,} keys {label} (largest member)", max(es), max(fs), "MB", 1.0, False)
    row(f"load {n:,} keys (txns of 100, 20 clients): time", float(e["load_s"]), float(f["load_s"]), "s", None, False,
        "%.1f")
    row("data directory per member", int(e["data_mb"]), int(f["data_mb"]), "MB", None, False)

    def slowest(times):  # the slowest member's keys-only range, or None if one failed
        parts = times.split(",") if times else ["failed"]
        return None if "failed" in parts else max(float(x) for x in parts)

    er, fr = slowest(e.get("range_s", "")), slowest(f.get("range_s", ""))
    if er is not None and fr is not None:
        row(f"keys-only range of all {n:,} keys (slowest member)", er, fr, "s", 0.5, False, "%.2f")
    else:
        rows.append(f"| keys-only range of all {n:,} keys | {e.get('range_s')} | {f.get('range_s')} | | | a step failed |")

md = [
    "# etcfs beside etcd 3.4",
    "",
    f"3 members each on loopback, default flags (fdatasync on), `etcfsctl bench` with the same flags against each; "
    f"median of {repeat} runs taken in turn. Ratio: etcfs/etcd.",
    "",
    "| measure | etcd 3.4 | etcfs | ratio | target | |",
    "|---|---|---|---|---|---|",
    *rows,
    "",
    "Workloads (`etcfsctl bench ...`):",
    "",
    *[f"- {TITLES.get(n, (n,))[0]}: `{a}`" for n, a in workloads],
    "",
    "Watch rows: events delivered per second to all watchers; latency from each put's sending to each event.",
    "",
]
(out / "compare-etcd.md").write_text("\n".join(md))

# Latency distributions, HdrHistogram style: x = 1/(1-p), so the tail spreads out.
gp = [
    "set terminal pngcairo size 1500,%d font ',10'" % (450 * ((len(plots) + 2) // 3)),
    f"set output '{out / 'compare-etcd.png'}'",
    "set multiplot layout %d,3 title 'etcfs vs etcd 3.4: latency by percentile (median runs)'" % ((len(plots) + 2) // 3),
    "set logscale x", "set logscale y", "set grid",
    # The labels are formats too: %% is a percent sign.
    "set xtics ('50%%' 2, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000)",
    "set xrange [1:12000]", "set ylabel 'ms'", "set key top left",
]
for name, title, e, f in plots:
    for system, dist in (("etcd", e), ("etcfs", f)):
        data = out / f"latency-{system}-{name}.dat"
        data.write_text("".join(f"{1 / (1 - p / 100):.6f} {ms:.6f}\n" for p, ms in dist if p < 100))
    gp += [f"set title '{title}'",
           f"plot '{out / f'latency-etcd-{name}.dat'}' with linespoints pt 7 ps 0.4 title 'etcd 3.4', "
           f"'{out / f'latency-etcfs-{name}.dat'}' with linespoints pt 5 ps 0.4 title 'etcfs'"]
gp.append("unset multiplot")
(out / "latency.gp").write_text("\n".join(gp) + "\n")

#!/usr/bin/env python3
"""compare_etcd.sh's report: the median of each workload's runs per system,
the etcfs/etcd ratios against the targets (throughput, latency, and the
servers' CPU per request), as markdown, for etcfsctl bench and, when it ran,
etcd's own benchmark tool; and a gnuplot script that plots the latency
distributions of the median runs.

    compare_etcd_report.py OUT REPEAT KEYS
"""
import json
import re
import statistics
import sys
from pathlib import Path

out = Path(sys.argv[1])
repeat = int(sys.argv[2])
keys = int(sys.argv[3])

# name -> (title, what the throughput counts, target on the throughput ratio)
TITLES = {
    "put-1": ("put, 1 client", "req/s", 1.5),
    "put-100": ("put, 100 clients", "req/s", 2.0),
    "txn-put-100": ("txn of 4 puts, 100 clients", "txn/s", 2.0),
    "range-l-100": ("range linearizable, 100 clients", "req/s", 2.0),
    "range-s-100": ("range serializable, 100 clients", "req/s", 3.0),
    "watch-1000": ("watch: 1000 watchers, 2000 puts", "events/s", 1.5),
    "watch": ("watch: 1000 watchers, 2000 puts", "events/s", 1.5),
    "watch-latency": ("watch latency, puts at 200/s", "events/s", None),
    "lease-keepalive": ("lease keep-alive, 100 clients", "req/s", 2.0),
}
# The servers' CPU per request, etcfs/etcd.
CPU_TARGET = 0.5


def load(path):
    r = json.loads(path.read_text())
    if "events" in r:  # watch: the events delivered, timed from each put's sending
        r = r["events"]
    rate = r.get("requests_per_second", r.get("txns_per_second", r.get("events_per_second")))
    count = r.get("requests", r.get("count", 0)) or rate * r.get("total_seconds", 0)
    return {"rate": rate, "p50": r["latency_ms"]["p50"], "p99": r["latency_ms"]["p99"], "count": count,
            "errors": r["errors"], "distribution": r.get("distribution_ms", []), "cpu": cpu_of(path)}


def cpu_of(path):
    cpu = path.with_suffix(".cpu")
    return float(cpu.read_text()) if cpu.exists() and cpu.read_text().strip() else None


def load_benchmark(path):
    """etcd's benchmark tool's text report (its last summary, for watch the events')."""
    text = path.read_text()
    rates = re.findall(r"Requests/sec:\s*([0-9.]+)", text)
    totals = re.findall(r"Total:\s*([0-9.]+) secs", text)
    p50 = re.findall(r"\s50% in ([0-9.]+) secs", text)
    p99 = re.findall(r"\s99% in ([0-9.]+) secs", text)
    if not rates or not p99:
        return None
    rate = float(rates[-1])
    return {"rate": rate, "p50": float(p50[-1]) * 1e3 if p50 else 0, "p99": float(p99[-1]) * 1e3,
            "count": rate * float(totals[-1]) if totals else 0, "errors": 0, "distribution": [],
            "cpu": cpu_of(path)}


def median_run(system, name, tool="bench"):
    if tool == "bench":
        runs = [load(p) for p in sorted(out.glob(f"runs/{system}-{name}-*.json"))]
    else:
        runs = [r for r in (load_benchmark(p) for p in sorted(out.glob(f"runs/{system}-bm-{name}-*.txt"))) if r]
    if not runs:
        return None
    by_rate = sorted(runs, key=lambda r: r["rate"])
    cpus = [r["cpu"] / r["count"] for r in runs if r["cpu"] is not None and r["count"]]
    return {"rate": statistics.median(r["rate"] for r in runs),
            "p50": statistics.median(r["p50"] for r in runs),
            "p99": statistics.median(r["p99"] for r in runs),
            "errors": sum(r["errors"] for r in runs),
            "cpu_per_req_us": statistics.median(cpus) * 1e6 if cpus else None,
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
    if e["cpu_per_req_us"] and f["cpu_per_req_us"]:
        row(f"{title}: server CPU per request", e["cpu_per_req_us"], f["cpu_per_req_us"], "µs", CPU_TARGET, False,
            "%.1f")
    plots.append((name, title, e["distribution"], f["distribution"]))

benchmark_rows_start = len(rows)
bench_file = out / "bench_workloads.txt"
bench_workloads = [line.split("|", 1) for line in bench_file.read_text().splitlines() if line] \
    if bench_file.exists() else []
for name, args in bench_workloads:
    title, unit, target = TITLES.get(name, (name, "req/s", None))
    e, f = median_run("etcd", name, "benchmark"), median_run("etcfs", name, "benchmark")
    if not e or not f:
        rows.append(f"| etcd's benchmark: {title} | {'ran' if e else 'failed'} | {'ran' if f else 'failed'} | | | |")
        continue
    row(f"etcd's benchmark: {title}: throughput", e["rate"], f["rate"], unit, target, True)
    row(f"etcd's benchmark: {title}: p50 latency", e["p50"], f["p50"], "ms", None, False, "%.2f")
    row(f"etcd's benchmark: {title}: p99 latency", e["p99"], f["p99"], "ms", 1.0, False, "%.2f")
    if e["cpu_per_req_us"] and f["cpu_per_req_us"]:
        row(f"etcd's benchmark: {title}: server CPU per request", e["cpu_per_req_us"], f["cpu_per_req_us"], "µs",
            CPU_TARGET, False, "%.1f")

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
        "s", 0.25, False, "%.2f")
    for when in ("loaded", "restarted"):
        es = [int(x) for x in e[f"rss_{when}_mb"].split(",")]
        fs = [int(x) for x in f[f"rss_{when}_mb"].split(",")]
        label = "after loading" if when == "loaded" else "after restart and a full keys-only range"
        row(f"RSS with {n:,} keys {label} (largest member)", max(es), max(fs), "MB", 0.5, False)
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
    *(["Workloads of etcd's benchmark tool (`benchmark --endpoints=... ...`):", ""] +
      [f"- {TITLES.get(n, (n,))[0]}: `{a}`" for n, a in bench_workloads] + [""] if bench_workloads else []),
    "Server CPU per request: user + system time of the three members over the run, divided by its requests.",
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

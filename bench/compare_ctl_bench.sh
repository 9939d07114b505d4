#!/usr/bin/env bash
# etcfsctl bench against Debian's etcd 3.4 and against etcfsd, 3 members each
# on loopback (fdatasync on), in one run with the same flags; prints a
# markdown table: requests (or events) per second and p50/p99/p99.9 latency.
#   compare_ctl_bench.sh ETCFSD ETCFSCTL FREE_PORT
etcfsd=$(realpath "$1"); etcfsctl=$(realpath "$2"); FP=$(realpath "$3")
source "$(dirname "$0")/mounts_lib.sh"
command -v etcd >/dev/null || { echo "etcd is not installed (make deps installs etcd-server)" >&2; exit 1; }

cluster etcfs 3 ""
etcd_cluster 3
etcfs_eps="127.0.0.1:${cp[1]},127.0.0.1:${cp[2]},127.0.0.1:${cp[3]}"
etcd_eps="127.0.0.1:${etcd_cps[1]},127.0.0.1:${etcd_cps[2]},127.0.0.1:${etcd_cps[3]}"
for eps in "$etcfs_eps" "$etcd_eps"; do "$etcfsctl" --endpoints "$eps" put foo bar >/dev/null; done

workloads=(
  "put, 1 client|put --conns 1 --clients 1 --total 2000 --key-size 8 --val-size 256 --key-space-size 100000"
  "put, 100 clients|put --conns 10 --clients 100 --total 20000 --key-size 8 --val-size 256 --key-space-size 100000"
  "txn-put (4 ops), 100 clients|txn-put --txn-ops 4 --conns 10 --clients 100 --total 10000 --key-size 8 --val-size 256 --key-space-size 100000"
  "range l, 100 clients|range foo --consistency l --conns 10 --clients 100 --total 20000"
  "range s, 100 clients|range foo --consistency s --conns 10 --clients 100 --total 20000"
  "watch: 1000 watchers, 2000 puts|watch --watchers 1000 --streams 10 --put-total 2000 --conns 10 --clients 10 --val-size 256"
)
summary() {  # summary JSON: "rate | p50 / p99 / p99.9 | errors"
  python3 -c '
import json, sys
r = json.loads(sys.argv[1])
r = r.get("events", r)
rate = r.get("requests_per_second", r.get("events_per_second"))
l = r["latency_ms"]
print("%.0f | %.2f / %.2f / %.2f%s" % (rate, l["p50"], l["p99"], l["p99.9"], " (%d errors)" % r["errors"] if r["errors"] else ""))
' "$1"
}
echo "| workload (etcfsctl bench ...) | etcd 3.4: req/s | etcd: p50 / p99 / p99.9 ms | etcfsd: req/s | etcfsd: p50 / p99 / p99.9 ms |"
echo "|---|---|---|---|---|"
for wl in "${workloads[@]}"; do
  name=${wl%%|*}; args=${wl#*|}
  # shellcheck disable=SC2086  # the flags are words
  etcd_out=$("$etcfsctl" --endpoints "$etcd_eps" --command-timeout 30s bench -w json $args)
  # shellcheck disable=SC2086
  etcfs_out=$("$etcfsctl" --endpoints "$etcfs_eps" --command-timeout 30s bench -w json $args)
  echo "| $name: \`$args\` | $(summary "$etcd_out") | $(summary "$etcfs_out") |"
done
echo "(watch rows: events delivered per second to all watchers, latency from each put's sending to each event)"

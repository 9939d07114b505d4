#!/usr/bin/env bash
# etcfs beside Debian's etcd 3.4 in one run: 3 members each on loopback,
# default flags on both (fdatasync on), the same etcfsctl bench workloads
# against each, REPEAT times in turn (the median run counts); then each
# cluster loaded with KEYS keys, restarted, and timed to a linearizable read
# on every member, with each member's RSS. Writes OUT/compare-etcd.md (the
# etcfs/etcd ratios against the targets) and OUT/compare-etcd.png (the
# latency distributions), and prints the table.
#   compare_etcd.sh ETCFSD ETCFSCTL FREE_PORT [OUT]
#   env: REPEAT (3), KEYS (1000000), SKIP_RESTART=1 (only the workloads),
#        ETCD_BENCHMARK: etcd's own load generator (tools/benchmark of etcd
#        3.4), run with the same workloads beside etcfsctl bench when given.
# Each run also records the members' CPU time (user + system, from
# /proc/PID/stat), for the CPU each request costs the servers.
etcfsd=$(realpath "$1"); etcfsctl=$(realpath "$2"); FP=$(realpath "$3"); out=$(realpath -m "${4:-compare-etcd}")
repeat=${REPEAT:-3}; keys=${KEYS:-1000000}
benchmark=${ETCD_BENCHMARK:+$(realpath "$ETCD_BENCHMARK")}
here=$(dirname "$(realpath "$0")")
source "$here/mounts_lib.sh"
for tool in etcd etcdctl gnuplot python3; do
  command -v "$tool" >/dev/null || { echo "compare_etcd.sh needs $tool: run 'make deps' as root" >&2; exit 1; }
done
mkdir -p "$out/runs"
rm -f "$out"/runs/*.json "$out/restart.txt"

# --- Workloads: name|etcfsctl bench arguments. "name" becomes a file name.
workloads=(
  "put-1|put --conns 1 --clients 1 --total 2000 --key-size 8 --val-size 256 --key-space-size 100000"
  "put-100|put --conns 10 --clients 100 --total 30000 --key-size 8 --val-size 256 --key-space-size 100000"
  "txn-put-100|txn-put --txn-ops 4 --conns 10 --clients 100 --total 10000 --key-size 8 --val-size 256 --key-space-size 100000"
  "range-l-100|range foo --consistency l --conns 10 --clients 100 --total 40000"
  "range-s-100|range foo --consistency s --conns 10 --clients 100 --total 40000"
  "watch-1000|watch --watchers 1000 --streams 10 --put-total 2000 --conns 10 --clients 10 --val-size 256"
)

cluster etcfs 3 ""
etcfs_pids=("${pids[@]: -3}")
etcd_cluster 3
etcd_pids=("${pids[@]: -3}")
tck=$(getconf CLK_TCK)
cpu_s() {  # cpu_s PID...: their user + system time so far, in seconds
  local t=0 p
  for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo "scale=3; $t / $tck" | bc
}
# etcd's benchmark tool: name|arguments, the same workloads as below.
bench_workloads=(
  "put-1|--conns=1 --clients=1 put --key-size=8 --val-size=256 --total=5000 --key-space-size=100000"
  "put-100|--conns=10 --clients=100 put --key-size=8 --val-size=256 --total=50000 --key-space-size=100000"
  "txn-put-100|--conns=10 --clients=100 txn-put --txn-ops=4 --key-size=8 --val-size=256 --total=10000 --key-space-size=100000"
  "range-l-100|--conns=10 --clients=100 range foo --consistency=l --total=40000"
  "range-s-100|--conns=10 --clients=100 range foo --consistency=s --total=40000"
  "watch|--conns=10 --clients=10 watch --streams=10 --watch-per-stream=100 --put-total=2000 --put-rate=100000"
  "watch-latency|--conns=10 --clients=10 watch-latency --total=2000 --put-rate=200 --key-size=8 --val-size=256"
  "lease-keepalive|--conns=10 --clients=100 lease-keepalive --total=30000"
)
etcfs_eps="127.0.0.1:${cp[1]},127.0.0.1:${cp[2]},127.0.0.1:${cp[3]}"
etcd_eps="127.0.0.1:${etcd_cps[1]},127.0.0.1:${etcd_cps[2]},127.0.0.1:${etcd_cps[3]}"
for eps in "$etcfs_eps" "$etcd_eps"; do "$etcfsctl" --endpoints "$eps" put foo bar >/dev/null; done
for r in $(seq 1 "$repeat"); do
  for wl in "${workloads[@]}"; do
    name=${wl%%|*}; args=${wl#*|}
    for sys in etcd etcfs; do
      eps=$etcd_eps; members=("${etcd_pids[@]}")
      [ "$sys" = etcfs ] && { eps=$etcfs_eps; members=("${etcfs_pids[@]}"); }
      c0=$(cpu_s "${members[@]}")
      # shellcheck disable=SC2086  # the flags are words
      "$etcfsctl" --endpoints "$eps" --command-timeout 30s bench -w json $args >"$out/runs/$sys-$name-$r.json"
      echo "$c0 $(cpu_s "${members[@]}")" | awk '{print $2 - $1}' >"$out/runs/$sys-$name-$r.cpu"
    done
    echo "run $r/$repeat: $name" >&2
  done
  for wl in "${bench_workloads[@]}"; do
    [ -n "$benchmark" ] || break
    name=${wl%%|*}; args=${wl#*|}
    for sys in etcd etcfs; do
      eps=$etcd_eps; members=("${etcd_pids[@]}")
      [ "$sys" = etcfs ] && { eps=$etcfs_eps; members=("${etcfs_pids[@]}"); }
      c0=$(cpu_s "${members[@]}")
      # shellcheck disable=SC2086
      "$benchmark" --endpoints="$eps" $args >"$out/runs/$sys-bm-$name-$r.txt" 2>&1 || echo "benchmark $name against $sys failed" >&2
      echo "$c0 $(cpu_s "${members[@]}")" | awk '{print $2 - $1}' >"$out/runs/$sys-bm-$name-$r.cpu"
    done
    echo "run $r/$repeat: benchmark $name" >&2
  done
done
printf '%s\n' "${workloads[@]}" >"$out/workloads.txt"
printf '%s\n' "${bench_workloads[@]}" >"$out/bench_workloads.txt"
[ -n "$benchmark" ] || : >"$out/bench_workloads.txt"
# The workload clusters go before the restart clusters start: one pair at a time.
cleanup; w=$(mktemp -d /tmp/fsb-XXXX); pids=(); mounts=()

# --- Restart with KEYS keys: load in transactions of 100 sequential keys,
# let every member catch up, SIGTERM all, start all, time until each answers
# a linearizable get; then RSS after a keys-only range of everything.
start_members() {  # start_members etcd|etcfs: the members of $w/$1, ports in rc[] rp[]
  local kind=$1 spec="" i
  for i in 1 2 3; do spec+="${spec:+,}m$i=http://127.0.0.1:${rp[$i]}"; done
  for i in 1 2 3; do
    local args=(--name "m$i" --data-dir "$w/$kind-d$i" --listen-client-urls "http://127.0.0.1:${rc[$i]}"
      --advertise-client-urls "http://127.0.0.1:${rc[$i]}" --listen-peer-urls "http://127.0.0.1:${rp[$i]}"
      --initial-advertise-peer-urls "http://127.0.0.1:${rp[$i]}" --initial-cluster "$spec" --log-level error)
    if [ "$kind" = etcd ]; then etcd "${args[@]}" >>"$w/$kind-log$i" 2>&1 & else "$etcfsd" "${args[@]}" >>"$w/$kind-log$i" 2>&1 & fi
    mpid[$i]=$!; pids+=($!)
  done
}
all_ready() {  # every member answers a linearizable get
  local i
  for i in 1 2 3; do
    for _ in $(seq 1 6000); do
      ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:${rc[$i]}" --command-timeout=1s get 00000000 >/dev/null 2>&1 && break
      sleep 0.01
    done
  done
}
rss_mb() {  # the three members' RSS in MB, "a b c"
  local i s=""
  for i in 1 2 3; do s+="${s:+ }$(( $(awk '/VmRSS/{print $2}' "/proc/${mpid[$i]}/status") / 1024 ))"; done
  echo "$s"
}
if [ "${SKIP_RESTART:-0}" != 1 ]; then
  declare -a rc rp mpid
  for kind in etcd etcfs; do
    for i in 1 2 3; do rc[$i]=$($FP); rp[$i]=$($FP); done
    start_members "$kind"; all_ready
    eps="127.0.0.1:${rc[1]},127.0.0.1:${rc[2]},127.0.0.1:${rc[3]}"
    t0=$(date +%s.%N)
    "$etcfsctl" --endpoints "$eps" --command-timeout 60s bench -w json txn-put --txn-ops 100 --sequential-keys \
      --key-size 8 --val-size 256 --key-space-size "$keys" --total $((keys / 100)) --conns 10 --clients 20 \
      >"$out/runs/$kind-load.json"
    load_s=$(echo "$(date +%s.%N) - $t0" | bc)
    n=$("$etcfsctl" --endpoints "$eps" --command-timeout 60s get 00000000 99999999 --count-only -w json |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])') || n=0
    # A step that fails is reported in the table, and the others still run.
    [ "$n" -ge "$keys" ] 2>/dev/null || echo "$kind: loaded ${n:-no} keys, not $keys" >&2
    all_ready  # each member has applied the load
    rss_loaded=$(rss_mb)
    for i in 1 2 3; do kill -TERM "${mpid[$i]}"; done
    for i in 1 2 3; do wait "${mpid[$i]}" || true; done
    data_mb=$(du -sm "$w/$kind-d1" | cut -f1)
    t0=$(date +%s.%N); start_members "$kind"; all_ready; t1=$(date +%s.%N)
    # A keys-only range of everything: about 8 s for 1M keys here, past
    # etcdctl's default 5 s timeout.
    range_s=""
    for i in 1 2 3; do
      r0=$(date +%s.%N)
      if ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:${rc[$i]}" --command-timeout=300s get 00000000 99999999 \
          --keys-only --consistency=s >/dev/null; then
        range_s+="${range_s:+,}$(echo "$(date +%s.%N) - $r0" | bc)"
      else
        range_s+="${range_s:+,}failed"; echo "$kind: the keys-only range on member $i failed" >&2
      fi
    done
    echo "$kind keys=$n load_s=$load_s restart_s=$(echo "$t1 - $t0" | bc) rss_loaded_mb=${rss_loaded// /,}" \
      "rss_restarted_mb=$(rss_mb | tr ' ' ,) data_mb=$data_mb range_s=$range_s" >>"$out/restart.txt"
    echo "restart: $(tail -1 "$out/restart.txt")" >&2
    for i in 1 2 3; do kill -9 "${mpid[$i]}" 2>/dev/null || true; wait "${mpid[$i]}" 2>/dev/null || true; done
    rm -rf "$w"/"$kind"-d*
  done
fi

python3 "$here/compare_etcd_report.py" "$out" "$repeat" "$keys"
gnuplot "$out/latency.gp"
cat "$out/compare-etcd.md"
echo "wrote $out/compare-etcd.md and $out/compare-etcd.png" >&2

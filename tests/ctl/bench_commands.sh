#!/usr/bin/env bash
# etcfsctl bench put, range, txn-put and watch against Debian's etcd 3.4 and
# against etcfsd (3 members each): every request answered and counted, the
# keys written as the flags ask, each watcher sent each put's event, --rate
# holding the load back, a progress bar on a terminal only, bad flags refused.
#   bench_commands.sh ETCFSD ETCFSCTL
etcfsd=$(realpath "$1"); etcfsctl=$(realpath "$2")
here=$(dirname "$(realpath "$0")")
source "$here/../fs/lib.sh"

start_etcd 3
start_cluster 3

field() {  # field JSON PYTHON-EXPRESSION-ON-r
  python3 -c "import json, sys; r = json.loads(sys.argv[1]); print($2)" "$1"
}
for eps in "$etcd_eps" "$etcfs_eps"; do
  b() { "$etcfsctl" --endpoints "$eps" bench -w json "$@"; }
  x() { "$etcfsctl" --endpoints "$eps" "$@"; }
  out=$(b put --conns 3 --clients 6 --total 300 --key-size 6 --val-size 100 --sequential-keys --key-space-size 50)
  [ "$(field "$out" 'r["requests"], r["errors"]')" = "300 0" ] || fail "bench put on $eps: $out"
  [ "$(field "$out" 'r["latency_ms"]["p50"] <= r["latency_ms"]["p99"] <= r["latency_ms"]["slowest"]')" = True ] ||
    fail "bench put's percentiles out of order: $out"
  [ "$(x get 000000 000050 --count-only -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')" = 50 ] ||
    fail "bench put --key-space-size 50 on $eps did not write keys 000000..000049"
  [ "$(x get 000049 --print-value-only)" = "$(printf 'v%.0s' $(seq 1 100))" ] || fail "bench put's values on $eps"
  for c in l s; do
    out=$(b range 000001 000010 --consistency "$c" --conns 2 --clients 4 --total 200)
    [ "$(field "$out" 'r["requests"], r["errors"]')" = "200 0" ] || fail "bench range --consistency $c on $eps: $out"
  done
  before=$(x get 000000 -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])')
  out=$(b txn-put --txn-ops 4 --key-size 6 --key-space-size 50 --total 100 --clients 4)
  [ "$(field "$out" 'r["requests"], r["errors"]')" = "100 0" ] || fail "bench txn-put on $eps: $out"
  after=$(x get 000000 -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])')
  [ $((after - before)) = 100 ] || fail "bench txn-put: 100 transactions took $((after - before)) revisions on $eps"
  out=$(b txn-put --txn-ops 5 --key-size 7 --key-space-size 1000000 --total 40 --clients 4 --sequential-keys)
  # 7-character keys: no other run here writes any, so each is this run's.
  for k in 0000000 0000004 0000005 0000123 0000199; do
    [ -n "$(x get "$k" --keys-only)" ] || fail "bench txn-put --sequential-keys: 40 txns of 5 did not write key $k on $eps"
  done
  [ -z "$(x get 0000200 --keys-only)" ] || fail "bench txn-put --sequential-keys wrote past key 0000199 on $eps"
  out=$(b watch --watchers 12 --streams 3 --put-total 50 --clients 2 --conns 3)
  [ "$(field "$out" 'r["puts"]["requests"], r["events"]["events"], r["events"]["errors"]')" = "50 600 0" ] ||
    fail "bench watch on $eps: $out"
  start=$(date +%s%N)
  out=$(b put --total 40 --rate 100 --clients 4)
  took=$(( ($(date +%s%N) - start) / 1000000 ))
  [ "$took" -ge 390 ] || fail "40 puts at --rate 100 took $took ms; the rate was not held"
  # The text report, and a progress bar only on a terminal.
  text=$("$etcfsctl" --endpoints "$eps" bench put --total 20 2>"$work/progress")
  grep -q "^  Requests/sec:" <<<"$text" && grep -q "^  99.9% in [0-9.]* secs.$" <<<"$text" ||
    fail "bench's text report: $text"
  [ ! -s "$work/progress" ] || fail "bench drew progress on a pipe: $(cat "$work/progress")"
  script -qec "'$etcfsctl' --endpoints '$eps' bench put --total 20" /dev/null >"$work/tty" ||
    fail "bench under a terminal: $(cat "$work/tty")"
  grep -q "20 / 20 puts \[=*\] 100%" "$work/tty" || fail "no progress bar on a terminal: $(cat "$work/tty")"
done

expect_error "a key space bigger than the keys" "cannot hold 1000 distinct keys" \
  "$etcfsctl" --endpoints "$etcfs_eps" bench put --key-size 2 --key-space-size 1000
expect_error "fewer watchers than streams" "must be at least --streams" \
  "$etcfsctl" --endpoints "$etcfs_eps" bench watch --watchers 2 --streams 3
expect_error "a table of a bench" "table is not an output format of bench" \
  "$etcfsctl" --endpoints "$etcfs_eps" bench -w table put --total 1
echo "PASS: bench put, range (l and s), txn-put, watch and --rate against etcd 3.4 and etcfsd, 3 members each"

#!/usr/bin/env bash
# etcd's HTTP side, etcd 3.4 and etcfsd side by side (--listen-metrics-urls):
# every metric the issue names exists on both with the same type, /health
# answers alike, /version names both versions, and the metrics move with
# work done (proposals applied, WAL fsyncs, keys). The client port serves the
# same HTTP beside gRPC, as etcd's does, and etcdctl's check datascale (which
# reads /metrics there) passes.
#   http_endpoints.sh ETCFSD
set -euo pipefail
etcfsd=$(realpath "$1")
source "$(dirname "$(realpath "$0")")/../support/scratch.sh"
scratch http
ctl() { ETCDCTL_API=3 etcdctl --command-timeout=3s "$@"; }
fail() { echo "FAIL: $*" >&2; tail -n 5 "$work"/*.log >&2; exit 1; }

ec=$(free_port); ep=$(free_port); em=$(free_port)
etcd --name ref --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$ec" \
  --advertise-client-urls "http://127.0.0.1:$ec" --listen-peer-urls "http://127.0.0.1:$ep" \
  --initial-advertise-peer-urls "http://127.0.0.1:$ep" --initial-cluster "ref=http://127.0.0.1:$ep" \
  --listen-metrics-urls "http://127.0.0.1:$em" >"$work/etcd.log" 2>&1 &
pids+=($!)
fc=$(free_port); fp=$(free_port); fm=$(free_port)
"$etcfsd" --name ours --data-dir "$work/etcfs" --listen-client-urls "http://127.0.0.1:$fc" \
  --advertise-client-urls "http://127.0.0.1:$fc" --listen-peer-urls "http://127.0.0.1:$fp" \
  --initial-advertise-peer-urls "http://127.0.0.1:$fp" --initial-cluster "ours=http://127.0.0.1:$fp" \
  --listen-metrics-urls "http://127.0.0.1:$fm" >"$work/etcfsd.log" 2>&1 &
pids+=($!)
for port in "$ec" "$fc"; do
  for _ in $(seq 1 100); do ctl --endpoints "127.0.0.1:$port" get ready >/dev/null 2>&1 && break; sleep 0.1; done
done

metric() { curl -sf "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 == n {print $2}'; }
before=$(metric "$fm" etcd_server_proposals_applied_total)
for i in $(seq 1 10); do ctl --endpoints "127.0.0.1:$fc" put "k$i" v >/dev/null; done

names="etcd_server_has_leader etcd_server_is_leader etcd_server_leader_changes_seen_total
  etcd_server_proposals_committed_total etcd_server_proposals_applied_total etcd_server_proposals_pending
  etcd_server_proposals_failed_total etcd_disk_wal_fsync_duration_seconds etcd_disk_backend_commit_duration_seconds
  etcd_network_peer_round_trip_time_seconds etcd_mvcc_db_total_size_in_bytes etcd_mvcc_db_total_size_in_use_in_bytes
  etcd_server_quota_backend_bytes etcd_debugging_mvcc_keys_total etcd_debugging_mvcc_watcher_total
  process_resident_memory_bytes"
curl -sf "http://127.0.0.1:$em/metrics" >"$work/etcd.metrics" || fail "etcd serves no /metrics"
curl -sf "http://127.0.0.1:$fm/metrics" >"$work/etcfs.metrics" || fail "etcfsd serves no /metrics"
for n in $names; do
  want=$(grep "^# TYPE $n " "$work/etcd.metrics" || true)
  got=$(grep "^# TYPE $n " "$work/etcfs.metrics" || true)
  if [ -z "$want" ]; then
    # A lone member has no peers: etcd prints no peer round-trip family at all.
    [ "$n" = etcd_network_peer_round_trip_time_seconds ] && continue
    fail "etcd itself lacks $n"
  fi
  [ "$want" = "$got" ] || fail "metric $n: etcd says '$want', etcfsd '${got:-nothing}'"
done
[ "$(metric "$fm" etcd_server_has_leader)" = 1 ] || fail "etcfsd reports no leader"
[ "$(metric "$fm" etcd_debugging_mvcc_keys_total)" = 10 ] || fail "etcfsd does not count 10 keys"
after=$(metric "$fm" etcd_server_proposals_applied_total)
[ "$after" -ge $(( before + 10 )) ] || fail "applied proposals went from $before to $after for 10 puts"
[ "$(metric "$fm" etcd_disk_wal_fsync_duration_seconds_count)" -ge 10 ] || fail "fewer WAL fsyncs than puts"

[ "$(curl -s "http://127.0.0.1:$em/health")" = "$(curl -s "http://127.0.0.1:$fm/health")" ] \
  || fail "/health differs: etcd $(curl -s "http://127.0.0.1:$em/health"), etcfsd $(curl -s "http://127.0.0.1:$fm/health")"
curl -sf "http://127.0.0.1:$fm/version" | grep -q '"etcdcluster":"3.4.0"' || fail "/version: $(curl -s "http://127.0.0.1:$fm/version")"
# The client port: HTTP/1.1 and gRPC on one socket.
headers() { curl -s -D - -o /dev/null "$1" | tr -d '\r' | grep -iE '^(content-type|access-control-[a-z-]+):' | sort; }
for path in /health /version /nope; do
  [ "$(curl -s "http://127.0.0.1:$fc$path" | tr -d 0-9.+a-z-)" = "$(curl -s "http://127.0.0.1:$ec$path" | tr -d 0-9.+a-z-)" ] \
    || fail "$path on the client port: etcd $(curl -s "http://127.0.0.1:$ec$path"), etcfsd $(curl -s "http://127.0.0.1:$fc$path")"
  [ "$(headers "http://127.0.0.1:$fc$path")" = "$(headers "http://127.0.0.1:$ec$path")" ] \
    || fail "$path on the client port: etcd's headers $(headers "http://127.0.0.1:$ec$path"), etcfsd's $(headers "http://127.0.0.1:$fc$path")"
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$fc/nope")" = 404 ] || fail "an unknown path is not 404"
curl -sf "http://127.0.0.1:$fc/metrics" | grep -q '^etcd_debugging_mvcc_keys_total 10$' || fail "no /metrics on the client port"
# Keep-alive: one connection carries several requests, HTTP/1.0 too.
[ "$(curl -sf -o /dev/null -o /dev/null -o /dev/null -w '%{num_connects}' "http://127.0.0.1:$fc/health" "http://127.0.0.1:$fc/version" \
  "http://127.0.0.1:$fc/health")" = 100 ] || fail "three requests did not share one connection"
curl -sf --http1.0 "http://127.0.0.1:$fc/health" | grep -q true || fail "HTTP/1.0 /health"
# A connection that never speaks holds nothing up; gRPC still works beside it.
exec 3<>"/dev/tcp/127.0.0.1/$fc"
ctl --endpoints "127.0.0.1:$fc" put after-http v >/dev/null || fail "etcdctl put on the client port after HTTP"
[ "$(ctl --endpoints "127.0.0.1:$fc" get after-http --print-value-only)" = v ] || fail "etcdctl get on the client port"
exec 3>&-
ctl --endpoints "127.0.0.1:$fc" check datascale --load=s >"$work/datascale" 2>&1 \
  || fail "etcdctl check datascale: $(tail -n 3 "$work/datascale")"
grep -q '^PASS' "$work/datascale" || fail "check datascale did not pass: $(tail -n 3 "$work/datascale")"
echo "http: $(echo $names | wc -w) metrics with etcd's names and types, /health as etcd's, /version; the client port serves HTTP beside gRPC"

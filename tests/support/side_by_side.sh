# Sourced by the tests that compare etcfsd with Debian's etcd 3.4, one member
# each: `side_by_side NAME ETCFSD` makes $work (scratch.sh), starts etcd on
# $ec and etcfsd on $fc and waits for both; start_etcfsd starts etcfsd again
# (after a kill) on the same data and port. fail MESSAGE shows the logs' ends.
source "$(dirname "${BASH_SOURCE[0]}")/scratch.sh"
fail() { echo "FAIL: $*" >&2; tail -n 5 "$work"/*.log >&2; exit 1; }
ready() {
  for _ in $(seq 1 100); do ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:$1" get ready >/dev/null 2>&1 && return; sleep 0.1; done
  fail "no answer on $1"
}
start_etcfsd() {
  "$side_etcfsd" --name ours --data-dir "$work/etcfs" --listen-client-urls "http://127.0.0.1:$fc" \
    --advertise-client-urls "http://127.0.0.1:$fc" --listen-peer-urls "http://127.0.0.1:$fp" \
    --initial-advertise-peer-urls "http://127.0.0.1:$fp" --initial-cluster "ours=http://127.0.0.1:$fp" >>"$work/etcfsd.log" 2>&1 &
  pids+=($!)
  ready "$fc"
}
side_by_side() {
  scratch "$1"
  side_etcfsd=$2
  ec=$(free_port); ep=$(free_port); fc=$(free_port); fp=$(free_port)
  etcd --name ref --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$ec" \
    --advertise-client-urls "http://127.0.0.1:$ec" --listen-peer-urls "http://127.0.0.1:$ep" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ep" --initial-cluster "ref=http://127.0.0.1:$ep" >"$work/etcd.log" 2>&1 &
  pids+=($!)
  start_etcfsd
  ready "$ec"
}

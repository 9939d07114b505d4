#!/usr/bin/env bash
# etcd's HTTP/JSON gateway, etcd 3.4 and etcfsd side by side, each fresh:
# the same raw requests (unary, streams, errors) answer field by field alike
# (gateway_requests.py), and python3-etcd3gw, a real client of the gateway,
# sees the same answers from both.
#   gateway.sh ETCFSD
set -euo pipefail
etcfsd=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
source "$here/../support/side_by_side.sh"
side_by_side gateway "$etcfsd"
py=/usr/bin/python3  # Debian's, where python3-etcd3gw is installed

"$py" "$here/gateway_requests.py" "$ec" >"$work/etcd.requests" || fail "raw gateway requests against etcd"
"$py" "$here/gateway_requests.py" "$fc" >"$work/etcfs.requests" || fail "raw gateway requests against etcfsd"
diff -u "$work/etcd.requests" "$work/etcfs.requests" || fail "the gateway answers differently"

"$py" "$here/python_etcd3gw_client.py" "$ec" >"$work/etcd.gw" || fail "python3-etcd3gw against etcd"
"$py" "$here/python_etcd3gw_client.py" "$fc" >"$work/etcfs.gw" || fail "python3-etcd3gw against etcfsd"
diff -u "$work/etcd.gw" "$work/etcfs.gw" || fail "python3-etcd3gw sees etcfsd answer differently"

# A watch whose HTTP client goes away ends on the server too: its gRPC
# stream is canceled within seconds (the member's watcher gauge falls to 0).
# The python client's watches, closed above, are gone first.
watchers() { curl -sf "http://127.0.0.1:$fc/metrics" | awk '$1 == "etcd_debugging_mvcc_watcher_total" {print $2}'; }
await_watchers() {
  for _ in $(seq 1 50); do [ "$(watchers)" "$1" "$2" ] && return; sleep 0.1; done
  fail "$3: $(watchers) watchers"
}
await_watchers = 0 "python3-etcd3gw's closed watches outlived their clients"
curl -sN -X POST "http://127.0.0.1:$fc/v3/watch" -d '{"create_request":{"key":"YQ=="}}' >/dev/null &
client=$!
await_watchers -gt 0 "the gateway watch never registered"
kill "$client"; wait "$client" 2>/dev/null || true
await_watchers = 0 "a gateway watch outlived its client"
echo "gateway: $(wc -l <"$work/etcfs.requests") raw answers and $(wc -l <"$work/etcfs.gw") python3-etcd3gw answers as etcd's"

#!/usr/bin/env bash
# etcfsd's start-up contract: flags from a YAML --config-file (etcd's
# format, unknown etcd keys ignored with a warning), and a clear error, not
# a start, for bad flags, a port in use, and a data dir of another member or
# cluster.
#   etcfsd_flags.sh ETCFSD
set -euo pipefail
etcfsd=$(realpath "$1")
source "$(dirname "$(realpath "$0")")/../support/scratch.sh"
scratch flags
fail() { echo "FAIL: $*" >&2; exit 1; }
# refused WHAT EXPECTED_TEXT ARGS...: etcfsd must exit non-zero within 10 s, saying EXPECTED_TEXT.
refused() {
  local what=$1 want=$2; shift 2
  local out rc=0
  out=$(cd "$work" && timeout 10 "$etcfsd" "$@" 2>&1) || rc=$?
  [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "$what: etcfsd did not refuse (exit $rc)"
  grep -qF -- "$want" <<<"$out" || fail "$what: expected '$want' in: $out"
  echo "refused, clearly: $what"
}

c=$(free_port); p=$(free_port)
cat >"$work/etcfs.yml" <<YAML
# as etcd's etcd.conf.yml
name: 'from-yaml'
data-dir: $work/data
wal-dir:
listen-client-urls: http://127.0.0.1:$c
advertise-client-urls: http://127.0.0.1:$c
listen-peer-urls: http://127.0.0.1:$p
initial-advertise-peer-urls: http://127.0.0.1:$p
initial-cluster: from-yaml=http://127.0.0.1:$p
initial-cluster-token: yaml-token
enable-v2: false
YAML
"$etcfsd" --config-file "$work/etcfs.yml" >"$work/yaml.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:$c" get ready >/dev/null 2>&1 && break; sleep 0.1; done
ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:$c" member list | grep ", from-yaml, " >/dev/null || fail "the member did not take its name from the YAML file"
grep -q "ignoring 'enable-v2'" "$work/yaml.log" || fail "no warning for an unknown key"

refused "a port in use" "cannot listen" --name other --data-dir "$work/other" \
  --listen-client-urls "http://127.0.0.1:$c" --listen-peer-urls "http://127.0.0.1:$(free_port)"
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
refused "another member's data dir" "belongs to member 'from-yaml'" --name intruder --data-dir "$work/data" \
  --listen-client-urls "http://127.0.0.1:$(free_port)" --initial-advertise-peer-urls "http://127.0.0.1:$p" \
  --listen-peer-urls "http://127.0.0.1:$p"
refused "another cluster's data dir" "--initial-cluster-token 'yaml-token'" --config-file "$work/etcfs.yml" \
  --initial-cluster-token other-token
refused "an unknown flag" "--no-such-flag" --no-such-flag
refused "a bad cluster state" "initial-cluster-state" --initial-cluster-state maybe
refused "a member missing from --initial-cluster" "has no entry for this member" --name a --initial-cluster b=http://127.0.0.1:1
refused "a bad URL" "needs a host and a port" --listen-client-urls http://127.0.0.1
refused "a bad election timeout" "at least 5 times" --heartbeat-interval 100 --election-timeout 200
refused "bad YAML" "not valid YAML" --config-file <(echo "name: [unclosed")
refused "joining with nobody to ask" "no member of the cluster answered" --name j --initial-cluster-state existing \
  --initial-cluster "j=http://127.0.0.1:$(free_port),k=http://127.0.0.1:$(free_port)" --data-dir "$work/j"
echo "flags: YAML config file accepted; 10 kinds of bad start-up refused with a clear message"

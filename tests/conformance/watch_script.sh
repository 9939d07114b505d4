#!/usr/bin/env bash
# etcdctl's watch, replaying history from a revision (so the output is the
# same on every run), with each command printed before its output.
#   watch_script.sh ENDPOINT
set -u
ep=$1
ctl() { ETCDCTL_API=3 etcdctl --endpoints "$ep" --command-timeout=5s "$@" 2>&1 | grep -v '"level":'; }
source "$(dirname "$(realpath "$0")")/../support/watch_until.sh"
watch() {  # watch LINES ARGS...: until it printed the LINES lines etcd's answer has
  local lines=$1; shift
  echo "\$ etcdctl watch $*"
  watch_until "$lines" env ETCDCTL_API=3 etcdctl --endpoints "$ep" watch "$@"
}
ctl put /app/a 1 >/dev/null
ctl put /app/b 2 >/dev/null
ctl put /app/a 3 >/dev/null
ctl del /app/b >/dev/null
ctl put /other x >/dev/null
ctl txn <<< $'\n\nput /app/c 4\nput /app/d 5\n\n' >/dev/null
watch 12 --prefix /app --rev 1
watch 6 /app/a --rev 2
watch 13 --prefix /app --rev 3 --prev-kv
watch 3 --prefix / --rev 6
ctl compaction 5 >/dev/null
watch 2 --prefix /app --rev 3
watch 0 --prefix /app --rev 5

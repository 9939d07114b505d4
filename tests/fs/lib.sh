# Helpers for the filesystem tests: etcfsd members with mounts, a tmpfs to
# compare with, and a cleanup that kills and unmounts whatever was started,
# also when the test fails. Source it after setting `etcfsd`.
#   plan_cluster N; start_member I MOUNTDIR [FLAGS...]; wait_member I [MOUNTDIR]
#   start_cluster N: all of that for N members without mounts ($etcfs_eps)
#   start_two_mounts: 3 members, 1 and 2 mounted on $a and $b
# Members keep their data in $work/${run}nI (set `run` to start a second cluster).
#   start_etcd; mount_remote SOURCE DIR [OPTIONS]: Debian's etcd and a mount.etcfs of it
#   (set `mount_etcfs` first).
#   watch_events DIR NAME; same_events NAME REFERENCE WHAT: inotify compared with a tmpfs.
set -euo pipefail  # so a pipe into grep checks with plain grep, not grep -q: an early exit fails the writer
work=$(mktemp -d /tmp/etcfs-fs-XXXXXX)
declare -A pid cport pport
mounts=()
cleanup() {
  local rc=$?
  # A script's own undo step (a host file it changed), first and whatever failed.
  if declare -F on_cleanup >/dev/null; then on_cleanup || true; fi
  for p in "${pid[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pid[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  for m in "${mounts[@]}"; do
    mountpoint -q "$m" 2>/dev/null && umount -l "$m" 2>/dev/null || true
  done
  if [ $rc -ne 0 ]; then
    for log in "$work"/*.log; do [ -f "$log" ] && { echo "--- $log (last lines)"; tail -n 30 "$log"; }; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { "${FREE_PORT:?set FREE_PORT to the free_port helper (ctest does)}"; }
ctl() { ETCDCTL_API=3 etcdctl --command-timeout=10s "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_error WHAT MESSAGE COMMAND...: COMMAND must fail, saying MESSAGE.
expect_error() {
  local what=$1 msg=$2; shift 2
  if "$@" 2>"$work/err"; then fail "$what succeeded"; fi
  grep -q "$msg" "$work/err" || fail "$what: expected '$msg', got: $(cat "$work/err")"
}

# Allocates ports for members 1..N and sets $cluster.
plan_cluster() {
  cluster=""
  for i in $(seq 1 "$1"); do
    cport[$i]=$(free_port); pport[$i]=$(free_port)
    cluster+="${cluster:+,}n$i=http://127.0.0.1:${pport[$i]}"
  done
}

# start_member I MOUNTDIR [FLAGS...]: member nI, mounted on MOUNTDIR unless it is "".
start_member() {
  local i=$1 dir=$2; shift 2
  local mount=()
  if [ -n "$dir" ]; then mkdir -p "$dir"; mount=(--mount "$dir"); mounts+=("$dir"); fi
  "$etcfsd" --name "n$i" --data-dir "$work/${run:-}n$i" --listen-client-urls "http://127.0.0.1:${cport[$i]}" \
    --advertise-client-urls "http://127.0.0.1:${cport[$i]}" \
    --listen-peer-urls "http://127.0.0.1:${pport[$i]}" --initial-cluster "$cluster" \
    --heartbeat-interval 50 --election-timeout 500 "${mount[@]}" "$@" >>"$work/${run:-}n$i.log" 2>&1 &
  pid[$i]=$!
}

# start_cluster N: members 1..N without mounts, up; their endpoints in $etcfs_eps.
start_cluster() {
  local i
  plan_cluster "$1"
  etcfs_eps=""
  for i in $(seq 1 "$1"); do start_member "$i" ""; etcfs_eps+="${etcfs_eps:+,}127.0.0.1:${cport[$i]}"; done
  for i in $(seq 1 "$1"); do wait_member "$i"; done
}

# start_two_mounts: 3 members up, members 1 and 2 mounted on $a and $b
# ($work/a, $work/b), member 3 without a mount.
start_two_mounts() {
  plan_cluster 3
  start_member 1 "$work/a"
  start_member 2 "$work/b"
  start_member 3 ""
  wait_member 1 "$work/a"; wait_member 2 "$work/b"; wait_member 3
  a="$work/a"; b="$work/b"
}

# Waits until member I answers and its mount (if any) is there.
wait_member() {
  local i=$1 dir=${2:-}
  for _ in $(seq 1 200); do
    if ctl --endpoints "127.0.0.1:${cport[$i]}" get /ready >/dev/null 2>&1 &&
       { [ -z "$dir" ] || mountpoint -q "$dir"; }; then
      return 0
    fi
    kill -0 "${pid[$i]}" 2>/dev/null || fail "member n$i exited: $(tail -n 5 "$work/${run:-}n$i.log")"
    sleep 0.1
  done
  fail "member n$i did not come up"
}

# start_etcd [N]: Debian's etcd 3.4, N members (default 1) on free loopback
# ports; sets $etcd_ep (member 1) and $etcd_eps (all, comma-separated).
# restart_etcd I brings member I back after a kill.
declare -A etcd_cport etcd_pport
start_etcd() {
  command -v etcd >/dev/null || fail "etcd is not installed (make deps installs etcd-server)"
  local n=${1:-1} i initial=""
  etcd_eps=""
  for i in $(seq 1 "$n"); do
    etcd_cport[$i]=$(free_port); etcd_pport[$i]=$(free_port)
    initial+="${initial:+,}e$i=http://127.0.0.1:${etcd_pport[$i]}"
    etcd_eps+="${etcd_eps:+,}127.0.0.1:${etcd_cport[$i]}"
  done
  etcd_initial=$initial
  etcd_ep="127.0.0.1:${etcd_cport[1]}"
  for i in $(seq 1 "$n"); do restart_etcd "$i" nowait; done
  for i in $(seq 1 "$n"); do wait_etcd "$i"; done
}
restart_etcd() {
  local i=$1
  etcd --name "e$i" --data-dir "$work/etcd$i" --listen-client-urls "http://127.0.0.1:${etcd_cport[$i]}" \
    --advertise-client-urls "http://127.0.0.1:${etcd_cport[$i]}" \
    --listen-peer-urls "http://127.0.0.1:${etcd_pport[$i]}" \
    --initial-advertise-peer-urls "http://127.0.0.1:${etcd_pport[$i]}" --initial-cluster "$etcd_initial" \
    --heartbeat-interval 50 --election-timeout 500 >>"$work/etcd$i.log" 2>&1 &
  pid[etcd$i]=$!
  [ "${2:-}" = nowait ] || wait_etcd "$i"
}
wait_etcd() {
  local i=$1
  for _ in $(seq 1 200); do
    ctl --endpoints "127.0.0.1:${etcd_cport[$i]}" --command-timeout=1s get /ready >/dev/null 2>&1 && return 0
    kill -0 "${pid[etcd$i]}" 2>/dev/null || fail "etcd e$i exited: $(tail -n 5 "$work/etcd$i.log")"
    sleep 0.1
  done
  fail "etcd e$i did not come up"
}
kill_etcd() {
  kill -9 "${pid[etcd$1]}" 2>/dev/null || true
  wait "${pid[etcd$1]}" 2>/dev/null || true
}

# mount_remote SOURCE DIR [OPTIONS]: mount.etcfs in the foreground (its log in
# $work/mount-DIRNAME.log), waiting until the mount is there.
mount_remote() {
  local src=$1 dir=$2 opts=${3:-}
  local name
  name=$(basename "$dir")
  mkdir -p "$dir"
  mounts+=("$dir")
  "$mount_etcfs" "$src" "$dir" -f ${opts:+-o "$opts"} >>"$work/mount-$name.log" 2>&1 &
  pid[mount-$name]=$!
  for _ in $(seq 1 100); do
    mountpoint -q "$dir" && return 0
    kill -0 "${pid[mount-$name]}" 2>/dev/null || fail "mount.etcfs exited: $(tail -n 5 "$work/mount-$name.log")"
    sleep 0.1
  done
  fail "mount.etcfs did not mount $dir"
}

# A tmpfs to run the same steps on.
make_tmpfs() {
  mkdir -p "$1"
  mount -t tmpfs -o mode=755 tmpfs "$1"
  mounts+=("$1")
}

# Waits until `cat FILE` prints EXPECTED (a change made elsewhere arriving).
wait_content() {
  local file=$1 expected=$2
  for _ in $(seq 1 100); do
    [ "$(cat "$file" 2>/dev/null)" = "$expected" ] && return 0
    sleep 0.05
  done
  fail "$file shows '$(cat "$file" 2>&1)', expected '$expected'"
}

# watch_events DIR NAME: inotifywait on DIR, its events to $work/NAME.events as "EVENTS FILE".
watch_events() {
  local dir=$1 name=$2
  inotifywait -m -e modify,close_write,attrib,create,delete,moved_from,moved_to --format '%e %f' "$dir" \
    >"$work/$name.events" 2>"$work/$name.err" &
  pid[watch-$name]=$!
  for _ in $(seq 1 100); do grep -q "Watches established" "$work/$name.err" && return 0; sleep 0.05; done
  fail "inotifywait on $dir did not start"
}
# same_events NAME REFERENCE WHAT: waits until NAME's events equal REFERENCE's
# (a tmpfs's), consecutive repeats folded as inotify itself folds them.
same_events() {
  local name=$1 ref=$2 what=$3
  for _ in $(seq 1 200); do
    [ "$(uniq "$work/$name.events")" = "$(uniq "$work/$ref.events")" ] && return 0
    sleep 0.05
  done
  diff -u <(uniq "$work/$ref.events") <(uniq "$work/$name.events") || true
  fail "$what: the events on $name differ from those on $ref ($ref first)"
}

#!/usr/bin/env bash
# The filesystem side by side with tmpfs, in one run (root, /dev/fuse): cached
# open+read+close and stat (ops/s), ls -l of 10,000 entries (readdir + lstat,
# and GNU ls -l itself), and write+close
# of a 4 KiB file (p50, p99) on tmpfs, on a 1-member etcfs mount, on a
# mount of a 3-member cluster (loopback, fdatasync on), and on mount.etcfs of
# Debian's etcd 3.4 (1 member) when MOUNT_ETCFS is given and etcd is installed.
#   compare_fs.sh ETCFSD FS_BENCH FREE_PORT [MOUNT_ETCFS]
set -euo pipefail
etcfsd=$(realpath "$1"); bench=$(realpath "$2"); FP=$(realpath "$3")
mount_etcfs=${4:+$(realpath "$4")}
w=$(mktemp -d /tmp/fsb-XXXX)
declare -a pids mounts
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for m in "${mounts[@]}"; do mountpoint -q "$m" && umount -l "$m"; done
  rm -rf "$w"
}
trap cleanup EXIT

cluster() {  # cluster NAME MEMBERS: member 1 mounted on $w/NAME-mnt
  local name=$1 n=$2 spec="" i
  declare -ga cp pp
  for i in $(seq 1 "$n"); do cp[$i]=$($FP); pp[$i]=$($FP); spec+="${spec:+,}m$i=http://127.0.0.1:${pp[$i]}"; done
  mkdir -p "$w/$name-mnt"
  for i in $(seq 1 "$n"); do
    local mount=(); [ "$i" = 1 ] && { mount=(--mount "$w/$name-mnt"); mounts+=("$w/$name-mnt"); }
    "$etcfsd" --name "m$i" --data-dir "$w/$name-d$i" --listen-client-urls "http://127.0.0.1:${cp[$i]}" \
      --advertise-client-urls "http://127.0.0.1:${cp[$i]}" --listen-peer-urls "http://127.0.0.1:${pp[$i]}" \
      --initial-cluster "$spec" --log-level warn "${mount[@]}" >>"$w/$name-log$i" 2>&1 &
    pids+=($!)
  done
  for _ in $(seq 1 300); do
    ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:${cp[1]}" put /ready y >/dev/null 2>&1 && mountpoint -q "$w/$name-mnt" && return
    sleep 0.1
  done
  echo "cluster $name did not start" >&2; exit 1
}

# mount.etcfs of Debian's etcd (its own data dir, fdatasync on, as etcd always is).
remote() {
  local cp pp
  cp=$($FP); pp=$($FP)
  etcd --name e --data-dir "$w/etcd" --listen-client-urls "http://127.0.0.1:$cp" \
    --advertise-client-urls "http://127.0.0.1:$cp" --listen-peer-urls "http://127.0.0.1:$pp" \
    --initial-advertise-peer-urls "http://127.0.0.1:$pp" --initial-cluster "e=http://127.0.0.1:$pp" \
    --log-level error >"$w/etcd.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:$cp" put /ready y >/dev/null 2>&1 && break
    sleep 0.1
  done
  mkdir -p "$w/remote-mnt"
  mounts+=("$w/remote-mnt")
  "$mount_etcfs" "127.0.0.1:$cp:/" "$w/remote-mnt" -f >"$w/remote.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do mountpoint -q "$w/remote-mnt" && return; sleep 0.1; done
  echo "mount.etcfs did not mount" >&2; exit 1
}

mkdir -p "$w/tmpfs"; mount -t tmpfs tmpfs "$w/tmpfs"; mounts+=("$w/tmpfs")
cluster one 1
cluster three 3
with_remote=""
if [ -n "$mount_etcfs" ] && command -v etcd >/dev/null; then with_remote=1; remote; fi
"$bench" "$w/tmpfs" >"$w/tmpfs.txt"
"$bench" "$w/one-mnt" >"$w/one.txt"
"$bench" "$w/three-mnt" --only-writes >"$w/three.txt"
if [ -n "$with_remote" ]; then "$bench" "$w/remote-mnt" >"$w/remote.txt"; else : >"$w/remote.txt"; fi
get() { awk -v k="$2" '$1 == k { print $2 }' "$w/$1.txt"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
echo "| figure | tmpfs | etcfs 1 member | etcfs/tmpfs | etcfs 3 members | mount.etcfs of etcd 3.4 |"
echo "|---|---|---|---|---|---|"
for k in open_read_close stat; do
  echo "| $k (ops/s) | $(get tmpfs $k) | $(get one $k) | $(ratio "$(get one $k)" "$(get tmpfs $k)") | | $(get remote $k) |"
done
for k in ls_l_10000 ls_l_10000_cold gnu_ls_l_10000; do
  echo "| $k (ms) | $(get tmpfs $k) | $(get one $k) | $(ratio "$(get one $k)" "$(get tmpfs $k)") | | $(get remote $k) |"
done
for k in write_close_p50 write_close_p99; do
  echo "| $k (ms) | $(get tmpfs $k) | $(get one $k) | | $(get three $k) | $(get remote $k) |"
done

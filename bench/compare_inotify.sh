#!/usr/bin/env bash
# inotify across nodes, side by side in one run (root, /dev/fuse): latency from
# close() of a 4 KiB write to IN_CLOSE_WRITE (p50, p99) on a tmpfs (writer and
# watcher in one directory), from node A's mount to node B's of a 3-member
# etcfs cluster (loopback, fdatasync on), and from one mount.etcfs of Debian's
# etcd 3.4 to another; and how many changes per second the watched mount
# replays when 10,000 new keys arrive through the API in txns of 100.
#   compare_inotify.sh ETCFSD INOTIFY_BENCH FREE_PORT MOUNT_ETCFS
etcfsd=$(realpath "$1"); bench=$(realpath "$2"); FP=$(realpath "$3"); mount_etcfs=$(realpath "$4")
source "$(dirname "$0")/mounts_lib.sh"

tmpfs_dir
cluster three 3 1 2
with_etcd=""
if command -v etcd >/dev/null; then with_etcd=1; etcd_with_mounts 2; fi
"$bench" latency "$w/tmpfs" "$w/tmpfs" >"$w/tmpfs.txt"
"$bench" latency "$w/three-mnt1" "$w/three-mnt2" >"$w/etcfs.txt"
"$bench" replay "127.0.0.1:${cp[3]}" / "$w/three-mnt2" >>"$w/etcfs.txt"
: >"$w/etcd.txt"
if [ -n "$with_etcd" ]; then
  "$bench" latency "$w/etcd-mnt1" "$w/etcd-mnt2" >"$w/etcd.txt"
  "$bench" replay "127.0.0.1:$etcd_cp" / "$w/etcd-mnt2" >>"$w/etcd.txt"
fi
get() { awk -v k="$2" '$1 == k { print $2 }' "$w/$1.txt"; }
echo "| figure | tmpfs (same directory) | etcfs, node A -> node B | mount.etcfs of etcd 3.4, mount -> mount |"
echo "|---|---|---|---|"
for k in close_to_event_p50 close_to_event_p99; do
  echo "| $k (ms) | $(get tmpfs $k) | $(get etcfs $k) | $(get etcd $k) |"
done
for k in replay_put_rate replayed_rate; do
  echo "| $k (changes/s) | | $(get etcfs $k) | $(get etcd $k) |"
done

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
source "$(dirname "$0")/mounts_lib.sh"

tmpfs_dir
cluster one 1
cluster three 3
with_remote=""
if [ -n "$mount_etcfs" ] && command -v etcd >/dev/null; then with_remote=1; etcd_with_mounts 1; fi
"$bench" "$w/tmpfs" >"$w/tmpfs.txt"
"$bench" "$w/one-mnt1" >"$w/one.txt"
"$bench" "$w/three-mnt1" --only-writes >"$w/three.txt"
if [ -n "$with_remote" ]; then "$bench" "$w/etcd-mnt1" >"$w/remote.txt"; else : >"$w/remote.txt"; fi
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

# Shared by the filesystem benchmarks: etcfsd clusters with mounts, Debian's
# etcd with mount.etcfs mounts, a tmpfs; all stopped and unmounted on exit.
# Set etcfsd, FP (the free_port helper) and, for etcd_with_mounts,
# mount_etcfs before sourcing.
#   cluster NAME N [MEMBER...]: N etcfsd members on loopback (fdatasync on);
#     each MEMBER (default: 1; "" for none) mounted on $w/NAME-mntMEMBER; client ports in cp[].
#   etcd_with_mounts N: one etcd 3.4 member (its own fsync, as always), mounted
#     N times with mount.etcfs on $w/etcd-mnt1..N; its client port in etcd_cp.
#   etcd_cluster N: N etcd 3.4 members on loopback; their client ports in etcd_cps[].
#   tmpfs_dir: a tmpfs on $w/tmpfs.
set -euo pipefail
w=$(mktemp -d /tmp/fsb-XXXX)
declare -a pids mounts
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done  # no "Killed" notices
  for m in "${mounts[@]}"; do mountpoint -q "$m" && umount -l "$m"; done
  rm -rf "$w"
}
trap cleanup EXIT

cluster() {
  local name=$1 n=$2 spec="" i; shift 2
  local mounted=("$@")  # no MEMBER: member 1; "" alone: none
  [ $# -eq 0 ] && mounted=(1)
  declare -ga cp pp
  for i in $(seq 1 "$n"); do cp[$i]=$($FP); pp[$i]=$($FP); spec+="${spec:+,}m$i=http://127.0.0.1:${pp[$i]}"; done
  for i in $(seq 1 "$n"); do
    local mount=()
    if [[ " ${mounted[*]} " == *" $i "* ]]; then
      mkdir -p "$w/$name-mnt$i"; mount=(--mount "$w/$name-mnt$i"); mounts+=("$w/$name-mnt$i")
    fi
    "$etcfsd" --name "m$i" --data-dir "$w/$name-d$i" --listen-client-urls "http://127.0.0.1:${cp[$i]}" \
      --advertise-client-urls "http://127.0.0.1:${cp[$i]}" --listen-peer-urls "http://127.0.0.1:${pp[$i]}" \
      --initial-cluster "$spec" --log-level warn "${mount[@]}" >>"$w/$name-log$i" 2>&1 &
    pids+=($!)
  done
  for _ in $(seq 1 300); do
    if ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:${cp[1]}" put /ready y >/dev/null 2>&1; then
      local up=1
      for i in "${mounted[@]}"; do [ -z "$i" ] || mountpoint -q "$w/$name-mnt$i" || up=0; done
      [ "$up" = 1 ] && return
    fi
    sleep 0.1
  done
  echo "cluster $name did not start" >&2; exit 1
}

etcd_with_mounts() {
  local n=$1 pp i
  etcd_cp=$($FP); pp=$($FP)
  etcd --name e --data-dir "$w/etcd" --listen-client-urls "http://127.0.0.1:$etcd_cp" \
    --advertise-client-urls "http://127.0.0.1:$etcd_cp" --listen-peer-urls "http://127.0.0.1:$pp" \
    --initial-advertise-peer-urls "http://127.0.0.1:$pp" --initial-cluster "e=http://127.0.0.1:$pp" \
    --log-level error >"$w/etcd.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:$etcd_cp" put /ready y >/dev/null 2>&1 && break
    sleep 0.1
  done
  for i in $(seq 1 "$n"); do
    mkdir -p "$w/etcd-mnt$i"
    mounts+=("$w/etcd-mnt$i")
    "$mount_etcfs" "127.0.0.1:$etcd_cp:/" "$w/etcd-mnt$i" -f >"$w/etcd-mount$i.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do mountpoint -q "$w/etcd-mnt$i" && break; sleep 0.1; done
    mountpoint -q "$w/etcd-mnt$i" || { echo "mount.etcfs did not mount" >&2; exit 1; }
  done
}

etcd_cluster() {
  local n=$1 spec="" i
  declare -ga etcd_cps etcd_pps
  for i in $(seq 1 "$n"); do
    etcd_cps[$i]=$($FP); etcd_pps[$i]=$($FP); spec+="${spec:+,}e$i=http://127.0.0.1:${etcd_pps[$i]}"
  done
  for i in $(seq 1 "$n"); do
    etcd --name "e$i" --data-dir "$w/etcd-d$i" --listen-client-urls "http://127.0.0.1:${etcd_cps[$i]}" \
      --advertise-client-urls "http://127.0.0.1:${etcd_cps[$i]}" --listen-peer-urls "http://127.0.0.1:${etcd_pps[$i]}" \
      --initial-advertise-peer-urls "http://127.0.0.1:${etcd_pps[$i]}" --initial-cluster "$spec" \
      --log-level error >"$w/etcd-log$i" 2>&1 &
    pids+=($!)
  done
  for _ in $(seq 1 300); do
    ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:${etcd_cps[1]}" put /ready y >/dev/null 2>&1 && return
    sleep 0.1
  done
  echo "the etcd cluster did not start" >&2; exit 1
}

tmpfs_dir() { mkdir -p "$w/tmpfs"; mount -t tmpfs tmpfs "$w/tmpfs"; mounts+=("$w/tmpfs"); }

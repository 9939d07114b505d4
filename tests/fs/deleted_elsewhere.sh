#!/usr/bin/env bash
# A mount (consistency=linearizable, echo on) whose echo lags behind deletes
# made through the API: a new open of the deleted file's inode never reads
# the deleted value, and a descriptor of the newer file never starts reading
# the deleted one (deleted_elsewhere.py).
#   deleted_elsewhere.sh ETCFSD
etcfsd=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
source "$here/lib.sh"

plan_cluster 3
start_member 1 "$work/a" --mount-options consistency=linearizable
start_member 2 ""
start_member 3 ""
wait_member 1 "$work/a"; wait_member 2; wait_member 3

python3 "$here/deleted_elsewhere.py" "$work/a" "127.0.0.1:${cport[3]}" 10 ||
  fail "a new open through the mount read a value deleted elsewhere"
echo "PASS: what was deleted elsewhere is not opened again through a name the kernel still held"

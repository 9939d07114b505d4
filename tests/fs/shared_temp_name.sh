#!/usr/bin/env bash
# Two mounts (consistency=linearizable, echo on) of one cluster used in turn
# by one writer with the same temporary file name (shared_temp_name.py):
# a file created under a name that another node just renamed away is a new
# file, and what is written to it lands on the key it is renamed onto.
#   shared_temp_name.sh ETCFSD
etcfsd=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
source "$here/lib.sh"

plan_cluster 3
start_member 1 "$work/a" --mount-options consistency=linearizable
start_member 2 "$work/b" --mount-options consistency=linearizable
start_member 3 ""
wait_member 1 "$work/a"; wait_member 2 "$work/b"; wait_member 3

python3 "$here/shared_temp_name.py" "$work/a" "$work/b" "127.0.0.1:${cport[3]}" 30 ||
  fail "a write through a mount landed on another key"
c() { ctl --endpoints "127.0.0.1:${cport[3]}" "$@"; }
[ "$(c get /lin/ka --print-value-only)" = a29 ] || fail "lin/ka: $(c get /lin/ka --print-value-only)"
[ "$(c get /lin/kb --print-value-only)" = b29 ] || fail "lin/kb: $(c get /lin/kb --print-value-only)"
[ -z "$(c get /lin/.tmp --print-value-only)" ] || fail "the temporary key is left behind"
echo "PASS: a reused temporary name on two mounts is a new file each time"

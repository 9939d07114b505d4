#!/usr/bin/env bash
# The randomized model test (model_vs_tmpfs.py) on a mount of a 3-member
# cluster against a tmpfs directory, the tree then compared with a second
# mount of the same cluster.
#   model_vs_tmpfs.sh ETCFSD [SEEDS [STEPS]]   (default: seeds 1-40 of 400 steps)
etcfsd=$(realpath "$1")
seeds=${2:-1-40}; steps=${3:-400}
here=$(dirname "$(realpath "$0")")
source "$here/lib.sh"

start_two_mounts
make_tmpfs "$work/t"
/usr/bin/python3 "$here/model_vs_tmpfs.py" --mount "$work/a" --tmpfs "$work/t" --other "$work/b" \
  --seeds "$seeds" --steps "$steps" --processes 3

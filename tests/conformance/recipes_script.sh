#!/usr/bin/env bash
# etcd's concurrency recipes through etcdctl: a lock around a command, and an
# election campaign. Lease ids inside the keys differ by server and are replaced.
#   recipes_script.sh ENDPOINT
set -u
ep=$1
norm() { sed -E 's#/[0-9a-f]{8,16}$#/LEASE#'; }
echo "\$ etcdctl lock mylock echo held"
ETCDCTL_API=3 etcdctl --endpoints "$ep" lock mylock echo held 2>&1 | grep -v '"level":'
echo "\$ etcdctl lock mylock (after it was released)"
ETCDCTL_API=3 etcdctl --endpoints "$ep" lock mylock echo held-again 2>&1 | grep -v '"level":'
echo "\$ etcdctl elect myelection alice (for a moment)"
timeout 3 env ETCDCTL_API=3 etcdctl --endpoints "$ep" elect myelection alice 2>&1 | grep -v '"level":' | norm
echo "\$ etcdctl get --prefix myelection (after the candidate left)"
sleep 3  # its lease (TTL 60 s) is revoked when etcdctl exits
ETCDCTL_API=3 etcdctl --endpoints "$ep" get --prefix myelection 2>&1 | grep -v '"level":' | norm

#!/usr/bin/env bash
# A member that serves a mount compacts its history by default: rewriting
# the same files through the mount far past the backend quota never meets
# ENOSPC, and the data directory stays bounded (old versions are compacted,
# the log is cut by --snapshot-bytes). An operator's own compaction flags win.
#   history_bounded.sh ETCFSD
etcfsd=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
source "$here/lib.sh"

quota=$(( 256 << 20 )); log_bytes=$(( 16 << 20 ))
plan_cluster 1
start_member 1 "$work/m" --quota-backend-bytes "$quota" --snapshot-bytes "$log_bytes"
wait_member 1 "$work/m"
m="$work/m"
grep -q "auto-compaction revision keeping 10000 revisions, and 100 past half the backend quota" "$work/n1.log" ||
  fail "the mount's member did not default to compacting: $(grep auto-compaction "$work/n1.log")"

# 32 files of 256 KiB rewritten 96 times: 768 MiB, three times the quota.
head -c $(( 256 << 10 )) /dev/urandom >"$work/block"
peak=0
for round in $(seq 1 96); do
  for f in $(seq 1 32); do
    { printf '%s %s\n' "$round" "$f"; cat "$work/block"; } >"$m/f$f" ||
      fail "round $round: writing f$f failed ($(ctl --endpoints "127.0.0.1:${cport[1]}" alarm list))"
  done
  # Snapshots come and go while du walks: a file gone meanwhile is no error.
  size=$( { du -sb "$work/n1" 2>/dev/null || true; } | tail -n 1 | cut -f1)
  [ "$size" -gt "$peak" ] && peak=$size
done
for f in $(seq 1 32); do
  [ "$(head -n 1 "$m/f$f")" = "96 $f" ] || fail "f$f holds round $(head -n 1 "$m/f$f")"
done
[ -z "$(ctl --endpoints "127.0.0.1:${cport[1]}" alarm list)" ] || fail "an alarm was raised"
compacted=$(grep -c "past half its quota" "$work/n1.log" || true)
[ "$compacted" -gt 0 ] || fail "no compaction under pressure was logged"
# The live data is 4 MiB; what may pile up is bounded by the quota and the log.
bound=$(( quota * 2 + log_bytes * 3 ))
[ "$peak" -le "$bound" ] || fail "the data directory reached $peak bytes (bound $bound)"

# The operator's flags win: with compaction off, history is kept.
kill "${pid[1]}"; wait "${pid[1]}" || true
run=b
plan_cluster 1
start_member 1 "$work/mb" --auto-compaction-retention 0
wait_member 1 "$work/mb"
grep -q "auto-compaction" "$work/bn1.log" && fail "compaction ran although the operator turned it off"
echo one >"$work/mb/f"; echo two >"$work/mb/f"
rev=$(ctl --endpoints "127.0.0.1:${cport[1]}" get /f -w json | grep -o '"mod_revision":[0-9]*' | cut -d: -f2)
[ "$(ctl --endpoints "127.0.0.1:${cport[1]}" get /f --rev=$(( rev - 1 )) --print-value-only)" = one ] ||
  fail "the history the operator asked to keep is gone"
echo "history bounded: 768 MiB written under a $quota-byte quota, $compacted compactions, data directory peak $peak bytes"

#!/usr/bin/env bash
# 10,000 rapid changes made elsewhere (etcd txns against node C, 50 keys
# each, then removals and renames through node A's mount), watched with
# inotify on node B's mount of the 3-member cluster: B ends with every file's final state, and
# per file its events come in order: one IN_CREATE first, then its writes
# (coalesced when they come faster than the echo replays them), ending with
# the last (IN_CLOSE_WRITE, or IN_DELETE or IN_MOVED_FROM for the files removed
# or renamed at the end). Prints how far B's events lagged.
#   inotify_rapid.sh ETCFSD
etcfsd=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
source "$here/lib.sh"
command -v inotifywait >/dev/null || fail "inotifywait is not installed (make deps installs inotify-tools)"

plan_cluster 3
start_member 1 "$work/a"
start_member 2 "$work/b"
start_member 3 ""
on() { local i=$1; shift; ctl --endpoints "127.0.0.1:${cport[$i]}" "$@"; }
wait_member 1 "$work/a"; wait_member 2 "$work/b"; wait_member 3
a="$work/a" b="$work/b"
mkdir "$a/burst"
for _ in $(seq 1 100); do [ -d "$b/burst" ] && break; sleep 0.05; done
[ -d "$b/burst" ] || fail "node B does not show the directory made on node A"

inotifywait -m -e modify,close_write,attrib,create,delete,moved_from,moved_to --format '%e %f' "$b/burst" \
  >"$work/b.events" 2>"$work/b.err" &
pid[watch]=$!
for _ in $(seq 1 100); do grep -q "Watches established" "$work/b.err" && break; sleep 0.05; done

# 50 files x 200 rounds of whole-value writes (one txn per round), then 10
# removed and 5 renamed.
start=$(date +%s%N)
for r in $(seq 0 199); do
  { echo; for f in $(seq -w 0 49); do echo "put /burst/f$f file-$f-round-$r"; done; echo; echo; } | on 3 txn >/dev/null ||
    fail "round $r: etcdctl txn against node C failed"
done
for f in $(seq -f %02g 0 9); do rm "$a/burst/f$f"; done
for f in $(seq 10 14); do mv "$a/burst/f$f" "$a/burst/moved$f"; done
written=$(date +%s%N)

# B's final state: A's, file for file.
for _ in $(seq 1 600); do
  diff -r "$a/burst" "$b/burst" >/dev/null 2>&1 && break
  sleep 0.05
done
diff -r "$a/burst" "$b/burst" || fail "node B's tree differs from node A's after 10,000 changes"
for f in $(seq 15 49); do
  [ "$(cat "$b/burst/f$f")" = "file-$f-round-199" ] || fail "f$f on B: $(cat "$b/burst/f$f")"
done
# Every file's last event, once B's events stopped growing.
last_event() { awk -v f="$1" '$2 == f { e = $1 } END { print e }' "$work/b.events"; }
settled() {
  for f in $(seq 0 9); do [ "$(last_event "f0$f")" = DELETE ] || return 1; done
  for f in $(seq 10 14); do [ "$(last_event "f$f")" = MOVED_FROM ] && [ "$(last_event "moved$f")" = MOVED_TO ] || return 1; done
  for f in $(seq 15 49); do [ "$(last_event "f$f")" = CLOSE_WRITE,CLOSE ] || return 1; done
}
for _ in $(seq 1 600); do settled && break; sleep 0.05; done
settled || { tail -n 40 "$work/b.events"; fail "a file's last event on B is not its last change"; }
caught_up=$(date +%s%N)
for f in $(seq 0 49); do
  name=$(printf f%02d "$f")
  creates=$(awk -v f="$name" '$2 == f && $1 ~ /^CREATE/' "$work/b.events" | wc -l)
  [ "$creates" = 1 ] || fail "$name: $creates IN_CREATE on B (one expected)"
  first=$(awk -v f="$name" '$2 == f { print $1; exit }' "$work/b.events")
  [ "$first" = CREATE ] || fail "$name: the first event on B is $first, not CREATE"
done
closes=$(grep -c "^CLOSE_WRITE" "$work/b.events")
echo "PASS: 10,000 changes made elsewhere in $(( (written - start) / 1000000 )) ms; node B caught up" \
  "$(( (caught_up - written) / 1000000 )) ms later with every file's final state and last event;" \
  "$closes IN_CLOSE_WRITE raised on B for the 10,000 writes (the rest coalesced)"

#!/usr/bin/env bash
# The errors a user of the mount meets, each with its errno: EFBIG at write,
# ENOSPC under the quota, ENOTEMPTY, EXDEV beyond --max-txn-ops or
# --max-request-bytes (mv then copies), EPERM for hard links, and without quorum a write
# that fails within its commit_timeout while reads go on. Nothing that was
# acknowledged may be lost.
#   errors.sh ETCFSD
etcfsd=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
source "$here/lib.sh"

# --- one member with small limits ---------------------------------------------
plan_cluster 1
start_member 1 "$work/m1" --max-request-bytes 65536 --max-txn-ops 8 --quota-backend-bytes 4194304
wait_member 1 "$work/m1"
m="$work/m1"
e() { ctl --endpoints "127.0.0.1:${cport[1]}" "$@"; }

head -c 30000 /dev/urandom >"$m/fits"
cmp <(e get /fits --print-value-only | head -c -1) "$m/fits" || fail "a 30000-byte file"
expect_error "a value over --max-request-bytes" "File too large" dd if=/dev/zero of="$m/big" bs=1000 count=100 status=none
# What was written before the refused write is kept, as on a local filesystem.
kept=$(( $(e get /big --print-value-only | wc -c) - 1 ))
[ "$kept" -lt 65536 ] && [ "$kept" = "$(stat -c %s "$m/big")" ] || fail "after EFBIG the key holds $kept bytes"

mkdir "$m/a" "$m/b"; touch "$m/a/x" "$m/b/y"
expect_error "rmdir of a non-empty directory" "Directory not empty" rmdir "$m/a"
expect_error "rename onto a non-empty directory" "Directory not empty" mv -T "$m/a" "$m/b"

mkdir "$m/many"
for i in $(seq 1 10); do echo "$i" >"$m/many/f$i"; done
python3 -c 'import os,sys
try:
    os.rename(sys.argv[1], sys.argv[2]); sys.exit("renamed a directory of 10 keys with --max-txn-ops 8")
except OSError as e:
    assert e.errno == 18, e  # EXDEV
' "$m/many" "$m/moved" || fail "EXDEV"
mv "$m/many" "$m/moved" || fail "mv of a directory beyond --max-txn-ops"  # falls back to copying
[ "$(e get --prefix /moved/ --keys-only | grep -c .)" = 11 ] || fail "mv did not copy the directory (10 files and its marker)"
[ -z "$(e get --prefix /many/ --keys-only)" ] || fail "mv left the source behind"

# Too many bytes for one request: EXDEV too, and mv copies file by file.
mkdir "$m/heavy"
for i in 1 2 3; do head -c 25000 /dev/urandom >"$m/heavy/f$i"; done
cp -r "$m/heavy" "$work/heavy.copy"
/usr/bin/python3 -c 'import os,sys
try:
    os.rename(sys.argv[1], sys.argv[2]); sys.exit("renamed 75000 bytes with --max-request-bytes 65536")
except OSError as e:
    assert e.errno == 18, e  # EXDEV
' "$m/heavy" "$m/lifted" || fail "EXDEV for bytes"
mv "$m/heavy" "$m/lifted" || fail "mv of a directory beyond --max-request-bytes"
diff -r "$work/heavy.copy" "$m/lifted" || fail "mv did not copy the heavy directory"
[ ! -e "$m/heavy" ] || fail "mv left the heavy directory behind"

echo v >"$m/orig"
expect_error "a hard link" "Operation not permitted" ln "$m/orig" "$m/hard"

# Fill the quota: every file whose close succeeded must keep its content.
acked=()
for i in $(seq 1 400); do
  if head -c 60000 /dev/urandom >"$work/blob" && cp "$work/blob" "$m/fill$i" 2>"$work/err"; then
    acked+=("$i:$(md5sum <"$work/blob")")
  else
    grep -q "No space left on device" "$work/err" || fail "filling the quota: $(cat "$work/err")"
    break
  fi
done
[ "${#acked[@]}" -lt 400 ] || fail "the quota never filled"
e alarm list | grep -q NOSPACE || fail "no NOSPACE alarm"
for a in "${acked[@]}"; do
  i=${a%%:*}; sum=${a#*:}
  [ "$(e get "/fill$i" --print-value-only | head -c -1 | md5sum)" = "$sum" ] || fail "acknowledged file fill$i lost"
  cmp -s <(cat "$m/fill$i" | md5sum) <(echo "$sum") || fail "fill$i reads back wrong"
done
echo "quota: ${#acked[@]} files acknowledged and kept, then ENOSPC"

# --- three members, two of them stopped -------------------------------------------
kill "${pid[1]}"; wait "${pid[1]}" || true; unset 'pid[1]'
run=quorum-
plan_cluster 3
for i in 1 2 3; do
  dir=""; [ "$i" = 1 ] && dir="$work/q1"
  start_member "$i" "$dir" --mount-options commit_timeout=2s
done
wait_member 1 "$work/q1"
q="$work/q1"
echo before >"$q/f"
kill "${pid[2]}" "${pid[3]}"
wait "${pid[2]}" "${pid[3]}" 2>/dev/null || true
start_ms=$(( $(date +%s%N) / 1000000 ))
expect_error "a write without quorum" "Connection timed out" bash -c "echo after > '$q/f'"
took=$(( $(date +%s%N) / 1000000 - start_ms ))
[ "$took" -lt 4500 ] || fail "the write without quorum took ${took} ms (commit_timeout=2s)"
[ "$(cat "$q/f")" = before ] || fail "reads without quorum: $(cat "$q/f")"
ls "$q" >/dev/null || fail "listing without quorum"
start_member 2 ""
for _ in $(seq 1 100); do echo after >"$q/f" 2>/dev/null && break; sleep 0.2; done
[ "$(ctl --endpoints "127.0.0.1:${cport[1]}" get /f --print-value-only | head -c -1)" = after ] || fail "write after quorum came back"
echo "PASS: EFBIG, ENOTEMPTY, EXDEV, EPERM, ENOSPC and the no-quorum bound (${took} ms for commit_timeout=2s)"

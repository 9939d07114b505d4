#!/usr/bin/env bash
# The mapping rules of etcfs(5), each both ways: keys written with etcdctl,
# then the tree checked; files written, then the keys checked.
#   mapping.sh ETCFSD
etcfsd=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
source "$here/lib.sh"

plan_cluster 1
start_member 1 "$work/mnt"
wait_member 1 "$work/mnt"
m="$work/mnt"
e() { ctl --endpoints "127.0.0.1:${cport[1]}" "$@"; }
value() { e get "$1" --print-value-only | head -c -1; }
expect() { [ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"; }
keys() { e get --prefix "$1" --keys-only | grep -v '^$' | tr '\n' ' '; }

# --- keys -> tree -----------------------------------------------------------
e put '/p/50%off' a >/dev/null
e put '/p//empty' b >/dev/null
e put '/p/./dot' c >/dev/null
e put '/p/../up' d >/dev/null
e put '/p/both' self >/dev/null
e put '/p/both/child' kid >/dev/null
e put '/p/emptydir/' '' >/dev/null
long=$(printf 'x%.0s' $(seq 1 300))
e put "/p/$long" hidden >/dev/null
e put 'plain' outside >/dev/null
expect "percent" "$(cat "$m/p/50%25off")" a
expect "empty component" "$(cat "$m/p/%/empty")" b
expect "dot" "$(cat "$m/p/%2E/dot")" c
expect "dot dot" "$(cat "$m/p/%2E%2E/up")" d
expect "key that is also a directory: its value" "$(cat "$m/p/both%")" self
expect "key that is also a directory: below it" "$(cat "$m/p/both/child")" kid
[ -d "$m/p/both" ] || fail "p/both is not a directory"
[ -d "$m/p/emptydir" ] && [ -z "$(ls -A "$m/p/emptydir")" ] || fail "a trailing-slash key is not an empty directory"
expect "listing" "$(ls -A "$m/p" | tr '\n' ' ')" "% %2E %2E%2E 50%25off both both% emptydir "
[ ! -e "$m/plain" ] || fail "a key outside the prefix is shown"
grep -q "is not shown: a path component is longer than 255" "$work/n1.log" || fail "the over-long key was not logged"
expect "over-long key stays reachable" "$(value "/p/$long")" hidden
# A name that is not a spelling the codec makes names nothing.
[ ! -e "$m/p/50%off" ] || fail "an invalid spelling resolved"

# --- tree -> keys -----------------------------------------------------------
mkdir "$m/q"
expect "mkdir writes a marker" "$(keys /q)" "/q/ "
echo v >"$m/q/50%25off"
expect "percent-encoded file name" "$(value '/q/50%off')" v
touch "$m/q/bad%name" 2>"$work/err" && fail "a name with a stray % was created"
grep -q "Invalid argument" "$work/err" || fail "stray %: $(cat "$work/err")"
touch "$m/q/%" 2>/dev/null && fail "a file named % (a key ending in /) was created"
mkdir -p "$m/q/%/%2E%2E"
expect "directories of odd names" "$(keys /q/)" "/q/ /q// /q//../ /q/50%off "
echo top >"$m/q/k"
e put /q/k/sub s >/dev/null
wait_content "$m/q/k%" top
[ -d "$m/q/k" ] || fail "q/k did not become a directory"
echo new >"$m/q/k%"
expect "writing name% writes the key" "$(value /q/k)" new
rm "$m/q/k%"
expect "removing name% removes the key" "$(keys /q/k)" "/q/k/sub "
[ -d "$m/q/k" ] || fail "q/k went away with its value"
mkdir "$m/q/sub" && rmdir "$m/q/sub"
expect "rmdir removes the marker" "$(keys /q/sub)" ""
e put /t/ '' >/dev/null
[ -d "$m/t" ] || fail "marker /t/ is not a directory"
rmdir "$m/t"
expect "rmdir of a marker-only directory" "$(keys /t)" ""
touch "$m/q/$long" 2>/dev/null && fail "an over-long name was created"
ln -s ../q/50%25off "$m/q/link"
expect "symlink target is the value" "$(value /q/link)" "../q/50%25off"
expect "symlink read through" "$(cat "$m/q/link")" v
chmod 600 "$m/q/50%25off"
chown 123:456 "$m/q/50%25off"
expect "attributes" "$(stat -c '%a %u %g' "$m/q/50%25off")" "600 123 456"
expect "attributes leave the value alone" "$(value '/q/50%off')" v
python3 - "$m/q/50%25off" "$(e get '/q/50%off' -w json)" <<'PY' || fail "xattrs do not match the key"
import json, os, sys
path, kv = sys.argv[1], json.loads(sys.argv[2])["kvs"][0]
want = {"user.etcfs.revision": kv["mod_revision"], "user.etcfs.create_revision": kv["create_revision"],
        "user.etcfs.version": kv["version"], "user.etcfs.lease": kv.get("lease", 0)}
for name, v in want.items():
    got = int(os.getxattr(path, name))
    assert got == v, (name, got, v)
assert sorted(os.listxattr(path)) == sorted(want), os.listxattr(path)
PY
echo "PASS: mapping rules hold both ways"

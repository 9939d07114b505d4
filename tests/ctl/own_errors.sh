#!/usr/bin/env bash
# etcfsctl's own words where etcdctl's are unhelpful: an unreachable cluster
# fails within --dial-timeout naming the endpoints (exit 2), bad input says
# what is expected (exit 128 for bad arguments, 3 for a bad txn, 4 for an
# unsupported format), and --help answers.
#   own_errors.sh ETCFSCTL
set -uo pipefail
etcfsctl=$(realpath "$1")
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect CODE MESSAGE COMMAND...: the command exits with CODE, saying MESSAGE.
expect() {
  local code=$1 msg=$2; shift 2
  out=$("$@" 2>&1 </dev/null)
  local rc=$?
  [ "$rc" = "$code" ] || fail "$*: exit $rc, expected $code: $out"
  grep -qF -- "$msg" <<<"$out" || fail "$*: expected '$msg' in: $out"
}
port=$("${FREE_PORT:?set FREE_PORT to the free_port helper (ctest does)}")
start=$(date +%s%N)
expect 2 "no endpoint of 127.0.0.1:$port answered within --dial-timeout=500ms" \
  "$etcfsctl" --endpoints "127.0.0.1:$port" --dial-timeout=500ms get a
took=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$took" -lt 3000 ] || fail "an unreachable endpoint took ${took} ms to report (--dial-timeout=500ms)"
expect 128 "--prefix and --from-key exclude each other" "$etcfsctl" get a --prefix --from-key
expect 128 "bad lease ID 'xyz': it is hexadecimal" "$etcfsctl" put a b --lease=xyz
expect 128 "put needs a value" "$etcfsctl" put a
expect 1 "Run '" "$etcfsctl" get a --bogus
expect 4 "unsupported output format 'yaml'" "$etcfsctl" -w yaml get a
expect 4 "table is not an output format of put" "$etcfsctl" -w table put a b
expect 1 "is not a duration" "$etcfsctl" --command-timeout=soon get a
expect 3 "invalid txn request: put (key is required)" bash -c "printf '\nput\n\n\n' | '$etcfsctl' txn"
expect 3 "unknown operator ~" bash -c "printf 'value(\"a\") ~ \"b\"\n\n\n\n' | '$etcfsctl' txn"
expect 0 "get" "$etcfsctl" --help
echo "PASS: etcfsctl's own errors: unreachable cluster in ${took} ms (exit 2), bad arguments, txn lines, formats"

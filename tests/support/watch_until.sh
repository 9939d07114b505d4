# watch_until LINES COMMAND...: runs a watch command until it has printed
# LINES lines (etcdctl's "level" log lines not counted) or exited, 10 s at
# most, then prints what it printed. LINES 0 means "nothing is expected": it
# watches for 1 s, the only way to see that nothing comes. Waiting for the
# expected output rather than for a fixed time keeps a loaded machine from
# cutting a watch short.
watch_until() {
  local lines=$1; shift
  local out
  out=$(mktemp)
  "$@" >"$out" 2>&1 &
  local p=$! i
  for i in $(seq 1 200); do
    kill -0 "$p" 2>/dev/null || break
    if [ "$lines" -gt 0 ] && [ "$(grep -v '"level":' "$out" | wc -l)" -ge "$lines" ]; then
      sleep 0.1  # a line being written completes
      break
    fi
    [ "$lines" = 0 ] && [ "$i" -ge 20 ] && break
    sleep 0.05
  done
  kill "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
  grep -v '"level":' "$out" || true
  rm -f "$out"
}

# Sourced by the shell tests that start servers: `scratch NAME` makes $work
# (/tmp/etcfs-NAME-XXXXXX) and an EXIT trap that kills every pid in `pids`
# and removes $work, also when the test fails; free_port asks ctest's helper.
pids=()
scratch() {
  work=$(mktemp -d "/tmp/etcfs-$1-XXXXXX")
  trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
}
free_port() { "${FREE_PORT:?set FREE_PORT to the free_port helper (ctest does)}"; }

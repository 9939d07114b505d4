#!/usr/bin/env bash
# Runs each libFuzzer target of tests/fuzz for SECONDS, growing a working
# corpus in BUILD/corpus/NAME from the saved one in tests/fuzz/corpus/NAME.
# A crash stops with its input in BUILD/crashes/NAME: once fixed, copy it into
# tests/fuzz/corpus/NAME/, where the fuzz.NAME_corpus test replays it forever.
#   fuzz.sh BUILD SECONDS NAME...
set -euo pipefail
build=$1 seconds=$2; shift 2
for name in "$@"; do
  mkdir -p "$build/corpus/$name" "$build/crashes/$name"
  echo "fuzz: $name for ${seconds}s"
  if ! "$build/tests/fuzz/${name}_fuzz" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="$build/crashes/$name/" "$build/corpus/$name" "tests/fuzz/corpus/$name" \
      >"$build/$name.log" 2>&1; then
    grep -E "ERROR|SUMMARY|Test unit written" "$build/$name.log" || tail -20 "$build/$name.log"
    echo "fuzz: $name found a crash (above; the full log in $build/$name.log). Fix it, then add the" \
         "input to tests/fuzz/corpus/$name/ so that make test replays it." >&2
    exit 1
  fi
  grep -E "^stat::number_of_executed_units|^Done" "$build/$name.log" | tr '\n' ' '
  echo "($(ls "$build/corpus/$name" | wc -l) inputs in the corpus)"
done

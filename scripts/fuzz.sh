#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs each libFuzzer harness of a fuzz build (or only those named after the
# two arguments) for a fixed time. The stored
# corpus (fuzz/corpus/<target>) seeds a working corpus under the build folder,
# so new inputs never land in the source tree; crashes are written there too
# and make the script fail.
set -euo pipefail

build=${1:-build/fuzz}
seconds=${2:-60}
shift 2 2>/dev/null || shift $#
only=" $* "   # optional harness names; all when empty
src=$(cd "$(dirname "$0")/.." && pwd)

status=0
shopt -s nullglob
for f in "$build"/fuzz-* "$build"/*/fuzz-* "$build"/*/*/fuzz-*; do
  [ -x "$f" ] && [ -f "$f" ] || continue
  name=$(basename "$f")
  if [ "$only" != "  " ] && [[ "$only" != *" $name "* ]]; then
    continue
  fi
  work="$build/fuzz-work/$name"
  mkdir -p "$work/corpus" "$work/artifacts"
  if [ -d "$src/fuzz/corpus/$name" ]; then
    cp -n "$src/fuzz/corpus/$name"/* "$work/corpus/" 2>/dev/null || true
  fi
  echo "== $name for ${seconds}s"
  if ! "$f" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus" \
        2> "$work/log.txt"; then
    echo "!! $name found a problem; see $work/log.txt and $work/artifacts/"
    tail -n 40 "$work/log.txt"
    status=1
  else
    grep -E '^(stat::number_of_executed_units|stat::new_units_added)' "$work/log.txt" || true
  fi
done
exit $status

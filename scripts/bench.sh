#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every benchmark of a release build; each prints its own figures and,
# where a peer or a physical limit is named, the ratio measured in the same run.
set -euo pipefail

build=${1:-build/release}
corpus=${LWMI_CORPUS_DIR:-$(cd "$(dirname "$0")/.." && pwd)/../shared/corpus/mof}

shopt -s nullglob
for b in "$build"/bench/bench-*; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b" "$corpus"
  echo
done

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages lwmi needs to build, test and benchmark, each
# with the reason. Does nothing when every package is already present.
set -euo pipefail

# package                 why
PACKAGES=(
  "build-essential        gcc and make: the default compiler and the top-level Makefile"
  "cmake                  the build system (>= 3.25) and CTest, the test runner"
  "ninja-build            the build tool CMake generates for"
  "pkg-config             locates SQLite for CMake"
  "libsqlite3-dev         the class and instance repository is one SQLite file"
  "clang                  second compiler; ASan/UBSan build and libFuzzer harnesses"
  "libclang-rt-14-dev     clang's sanitizer and libFuzzer runtimes"
  "clang-format           'make format' and the formatting check"
  "cpp                    'mofcomp --cpp' runs the C preprocessor over MOF, as WDK builds do"
  "libdbus-1-dev          bench-events: the D-Bus peer the event throughput is compared to"
  "dbus-daemon            bench-events: the D-Bus bus daemon started on a private socket"
)

missing=()
for entry in "${PACKAGES[@]}"; do
  pkg=${entry%% *}
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "lwmi: installing missing Debian packages: ${missing[*]}"
for entry in "${PACKAGES[@]}"; do
  pkg=${entry%% *}
  for m in "${missing[@]}"; do
    [ "$m" = "$pkg" ] && echo "  - $entry"
  done
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then
    SUDO=sudo
  else
    echo "lwmi: not root and no sudo; install the packages above by hand" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

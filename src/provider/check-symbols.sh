#!/bin/sh
# SPDX-License-Identifier: MIT
# The exported symbols of libwmiprov.so are exactly those of libwmiprov.sym.
set -eu
lib=$1
sym=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nm -D --defined-only "$lib" | awk '$3 ~ /^lwmi_/ { sub(/@.*/, "", $3); print $3 }' | sort -u >"$tmp/lib"
grep -o '^[[:space:]]*lwmi_[a-z0-9_]*;' "$sym" | tr -d ' \t;' | sort -u >"$tmp/sym"
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ && $3 !~ /^lwmi_/ && $3 !~ /^LIBWMIPROV/ && $3 !~ /^LWMI_/ { print "unexpected export: " $3; bad = 1 } END { exit bad }'
diff -u "$tmp/sym" "$tmp/lib"

#!/bin/sh
# SPDX-License-Identifier: MIT
# libwmi.so exports exactly what libwmi.sym lists: every explicit name is
# exported, and every exported symbol matches a name or pattern of the script.
# Usage: check-exports.sh LIBWMI_SO LIBWMI_SYM
set -u
so=$1
sym=$2
command -v nm >/dev/null 2>&1 || exit 77
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVWi]$/ { sub(/@.*/, "", $3); print $3 }' |
        grep -v '^LWMI_' | sort -u >"$tmp/exported"
sed -n '/global:/,/local:/p' "$sym" | sed -n 's/^[[:space:]]*\([A-Za-z0-9_*]*\);.*/\1/p' \
        >"$tmp/entries"

status=0
grep -v '\*' "$tmp/entries" | sort -u >"$tmp/names"
for n in $(comm -23 "$tmp/names" "$tmp/exported"); do
        echo "listed in libwmi.sym but not exported: $n" >&2
        status=1
done
while read -r s; do
        ok=0
        while read -r e; do
                # shellcheck disable=SC2254
                case $s in $e) ok=1; break ;; esac
        done <"$tmp/entries"
        [ $ok -eq 1 ] || { echo "exported but not in libwmi.sym: $s" >&2; status=1; }
done <"$tmp/exported"
[ "$(wc -l <"$tmp/exported")" -gt 100 ] || { echo "suspiciously few exports" >&2; status=1; }
exit $status

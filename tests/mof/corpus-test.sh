#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs "mofcomp --check" on every file of the driver MOF corpus: all must
# compile except five, which must fail with a "file:line:col: error:" line.
# Usage: corpus-test.sh MOFCOMP CORPUS_DIR. Exits 77 when the corpus is absent.
set -u
mofcomp=$1
corpus=$2

if [ ! -d "$corpus" ]; then
        echo "SKIP: MOF corpus folder not found: $corpus (set LWMI_CORPUS_DIR)"
        exit 77
fi

# Files that are not valid MOF as they stand: a template with @OBJECT_PREFIX@
# placeholders, and the iSCSI files that need the C preprocessor and SDK headers.
expected_fail="src__xeniface.mof
storage__iscsi__src__common.mof
storage__iscsi__src__config.mof
storage__iscsi__src__def.mof
storage__iscsi__src__mgmt.mof"

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0
n=0
n_fail_seen=0

find "$corpus" -name '*.mof' -type f | sort > "$tmp/list"
while IFS= read -r f; do
        n=$((n + 1))
        base=$(basename "$f")
        "$mofcomp" --check "$f" > "$tmp/out" 2> "$tmp/err"
        rc=$?
        if printf '%s\n' "$expected_fail" | grep -qxF "$base"; then
                n_fail_seen=$((n_fail_seen + 1))
                if [ "$rc" -ne 1 ]; then
                        echo "FAIL: $f: expected exit 1, got $rc"
                        failures=$((failures + 1))
                elif ! grep -qE "^$(printf '%s' "$f" | sed 's/[][\.*^$]/\\&/g'):[0-9]+:[0-9]+: error: " "$tmp/err"; then
                        echo "FAIL: $f: no 'file:line:col: error:' line:"
                        cat "$tmp/err"
                        failures=$((failures + 1))
                else
                        echo "ok (rejected as expected): $base: $(grep -m1 ': error: ' "$tmp/err" | sed 's/^.*: error: //')"
                fi
        else
                if [ "$rc" -ne 0 ]; then
                        echo "FAIL: $f: exit $rc"
                        cat "$tmp/err"
                        failures=$((failures + 1))
                else
                        echo "ok: $base"
                fi
        fi
done < "$tmp/list"

if [ "$n" -eq 0 ]; then
        echo "SKIP: no .mof file in $corpus"
        exit 77
fi
if [ "$n_fail_seen" -ne 5 ]; then
        echo "FAIL: expected the 5 known-bad files, found $n_fail_seen"
        failures=$((failures + 1))
fi
echo "$n files, $failures failures"
[ "$failures" -eq 0 ]

#!/bin/sh
# SPDX-License-Identifier: MIT
# wmic command line: usage errors exit 2, a connection failure exits 1 with the
# WBEM name and code on stderr, and the JSON format is valid for jq.
# Usage: test-wmic.sh WMIC TEST_WMIC_FORMAT
set -u
wmic=$1
fmt=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

expect() { # expect CODE ARGS...
        want=$1; shift
        "$wmic" "$@" >"$tmp/out" 2>"$tmp/err"
        got=$?
        [ "$got" -eq "$want" ] || { cat "$tmp/err" >&2; fail "wmic $* exited $got, expected $want"; }
}

expect 2
expect 2 frobnicate
expect 2 query
expect 2 query "SELECT * FROM A" extra
expect 2 get
expect 2 set 'X.Name="a"'
expect 2 set 'X.Name="a"' NoEquals
expect 2 call 'X.Name="a"'
expect 2 --format xml query "SELECT * FROM A"
expect 2 --bogus-option
expect 2 --timeout abc query "SELECT * FROM A"
expect 2 --timeout 0 query "SELECT * FROM A"
expect 0 --help
grep -q "Usage: wmic" "$tmp/out" || fail "--help prints no usage"

expect 1 --socket "$tmp/none.sock" query "SELECT * FROM A"
grep -q "WBEM_E_CONNECTION_FAILED 0x80041071" "$tmp/err" || { cat "$tmp/err" >&2; fail "no WBEM name and code"; }
LWMI_SOCKET="$tmp/none.sock" expect 1 get 'X.Name="a"'
grep -q "0x80041071" "$tmp/err" || fail "LWMI_SOCKET not used"

WMIC_JSON_OUT="$tmp/out.json" TESTFUNCS=json "$fmt" 2>/dev/null || fail "format test failed"
if command -v jq >/dev/null 2>&1; then
        jq -e 'length == 2 and .[0].Name == "dev0"' "$tmp/out.json" >/dev/null || fail "jq rejects the JSON"
elif command -v python3 >/dev/null 2>&1; then
        python3 -m json.tool "$tmp/out.json" >/dev/null || fail "invalid JSON"
fi
echo "wmic command line: ok"

#!/bin/sh
# SPDX-License-Identifier: MIT
# wmic against the fake broker of the libwmi tests: every command, every
# format, and WMI errors (exit 1, WBEM name and code on stderr).
# Usage: test-wmic-e2e.sh WMIC FAKE_WMID
set -u
wmic=$1
fake=$2
tmp=$(mktemp -d) || exit 1
pid=
cleanup() {
        [ -n "$pid" ] && kill "$pid" 2>/dev/null
        rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The fake prints its socket path once it listens: wait for that line, not a delay.
mkfifo "$tmp/ready" || exit 1
"$fake" >"$tmp/ready" &
pid=$!
read -r sock <"$tmp/ready" || fail "fake-wmid did not start"

run() { # run CODE ARGS...
        want=$1; shift
        "$wmic" --socket "$sock" "$@" >"$tmp/out" 2>"$tmp/err"
        got=$?
        [ "$got" -eq "$want" ] || { cat "$tmp/err" >&2; fail "wmic $* exited $got, expected $want"; }
}
has() { grep -q -- "$2" "$tmp/$1" || { cat "$tmp/$1" >&2; fail "no '$2' in $1"; }; }

run 0 query "SELECT * FROM Sample"
has out "^Name  *Value"
has out "^c  *3"
run 0 --format json query "SELECT * FROM Sample"
if command -v jq >/dev/null 2>&1; then
        jq -e 'length == 3 and .[2].Name == "c" and .[2].Value == 3' "$tmp/out" >/dev/null ||
                fail "jq rejects the query JSON"
fi
run 0 --format csv query "SELECT * FROM Sample"
has out "^Name,Value"
run 0 --format list query "SELECT * FROM Sample"
has out "^Name=b"
# a select list shows only its columns (table, CSV, list)
run 0 query "SELECT Value FROM Sample WHERE Value > 0"
has out "^Value *$"
grep -q "Name" "$tmp/out" && fail "SELECT Value printed the Name column"
run 0 --format csv query "select Name from Sample"
has out "^Name.$"
run 0 --format list query "SELECT value FROM Sample"
grep -q "^Name=" "$tmp/out" && fail "SELECT value listed Name"
has out "^Value=2"
run 1 query "SELECT Bad"
has err "WBEM_E_INVALID_QUERY 0x80041017"

run 1 --timeout 0.2 query "SELECT * FROM Slow"
has err "WBEM_E_TIMED_OUT 0x80041069"

run 0 get 'Sample.Name="a"'
has out "^Value=1"
run 1 get 'Sample.Name="zz"'
has err "no such instance (WBEM_E_NOT_FOUND 0x80041002)"

run 0 set 'Sample.Name="a"' Value=42
run 0 --item set 'Sample.Name="a"' Value=42
run 1 set 'Sample.Name="a"' Value=notanumber
has err "WBEM_E_TYPE_MISMATCH"
run 1 --item set 'Sample.Name="a"' Value=notanumber
has err "WBEM_E_TYPE_MISMATCH"
run 1 set 'Sample.Name="a"' Nope=1
has err "WBEM_E_NOT_FOUND"

run 0 call 'Sample.Name="a"' Double In=21
has out "^Out=42"
run 1 call 'Sample.Name="a"' Double Nope=1
has err "WBEM_E_INVALID_PARAMETER"
run 1 call 'Sample.Name="a"' Triple
has err "WBEM_E_INVALID_METHOD"

# watch: events as they come, until --count or --timeout
run 0 watch "SELECT * FROM Sample" --count 2 --format json
[ "$(wc -l <"$tmp/out")" -eq 2 ] || fail "watch --count 2 printed $(wc -l <"$tmp/out") lines"
has out '"Name":"e2"'
run 0 watch "SELECT * FROM Sample" --timeout 0.3
has out "^Name=e3"
run 2 watch "SELECT * FROM Sample" --count
run 2 watch "SELECT * FROM Sample" --count 0
run 2 watch "SELECT * FROM Sample" --bogus 1

run 0 classes 'samp*'
has out "^Sample$"
run 0 classes 'X*'
[ -s "$tmp/out" ] && fail "classes X* printed something"
run 0 class Sample
has out "class Sample"
run 1 class Nothing
has err "WBEM_E_NOT_FOUND"
echo "wmic end to end: ok"

#!/bin/sh
# SPDX-License-Identifier: MIT
# wmic against the real broker on a private socket: the handshake, class
# listing, MOF output, JSON output and a WMI error. Skips (77) if wmid does
# not come up.
# Usage: test-wmic-wmid.sh WMIC WMID
set -u
wmic=$1
wmid=$2
tmp=$(mktemp -d) || exit 1
pid=
cleanup() {
        [ -n "$pid" ] && kill "$pid" 2>/dev/null
        rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; cat "$tmp/log" >&2; exit 1; }

mkdir "$tmp/state" && mkfifo "$tmp/ready" || exit 1
"$wmid" --socket "$tmp/wmid.sock" --state "$tmp/state" --ready-fd 3 3>"$tmp/ready" \
        >"$tmp/log" 2>&1 &
pid=$!
read -r line <"$tmp/ready" || { echo "wmid did not start" >&2; exit 77; }
[ "$line" = "READY=1" ] || exit 77

w() { "$wmic" --socket "$tmp/wmid.sock" "$@"; }

w classes >"$tmp/out" || fail "wmic classes failed"
grep -q '^__ClassCreationEvent$' "$tmp/out" || fail "no __ClassCreationEvent"
w classes 'wmiev*' >"$tmp/out" || fail "wmic classes PATTERN failed"
grep -q '^WMIEvent$' "$tmp/out" || fail "pattern did not match WMIEvent"
w class WMIEvent >"$tmp/out" || fail "wmic class failed"
grep -q 'class WMIEvent' "$tmp/out" || fail "no MOF"
w --format json query 'SELECT * FROM __Namespace' >"$tmp/out" || fail "query failed"
if command -v jq >/dev/null 2>&1; then
        jq -e 'type == "array"' "$tmp/out" >/dev/null || fail "invalid JSON"
fi
w get 'NoSuchClass.Key=1' 2>"$tmp/err"
[ $? -eq 1 ] || fail "wmic get of a missing class did not exit 1"
grep -q 'WBEM_E_[A-Z_]* 0x8004' "$tmp/err" || fail "no WBEM name and code on stderr"
echo "wmic against wmid: ok"

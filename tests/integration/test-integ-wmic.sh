#!/bin/sh
# SPDX-License-Identifier: MIT
# wmic against a real wmid and a real sampledrv: every command, every
# --format, the exit codes, writes that a later query sees, and the refusals.
# Usage: test-integ-wmic.sh WMIC WMID SAMPLEDRV
set -u
wmic=$1
wmid=$2
sampledrv=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lwmi-integ-wmic-XXXXXX") || exit 1
wpid=
dpid=
cleanup() {
        [ -n "$dpid" ] && kill -9 "$dpid" 2>/dev/null
        [ -n "$wpid" ] && kill -9 "$wpid" 2>/dev/null
        wait 2>/dev/null
        rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() {
        echo "FAIL: $*" >&2
        echo "--- wmid log" >&2
        cat "$tmp/wmid.log" >&2
        echo "--- sampledrv log" >&2
        cat "$tmp/drv.log" >&2
        exit 1
}

mkdir "$tmp/state" && mkfifo "$tmp/ready" || exit 1
"$wmid" --socket "$tmp/wmid.sock" --state "$tmp/state" --ready-fd 3 3>"$tmp/ready" \
        >"$tmp/wmid.log" 2>&1 &
wpid=$!
# Bounded wait for READY=1: a watchdog kills wmid if the pipe stays silent.
( sleep 30; kill -9 "$wpid" 2>/dev/null ) >/dev/null 2>&1 &
watchdog=$!
read -r line <"$tmp/ready" || fail "wmid did not start"
kill "$watchdog" 2>/dev/null
[ "$line" = "READY=1" ] || fail "wmid wrote '$line' instead of READY=1"

"$sampledrv" --socket "$tmp/wmid.sock" >"$tmp/drv.log" 2>&1 &
dpid=$!

w() { "$wmic" --socket "$tmp/wmid.sock" --timeout 30 "$@"; }
# CSV rows end in CRLF (RFC 4180); compare them without the CR.
wcsv() { "$wmic" --socket "$tmp/wmid.sock" --timeout 30 --format csv "$@" | tr -d '\r'; }
S0='Sample_Settings.InstanceName="sampledrv_0"'
S1='Sample_Settings.InstanceName="sampledrv_1"'
M0='Sample_Methods.InstanceName="sampledrv_0"'

# Wait (bounded) until the driver's instances are queryable.
i=0
until [ "$(wcsv query 'SELECT * FROM Sample_Settings' 2>/dev/null | wc -l)" -eq 3 ]; do
        i=$((i + 1))
        [ $i -lt 600 ] || fail "sampledrv's instances never appeared"
        kill -0 "$dpid" 2>/dev/null || fail "sampledrv exited"
        sleep 0.05
done

# --- query, every format -------------------------------------------------
w query 'SELECT * FROM Sample_Settings' >"$tmp/out" || fail "query (table)"
head -n 1 "$tmp/out" | grep -q '^InstanceName *Active *TxPower *LinkSpeed *PowerSave *IrqModeration$' ||
        fail "table header: $(head -n 1 "$tmp/out")"
grep -q '^sampledrv_0 *TRUE *10 *1000 *FALSE *50$' "$tmp/out" || fail "table row 0"
grep -q '^sampledrv_1 *TRUE *11 *1000 *FALSE *50$' "$tmp/out" || fail "table row 1"
[ "$(wc -l <"$tmp/out")" -eq 3 ] || fail "table: expected header + 2 rows"

w --format table query 'SELECT * FROM Sample_Settings' >"$tmp/out2" || fail "--format table"
cmp -s "$tmp/out" "$tmp/out2" || fail "--format table differs from the default"

w --format list query 'SELECT * FROM Sample_Settings' >"$tmp/out" || fail "query (list)"
grep -q '^InstanceName=sampledrv_0$' "$tmp/out" || fail "list: sampledrv_0"
grep -q '^InstanceName=sampledrv_1$' "$tmp/out" || fail "list: sampledrv_1"
grep -q '^TxPower=11$' "$tmp/out" || fail "list: TxPower=11"

w --format csv query 'SELECT * FROM Sample_Settings' >"$tmp/raw" || fail "query (csv)"
[ "$(tr -cd '\r' <"$tmp/raw" | wc -c)" -eq 3 ] || fail "csv: expected CRLF line ends"
tr -d '\r' <"$tmp/raw" >"$tmp/out"
[ "$(head -n 1 "$tmp/out")" = "InstanceName,Active,TxPower,LinkSpeed,PowerSave,IrqModeration" ] ||
        fail "csv header: $(head -n 1 "$tmp/out")"
grep -qx 'sampledrv_0,TRUE,10,1000,FALSE,50' "$tmp/out" || fail "csv row 0"
grep -qx 'sampledrv_1,TRUE,11,1000,FALSE,50' "$tmp/out" || fail "csv row 1"

w --format json query 'SELECT * FROM Sample_Settings' >"$tmp/out" || fail "query (json)"
if command -v jq >/dev/null 2>&1; then
        jq -e 'length == 2 and .[0].__CLASS == "Sample_Settings" and
               ([.[].InstanceName] | sort) == ["sampledrv_0", "sampledrv_1"] and
               (.[] | select(.InstanceName == "sampledrv_1") | .TxPower) == 11' \
                "$tmp/out" >/dev/null || fail "json content: $(cat "$tmp/out")"
else
        python3 -m json.tool "$tmp/out" >/dev/null || fail "invalid JSON"
fi

# WHERE filters at the broker.
wcsv query 'SELECT * FROM Sample_Settings WHERE TxPower = 11' >"$tmp/out" || fail "query WHERE"
[ "$(wc -l <"$tmp/out")" -eq 2 ] && grep -q '^sampledrv_1,' "$tmp/out" || fail "WHERE: $(cat "$tmp/out")"

# --- get -------------------------------------------------------------------
for f in table list json csv; do
        w --format $f get "$S0" >"$tmp/out" || fail "get --format $f"
        grep -q 'sampledrv_0' "$tmp/out" || fail "get --format $f: no instance name"
done
w --format json get "$S0" | python3 -m json.tool >/dev/null || fail "get json invalid"

# Read-only context block (UseContextForQuery) is readable.
w --format list get 'Sample_DeviceInfo.InstanceName="sampledrv_0"' >"$tmp/out" ||
        fail "get Sample_DeviceInfo"
grep -qx 'FirmwareVersion=131075' "$tmp/out" || fail "DeviceInfo FirmwareVersion"
grep -qx 'SerialNumber=99288106139649' "$tmp/out" || fail "DeviceInfo SerialNumber"

# Variable-length block with a counted array and a string.
w --format list query 'SELECT * FROM Sample_PortTable' >"$tmp/out" || fail "query PortTable"
grep -qx 'Name=uplinks' "$tmp/out" || fail "PortTable Name"
grep -q '^Speeds=.*1000.*1000' "$tmp/out" || fail "PortTable Speeds"

# --- set (whole block: set_instance) -------------------------------------
w set "$S1" TxPower=-7 LinkSpeed=100 >"$tmp/out" || fail "set"
wcsv get "$S1" >"$tmp/out" || fail "get after set"
grep -qx 'sampledrv_1,TRUE,-7,100,FALSE,50' "$tmp/out" || fail "set not visible: $(cat "$tmp/out")"
wcsv get "$S0" | grep -qx 'sampledrv_0,TRUE,10,1000,FALSE,50' ||
        fail "set changed the other instance"

# --- --item set (one data item: set_item) ---------------------------------
w --item set "$S0" IrqModeration=77 || fail "--item set"
wcsv get "$S0" | grep -qx 'sampledrv_0,TRUE,10,1000,FALSE,77' ||
        fail "--item set not visible"
w -i set "$S0" PowerSave=TRUE || fail "-i set"
wcsv get "$S0" | grep -qx 'sampledrv_0,TRUE,10,1000,TRUE,77' || fail "-i set not visible"

# The driver refuses an invalid LinkSpeed: a WMI error, exit 1, nothing changes.
w set "$S0" LinkSpeed=12345 2>"$tmp/err"
[ $? -eq 1 ] || fail "invalid LinkSpeed: exit status"
grep -q 'WBEM_E_[A-Z_]* 0x8004' "$tmp/err" || fail "invalid LinkSpeed: no WBEM status"
wcsv get "$S0" | grep -qx 'sampledrv_0,TRUE,10,1000,TRUE,77' || fail "refused set changed data"

# --- refusals --------------------------------------------------------------
w set 'Sample_DeviceInfo.InstanceName="sampledrv_0"' PortCount=9 2>"$tmp/err"
[ $? -eq 1 ] || fail "set of the read-only block did not exit 1"
grep -q 'WBEM_E_READ_ONLY 0x80041023' "$tmp/err" || fail "read-only: $(cat "$tmp/err")"
w --item set 'Sample_DeviceInfo.InstanceName="sampledrv_0"' PortCount=9 2>"$tmp/err"
[ $? -eq 1 ] || fail "--item set of the read-only block did not exit 1"
grep -q 'WBEM_E_READ_ONLY 0x80041023' "$tmp/err" || fail "read-only item: $(cat "$tmp/err")"

w query 'SELECT * FROM Sample_Control' >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] || fail "query of the write-only block did not exit 1"
grep -q 'WBEM_E_[A-Z_]* 0x8004' "$tmp/err" || fail "write-only: $(cat "$tmp/err")"

# --- call --------------------------------------------------------------------
w call "$M0" AddNumbers A=2 B=40 >"$tmp/out" || fail "call AddNumbers"
grep -qx 'Sum=42' "$tmp/out" || fail "AddNumbers: $(cat "$tmp/out")"
w --format json call "$M0" AddNumbers A=5 B=6 >"$tmp/out" || fail "call --format json"
# EchoText: 1000 bytes of output, far above the broker's first buffer; the
# too-small retry must be invisible.
w call "$M0" EchoText Repeat=100 Text=0123456789 >"$tmp/out" || fail "call EchoText"
expected=$(printf '0123456789%.0s' $(seq 100))
[ "$(cat "$tmp/out")" = "Result=$expected" ] || fail "EchoText output: $(head -c 100 "$tmp/out")"
w call "$M0" NoSuchMethod 2>"$tmp/err"
[ $? -eq 1 ] || fail "unknown method did not exit 1"
w call "$M0" AddNumbers Nope=1 2>"$tmp/err"
[ $? -eq 1 ] || fail "unknown argument did not exit 1"
w --format list get "$M0" | grep -qx 'CallCount=3' || fail "CallCount after 3 calls"

# --- watch -----------------------------------------------------------------
# The subscription may start after a given event: keep firing (bounded) until
# watch has its one event and exits.
w watch 'SELECT * FROM Sample_Event WHERE Code = 77' --count 1 --timeout 60 \
        >"$tmp/watch" 2>"$tmp/watch.err" &
watch=$!
i=0
while kill -0 "$watch" 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 300 ] || { kill "$watch"; fail "watch got no event"; }
        w call "$M0" FireSampleEvent Code=77 >/dev/null || fail "call FireSampleEvent"
        sleep 0.1
done
wait "$watch" || fail "watch exited with $?: $(cat "$tmp/watch.err")"
grep -qx 'Code=77' "$tmp/watch" || fail "watch output: $(cat "$tmp/watch")"
grep -qx 'Message=fired on demand' "$tmp/watch" || fail "watch message: $(cat "$tmp/watch")"
w watch 'SELECT * FROM Sample_Event' --count 2>/dev/null
[ $? -eq 2 ] || fail "watch --count without a value did not exit 2"

# --- classes / class -------------------------------------------------------
w classes >"$tmp/out" || fail "classes"
for c in Sample_DeviceInfo Sample_Settings Sample_Control Sample_Methods Sample_Statistics \
        Sample_PortTable Sample_Event; do
        grep -qx "$c" "$tmp/out" || fail "classes: no $c"
done
w classes 'sample_s*' >"$tmp/out" || fail "classes PATTERN"
[ "$(cat "$tmp/out")" = "$(printf 'Sample_Settings\nSample_Statistics')" ] ||
        fail "classes PATTERN: $(cat "$tmp/out")"
w class Sample_Settings >"$tmp/out" || fail "class"
grep -q 'class Sample_Settings' "$tmp/out" || fail "class: no MOF header"
grep -q 'TxPower' "$tmp/out" || fail "class: no TxPower"
grep -qi 'guid' "$tmp/out" || fail "class: no guid qualifier"
w class Sample_Methods | grep -q 'AddNumbers' || fail "class: no method in MOF"
w --format json class Sample_Settings | python3 -m json.tool >/dev/null || fail "class json"

# --- exit codes --------------------------------------------------------------
w get 'Sample_Settings.InstanceName="nope_9"' 2>/dev/null
[ $? -eq 1 ] || fail "get of a missing instance did not exit 1"
w class NoSuchClass 2>/dev/null
[ $? -eq 1 ] || fail "class of a missing class did not exit 1"
w query 'SELEKT nonsense' 2>/dev/null
[ $? -eq 1 ] || fail "invalid WQL did not exit 1"
w frobnicate 2>/dev/null
[ $? -eq 2 ] || fail "unknown command did not exit 2"
w 2>/dev/null
[ $? -eq 2 ] || fail "missing command did not exit 2"
w --format yaml query 'SELECT * FROM Sample_Settings' 2>/dev/null
[ $? -eq 2 ] || fail "unknown format did not exit 2"
w set "$S0" NoEquals 2>/dev/null
[ $? -eq 2 ] || fail "set without Name=Value did not exit 2"
w get 2>/dev/null
[ $? -eq 2 ] || fail "get without a path did not exit 2"
"$wmic" --socket "$tmp/nonexistent.sock" classes 2>/dev/null
[ $? -eq 1 ] || fail "no broker did not exit 1"
"$wmic" --help >/dev/null || fail "--help did not exit 0"

kill -0 "$wpid" || fail "wmid died"
kill -0 "$dpid" || fail "sampledrv died"
echo "wmic integration: ok"

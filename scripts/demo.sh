#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: compile the sample driver's MOF, show the C header a driver
# includes, store the classes in a repository under a private state directory
# and list them back. Everything lives in a temporary folder removed at exit.
set -euo pipefail

build=${1:-build/dev}
mofcomp="$build/tools/mofcomp/mofcomp"
wmid="$build/src/broker/wmid"
wmic="$build/tools/wmic/wmic"
sampledrv="$build/examples/sampledrv/sampledrv"
mof=examples/sampledrv/sampledrv.mof

work=$(mktemp -d "${TMPDIR:-/tmp}/lwmi-demo.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. Check the sample driver's MOF ($mof)"
"$mofcomp" --check "$mof"
echo "ok: no errors"

step "2. A MOF error is reported as file:line:col"
cat > "$work/broken.mof" <<'MOF'
[WMI, Dynamic, Provider("WMIProv"), guid("{6C1C6A80-2B6E-4F7A-9A1F-3C2D9E5B7AFF}")]
class Broken_Block
{
    [key, read] string InstanceName;
    [read] boolean Active;
    [WmiDataId(1), read] uint32 First;
    [WmiDataId(3), read] uint32 Third;
    [WmiDataId(4), read] uint8 Small = 300;
};
MOF
"$mofcomp" --check "$work/broken.mof" || echo "(mofcomp exited $?, as it should)"

step "3. The C header the driver includes (mofcomp --header sampledrv.h)"
"$mofcomp" --header "$work/sampledrv.h" "$mof"
sed -n '1,400p' "$work/sampledrv.h"

step "4. Store the classes in a fresh repository ($work/state)"
"$mofcomp" --state "$work/state" "$mof"
ls -l "$work/state"

step "5. List the classes of root\\wmi back from the repository"
"$mofcomp" --state "$work/state" --namespace 'root\wmi' --list

step "6. One class, read back from the repository as MOF"
"$mofcomp" --state "$work/state" --namespace 'root\wmi' --show Sample_Event

step "7. Start wmid on a private socket, then the sample driver"
sock="$work/wmid.sock"
mkfifo "$work/ready"
"$wmid" --socket "$sock" --state "$work/wmid-state" --ready-fd 3 3>"$work/ready" \
  2> "$work/wmid.log" &
pids+=($!)
read -r ready < "$work/ready"
echo "wmid: $ready"
"$sampledrv" --socket "$sock" --event-interval 200 2> "$work/sampledrv.log" &
pids+=($!)
# wait until the driver's instances are registered (at most 5 s)
for _ in $(seq 100); do
  "$wmic" --socket "$sock" query "SELECT * FROM Sample_Settings" 2>/dev/null | grep -q sampledrv \
    && break
  sleep 0.05
done
W=("$wmic" --socket "$sock")
run() { printf '$ wmic %s\n' "$*"; "${W[@]}" "$@" || echo "(exit $?)"; }

step "8. The driver's classes"
run classes 'Sample*'

step "9. Queries: a context-served block, two instances, a WHERE clause, a variable-length block"
run query "SELECT * FROM Sample_DeviceInfo"
run query "SELECT * FROM Sample_Settings"
run query "SELECT InstanceName, TxPower FROM Sample_Settings WHERE TxPower > 10"
run --format list query "SELECT * FROM Sample_PortTable"
run --format json get 'Sample_Settings.InstanceName="sampledrv_0"'

step "10. Writes: a whole block (set_instance), then one item (set_item)"
run set 'Sample_Settings.InstanceName="sampledrv_0"' TxPower=15 LinkSpeed=100
run --item set 'Sample_Settings.InstanceName="sampledrv_1"' PowerSave=TRUE
run query "SELECT * FROM Sample_Settings"

step "11. Methods, one whose output needs a larger buffer than first offered"
run call 'Sample_Methods.InstanceName="sampledrv_0"' AddNumbers A=2 B=40
run call 'Sample_Methods.InstanceName="sampledrv_0"' EchoText Repeat=40 Text=lwmi-
run get 'Sample_Methods.InstanceName="sampledrv_0"'

step "12. Refusals: a read-only block, a write-only block"
run set 'Sample_DeviceInfo.InstanceName="sampledrv_0"' PortCount=3
run query "SELECT * FROM Sample_Control"

step "13. Events: watch three periodic ones, then one fired on demand through a method"
run watch "SELECT * FROM Sample_Event" --count 3 --format json
"${W[@]}" watch "SELECT * FROM Sample_Event WHERE Code = 7" --count 1 --timeout 10 \
  > "$work/watch.out" 2>&1 &
watcher=$!
# wait until the watcher's subscription enabled the event again (driver's log)
for _ in $(seq 100); do
  [ "$(grep -c 'events enabled' "$work/sampledrv.log")" -ge 2 ] && break
  sleep 0.05
done
run call 'Sample_Methods.InstanceName="sampledrv_0"' FireSampleEvent Code=7
wait "$watcher" || true
printf '$ wmic watch "SELECT * FROM Sample_Event WHERE Code = 7" --count 1\n'
cat "$work/watch.out"

step "14. The driver's log (function control: enabled while someone watches)"
sed 's/^/    /' "$work/sampledrv.log"

echo
echo "demo finished; wmid and sampledrv stopped, state directory removed"

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: compile the sample driver's MOF, show the C header a driver
# includes, store the classes in a repository under a private state directory
# and list them back. Everything lives in a temporary folder removed at exit.
set -euo pipefail

build=${1:-build/dev}
mofcomp="$build/tools/mofcomp/mofcomp"
mof=examples/sampledrv/sampledrv.mof

work=$(mktemp -d "${TMPDIR:-/tmp}/lwmi-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT

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

echo
echo "demo finished; state directory removed"

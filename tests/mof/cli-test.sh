#!/bin/sh
# SPDX-License-Identifier: MIT
# mofcomp exit codes (0 ok, 1 input errors, 2 usage) and the --cpp / -I pass.
# Usage: cli-test.sh MOFCOMP TESTS_MOF_DIR
set -u
mofcomp=$1
dir=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0

# expect RC DESCRIPTION -- COMMAND...
expect() {
        want=$1
        what=$2
        shift 3
        "$@" > "$tmp/out" 2> "$tmp/err"
        rc=$?
        if [ "$rc" -ne "$want" ]; then
                echo "FAIL: $what: exit $rc, expected $want"
                cat "$tmp/out" "$tmp/err"
                failures=$((failures + 1))
        else
                echo "ok: $what"
        fi
}

# expect_err PATTERN DESCRIPTION: the last command's stderr matches PATTERN
expect_err() {
        if ! grep -qE "$1" "$tmp/err"; then
                echo "FAIL: $2: stderr does not match '$1':"
                cat "$tmp/err"
                failures=$((failures + 1))
        fi
}

printf '[WMI, guid("{11111111-2222-3333-4444-555555555555}")]\nclass Good {\n  [WmiDataId(1)] uint32 A;\n};\n' > "$tmp/good.mof"
printf 'class Bad {\n  uint32 A;\n  uint32 A;\n};\n' > "$tmp/bad.mof"
printf '#define X 1\nclass C { };\n' > "$tmp/define.mof"

expect 0 "--help" -- "$mofcomp" --help
expect 0 "--version" -- "$mofcomp" --version
expect 2 "no argument" -- "$mofcomp"
expect 2 "unknown option" -- "$mofcomp" --bogus "$tmp/good.mof"
expect 2 "--check with --header" -- "$mofcomp" --check --header "$tmp/x.h" "$tmp/good.mof"
expect 2 "two files for --header" -- "$mofcomp" --header "$tmp/x.h" "$tmp/good.mof" "$tmp/good.mof"
expect 2 "--list with a file" -- "$mofcomp" --state "$tmp/state" --list "$tmp/good.mof"
expect 0 "--check good" -- "$mofcomp" --check "$tmp/good.mof"
expect 0 "--check several good" -- "$mofcomp" --check "$tmp/good.mof" "$tmp/good.mof"
expect 1 "--check bad" -- "$mofcomp" --check "$tmp/bad.mof"
expect_err "bad\\.mof:3:10: error: duplicate property A" "duplicate property position"
expect 1 "--check good and bad" -- "$mofcomp" --check "$tmp/good.mof" "$tmp/bad.mof"
expect 1 "missing file" -- "$mofcomp" --check "$tmp/nope.mof"
expect_err "nope\\.mof:1:1: error: " "missing file message"
expect 1 "#define without --cpp" -- "$mofcomp" --check "$tmp/define.mof"
expect_err "define\\.mof:1:1: error: .*--cpp" "#define without --cpp message"
expect 0 "--header" -- "$mofcomp" --header "$tmp/good.h" "$tmp/good.mof"
if ! grep -q '^#ifndef' "$tmp/good.h" 2> /dev/null; then
        echo "FAIL: --header wrote no header"
        failures=$((failures + 1))
fi
expect 1 "--header of a bad file" -- "$mofcomp" --header "$tmp/bad.h" "$tmp/bad.mof"

# expect_out PATTERN DESCRIPTION: the last command's stdout matches PATTERN
expect_out() {
        if ! grep -qE "$1" "$tmp/out"; then
                echo "FAIL: $2: stdout does not match '$1':"
                cat "$tmp/out"
                failures=$((failures + 1))
        fi
}

# Storing: a data block, then an event class that derives from WMIEvent, which
# only the repository defines (resolved at store time).
printf '[WMI, Dynamic, Provider("WMIProv"), guid("{11111111-2222-3333-4444-555555555556}")]\nclass Cli_Event : WMIEvent {\n  [key, read] string InstanceName;\n  [read] boolean Active;\n  [WmiDataId(1), read] uint32 Code;\n};\n' > "$tmp/event.mof"
printf 'class Orphan : No_Such_Base {\n  uint32 A;\n};\n' > "$tmp/orphan.mof"
expect 0 "store" -- "$mofcomp" --namespace root/wmi --state "$tmp/state" "$tmp/good.mof"
expect_out "stored 1 classes" "store summary"
expect 0 "store again (identical: no-op)" -- "$mofcomp" --namespace root/wmi --state "$tmp/state" "$tmp/good.mof" "$tmp/good.mof"
expect 0 "store a WMIEvent subclass" -- "$mofcomp" --state "$tmp/state" "$tmp/event.mof"
expect 1 "store with an unknown superclass" -- "$mofcomp" --state "$tmp/state" "$tmp/orphan.mof"
expect_err "orphan\\.mof:1:[0-9]+: .*No_Such_Base" "unknown superclass message"
expect 0 "list" -- "$mofcomp" --state "$tmp/state" --namespace 'root\wmi' --list
expect_out "^Good$" "list shows the stored class"
expect_out "^Cli_Event : WMIEvent$" "list shows the event class and its superclass"
expect_out "^__InstanceCreationEvent : __InstanceOperationEvent$" "list shows system classes"
if grep -q Orphan "$tmp/out"; then
        echo "FAIL: a class that failed to store is listed"
        failures=$((failures + 1))
fi
expect 0 "show" -- "$mofcomp" --state "$tmp/state" --show Cli_Event
expect_out "class Cli_Event : WMIEvent" "show prints the class as MOF"
expect_out "WmiDataId\\(1\\)" "show keeps qualifiers"
expect 1 "show an unknown class" -- "$mofcomp" --state "$tmp/state" --show Nope
expect_err "Nope: not found" "unknown class message"
printf 'garbage that is not a database, long enough to look like a file header.............' > "$tmp/bad-state/repository.db" 2> /dev/null || { mkdir -p "$tmp/bad-state" && printf 'garbage that is not a database, long enough to look like a file header.............' > "$tmp/bad-state/repository.db"; }
expect 1 "corrupt repository refused" -- "$mofcomp" --state "$tmp/bad-state" --list
expect_err "repository\\.db" "corrupt repository message names the file"

if command -v "${LWMI_CPP:-cpp}" > /dev/null 2>&1; then
        expect 0 "--cpp with -I" -- "$mofcomp" --check --cpp -I "$dir/cpp/inc" "$dir/cpp/main.mof"
        expect 1 "--cpp without -I" -- "$mofcomp" --check --cpp "$dir/cpp/main.mof"
        expect_err "main\\.mof:[0-9]+:[0-9]+: error: .*defs\\.h" "--cpp missing include message"
        expect 1 "--cpp error keeps the line" -- "$mofcomp" --check --cpp -I "$dir/cpp/inc" "$dir/cpp/bad.mof"
        expect_err "bad\\.mof:13:[0-9]+: error: duplicate property Count" "--cpp line mapping"
else
        echo "skip: no C preprocessor for the --cpp tests"
fi

[ "$failures" -eq 0 ]

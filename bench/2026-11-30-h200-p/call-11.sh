#!/usr/bin/env bash
# Device call 11 of the thirtieth session, the final tree: every GPU suite (the new graph suite
# included); those with _dependent entries also with
# dependent runs; and the sanitizer stage (now also the graph suite under
# memcheck).
# Usage: OUT=dir bash bench/2026-11-30-h200-p/call-11.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-11
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
OUT=$O/checks BUILD=build-gpu timeout 540 bash tools/gpu-check.sh tests sanitizer > "$O/checks.txt" 2>&1
echo "gpu-check tests sanitizer rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-11.tgz call-11)
cat "$O/summary.txt"
grep -E "Test +#" "$O/checks/gpu-tests.log"
grep -h "^FAIL\|\*\*\*Failed\|:F:\|:E:" "$O"/checks/*.log 2>/dev/null | head -20
grep "ERROR SUMMARY\|^rc=\|^---" "$O/checks/sanitizer.log"

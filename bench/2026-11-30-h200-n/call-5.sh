#!/usr/bin/env bash
# Device call 5 of the twenty-eighth session, on the tree with given sums offered for 1- and
# 2-bit codes on layers of at least 8192 x 8192 weights: every GPU suite and the sanitizer runs
# (tools/gpu-check.sh tests sanitizer; the sanitizer stage now also tunes two 2-bit layers whose
# candidates include given sums under memcheck).
# Usage: OUT=dir bash bench/2026-11-30-h200-n/call-5.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-5
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
OUT=$O/checks BUILD=build-gpu timeout 560 bash tools/gpu-check.sh tests sanitizer > "$O/checks.txt" 2>&1
echo "gpu-check tests sanitizer rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
rm -f "$O"/checks/*.db*
(cd "$OUT" && tar czf call-5.tgz call-5)
cat "$O/summary.txt"
grep -h "^FAIL\|\*\*\*Failed\|given sums:" "$O"/checks/*.log 2>/dev/null | head -20
grep -A3 -- "--- memcheck: 2-bit" "$O/checks/sanitizer.log" | tail -3
grep "ERROR SUMMARY\|^rc=" "$O/checks/sanitizer.log"

#!/usr/bin/env bash
# Device call 5 of the twenty-sixth session, on the tree with blocks bound to 16 warps per SM
# for 1- and 2-bit codes from M = 9 (tuner/schedule.c, BB_FULL_SM_WARPS; min_blocks):
#   1. every GPU suite and the standing sanitizer runs (tools/gpu-check.sh tests sanitizer);
#   2. the four-set bench (tools/gpu-check.sh bench), every operator tuned on an empty cache.
# Usage: OUT=dir bash bench/2026-11-30-h200-l/call-5.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-5
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
OUT=$O/checks BUILD=build-gpu timeout 330 bash tools/gpu-check.sh tests sanitizer > "$O/checks.txt" 2>&1
echo "gpu-check tests sanitizer rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
rm -f "$O"/checks/*.db*
OUT=$O/bench BUILD=build-gpu timeout $((585 - (SECONDS - start))) bash tools/gpu-check.sh bench \
  > "$O/bench.txt" 2>&1
echo "gpu-check bench rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
rm -f "$O"/bench/*.db*
(cd "$OUT" && tar czf call-5.tgz call-5)
cat "$O/summary.txt"
grep -h "^FAIL\|\*\*\*Failed" "$O"/checks/*.log 2>/dev/null | head -20
grep '^== \|geomean' "$O/bench.txt" | sed 's/  */ /g' | tail -40
rm -rf "$O"

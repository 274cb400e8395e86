#!/usr/bin/env bash
# Device call 1 of the twenty-fifth session, on a934099 with the 1-bit rule of
# bench/2026-11-30-h200-j/one-bit-after-only.patch applied (1-bit codes with N >= 8192 from
# M = 9 get only variants with scales after the mma):
#   1. every GPU suite and the standing sanitizer runs (tools/gpu-check.sh tests sanitizer);
#   2. the four-set bench (tools/gpu-check.sh bench), every operator tuned on an empty cache.
# Usage: OUT=dir bash bench/2026-11-30-h200-k/call-1.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-1
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
(cd "$OUT" && tar czf call-1.tgz call-1)
cat "$O/summary.txt"
grep -h "^FAIL\|\*\*\*Failed" "$O"/checks/*.log 2>/dev/null | head -20
grep '^== \|geomean' "$O/bench.txt" | sed 's/  */ /g' | tail -40
rm -rf "$O"

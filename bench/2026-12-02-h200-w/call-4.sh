#!/usr/bin/env bash
# Device call 4 of the thirty-seventh session: the tree with the mma tiles past 48 KiB (build-dev):
# every GPU suite and the sanitizer stage of tools/gpu-check.sh; then memcheck and racecheck over
# tuning shapes whose candidate lists hold those tiles (float16 x uint4, bfloat16 x uint2 and
# int8 x int2; M = 100, 256 and 1000; N and K that end inside a tile), every candidate checked.
# Usage: OUT=dir bash bench/2026-12-02-h200-w/call-4.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-4
mkdir -p "$O"
start=$SECONDS
BUILD=build-dev
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
OUT=$O/checks BUILD=build-dev timeout 460 bash tools/gpu-check.sh tests sanitizer > "$O/checks.txt" 2>&1
echo "gpu-check tests sanitizer rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
for tool in memcheck racecheck; do
  BITBLAS_CACHE=$O/$tool.db timeout 55 compute-sanitizer --tool $tool --target-processes all \
    --error-exitcode 99 "$BUILD/bitblas-tune" --shapes "100,1003,2944;256,200,1152" \
    --formats "w4a16;A=bfloat16,W=uint2,g=64,zeros=quantized;w2a8" --check > "$O/$tool.log" 2>&1
  echo "$tool rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
done
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-4.tgz call-4)
cat "$O/summary.txt"
grep -E "Test +#" "$O/checks/gpu-tests.log"
grep -h "^FAIL\|\*\*\*Failed\|:F:\|:E:" "$O"/checks/*.log 2>/dev/null | head -20
grep "ERROR SUMMARY\|^rc=\|^---" "$O/checks/sanitizer.log"
grep -h "ERROR SUMMARY\|RACECHECK SUMMARY\|PASS (\|FAIL\|check" "$O/memcheck.log" "$O/racecheck.log" | tail -8

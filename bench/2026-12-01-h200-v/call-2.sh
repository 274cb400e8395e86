#!/usr/bin/env bash
# Device call 2 of the thirty-sixth session: the change as it lands (8-bit integer codes as pairs
# of A's type in the tiled mma family), built as build-after: every GPU suite and the sanitizer
# stage of tools/gpu-check.sh, then memcheck over tuning float16 x uint8 (quantized zeros),
# bfloat16 x uint8 and float16 x int8 on shapes where the mma family takes part (M = 33, 100 and
# 256; N = 1000, 2880; K = 2888, 4096), every candidate checked against float64 (--check).
# Usage: OUT=dir bash bench/2026-12-01-h200-v/call-2.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-2
mkdir -p "$O"
start=$SECONDS
BUILD=build-after
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
OUT=$O/checks BUILD=build-after timeout 490 bash tools/gpu-check.sh tests sanitizer > "$O/checks.txt" 2>&1
echo "gpu-check tests sanitizer rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
BITBLAS_CACHE=$O/memcheck.db timeout 90 compute-sanitizer --tool memcheck --target-processes all \
  --error-exitcode 99 "$BUILD/bitblas-tune" --shapes "33,1000,2888;100,2880,4096;256,1000,4096" \
  --formats "w8a16-bf16;A=float16,W=uint8,g=64,zeros=quantized;A=float16,W=int8,g=-1,zeros=none" \
  --check > "$O/memcheck.log" 2>&1
echo "memcheck rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-2.tgz call-2)
cat "$O/summary.txt"
grep -E "Test +#" "$O/checks/gpu-tests.log"
grep -h "^FAIL\|\*\*\*Failed\|:F:\|:E:" "$O"/checks/*.log 2>/dev/null | head -20
grep "ERROR SUMMARY\|^rc=\|^---" "$O/checks/sanitizer.log"
grep "ERROR SUMMARY\|PASS (\|FAIL\|check" "$O/memcheck.log" | tail -5

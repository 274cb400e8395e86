#!/usr/bin/env bash
# Device call 1 of the thirty-second session: the bfloat16 tensor-core gemv patch
# (bench/2026-11-30-h200-q/bfloat16-tcgemv.patch) applied to 1e90ac4. Every GPU suite and the
# sanitizer stage, then the bench of bfloat16 x uint4 and float16 x uint4 at M = 1 and 16 on the
# Llama-3 sets.
# Usage: OUT=dir bash bench/2026-11-30-h200-r/call-1.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-1
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
OUT=$O/checks BUILD=build-gpu timeout 500 bash tools/gpu-check.sh tests sanitizer > "$O/checks.txt" 2>&1
echo "gpu-check tests sanitizer rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
export BITBLAS_CACHE=$O/cache.db
timeout 60 "$BUILD/bitblas-bench" --preset llama-3-8b,llama-3-70b --m 1,16 \
  --formats w4a16,w4a16-bf16 --csv "$O/bench.csv" > "$O/bench.txt" 2>&1
echo "bench rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-1.tgz call-1)
cat "$O/summary.txt"
grep -E "Test +#" "$O/checks/gpu-tests.log"
grep -h "^FAIL\|\*\*\*Failed\|:F:\|:E:" "$O"/checks/*.log 2>/dev/null | head -20
grep "ERROR SUMMARY\|^rc=\|^---" "$O/checks/sanitizer.log"
grep -iE 'geomean' "$O/bench.txt"

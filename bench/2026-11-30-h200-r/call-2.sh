#!/usr/bin/env bash
# Device call 2 of the thirty-second session: float8 codes through the tensor-core gemv and the
# mma family as float16 pairs (converted by the hardware on sm_89 and later), on 39fbb94 and the
# change. Every GPU suite and the sanitizer stage, memcheck over tuning float8 e4m3 (every
# candidate checked), then the bench of float8 e4m3 and uint8 at
# M = 1 and 16 on the Llama-3 sets.
# Usage: OUT=dir bash bench/2026-11-30-h200-r/call-2.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-2
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
OUT=$O/checks BUILD=build-gpu timeout 420 bash tools/gpu-check.sh tests sanitizer > "$O/checks.txt" 2>&1
echo "gpu-check tests sanitizer rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
BITBLAS_CACHE=$O/sanitizer-cache.db timeout 60 compute-sanitizer --tool memcheck --target-processes all --error-exitcode 99 \
  "$BUILD/bitblas-tune" --shapes "17,1000,4096;1,2880,4096;3,7392,2048;16,1,4096" \
  --formats fp8 --check > "$O/memcheck.log" 2>&1
echo "memcheck fp8 rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
export BITBLAS_CACHE=$O/cache.db
timeout 70 "$BUILD/bitblas-bench" --preset llama-3-8b,llama-3-70b --m 1,16 \
  --formats fp8,w8a16 --csv "$O/bench.csv" > "$O/bench.txt" 2>&1
echo "bench rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-2.tgz call-2)
cat "$O/summary.txt"
grep -E "Test +#" "$O/checks/gpu-tests.log"
grep -h "^FAIL\|\*\*\*Failed\|:F:\|:E:" "$O"/checks/*.log 2>/dev/null | head -20
grep "ERROR SUMMARY\|^rc=\|^---" "$O/checks/sanitizer.log"
grep "ERROR SUMMARY\|PASS\|FAIL" "$O/memcheck.log" | tail -3
grep -iE 'geomean' "$O/bench.txt"

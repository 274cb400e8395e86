#!/usr/bin/env bash
# Device call 4 of the thirty-first session: NF4 and FP4 codes through the tensor-core gemv (and
# the mma family's float16 pairs). Every GPU suite (the candidates suite now also runs every
# candidate of five NF4 / FP4 configs), the sanitizer stage, memcheck over tuning NF4 and FP4 on
# awkward shapes (every candidate, in the worker too), and the bench of call 3 for NF4 and FP4
# beside float16 x uint4.
# Usage: OUT=dir bash bench/2026-11-30-h200-q/call-4.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-4
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
OUT=$O/checks BUILD=build-gpu timeout 420 bash tools/gpu-check.sh tests sanitizer > "$O/checks.txt" 2>&1
echo "gpu-check tests sanitizer rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
export BITBLAS_CACHE=$O/sanitizer-cache.db
timeout 60 compute-sanitizer --tool memcheck --target-processes all --error-exitcode 99 \
  "$BUILD/bitblas-tune" --shapes "17,1000,1024;1,2880,2880;3,7392,3584;16,1,4096" \
  --formats nf4,fp4 --check > "$O/memcheck.log" 2>&1
echo "memcheck rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
export BITBLAS_CACHE=$O/cache.db
timeout 100 "$BUILD/bitblas-bench" --preset llama-3-8b,llama-3-70b --m 1,16 \
  --formats nf4,fp4,w4a16 --csv "$O/bench.csv" > "$O/bench.txt" 2>&1
echo "bench rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-4.tgz call-4)
cat "$O/summary.txt"
grep -E "Test +#" "$O/checks/gpu-tests.log"
grep -h "^FAIL\|\*\*\*Failed\|:F:\|:E:" "$O"/checks/*.log 2>/dev/null | head -20
grep "ERROR SUMMARY\|^rc=\|^---" "$O/checks/sanitizer.log" | grep -v "^---" | sort | uniq -c
grep "ERROR SUMMARY\|PASS\|FAIL" "$O/memcheck.log" | tail -3
grep -iE 'geomean' "$O/bench.txt" | head -20

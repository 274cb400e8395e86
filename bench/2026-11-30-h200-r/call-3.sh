#!/usr/bin/env bash
# Device call 3 of the thirty-second session: NF4 and FP4 codes with bfloat16 activations through
# the tensor-core gemv (the tables looked up as bfloat16), on 58feae3 and the change. The bench of
# bfloat16 x NF4 (g64) and bfloat16 x FP4 (g32) at M = 1 and 16 on the Llama-3 sets, before (a
# build of 58feae3 in build-before) and after; every GPU suite and the sanitizer stage; memcheck
# over tuning both (every candidate checked).
# Usage: OUT=dir bash bench/2026-11-30-h200-r/call-3.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-3
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
NF4="A=bfloat16,W=nf4,g=64,scale=1,out=bfloat16"
FP4="A=bfloat16,W=fp4_e2m1,g=32,scale=1,out=bfloat16"
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
BITBLAS_CACHE=$O/before.db timeout 30 build-before/bitblas-bench --preset llama-3-8b,llama-3-70b \
  --m 1,16 --formats "$NF4" --csv "$O/bench-before.csv" > "$O/bench-before.txt" 2>&1
echo "bench before rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
BITBLAS_CACHE=$O/after.db timeout 50 "$BUILD/bitblas-bench" --preset llama-3-8b,llama-3-70b \
  --m 1,16 --formats "$NF4;$FP4" --csv "$O/bench.csv" > "$O/bench.txt" 2>&1
echo "bench after rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
OUT=$O/checks BUILD=build-gpu timeout 420 bash tools/gpu-check.sh tests sanitizer > "$O/checks.txt" 2>&1
echo "gpu-check tests sanitizer rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
BITBLAS_CACHE=$O/sanitizer.db timeout 45 compute-sanitizer --tool memcheck --target-processes all \
  --error-exitcode 99 "$BUILD/bitblas-tune" --shapes "17,1000,4096;1,2880,4096;3,7392,2048;16,1,4096" \
  --formats "$NF4;$FP4" --check > "$O/memcheck.log" 2>&1
echo "memcheck rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-3.tgz call-3)
cat "$O/summary.txt"
grep -E "Test +#" "$O/checks/gpu-tests.log"
grep -h "^FAIL\|\*\*\*Failed\|:F:\|:E:" "$O"/checks/*.log 2>/dev/null | head -20
grep "ERROR SUMMARY\|^rc=\|^---" "$O/checks/sanitizer.log"
grep "ERROR SUMMARY\|PASS\|FAIL" "$O/memcheck.log" | tail -3
grep -iE 'geomean' "$O/bench-before.txt" "$O/bench.txt"

#!/usr/bin/env bash
# Device call 1 of the thirty-third session: NF4 and FP4 codes looked up two at a time in a table
# of pairs in shared memory (tcgemv "pairs=shared", twins of every tcgemv candidate). The bench of
# float16 x NF4 (g64), float16 x FP4 (g32) and bfloat16 x NF4 (g64) at M = 1 and 16 on the
# Llama-3 sets, before (05364c7, build-before with its own worker) and after (build-gpu); then the
# suites that run every NF4 / FP4 candidate against float64 (check_gpu_candidates,
# check_gpu_formats), and racecheck over tuning a small NF4 shape (every candidate checked).
# Usage: OUT=dir bash bench/2026-12-01-h200-s/call-1.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-1
mkdir -p "$O"
start=$SECONDS
FORMATS="nf4,fp4,nf4-bf16"
BUILD=build-before
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
BITBLAS_CACHE=$O/before.db timeout 150 "$BUILD/bitblas-bench" --preset llama-3-8b,llama-3-70b \
  --m 1,16 --formats "$FORMATS" --csv "$O/bench-before.csv" > "$O/bench-before.txt" 2>&1
echo "bench before rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
BUILD=build-gpu
. tools/device-env.sh
BITBLAS_CACHE=$O/after.db timeout 200 "$BUILD/bitblas-bench" --preset llama-3-8b,llama-3-70b \
  --m 1,16 --formats "$FORMATS" --csv "$O/bench.csv" > "$O/bench.txt" 2>&1
echo "bench after rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
(cd "$BUILD" && timeout 230 ctest -R 'check_gpu_(candidates|formats)$' --output-on-failure -j1) \
  > "$O/gpu-tests.log" 2>&1
echo "gpu suites rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
BITBLAS_CACHE=$O/race.db timeout 60 compute-sanitizer --tool racecheck --target-processes all \
  --error-exitcode 99 "$BUILD/bitblas-tune" --shapes "1,1000,1024;16,1000,1024" --formats nf4 \
  --check > "$O/racecheck.log" 2>&1
echo "racecheck rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
cat "$O/summary.txt"
grep -E "Test +#" "$O/gpu-tests.log"
grep -h "^FAIL\|\*\*\*Failed\|:F:\|:E:" "$O/gpu-tests.log" | head -20
grep "ERROR SUMMARY\|RACECHECK SUMMARY\|PASS\|FAIL" "$O/racecheck.log" | tail -4
grep -iE 'geomean' "$O/bench-before.txt" "$O/bench.txt"

#!/usr/bin/env bash
# Device call 3 of the thirty-first session: the decoders of NF4 (levels in shared memory instead
# of constant memory), FP4 and float8 e4m3 (moved into a float16 and converted, no branches).
# The two GPU suites that run these formats (every candidate on the candidates suite's configs;
# every format through the public API), the bench of call 2 for the three formats, and memcheck
# and racecheck over tuning them (every candidate, in the worker too) on awkward shapes.
# Usage: OUT=dir bash bench/2026-11-30-h200-q/call-3.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-3
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
(cd "$BUILD" && timeout 240 ctest -R "check_gpu_formats|check_gpu_candidates" --output-on-failure) \
  > "$O/gpu-tests.log" 2>&1
echo "suites rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
export BITBLAS_CACHE=$O/cache.db
timeout 150 "$BUILD/bitblas-bench" --preset llama-3-8b,llama-3-70b --m 1,16 \
  --formats nf4,fp4,fp8 --csv "$O/bench.csv" > "$O/bench.txt" 2>&1
echo "bench rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
export BITBLAS_CACHE=$O/sanitizer-cache.db
timeout 120 compute-sanitizer --tool memcheck --target-processes all --error-exitcode 99 \
  "$BUILD/bitblas-tune" --shapes "17,1000,1024;1,2880,2880;3,7392,3584" --formats nf4,fp4,fp8 \
  --check > "$O/memcheck.log" 2>&1
echo "memcheck rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
rm -f "$BITBLAS_CACHE"*
timeout 90 compute-sanitizer --tool racecheck --target-processes all --error-exitcode 99 \
  "$BUILD/bitblas-tune" --shapes "1,1000,1024;17,1000,1024" --formats nf4 > "$O/racecheck.log" 2>&1
echo "racecheck rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-3.tgz call-3)
cat "$O/summary.txt"
grep -E "tests passed|Passed|Failed|\*\*\*" "$O/gpu-tests.log" | tail -4
grep -E "ERROR SUMMARY|RACECHECK SUMMARY" "$O/memcheck.log" "$O/racecheck.log" | sort | uniq -c
grep -iE 'geomean' "$O/bench.txt" | head -20

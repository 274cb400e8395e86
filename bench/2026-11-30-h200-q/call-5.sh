#!/usr/bin/env bash
# Device call 5 of the thirty-first session: FP4 codes decoded from the shared-memory table too
# (the gemv and the float32 path of the mma family). The two GPU suites that run FP4 (every
# candidate of the candidates suite's FP4 configs; every format through the public API),
# memcheck over tuning FP4 on awkward shapes, and the bench of call 4 for FP4.
# Usage: OUT=dir bash bench/2026-11-30-h200-q/call-5.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-5
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
(cd "$BUILD" && timeout 300 ctest -R "check_gpu_formats|check_gpu_candidates" --output-on-failure) \
  > "$O/gpu-tests.log" 2>&1
echo "suites rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
export BITBLAS_CACHE=$O/sanitizer-cache.db
timeout 40 compute-sanitizer --tool memcheck --target-processes all --error-exitcode 99 \
  "$BUILD/bitblas-tune" --shapes "1,1000,1024;3,2880,2880;40,96,2888" --formats fp4 --check \
  > "$O/memcheck.log" 2>&1
echo "memcheck rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
export BITBLAS_CACHE=$O/cache.db
timeout 60 "$BUILD/bitblas-bench" --preset llama-3-8b,llama-3-70b --m 1,16 --formats fp4 \
  --csv "$O/bench.csv" > "$O/bench.txt" 2>&1
echo "bench rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-5.tgz call-5)
cat "$O/summary.txt"
grep -E "Test +#|tests passed" "$O/gpu-tests.log"
grep "ERROR SUMMARY\|check:" "$O/memcheck.log" | tail -2
grep -iE 'geomean' "$O/bench.txt"

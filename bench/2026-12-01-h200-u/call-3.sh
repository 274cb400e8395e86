#!/usr/bin/env bash
# Device call 3 of the thirty-fifth session: what call 2 left undone on build-new. Call 2's
# gpu-check ran out of its 430 s after the GPU suites (11 of 11 passed) and three of the
# sanitizer stage's six runs (all clean); here the other three (racecheck of the example,
# memcheck of the example with dependent runs, memcheck of check_gpu_graphs), racecheck over
# tuning bfloat16 x uint8 and bfloat16 x float8 at M = 1 and 16, and the first op_get of float8
# e4m3 at M = 1 on 57344 x 8192 with bfloat16 and float16 activations, twice each on an empty
# cache (call 2 asked the bench for 5 runs, which it refuses: at least 50).
# Usage: OUT=dir bash bench/2026-12-01-h200-u/call-3.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-3
mkdir -p "$O"
start=$SECONDS
BUILD=build-new
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
export BITBLAS_CACHE=$O/sanitizer-cache.db
{
  echo "--- racecheck: example from the cache (tuned first without a tool)"
  "$BUILD/bitblas-example" 16 2880 4096 > /dev/null 2>&1
  timeout 60 compute-sanitizer --tool racecheck --error-exitcode 99 "$BUILD/bitblas-example" 16 2880 4096
  echo "rc=$?"
  echo "--- memcheck: example with dependent runs (BITBLAS_DEPENDENT_LAUNCH=1)"
  BITBLAS_DEPENDENT_LAUNCH=1 timeout 240 compute-sanitizer --tool memcheck --target-processes all \
    --error-exitcode 99 "$BUILD/bitblas-example" 16 2880 4096
  echo "rc=$?"
  echo "--- memcheck: runs captured into CUDA graphs and replayed (check_gpu_graphs)"
  timeout 240 compute-sanitizer --tool memcheck --target-processes all --error-exitcode 99 \
    "$BUILD/tests/check_gpu_graphs"
  echo "rc=$?"
  echo "--- racecheck: tuning bfloat16 x uint8 and bfloat16 x float8 (every candidate in the worker)"
  timeout 200 compute-sanitizer --tool racecheck --target-processes all --error-exitcode 99 \
    "$BUILD/bitblas-tune" --shapes "1,2880,4096;16,1000,4096" --formats w8a16-bf16,fp8-bf16 --check
  echo "rc=$?"
} > "$O/sanitizer.log" 2>&1
unset BITBLAS_CACHE
echo "sanitizer: $(grep -c '^rc=0' "$O/sanitizer.log")/4 clean at $((SECONDS - start)) s" >> "$O/summary.txt"
for round in 1 2; do
  for f in fp8-bf16 fp8; do
    timeout 40 "$BUILD/bitblas-bench" --shapes "1,57344,8192" --formats $f --runs 50 \
      --cache "$O/tune-$f-$round.db" > "$O/tune-$f-$round.txt" 2>&1
    grep "tuned in" "$O/tune-$f-$round.txt" | sed "s/^/round $round: /" >> "$O/tune.txt"
  done
done
echo "tuning times at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-3.tgz call-3)
cat "$O/summary.txt"
cat "$O/tune.txt"
grep "^---\|ERROR SUMMARY\|^rc=\|RACECHECK SUMMARY\|PASS (\|FAIL" "$O/sanitizer.log"

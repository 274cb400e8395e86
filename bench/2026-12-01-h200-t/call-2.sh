#!/usr/bin/env bash
# Device call 2 of the thirty-fourth session: call 1 again, build-exp (this tree) now with two
# changes to the NF4 / FP4 lookups in the shared table of pairs beside build-gpu (277dad3):
#   - each lookup addressed with one PRMT and one LEA instead of a shift, a LOP3 and an add of
#     the table's address (call 1's change);
#   - each mma block's codes paired as neighbours (bb_block_p0), so that its B fragment is two
#     neighbouring registers of the activations as loaded, which the mma reads without moves.
# build-exp also shares the "is a table code" predicate of the tuner and the weight order
# (src/dtype.c). Tuned winners of the thirty-third section timed in both builds, alternating,
# 2 rounds (schedule timer: float64 check first, then the median of 50 runs that do not find the
# weights in L2); the SASS of one winner in each build; the bench of float16 x NF4, bfloat16 x
# NF4 and float16 x FP4 at M = 1 and 16 on the Llama-3 sets, each build tuning on its own empty
# cache; then the GPU suites that run NF4 / FP4 candidates and operators (check_gpu_candidates,
# check_gpu_formats, check_gpu_op) on build-exp.
# Usage: OUT=dir bash bench/2026-12-01-h200-t/call-2.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-2
mkdir -p "$O"
start=$SECONDS
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=0 stages=2 order=$5 pairs=shared"; }
time_one() { # FORMAT M N K SCHEDULE
  for round in 1 2; do
    for BUILD in build-gpu build-exp; do
      . tools/device-env.sh
      timeout 40 "$BUILD/schedule-timer" "$@" 2>&1 | sed "s/^/round $round $BUILD: /"
    done
  done
}
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
{
  time_one nf4 1 57344 8192 "$(s 8 2 1 1 2)"
  time_one nf4 1 8192 28672 "$(s 16 1 1 1 2)"
  time_one nf4 16 57344 8192 "$(s 4 3 2 1 2)"
  time_one nf4 16 8192 8192 "$(s 8 2 2 1 2)"
  time_one nf4-bf16 1 57344 8192 "$(s 8 2 1 1 2)"
  time_one fp4 1 57344 8192 "$(s 4 2 1 2 0)"
  time_one fp4 16 57344 8192 "$(s 4 3 2 1 0)"
} > "$O/timer.txt" 2>&1
echo "timer at $((SECONDS - start)) s" >> "$O/summary.txt"
for BUILD in build-gpu build-exp; do
  . tools/device-env.sh
  mkdir -p "$O/cubin-$BUILD"
  CUBIN_DIR=$O/cubin-$BUILD timeout 30 "$BUILD/schedule-timer" nf4 1 57344 8192 "$(s 8 2 1 1 2)" \
    > /dev/null 2>&1
  for c in "$O/cubin-$BUILD"/*.cubin; do cuobjdump -sass "$c" > "$O/sass-$BUILD.txt" 2>&1; done
  rm -rf "$O/cubin-$BUILD"
done
for BUILD in build-gpu build-exp; do
  . tools/device-env.sh
  BITBLAS_CACHE=$O/$BUILD.db timeout 150 "$BUILD/bitblas-bench" --preset llama-3-8b,llama-3-70b \
    --m 1,16 --formats nf4,nf4-bf16,fp4 --csv "$O/bench-$BUILD.csv" > "$O/bench-$BUILD.txt" 2>&1
  echo "bench $BUILD rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
done
(cd build-exp && timeout 300 ctest -R 'check_gpu_(candidates|formats|op)$' --output-on-failure -j1) \
  > "$O/gpu-tests.log" 2>&1
echo "gpu suites rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-2.tgz call-2)
cat "$O/summary.txt"
sed 's/ min_blocks=- | tcgemv / /; s/ words=4 post=0 stages=2//' "$O/timer.txt"
for b in build-gpu build-exp; do echo "$b: $(grep -cE '^ +/\*[0-9a-f]+\*/' "$O/sass-$b.txt") instructions"; done
grep -iE 'geomean' "$O"/bench-*.txt
grep -E "Test +#" "$O/gpu-tests.log"
grep -h "^FAIL\|\*\*\*Failed\|:F:\|:E:" "$O/gpu-tests.log" | head -20

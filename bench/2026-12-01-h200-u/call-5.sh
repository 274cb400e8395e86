#!/usr/bin/env bash
# Device call 5 of the thirty-fifth session: the tiled mma family (M >= 32) with bfloat16
# activations dequantizing 1-, 2- and 4-bit integer codes, NF4, FP4 and float8 as bfloat16 pairs,
# as it does for float16, instead of code by code in float32 (build-mma: kernel_src/mma.cu, from
# a worktree of 11f48ee; its float16 cubins are byte-identical to build-new's). First the parts
# of check_gpu_candidates that run bfloat16 and mma candidates (build-mma/sub/check_gpu_subset:
# the mma cases with 7 new bfloat16 ones, table and float8 codes, bfloat16 activations); then
# the bench of bfloat16 x uint4, x NF4 and x e4m3 at M = 256 on the Llama-3-8B layers in both
# builds, each on its own empty cache; then check_gpu_formats on build-mma.
# build-mma/sub/check_gpu_subset was tests/check_gpu_candidates.c with its test case cut to those
# four tests (test_mma_partial_k_steps, test_table_codes, test_float8_codes,
# test_bfloat16_activations), compiled with check_gpu_candidates' flags and libraries of
# build-mma (tests/CMakeFiles/check_gpu_candidates.dir/flags.make and link.txt).
# Usage: OUT=dir bash bench/2026-12-01-h200-u/call-5.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-5
mkdir -p "$O"
start=$SECONDS
BUILD=build-new
. tools/device-env.sh
BUILD=build-mma
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
timeout 110 build-mma/sub/check_gpu_subset > "$O/subset.log" 2>&1
echo "subset rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
for BUILD in build-new build-mma; do
  . tools/device-env.sh
  BITBLAS_CACHE=$O/$BUILD.db timeout 60 "$BUILD/bitblas-bench" --preset llama-3-8b --m 256 \
    --formats w4a16-bf16,nf4-bf16,fp8-bf16 --csv "$O/bench-$BUILD.csv" > "$O/bench-$BUILD.txt" 2>&1
  echo "bench $BUILD rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
done
BUILD=build-mma
. tools/device-env.sh
(cd build-mma && timeout 100 ctest -R 'check_gpu_formats$' --output-on-failure -j1) > "$O/formats.log" 2>&1
echo "check_gpu_formats rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-5.tgz call-5)
cat "$O/summary.txt"
tail -3 "$O/subset.log"
grep -iE 'geomean' "$O"/bench-*.txt
grep -E "Test +#" "$O/formats.log"
grep -h "^FAIL\|:F:\|:E:" "$O/subset.log" "$O/formats.log" | head -10

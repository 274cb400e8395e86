#!/usr/bin/env bash
# Device call 1 of the thirty-sixth session: 8-bit integer codes (uint8, int8) dequantized as
# pairs of A's type in the tiled mma family (build-after, this tree) beside build-before
# (c34a592, where they went code by code through float32). The bench of float16 x uint8 g128
# with zeros (w8a16), its bfloat16 twin (w8a16-bf16) and float16 x int8 with one scale per row
# at M = 64 and 256 on the Llama-3 sets, each build tuning on its own empty cache; then
# check_gpu_candidates on build-after (test_mma_partial_k_steps has the new 8-bit cases).
# Usage: OUT=dir bash bench/2026-12-01-h200-v/call-1.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-1
mkdir -p "$O"
start=$SECONDS
BUILD=build-after
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
for BUILD in build-before build-after; do
  . tools/device-env.sh
  BITBLAS_CACHE=$O/$BUILD.db timeout 200 "$BUILD/bitblas-bench" --preset llama-3-8b,llama-3-70b \
    --m 64,256 --formats "w8a16,w8a16-bf16;A=float16,W=int8,g=-1,zeros=none" \
    --csv "$O/bench-$BUILD.csv" > "$O/bench-$BUILD.txt" 2>&1
  echo "bench $BUILD rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
done
BUILD=build-after
. tools/device-env.sh
(cd build-after && timeout 200 ctest -R 'check_gpu_candidates$' --output-on-failure -j1) \
  > "$O/gpu-tests.log" 2>&1
echo "check_gpu_candidates rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-1.tgz call-1)
cat "$O/summary.txt"
grep -iE 'geomean|geometric' "$O"/bench-*.txt
grep -E "Test +#" "$O/gpu-tests.log"
grep -h "^FAIL\|\*\*\*Failed\|:F:\|:E:" "$O/gpu-tests.log" | head -20

#!/usr/bin/env bash
# Device call 1 of the thirty-fifth session: 8-bit codes with bfloat16 activations on the
# tensor-core gemv (build-new, this tree) beside build-old (31ee6f6, the same tools, where those
# formats run on the CUDA-core gemv and the tiled mma family). The bench of bfloat16 x uint8 g128
# with zeros (w8a16-bf16) and bfloat16 x float8 e4m3 per row (fp8-bf16), with their float16
# twins (w8a16, fp8) beside them, at M = 1 and 16 on the Llama-3 sets, each build tuning on its
# own empty cache; the SASS of one bfloat16 x uint8 and one bfloat16 x e4m3 kernel; then the GPU
# suites that run every candidate and operator (check_gpu_candidates, with its new every-code
# tests and bfloat16 8-bit cases, check_gpu_formats, check_gpu_op) on build-new.
# Usage: OUT=dir bash bench/2026-12-01-h200-u/call-1.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-1
mkdir -p "$O"
start=$SECONDS
BUILD=build-new
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
for BUILD in build-old build-new; do
  . tools/device-env.sh
  BITBLAS_CACHE=$O/$BUILD.db timeout 200 "$BUILD/bitblas-bench" --preset llama-3-8b,llama-3-70b \
    --m 1,16 --formats w8a16-bf16,fp8-bf16,w8a16,fp8 --csv "$O/bench-$BUILD.csv" \
    > "$O/bench-$BUILD.txt" 2>&1
  echo "bench $BUILD rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
done
BUILD=build-new
. tools/device-env.sh
s="tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=2 words=4 post=0 stages=2 order=0"
for f in w8a16-bf16 fp8-bf16 w8a16; do
  mkdir -p "$O/cubin"
  CUBIN_DIR=$O/cubin timeout 30 build-new/schedule-timer $f 1 8192 8192 "$s" >> "$O/timer.txt" 2>&1
  for c in "$O"/cubin/*.cubin; do cuobjdump -sass "$c" > "$O/sass-$f.txt" 2>&1; done
  rm -rf "$O/cubin"
done
(cd build-new && timeout 330 ctest -R 'check_gpu_(candidates|formats|op)$' --output-on-failure -j1) \
  > "$O/gpu-tests.log" 2>&1
echo "gpu suites rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-1.tgz call-1)
cat "$O/summary.txt"
cat "$O/timer.txt"
for f in w8a16-bf16 fp8-bf16 w8a16; do
  echo "$f: $(grep -cE '^ +/\*[0-9a-f]+\*/' "$O/sass-$f.txt") instructions"
done
grep -iE 'geomean' "$O"/bench-*.txt
grep -E "Test +#" "$O/gpu-tests.log"
grep -h "^FAIL\|\*\*\*Failed\|:F:\|:E:" "$O/gpu-tests.log" | head -20

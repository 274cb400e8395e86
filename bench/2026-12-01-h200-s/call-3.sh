#!/usr/bin/env bash
# Device call 3 of the thirty-third session: NF4 weights stored in the traded order (lane order 2,
# as 1-, 2- and 4-bit integer codes with float16 activations already are), with float16 and
# bfloat16 activations, on top of the shared table of pairs. The bench of float16 x NF4 (g64),
# bfloat16 x NF4 (g64) and float16 x FP4 (g32, unchanged: groups of 32 do not trade) at M = 1 and
# 16 on the Llama-3 sets with three builds in one run: 05364c7 (build-before), the shared table in
# the plain order (build-shared, call 1's) and the traded order (build-gpu); FP4's shared-table
# winners of 57344 x 8192 timed with lane order 1 (words traded by shuffles) beside lane order 0;
# then the GPU suites that run NF4 / FP4 candidates and operators (check_gpu_candidates,
# check_gpu_formats, check_gpu_op).
# Usage: OUT=dir bash bench/2026-12-01-h200-s/call-3.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-3
mkdir -p "$O"
start=$SECONDS
FORMATS="nf4,nf4-bf16,fp4"
for BUILD in build-before build-shared build-gpu; do
  . tools/device-env.sh
  [ "$BUILD" = build-before ] && device_record "$O/device.txt" >> "$O/summary.txt"
  BITBLAS_CACHE=$O/$BUILD.db timeout 150 "$BUILD/bitblas-bench" --preset llama-3-8b,llama-3-70b \
    --m 1,16 --formats "$FORMATS" --csv "$O/bench-$BUILD.csv" > "$O/bench-$BUILD.txt" 2>&1
  echo "bench $BUILD rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
done
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=0 stages=2 order=$5 pairs=shared"; }
timeout 60 build-gpu/schedule-timer fp4 1 57344 8192 "$(s 4 2 1 2 0)" "$(s 4 2 1 2 1)" "$(s 8 2 1 1 0)" \
  "$(s 8 2 1 1 1)" > "$O/order-fp4-m1.txt" 2>&1
timeout 60 build-gpu/schedule-timer fp4 16 57344 8192 "$(s 4 3 2 1 0)" "$(s 4 3 2 1 1)" "$(s 8 2 2 1 0)" \
  "$(s 8 2 2 1 1)" > "$O/order-fp4-m16.txt" 2>&1
echo "order timer at $((SECONDS - start)) s" >> "$O/summary.txt"
(cd build-gpu && timeout 300 ctest -R 'check_gpu_(candidates|formats|op)$' --output-on-failure -j1) \
  > "$O/gpu-tests.log" 2>&1
echo "gpu suites rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-3.tgz call-3)
cat "$O/summary.txt"
grep -E "Test +#" "$O/gpu-tests.log"
grep -h "^FAIL\|\*\*\*Failed\|:F:\|:E:" "$O/gpu-tests.log" | head -20
sed 's/.*| *//' "$O"/order-fp4-m*.txt
grep -iE 'geomean' "$O"/bench-*.txt

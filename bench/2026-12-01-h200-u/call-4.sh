#!/usr/bin/env bash
# Device call 4 of the thirty-fifth session: the tuner's random float8 weights made from random
# bytes, fixed up without branches (src/operands.c), instead of one draw and a division per code;
# built as build-new with the rest of the change. The first op_get of float8 e4m3 at M = 1 on
# 57344 x 8192 with bfloat16 and with float16 activations, twice each on an empty cache (as call
# 3 did before this change), then the GPU suites that tune and check float8 operators
# (check_gpu_candidates, check_gpu_formats).
# Usage: OUT=dir bash bench/2026-12-01-h200-u/call-4.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-4
mkdir -p "$O"
start=$SECONDS
BUILD=build-new
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
for round in 1 2; do
  for f in fp8-bf16 fp8 w8a16-bf16; do
    timeout 40 "$BUILD/bitblas-bench" --shapes "1,57344,8192" --formats $f --runs 50 \
      --cache "$O/tune-$f-$round.db" > "$O/tune-$f-$round.txt" 2>&1
    grep "tuned in" "$O/tune-$f-$round.txt" | sed "s/^/round $round: /" >> "$O/tune.txt"
  done
done
echo "tuning times at $((SECONDS - start)) s" >> "$O/summary.txt"
(cd build-new && timeout 330 ctest -R 'check_gpu_(candidates|formats)$' --output-on-failure -j1) \
  > "$O/gpu-tests.log" 2>&1
echo "gpu suites rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-4.tgz call-4)
cat "$O/summary.txt"
cat "$O/tune.txt"
grep -E "Test +#" "$O/gpu-tests.log"
grep -h "^FAIL\|\*\*\*Failed\|:F:\|:E:" "$O/gpu-tests.log" | head -20

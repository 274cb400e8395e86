#!/usr/bin/env bash
# Device call 2 of the twenty-fourth session:
#   1. the GPU suites whose tests changed (check_gpu_candidates: test_bias_copies; check_gpu_op:
#      test_bias_off_the_16_byte_grid), on the kernels of d0368ca (the bias copy was not kept);
#   2. candidate-modes (this folder) on the Llama-3 layers, w4a16, M = 1, 4, 16: every candidate
#      timed the tuner's way and the benchmark's way, 2 rounds each, and the tuner's own pick.
# Usage: OUT=dir bash bench/2026-11-30-h200-j/call-2.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-2
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
(cd build-gpu && timeout 330 ctest -L gpu -R "check_gpu_candidates|check_gpu_op" --output-on-failure -j1) \
  > "$O/gpu-tests.log" 2>&1
echo "suites rc=$? at $((SECONDS - start)) s: $(grep -E 'tests passed|tests failed' "$O/gpu-tests.log")" >> "$O/summary.txt"
export BITBLAS_CACHE=$O/modes.db
for M in 1 4 16; do
  for NK in 6144,4096 4096,4096 28672,4096 4096,14336 10240,8192 8192,8192 57344,8192 8192,28672; do
    [ $((SECONDS - start)) -gt 560 ] && break 2
    timeout 60 build-gpu/candidate-modes w4a16 $M ${NK%,*} ${NK#*,} 2 >> "$O/modes.txt" 2>&1
    echo "rc=$? M=$M $NK at $((SECONDS - start)) s" >> "$O/modes-progress.txt"
  done
done
python3 tools/cache-candidates.py "$BITBLAS_CACHE" > "$O/cache-candidates.txt" 2>&1
echo "modes done at $((SECONDS - start)) s, $(grep -c '^config' "$O/modes.txt") configs" >> "$O/summary.txt"
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-2.tgz call-2)
cat "$O/summary.txt"
grep -h "^FAIL\|Failed\|\*\*\*" "$O"/gpu-tests.log | head -20
rm -rf "$O"

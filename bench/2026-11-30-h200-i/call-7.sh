#!/usr/bin/env bash
# Device call 7 of the twenty-third session, after the review: the row quantizer's store takes the
# raw load (one address computation moves in the one-kernel layer's PTX; the ordinary kernel's and
# the quantizer's PTX are unchanged) and one host rule for when the one-kernel layer can run
# (bb_fused_layer_can_run). Every GPU suite, memcheck on check_gpu_bitnet, BitNet 2B at M = 1, 4.
# Usage: OUT=dir bash bench/2026-11-30-h200-i/call-7.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-7
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
OUT=$O/checks BUILD=build-gpu timeout 330 bash tools/gpu-check.sh tests > "$O/checks.txt" 2>&1
echo "gpu-check tests rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
if [ $((SECONDS - start)) -lt 330 ]; then
  BITBLAS_CACHE=$O/san.db BITBLAS_TEST_SEED=2324 timeout 60 compute-sanitizer --tool memcheck \
    --target-processes all --error-exitcode 99 build-gpu/tests/check_gpu_bitnet > "$O/memcheck-bitnet.txt" 2>&1
  echo "memcheck check_gpu_bitnet rc=$? at $((SECONDS - start)) s: $(grep -E 'ERROR SUMMARY' "$O/memcheck-bitnet.txt" | sort | uniq -c | tr '\n' ' ')" >> "$O/summary.txt"
fi
if [ $((SECONDS - start)) -lt 380 ]; then
  BITBLAS_CACHE=$O/b.db timeout 30 build-gpu/bitblas-bench --preset bitnet-b1.58-2b --m 1,4 \
    --formats bitnet --csv "$O/bench-bitnet.csv" > "$O/bench-bitnet.txt" 2>&1
  echo "bench bitnet rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
fi
rm -f "$O"/*.db* "$O"/checks/*.db*
(cd "$OUT" && tar czf call-7.tgz call-7)
cat "$O/summary.txt"
grep -h "geomean" "$O"/bench-*.txt 2>/dev/null | sed 's/  */ /g'
grep -h "^FAIL" "$O"/checks/*.log 2>/dev/null | head -20
rm -rf "$O"

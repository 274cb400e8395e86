#!/usr/bin/env bash
# Device call 6 of the twenty-fourth session: 1-bit codes with N >= 8192 from M = 9 get only
# variants with scales after the mma (tuner/schedule.c).
#   1. check_gpu_candidates (its tall-block expectations changed; every candidate runs);
#   2. the Llama-3 sets, w1a16 at M = 16, tuned on an empty cache and benched (first op_get
#      times in tuning-times.txt; compare with call 5).
# Usage: OUT=dir bash bench/2026-11-30-h200-j/call-6.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-6
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
(cd build-gpu && timeout 200 ctest -L gpu -R check_gpu_candidates --output-on-failure -j1) \
  > "$O/gpu-tests.log" 2>&1
echo "check_gpu_candidates rc=$? at $((SECONDS - start)) s: $(grep -E 'tests passed|tests failed' "$O/gpu-tests.log")" >> "$O/summary.txt"
BITBLAS_CACHE=$O/w1.db timeout $((270 - (SECONDS - start))) build-gpu/bitblas-bench \
  --preset llama-3-8b,llama-3-70b --m 16 --formats w1a16 --csv "$O/bench-w1a16.csv" \
  > "$O/bench-w1a16.txt" 2>&1
echo "bench w1a16 M=16 rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep -o "tuned in [0-9.]* s" "$O/bench-w1a16.txt" | tr '\n' ' ' >> "$O/summary.txt"
python3 tools/cache-candidates.py "$O/w1.db" > "$O/candidates.txt" 2>&1
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-6.tgz call-6)
cat "$O/summary.txt"; echo
grep -h "geomean" "$O"/bench-*.txt | sed 's/  */ /g'
grep -h "^FAIL\|\*\*\*Failed" "$O"/gpu-tests.log | head -20
rm -rf "$O"

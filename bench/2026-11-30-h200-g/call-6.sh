#!/usr/bin/env bash
# Device call 6 of the twenty-first session: the product that follows the row quantizer is no
# longer its programmatic dependent when it is an mma tile (bb_launch_follows_quantizer).
# check_gpu_bitnet (its m = 1000 bucket runs an mma tile after the quantizer), then
# bitblas-bench w2a8 on the Llama-3 sets at M = 1, 16 and 256 (the "layer µs" column), tuned on
# an empty cache.
# Usage: OUT=dir bash bench/2026-11-30-h200-g/call-6.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-6
mkdir -p "$O"
start=$SECONDS
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv > "$O/device.txt" 2>&1
echo "device: $(tail -n 1 "$O/device.txt") at $(date -u +%H:%MZ)" >> "$O/summary.txt"
BITBLAS_CACHE=$O/t.db timeout 100 build-gpu/tests/check_gpu_bitnet > "$O/bitnet-suite.txt" 2>&1
echo "check_gpu_bitnet rc=$? at $((SECONDS - start)) s: $(tail -n 1 "$O/bitnet-suite.txt")" >> "$O/summary.txt"
BITBLAS_CACHE=$O/w2a8.db timeout 200 build-gpu/bitblas-bench --preset llama-3-8b,llama-3-70b \
  --m 1,16,256 --formats w2a8 --runs 50 --csv "$O/w2a8.csv" > "$O/w2a8.txt" 2>&1
echo "w2a8 rc=$? at $((SECONDS - start)) s: $(grep geomean "$O/w2a8.txt" | sed 's/  */ /g' | tr '\n' ';')" >> "$O/summary.txt"
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-6.tgz call-6)
cat "$O/summary.txt"
grep "^\[" "$O/w2a8.txt" | sed 's/ w2a8: tuned in [0-9.]* s, \([0-9.]*\) µs.*whole BitNet layer \([0-9.]*\) µs.*/ prod \1 layer \2/'
rm -rf "$O"

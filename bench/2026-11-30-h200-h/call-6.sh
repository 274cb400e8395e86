#!/usr/bin/env bash
# Device call 6 of the twenty-second session, after the review: the one-kernel layer's launch
# shares op_run's check of the blocks along M, and bb_bitnet_run_path checks the forced path's
# fit itself. check_gpu_bitnet (both paths, every candidate's one-kernel layer) and the BitNet 2B
# set at M = 1 and 4.
# Usage: OUT=dir bash bench/2026-11-30-h200-h/call-6.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-6
mkdir -p "$O"
start=$SECONDS
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker
configured=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' build-gpu/CMakeCache.txt)
if [ -n "$configured" ] && [ ! -e "$configured" ]; then
  mkdir -p "$(dirname "$configured")" && ln -s "$PWD" "$configured"
fi
BITBLAS_CACHE=$O/t.db timeout 120 build-gpu/tests/check_gpu_bitnet > "$O/check_gpu_bitnet.txt" 2>&1
echo "check_gpu_bitnet rc=$? at $((SECONDS - start)) s: $(grep -E 'test seed|^[0-9]+%' "$O/check_gpu_bitnet.txt" | tr '\n' ' ')" >> "$O/summary.txt"
BITBLAS_CACHE=$O/b.db timeout 60 build-gpu/bitblas-bench --preset bitnet-b1.58-2b \
  --m 1,4 --formats bitnet --csv "$O/bench-bitnet.csv" > "$O/bench-bitnet.txt" 2>&1
echo "bench bitnet rc=$? at $((SECONDS - start)) s: $(grep geomean "$O/bench-bitnet.txt" | sed 's/  */ /g' | tr '\n' ';')" >> "$O/summary.txt"
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-6.tgz call-6)
cat "$O/summary.txt"
rm -rf "$O"

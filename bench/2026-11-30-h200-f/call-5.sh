#!/usr/bin/env bash
# Device call 5 of the twentieth session: tcgemv_int8 waits for the quantizer at its start
# instead of after its first weight loads (call 4 found the int8 x int2 operators 2-5 % slower at
# M = 16 with the wait there). The BitNet suite; then w2a8 on the Llama-3 sets at M = 1 and 16,
# build-base (d24c8f1) and build-gpu, one round each on empty caches; then the BitNet 2B set
# with the whole layer.
# Usage: OUT=dir bash bench/2026-11-30-h200-f/call-5.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-5
mkdir -p "$O"
start=$SECONDS
BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker timeout 100 build-gpu/tests/check_gpu_bitnet > "$O/bitnet-suite.txt" 2>&1
echo "check_gpu_bitnet rc=$? at $((SECONDS - start)) s: $(tail -n 1 "$O/bitnet-suite.txt")" >> "$O/summary.txt"
for build in build-base build-gpu; do
  BITBLAS_WORKER=$PWD/$build/bitblas-worker BITBLAS_CACHE=$O/ab-$build.db timeout 100 \
    $build/bitblas-bench --preset llama-3-8b,llama-3-70b --m 1,16 --formats w2a8 \
    --csv "$O/ab-$build.csv" > "$O/ab-$build.txt" 2>&1
  echo "$build rc=$? at $((SECONDS - start)) s: $(grep geomean "$O/ab-$build.txt" | sed 's/  */ /g' | tr '\n' ';')" >> "$O/summary.txt"
done
BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker BITBLAS_CACHE=$O/bench.db timeout 100 build-gpu/bitblas-bench \
  --preset bitnet-b1.58-2b --m 1,4,16 --formats bitnet --csv "$O/bench-bitnet.csv" > "$O/bench-bitnet.txt" 2>&1
echo "bench bitnet rc=$? at $((SECONDS - start)) s: $(grep geomean "$O/bench-bitnet.txt" | sed 's/  */ /g' | tr '\n' ';')" >> "$O/summary.txt"
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-5.tgz call-5)
cat "$O/summary.txt"
rm -rf "$O"

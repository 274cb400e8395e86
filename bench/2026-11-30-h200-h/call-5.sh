#!/usr/bin/env bash
# Device call 5 of the twenty-second session: the tuning worker also runs each module's row
# quantizer and one-kernel layer (tuner/layer_check.c). Every GPU suite (check_gpu_candidates has
# the new test_layer_kernels_are_checked) and the standing sanitizer runs, then the BitNet 2B set
# at M = 1 and 4 for the tuning times.
# Usage: OUT=dir bash bench/2026-11-30-h200-h/call-5.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-5
mkdir -p "$O"
start=$SECONDS
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker
configured=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' build-gpu/CMakeCache.txt)
if [ -n "$configured" ] && [ ! -e "$configured" ]; then
  mkdir -p "$(dirname "$configured")" && ln -s "$PWD" "$configured"
fi
OUT=$O/checks BUILD=build-gpu timeout 420 bash tools/gpu-check.sh tests sanitizer > "$O/checks.txt" 2>&1
echo "gpu-check rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
grep -h "^variant" "$O"/checks/*.log >> "$O/summary.txt" 2>/dev/null
BITBLAS_CACHE=$O/b.db timeout 60 build-gpu/bitblas-bench --preset bitnet-b1.58-2b \
  --m 1,4 --formats bitnet --csv "$O/bench-bitnet.csv" > "$O/bench-bitnet.txt" 2>&1
echo "bench bitnet rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep -o "M=[0-9]* N=[0-9]* K=[0-9]* bitnet: tuned in [0-9.]* s" "$O/bench-bitnet.txt" >> "$O/summary.txt"
rm -f "$O"/*.db* "$O"/checks/*.db*
(cd "$OUT" && tar czf call-5.tgz call-5)
cat "$O/summary.txt"
rm -rf "$O"

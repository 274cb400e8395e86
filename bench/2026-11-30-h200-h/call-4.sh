#!/usr/bin/env bash
# Device call 4 of the twenty-second session: every GPU suite after the suites' shared tuning
# context (gpu_support's bb_test_gpu_tuning_context) and seeds that BITBLAS_TEST_SEED sets.
# check_gpu_bitnet runs twice with the same seed, which must print the same seed line.
# Usage: OUT=dir bash bench/2026-11-30-h200-h/call-4.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-4
mkdir -p "$O"
start=$SECONDS
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker
configured=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' build-gpu/CMakeCache.txt)
if [ -n "$configured" ] && [ ! -e "$configured" ]; then
  mkdir -p "$(dirname "$configured")" && ln -s "$PWD" "$configured"
fi
for run in 1 2; do
  BITBLAS_TEST_SEED=4242 timeout 100 build-gpu/tests/check_gpu_bitnet > "$O/bitnet-seed-$run.txt" 2>&1
  echo "check_gpu_bitnet seed run $run rc=$? at $((SECONDS - start)) s: $(grep -E 'test seed|^[0-9]+%' "$O/bitnet-seed-$run.txt" | tr '\n' ' ')" >> "$O/summary.txt"
done
OUT=$O/checks BUILD=build-gpu timeout $((560 - (SECONDS - start))) bash tools/gpu-check.sh tests > "$O/checks.txt" 2>&1
echo "gpu-check rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
rm -f "$O"/*.db* "$O"/checks/*.db*
(cd "$OUT" && tar czf call-4.tgz call-4)
cat "$O/summary.txt"
rm -rf "$O"

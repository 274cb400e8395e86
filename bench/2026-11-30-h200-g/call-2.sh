#!/usr/bin/env bash
# Device call 2 of the twenty-first session: the checks the twentieth session's final tree
# (76ecfbc) had not had on a GPU. compute-sanitizer on check_gpu_bitnet with the final int8
# kernels (memcheck, racecheck, synccheck), bitblas-bench on the BitNet 2B set (its workspace now
# sized by bitblas_bitnet_workspace_bytes), then every GPU suite and the standing sanitizer runs.
# Usage: OUT=dir bash bench/2026-11-30-h200-g/call-2.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-2
mkdir -p "$O"
start=$SECONDS
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker
configured=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' build-gpu/CMakeCache.txt)
if [ -n "$configured" ] && [ ! -e "$configured" ]; then
  mkdir -p "$(dirname "$configured")" && ln -s "$PWD" "$configured"
fi
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv > "$O/device.txt" 2>&1
echo "device: $(tail -n 1 "$O/device.txt") at $(date -u +%H:%MZ)" >> "$O/summary.txt"
for tool in memcheck racecheck synccheck; do
  BITBLAS_CACHE=$O/san-$tool.db BITBLAS_TEST_SEED=21 timeout 150 compute-sanitizer --tool $tool \
    --target-processes all --error-exitcode 99 build-gpu/tests/check_gpu_bitnet > "$O/$tool-bitnet.txt" 2>&1
  echo "$tool check_gpu_bitnet rc=$? at $((SECONDS - start)) s: $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$O/$tool-bitnet.txt" | sort | uniq -c | tr '\n' ' ')" >> "$O/summary.txt"
done
BITBLAS_CACHE=$O/bench.db timeout 120 build-gpu/bitblas-bench --preset bitnet-b1.58-2b \
  --m 1,4,16 --formats bitnet --csv "$O/bench-bitnet.csv" > "$O/bench-bitnet.txt" 2>&1
echo "bench bitnet rc=$? at $((SECONDS - start)) s: $(grep geomean "$O/bench-bitnet.txt" | sed 's/  */ /g' | tr '\n' ';')" >> "$O/summary.txt"
left=$((570 - (SECONDS - start)))
if [ $left -gt 240 ]; then
  OUT=$O/checks BUILD=build-gpu timeout $left bash tools/gpu-check.sh tests sanitizer > "$O/checks.txt" 2>&1
  echo "gpu-check rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
  grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
fi
rm -f "$O"/*.db* "$O"/checks/*.db*
(cd "$OUT" && tar czf call-2.tgz call-2)
cat "$O/summary.txt"
rm -rf "$O"

#!/usr/bin/env bash
# Device call 3 of the twenty-second session, on the final code (the one-kernel BitNet layer
# where its blocks read at most 1.25 MiB of x; call 1's kernels): memcheck, racecheck and
# synccheck on check_gpu_bitnet, the layer both ways on the BitNet 2B set at M = 1-16, then
# every GPU suite and the standing sanitizer runs.
# Usage: OUT=dir bash bench/2026-11-30-h200-h/call-3.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-3
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
  BITBLAS_CACHE=$O/san-$tool.db BITBLAS_TEST_SEED=24 timeout 110 compute-sanitizer --tool $tool \
    --target-processes all --error-exitcode 99 build-gpu/tests/check_gpu_bitnet > "$O/$tool-bitnet.txt" 2>&1
  echo "$tool check_gpu_bitnet rc=$? at $((SECONDS - start)) s: $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$O/$tool-bitnet.txt" | sort | uniq -c | tr '\n' ' ')" >> "$O/summary.txt"
done
BITBLAS_CACHE=$O/b.db timeout 90 build-gpu/bitblas-bench --preset bitnet-b1.58-2b \
  --m 1,2,4,8,16 --formats bitnet --csv "$O/bench-bitnet.csv" > "$O/bench-bitnet.txt" 2>&1
echo "bench bitnet rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
left=$((580 - (SECONDS - start)))
OUT=$O/checks BUILD=build-gpu timeout $left bash tools/gpu-check.sh tests sanitizer > "$O/checks.txt" 2>&1
echo "gpu-check rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
rm -f "$O"/*.db* "$O"/checks/*.db*
(cd "$OUT" && tar czf call-3.tgz call-3)
cat "$O/summary.txt"
python3 - "$O/bench-bitnet.csv" <<'PY'
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    print(r["M"], r["N"], r["K"], "prod", r["bitblas_us"], "layer", r["bitnet_layer_us"],
          "1k", r["bitnet_layer_one_kernel_us"], "2k", r["bitnet_layer_two_kernels_us"],
          "f16", r["cublas_f16_us"])
PY
grep -h "geomean" "$O"/bench-*.txt | sed 's/  */ /g'
rm -rf "$O"

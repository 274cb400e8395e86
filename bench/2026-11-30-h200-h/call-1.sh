#!/usr/bin/env bash
# Device call 1 of the twenty-second session: the BitNet layer in one kernel (each block of
# tcgemv_int8 quantizes its own rows of x into shared memory). check_gpu_bitnet (both paths
# against the reference, and the one-kernel form of every tcgemv_int8 candidate of four
# configs), then bitblas-bench timing the layer both ways on the BitNet 2B set at M = 1-16 and
# on the Llama-3 sets at M = 1, 4 and 16, then memcheck and racecheck on check_gpu_bitnet.
# Usage: OUT=dir bash bench/2026-11-30-h200-h/call-1.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-1
mkdir -p "$O"
start=$SECONDS
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker
configured=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' build-gpu/CMakeCache.txt)
if [ -n "$configured" ] && [ ! -e "$configured" ]; then
  mkdir -p "$(dirname "$configured")" && ln -s "$PWD" "$configured"
fi
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv > "$O/device.txt" 2>&1
echo "device: $(tail -n 1 "$O/device.txt") at $(date -u +%H:%MZ)" >> "$O/summary.txt"
BITBLAS_CACHE=$O/t.db timeout 150 build-gpu/tests/check_gpu_bitnet > "$O/check_gpu_bitnet.txt" 2>&1
echo "check_gpu_bitnet rc=$? at $((SECONDS - start)) s: $(grep -E '^[0-9]+%' "$O/check_gpu_bitnet.txt")" >> "$O/summary.txt"
BITBLAS_CACHE=$O/b.db timeout 120 build-gpu/bitblas-bench --preset bitnet-b1.58-2b \
  --m 1,2,4,8,16 --formats bitnet --csv "$O/bench-bitnet.csv" > "$O/bench-bitnet.txt" 2>&1
echo "bench bitnet rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
BITBLAS_CACHE=$O/l.db timeout 170 build-gpu/bitblas-bench --preset llama-3-8b,llama-3-70b \
  --m 1,4,16 --formats bitnet --csv "$O/bench-llama.csv" > "$O/bench-llama.txt" 2>&1
echo "bench llama rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
for tool in memcheck racecheck; do
  [ $((SECONDS - start)) -gt 470 ] && break
  BITBLAS_CACHE=$O/san-$tool.db BITBLAS_TEST_SEED=22 timeout $((560 - (SECONDS - start))) \
    compute-sanitizer --tool $tool --target-processes all --error-exitcode 99 \
    build-gpu/tests/check_gpu_bitnet > "$O/$tool-bitnet.txt" 2>&1
  echo "$tool check_gpu_bitnet rc=$? at $((SECONDS - start)) s: $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$O/$tool-bitnet.txt" | sort | uniq -c | tr '\n' ' ')" >> "$O/summary.txt"
done
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-1.tgz call-1)
cat "$O/summary.txt"
for f in bench-bitnet bench-llama; do
  python3 - "$O/$f.csv" <<'PY'
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    print(r["M"], r["N"], r["K"], "prod", r["bitblas_us"], "layer", r["bitnet_layer_us"],
          "1k", r["bitnet_layer_one_kernel_us"], "2k", r["bitnet_layer_two_kernels_us"],
          "f16", r["cublas_f16_us"])
PY
done
rm -rf "$O"

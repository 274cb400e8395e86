#!/usr/bin/env bash
# Device call 5 of the thirty-sixth session: the tree as it lands (build-final: 8-bit codes and
# plain float weights in the tiled mma family, and the tuner's plain float weights drawn from a
# table). What call 4 ran out of time for: the dependent-launch GPU suites and the sanitizer
# stage of tools/gpu-check.sh; then check_gpu_formats (every format through op_get, so through
# the tuner's new float weights) and the first op_get (tuning included) of float16 and bfloat16
# plain weights on 28672 x 4096 and 57344 x 8192, which took 8.7-9.6 s in call 4's bench.
# Usage: OUT=dir bash bench/2026-12-01-h200-v/call-5.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-5
mkdir -p "$O"
start=$SECONDS
BUILD=build-final
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
(cd build-final && timeout 100 ctest -R 'check_gpu_(op|bitnet|graphs)_dependent$' --output-on-failure -j1) \
  > "$O/dependent-tests.log" 2>&1
echo "dependent suites rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
OUT=$O/checks BUILD=build-final timeout 60 bash tools/gpu-check.sh sanitizer > "$O/checks.txt" 2>&1
echo "gpu-check sanitizer rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
(cd build-final && timeout 80 ctest -R 'check_gpu_formats$' --output-on-failure -j1) \
  > "$O/formats-test.log" 2>&1
echo "check_gpu_formats rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
BITBLAS_CACHE=$O/tune.db timeout 40 build-final/bitblas-bench --runs 50 \
  --shapes "1,28672,4096;1,57344,8192" --formats "w16a16;A=bfloat16,W=bfloat16,scale=0" \
  > "$O/tune.txt" 2>&1
echo "first op_get rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-5.tgz call-5)
cat "$O/summary.txt"
grep -E "Test +#" "$O"/*-tests.log "$O"/formats-test.log
grep -h "^FAIL\|\*\*\*Failed\|:F:\|:E:" "$O"/*.log 2>/dev/null | head -10
grep "ERROR SUMMARY\|^rc=" "$O/checks/sanitizer.log"
grep "tuned in" "$O/tune.txt" | cut -c1-150

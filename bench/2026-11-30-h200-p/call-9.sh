#!/usr/bin/env bash
# Device call 9 of the thirtieth session: the graph suite with its BitNet test (runs captured
# into a CUDA graph and replayed, the BitNet layer both ways), also with dependent runs.
# Usage: OUT=dir bash bench/2026-11-30-h200-p/call-9.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-9
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
(cd build-gpu && timeout 400 ctest -R 'check_gpu_graphs' --output-on-failure -j1) > "$O/gpu-tests.log" 2>&1
echo "ctest rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-9.tgz call-9)
cat "$O/summary.txt"
grep -E "Test +#|tests passed|tests failed" "$O/gpu-tests.log"
grep -h "^FAIL\|\*\*\*Failed\|:F:\|:E:" "$O/gpu-tests.log" | head -20

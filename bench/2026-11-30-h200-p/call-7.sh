#!/usr/bin/env bash
# Device call 7 of the thirtieth session: the new graph suite (check_gpu_graphs: runs captured
# into a CUDA graph and replayed) and the operators' suite (whose kernel of another library
# moved to tests/support), each also with dependent runs.
# Usage: OUT=dir bash bench/2026-11-30-h200-p/call-7.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-7
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
(cd build-gpu && timeout 400 ctest -R 'check_gpu_(graphs|op)' --output-on-failure -j1) > "$O/gpu-tests.log" 2>&1
echo "ctest rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-7.tgz call-7)
cat "$O/summary.txt"
grep -E "Test +#|tests passed|tests failed" "$O/gpu-tests.log"
grep -h "^FAIL\|\*\*\*Failed\|:F:\|:E:" "$O/gpu-tests.log" | head -20

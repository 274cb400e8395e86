#!/usr/bin/env bash
# Device call 2 of the thirtieth session, on a machine with two GPUs: the two-device suite
# (check_gpu_devices, with its new given-sums test) and the operators' suite (whose given-sums
# helper moved to tests/support), each also with dependent runs; then the several-process
# tuning check over both GPUs.
# Usage: OUT=dir bash bench/2026-11-30-h200-p/call-2.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-2
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
nvidia-smi -L >> "$O/summary.txt"
(cd build-gpu && timeout 420 ctest -R 'check_gpu_(devices|op)' --output-on-failure -j1) > "$O/gpu-tests.log" 2>&1
echo "ctest rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
timeout 150 bash tools/multiprocess-check.sh build-gpu > "$O/multiprocess.log" 2>&1
echo "multiprocess rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-2.tgz call-2)
cat "$O/summary.txt"
grep -E "Test +#|tests passed|tests failed|device [01]" "$O/gpu-tests.log"
grep -h "^FAIL\|\*\*\*Failed\|:F:\|:E:" "$O/gpu-tests.log" | head -20
tail -n 12 "$O/multiprocess.log"

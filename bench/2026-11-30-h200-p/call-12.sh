#!/usr/bin/env bash
# Device call 12 of the thirtieth session: check_gpu_op and check_gpu_graphs after their two
# chained operators moved to tests/support (bb_test_chain), with the device time that was left.
# Usage: OUT=dir bash bench/2026-11-30-h200-p/call-12.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-12
mkdir -p "$O"
(cd build-gpu && timeout 150 ctest -R 'check_gpu_(op|graphs)$' --output-on-failure -j1) > "$O/gpu-tests.log" 2>&1
echo "ctest rc=$?"
grep -E "Test +#|tests passed|tests failed|:F:|:E:" "$O/gpu-tests.log"

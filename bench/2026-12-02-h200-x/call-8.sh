#!/usr/bin/env bash
# Device call 8 of the thirty-eighth session: the candidate list without the two wgmma tiles that
# won nothing in calls 1-7 (64 x 128 and 128 x 128), checked: the GPU suites that check every
# candidate and tune through the worker (check_gpu_candidates, check_gpu_op).
# Usage: OUT=dir bash bench/2026-12-02-h200-x/call-8.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-8
mkdir -p "$O"
start=$SECONDS
BUILD=build-dev
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
(cd build-dev && timeout 290 ctest -R '^check_gpu_(candidates|op)$' --output-on-failure -j1) \
  > "$O/gpu-tests.log" 2>&1
echo "gpu suites rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
cat "$O/summary.txt"
grep -E "Test +#|tests passed|tests failed" "$O/gpu-tests.log"

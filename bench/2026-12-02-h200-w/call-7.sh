#!/usr/bin/env bash
# Device call 7 of the thirty-seventh session: after the review (a named constant for 48 KiB, one
# call of bb_schedule_dynamic_shared in the emitter, one helper for the mma tests' check; emitted
# sources byte-identical), every GPU suite on build-dev.
# Usage: OUT=dir bash bench/2026-12-02-h200-w/call-7.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-7
mkdir -p "$O"
start=$SECONDS
BUILD=build-dev
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
(cd build-dev && timeout 470 ctest -L gpu --output-on-failure -j1) > "$O/gpu-tests.log" 2>&1
echo "gpu suites rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
cat "$O/summary.txt"
grep -E "Test +#|tests passed|tests failed" "$O/gpu-tests.log"

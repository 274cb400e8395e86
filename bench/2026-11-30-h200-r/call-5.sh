#!/usr/bin/env bash
# Device call 5 of the thirty-second session: check_gpu_candidates after a test-only change (the
# tcgemv case check shared by the table, float8 and bfloat16 tests).
# Usage: OUT=dir bash bench/2026-11-30-h200-r/call-5.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-5
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
(cd "$BUILD" && timeout 230 ctest -R "check_gpu_candidates" --output-on-failure) > "$O/gpu-tests.log" 2>&1
echo "candidates suite rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-5.tgz call-5)
cat "$O/summary.txt"
grep -E "Test +#|tests passed|FAIL|failing" "$O/gpu-tests.log" | head -20

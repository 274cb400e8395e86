#!/usr/bin/env bash
# Device call 6 of the twentieth session: every GPU suite on the final kernels (tcgemv_int8
# waits for the quantizer before any load). The device time left allowed no sanitizer run.
# Usage: OUT=dir bash bench/2026-11-30-h200-f/call-6.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-6
mkdir -p "$O"
configured=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' build-gpu/CMakeCache.txt)
if [ -n "$configured" ] && [ ! -e "$configured" ]; then
  mkdir -p "$(dirname "$configured")" && ln -s "$PWD" "$configured"
fi
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker
(cd build-gpu && timeout 250 ctest -L gpu --output-on-failure -j1) > "$O/gpu-tests.log" 2>&1
echo "gpu suites rc=$?: $(grep -E 'tests passed|tests failed' "$O/gpu-tests.log" | tail -n 1)" > "$O/summary.txt"
(cd "$OUT" && tar czf call-6.tgz call-6)
cat "$O/summary.txt"
grep -E 'Test +#' "$O/gpu-tests.log"
rm -rf "$O"

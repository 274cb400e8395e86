#!/usr/bin/env bash
# Device call 4 of the seventeenth session, on the final kernels (subnormal codes; 1- and 2-bit
# words split by parity): the GPU suites, compute-sanitizer and the four-set bench
# (tools/gpu-check.sh tests sanitizer bench). Everything lands in $OUT/call-4.tgz; the summary is
# printed last.
set -u
cd "$(dirname "$0")/../.."
O=$OUT
OUT=$O/call-4 BUILD=build-gpu bash tools/gpu-check.sh tests sanitizer bench > "$O/call-4.txt" 2>&1
(cd "$O" && rm -f call-4/*.db* && tar czf call-4.tgz call-4 call-4.txt && rm -rf call-4)
grep -E "geomean|copy bandwidth|first op_get" "$O/call-4.txt" | head -n 30
sed -n '/===== summary/,$p' "$O/call-4.txt"

#!/usr/bin/env bash
# Device call 2 of the fifteenth session, on the final tuner: the GPU suites, compute-sanitizer and
# the four-set bench (tools/gpu-check.sh tests sanitizer bench). Everything lands in
# $OUT/call-2.tgz; the summary is printed last.
set -u
cd "$(dirname "$0")/../.."
O=$OUT
OUT=$O/final BUILD=build-gpu bash tools/gpu-check.sh tests sanitizer bench > "$O/final.txt" 2>&1
(cd "$O" && rm -f final/*.db* && tar czf call-2.tgz final final.txt && rm -rf final)
grep -E "geomean|copy bandwidth|first op_get" "$O/final.txt" | head -n 30
sed -n '/===== summary/,$p' "$O/final.txt"

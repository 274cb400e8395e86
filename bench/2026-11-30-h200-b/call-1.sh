#!/usr/bin/env bash
# Device call 1 of the sixteenth session: the GPU suites (with the new check_gpu_tools),
# compute-sanitizer and the four-set bench with its new read-floor column
# (tools/gpu-check.sh tests sanitizer bench). Everything lands in $OUT/call-1.tgz; the summary is
# printed last.
set -u
cd "$(dirname "$0")/../.."
O=$OUT
OUT=$O/call-1 BUILD=build-gpu bash tools/gpu-check.sh tests sanitizer bench > "$O/call-1.txt" 2>&1
(cd "$O" && rm -f call-1/*.db* && tar czf call-1.tgz call-1 call-1.txt && rm -rf call-1)
grep -E "geomean|copy bandwidth|first op_get" "$O/call-1.txt" | head -n 30
sed -n '/===== summary/,$p' "$O/call-1.txt"

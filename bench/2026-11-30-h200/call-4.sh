#!/usr/bin/env bash
# Device call 4 of the fifteenth session, on the final code (faster reference and activations
# too): the GPU suites and compute-sanitizer, then reuse-ab.sh and dynamic-70b.sh against db8e418.
# Everything lands in $OUT/call-4.tgz; summaries are printed last.
set -u
cd "$(dirname "$0")/../.."
O=$OUT
OUT=$O/suites BUILD=build-gpu bash tools/gpu-check.sh tests sanitizer > "$O/suites.txt" 2>&1
OUT=$O/ab BUILD=build-gpu BASE_BUILD=build-base bash bench/2026-11-30-h200/reuse-ab.sh > "$O/ab.txt" 2>&1
OUT=$O/d BUILD=build-gpu BASE_BUILD=build-base bash bench/2026-11-30-h200/dynamic-70b.sh > "$O/d.txt" 2>&1
(cd "$O" && rm -f ab/*.db* suites/*.db* d/*.db* && tar czf call-4.tgz suites ab d suites.txt ab.txt d.txt && rm -rf suites ab d)
sed -n '/===== summary/,$p' "$O/suites.txt"
cat "$O/ab.txt" "$O/d.txt"

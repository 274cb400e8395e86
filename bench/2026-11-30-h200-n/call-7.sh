#!/usr/bin/env bash
# Device call 7 of the twenty-eighth session: the same machine times the build before given sums
# (build-base: commit a66ed82) and this tree's (build-gpu), each tuning the Llama-3 sets at
# M = 1 and 16 for 4-, 2- and 1-bit weights on its own empty cache (tools/gpu-check.sh ab), for
# the times and for the first op_get of each (call 6's tuning took 1.24-1.46 times as long as
# the twenty-sixth section's in every format, changed candidates or not).
# Usage: OUT=dir bash bench/2026-11-30-h200-n/call-7.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-7
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
nproc >> "$O/summary.txt"
OUT=$O/ab BUILD=build-gpu BASE_BUILD=build-base timeout 560 bash tools/gpu-check.sh ab > "$O/ab.txt" 2>&1
echo "gpu-check ab rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
rm -f "$O"/ab/*.db*
(cd "$OUT" && tar czf call-7.tgz call-7)
cat "$O/summary.txt"
grep '^== \|geomean' "$O/ab.txt" | sed 's/  */ /g'
for f in "$O"/ab/ab-*.txt; do
  echo "$f: $(grep -oE 'tuned in [0-9.]+ s' "$f" | awk '{s += $3; n++} END {printf "%d tuned, %.1f s in all", n, s}')"
done

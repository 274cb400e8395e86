#!/usr/bin/env bash
# Device call 2 of the sixteenth session: the read kernel's block size against the read floor
# (read-variants.c, over the Llama-3 layers' weight sizes), and bitblas-bench with the
# geomean line that now gives the read floor's speedup too (Llama-3 sets, M = 1, 4- and 1-bit).
set -u
cd "$(dirname "$0")/../.."
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker
mkdir -p "$OUT/call-2"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv > "$OUT/call-2/device.txt" 2>&1
date -u +%Y-%m-%dT%H:%MZ >> "$OUT/call-2/device.txt"
build-gpu/read-variants 0.5 1 2 4 8 12 28 32 56 112 224 > "$OUT/call-2/read-variants.txt" 2>&1
BITBLAS_CACHE=$OUT/call-2/cache.db build-gpu/bitblas-bench --preset llama-3-8b,llama-3-70b --m 1 \
  --formats w4a16,w1a16 --csv "$OUT/call-2/bench.csv" > "$OUT/call-2/bench.txt" 2>&1
echo "bench rc=$?" >> "$OUT/call-2/bench.txt"
(cd "$OUT" && rm -f call-2/*.db* && tar czf call-2.tgz call-2 && rm -rf call-2/bench.csv)
cat "$OUT/call-2/read-variants.txt"
grep -E 'geomean|launch floor|copy bandwidth|bench rc' "$OUT/call-2/bench.txt"

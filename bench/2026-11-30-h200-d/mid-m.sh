#!/usr/bin/env bash
# Device call 10 of the eighteenth session: where M = 32-256 stand (SPEC section 5; outside the
# small-batch issue): bitblas-bench on the Llama-3 sets, w4a16, tuned on an empty cache.
set -u
cd "$(dirname "$0")/../.."
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker BITBLAS_CACHE=$OUT/mid-m.db
timeout 500 build-gpu/bitblas-bench --preset llama-3-8b,llama-3-70b --m 32,64,128,256 \
  --formats w4a16 --csv "$OUT/mid-m.csv" > "$OUT/mid-m.txt" 2>&1
echo "rc=$?" >> "$OUT/mid-m.txt"
rm -f "$OUT"/mid-m.db*
grep -iE "geomean|copy bandwidth|rc=" "$OUT/mid-m.txt"

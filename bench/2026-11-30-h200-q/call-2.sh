#!/usr/bin/env bash
# Device call 2 of the thirty-first session, tree 2d910a5: the formats that the tensor-core gemv
# family does not serve (bfloat16 activations; nf4, fp4 and fp8 weights; 8-bit codes for
# reference), beside float16 x uint4, on the Llama-3 sets at M = 1 and 16, every operator tuned on
# an empty cache. No earlier section has timed them.
# Usage: OUT=dir bash bench/2026-11-30-h200-q/call-2.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-2
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
export BITBLAS_CACHE=$O/cache.db
timeout 560 "$BUILD/bitblas-bench" --preset llama-3-8b,llama-3-70b --m 1,16 \
  --formats w4a16,w4a16-bf16,nf4,fp4,fp8,w8a16 --csv "$O/bench.csv" > "$O/bench.txt" 2>&1
echo "bench rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-2.tgz call-2)
cat "$O/summary.txt"
grep -iE 'geomean|copy bandwidth|launch floor' "$O/bench.txt" | head -40

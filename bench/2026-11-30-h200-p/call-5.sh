#!/usr/bin/env bash
# Device call 5 of the thirtieth session: 4-bit M = 1 Llama-3 layers, the tuned winner of the
# twenty-eighth section's bench against blocks of 32 warps (1024 threads; 16 or 32 rows, both
# scaling places, unroll and stages varied), which the candidate list does not offer (it stops
# at 16 warps). schedule-timer as in call 4. Two rounds.
# Usage: OUT=dir bash bench/2026-11-30-h200-p/call-5.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-5
mkdir -p "$O"
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt"
for round in 1 2; do
  timeout 42 build-gpu/schedule-timer w4a16 1 6144 4096 \
    "tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=2 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=0 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=2 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" >> "$O/round-$round.txt" 2>&1
  timeout 42 build-gpu/schedule-timer w4a16 1 4096 14336 \
    "tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=2 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=0 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=2 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" >> "$O/round-$round.txt" 2>&1
  timeout 42 build-gpu/schedule-timer w4a16 1 4096 4096 \
    "tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=2 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=0 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=2 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" >> "$O/round-$round.txt" 2>&1
  timeout 42 build-gpu/schedule-timer w4a16 1 8192 8192 \
    "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=2 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=0 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=2 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" >> "$O/round-$round.txt" 2>&1
  timeout 42 build-gpu/schedule-timer w4a16 1 10240 8192 \
    "tcgemv warps=4 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=2 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=0 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=2 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" >> "$O/round-$round.txt" 2>&1
  timeout 42 build-gpu/schedule-timer w4a16 1 28672 4096 \
    "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=2 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=0 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=2 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" >> "$O/round-$round.txt" 2>&1
  timeout 42 build-gpu/schedule-timer w4a16 1 8192 28672 \
    "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=2 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=0 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=2 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" >> "$O/round-$round.txt" 2>&1
  timeout 42 build-gpu/schedule-timer w4a16 1 57344 8192 \
    "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=2 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=0 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=2 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2" \
    "tcgemv warps=32 n_tiles=2 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" >> "$O/round-$round.txt" 2>&1
done
(cd "$OUT" && tar czf call-5.tgz call-5)
python3 bench/2026-11-30-h200-p/best-of-rounds.py "$O"/round-*.txt

#!/usr/bin/env bash
# Device call 6 of the thirtieth session: the M = 1 winners of the Llama-3 layers (4-, 2- and
# 1-bit codes; the twenty-eighth section's bench) as tuned, and with ptxas asked to fit 3 and 4
# blocks per SM (MIN_BLOCKS: __launch_bounds__(threads, n), registers capped to fit, whatever
# that costs in spills). The candidate list offers such bounds only at M = 9-16 for 1- and
# 2-bit codes. schedule-timer as in call 4. Two rounds.
# Usage: OUT=dir bash bench/2026-11-30-h200-p/call-6.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-6
mkdir -p "$O"
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt"
run() { # format n k schedule
  for blocks in - 3 4; do
    if [ "$blocks" = - ]; then
      timeout 30 build-gpu/schedule-timer "$@"
    else
      MIN_BLOCKS=$blocks timeout 30 build-gpu/schedule-timer "$@"
    fi
  done
}
for round in 1 2; do
  run w4a16 1 6144 4096 "tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2" >> "$O/round-$round.txt" 2>&1
  run w2a16 1 6144 4096 "tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=4 words=4 post=1 stages=2 order=2" >> "$O/round-$round.txt" 2>&1
  run w1a16 1 6144 4096 "tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=3 order=2" >> "$O/round-$round.txt" 2>&1
  run w4a16 1 4096 4096 "tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2" >> "$O/round-$round.txt" 2>&1
  run w2a16 1 4096 4096 "tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2" >> "$O/round-$round.txt" 2>&1
  run w1a16 1 4096 4096 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" >> "$O/round-$round.txt" 2>&1
  run w4a16 1 28672 4096 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" >> "$O/round-$round.txt" 2>&1
  run w2a16 1 28672 4096 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" >> "$O/round-$round.txt" 2>&1
  run w1a16 1 28672 4096 "tcgemv warps=4 n_tiles=2 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" >> "$O/round-$round.txt" 2>&1
  run w4a16 1 4096 14336 "tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" >> "$O/round-$round.txt" 2>&1
  run w2a16 1 4096 14336 "tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=4 order=2" >> "$O/round-$round.txt" 2>&1
  run w1a16 1 4096 14336 "tcgemv warps=16 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" >> "$O/round-$round.txt" 2>&1
  run w4a16 1 10240 8192 "tcgemv warps=4 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" >> "$O/round-$round.txt" 2>&1
  run w2a16 1 10240 8192 "tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=4 order=2" >> "$O/round-$round.txt" 2>&1
  run w1a16 1 10240 8192 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2" >> "$O/round-$round.txt" 2>&1
  run w4a16 1 8192 8192 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" >> "$O/round-$round.txt" 2>&1
  run w2a16 1 8192 8192 "tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=4 words=4 post=1 stages=2 order=2" >> "$O/round-$round.txt" 2>&1
  run w1a16 1 8192 8192 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" >> "$O/round-$round.txt" 2>&1
  run w4a16 1 57344 8192 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" >> "$O/round-$round.txt" 2>&1
  run w2a16 1 57344 8192 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2 sums=given" >> "$O/round-$round.txt" 2>&1
  run w1a16 1 57344 8192 "tcgemv warps=4 n_tiles=4 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" >> "$O/round-$round.txt" 2>&1
  run w4a16 1 8192 28672 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" >> "$O/round-$round.txt" 2>&1
  run w2a16 1 8192 28672 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2 sums=given" >> "$O/round-$round.txt" 2>&1
  run w1a16 1 8192 28672 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" >> "$O/round-$round.txt" 2>&1
done
(cd "$OUT" && tar czf call-6.tgz call-6)
python3 bench/2026-11-30-h200-p/min-blocks.py "$O"/round-*.txt

#!/bin/bash
# Times M = 1 4-bit schedules with ptxas asked for more blocks per SM (MIN_BLOCKS, registers
# capped to fit) against the same schedules unbounded. Usage: BUILD=build-gpu bash min-blocks.sh
T=${BUILD:-build-gpu}/schedule-timer
run() { # min_blocks format M N K schedules...
  local mb=$1; shift
  if [ "$mb" = - ]; then "$T" "$@"; else MIN_BLOCKS=$mb "$T" "$@"; fi
}
for shape in "57344 8192" "8192 28672" "28672 4096"; do
  set -- $shape
  for round in 1 2; do
    run - w4a16 1 $1 $2 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2" \
      "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" \
      "tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" \
      "tcgemv warps=4 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2"
    run 3 w4a16 1 $1 $2 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" \
      "tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2"
    run 5 w4a16 1 $1 $2 "tcgemv warps=4 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2"
    run 4 w4a16 1 $1 $2 "tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2"
  done
done

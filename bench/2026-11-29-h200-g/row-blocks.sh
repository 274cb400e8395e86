#!/bin/bash
# Row blocks per block (schedule row_blocks): the same schedules with 1, 2, 4 ... row blocks, timed
# side by side in one process per config (each checked against the float64 reference first),
# three rounds. schedule-timer: bench/2026-11-29-h200-f/schedule-timer.c.
# Usage: BUILD=build-gpu bash row-blocks.sh
T=${BUILD:-build-gpu}/schedule-timer
sweep() { # format M N K "schedule without row_blocks" row_blocks...
  local format=$1 m=$2 n=$3 k=$4 base=$5
  shift 5
  local list=()
  for rb in "$@"; do list+=("$base row_blocks=$rb"); done
  "$T" "$format" "$m" "$n" "$k" "${list[@]}"
}
S1="tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2"
for round in 1 2 3; do
  echo "# round $round"
  sweep w4a16 1 57344 8192 "$S1" 1 2 3 4 7
  sweep w4a16 1 57344 8192 "tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" 1 2 4
  sweep w4a16 1 57344 8192 "tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" 1 2 4
  sweep w4a16 1 8192 28672 "$S1" 1 2
  sweep w4a16 1 10240 8192 "tcgemv warps=4 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" 1 2 4
  sweep w4a16 1 8192 8192 "tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2" 1 2
  sweep w4a16 1 14336 4096 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" 1 2 4
  sweep w2a16 1 57344 8192 "tcgemv warps=4 n_tiles=2 m_tiles=1 unroll=2 words=2 post=1 stages=2 order=0" 1 2 4
  sweep w1a16 1 57344 8192 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=0" 1 2 4
  sweep w4a16 16 57344 8192 "tcgemv warps=4 n_tiles=2 m_tiles=2 unroll=2 words=4 post=0 stages=2 order=2" 1 2
done

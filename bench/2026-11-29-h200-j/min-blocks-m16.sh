#!/bin/bash
# 4-bit M = 16: the last bench's tuned winners (scales before the mma, 160-168 registers, 12
# warps per SM) with ptxas asked for more blocks per SM (MIN_BLOCKS: __launch_bounds__ minimum
# blocks, registers capped to fit), against the same schedules unbounded. Two rounds; every run
# checked against the float64 reference first (schedule-timer).
# Usage: BUILD=build-gpu bash min-blocks-m16.sh
T=${BUILD:-build-gpu}/schedule-timer
t() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=$5 stages=$6 order=2"; }
for round in 1 2; do
  for shape in "57344 8192|4 2 2 2 0 2" "10240 8192|4 2 2 2 0 2" "28672 4096|4 3 2 1 0 2"; do
    s="$(t ${shape##*|})"
    "$T" w4a16 16 ${shape%%|*} "$s"
    MIN_BLOCKS=4 "$T" w4a16 16 ${shape%%|*} "$s"
    MIN_BLOCKS=5 "$T" w4a16 16 ${shape%%|*} "$s"
  done
  for shape in "8192 28672|8 2 2 1 0 2" "8192 8192|8 2 2 1 0 2" "6144 4096|8 2 2 2 0 2"; do
    s="$(t ${shape##*|})"
    "$T" w4a16 16 ${shape%%|*} "$s"
    MIN_BLOCKS=2 "$T" w4a16 16 ${shape%%|*} "$s"
  done
done

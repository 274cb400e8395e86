#!/bin/bash
# 4-bit (w4a16) at M = 16 and M = 1: deeper pipelines than the candidate list offers at M = 16,
# and scales after the mma with prescaled activations for 4-bit codes (one accumulator per tile,
# PREFIX defines BB_PRESCALED_ACTS as BB_POST_SCALE), against the four-set bench's winners.
# Two rounds, alternating; every run checked against the float64 reference.
# Usage: BUILD=build-gpu bash m16-sweep.sh
T=${BUILD:-build-gpu}/schedule-timer
P='#define BB_PRESCALED_ACTS BB_POST_SCALE'
t() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=$5 stages=$6 order=2"; }
for round in 1 2; do
  for shape in "57344 8192" "8192 28672" "28672 4096" "10240 8192" "8192 8192" "4096 4096"; do
    "$T" w4a16 16 $shape "$(t 4 2 2 2 0 2)" "$(t 8 2 2 1 0 2)" "$(t 4 2 2 1 0 3)" "$(t 8 2 2 1 0 3)" \
      "$(t 4 2 2 1 0 4)" "$(t 4 2 2 1 1 3)"
    PREFIX="$P" "$T" w4a16 16 $shape "$(t 4 2 2 1 1 3)" "$(t 4 2 2 2 1 2)" "$(t 8 2 2 1 1 2)" \
      "$(t 8 2 2 1 1 3)" "$(t 4 2 2 1 1 4)" "$(t 16 2 2 1 1 2)" "$(t 4 3 2 1 1 2)"
  done
  for shape in "57344 8192|8 2 1 1 1 3" "8192 28672|8 2 1 1 1 2" "8192 8192|8 2 1 1 1 2" \
               "10240 8192|4 1 1 2 1 2" "28672 4096|8 2 1 1 1 3" "4096 14336|16 2 1 1 1 3"; do
    "$T" w4a16 1 ${shape%%|*} "$(t ${shape##*|})"
    PREFIX="$P" "$T" w4a16 1 ${shape%%|*} "$(t ${shape##*|})"
  done
done

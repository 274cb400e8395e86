#!/bin/bash
# Prescaled activations for 1- and 2-bit codes with scales after the mma, against the base
# build: the four-set bench's winners (bench.csv of this folder), alternating, three rounds.
# Usage: BUILD=build-gpu BASE_BUILD=build-base bash prescaled-ab.sh
NEW=${BUILD:-build-gpu}/schedule-timer
BASE=${BASE_BUILD:-build-base}/schedule-timer
ab() { # format M N K schedule
  for round in 1 2 3; do
    "$BASE" "$@" | sed 's/^/base /'
    "$NEW" "$@" | sed 's/^/new  /'
  done
}
W1A="tcgemv warps=4 n_tiles=2 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2"
W1B="tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2"
W2A="tcgemv warps=4 n_tiles=2 m_tiles=1 unroll=2 words=2 post=1 stages=2 order=0"
ab w1a16 1 57344 8192 "$W1A"
ab w1a16 1 8192 28672 "$W1A"
ab w1a16 1 8192 8192 "$W1B"
ab w1a16 1 6144 4096 "tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2"
ab w1a16 1 10240 8192 "tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=4 order=2"
ab w2a16 1 57344 8192 "$W2A"
ab w2a16 1 8192 8192 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=2 post=1 stages=3 order=0"
ab w2a16 1 28672 4096 "$W2A"
ab w2a16 1 10240 8192 "tcgemv warps=4 n_tiles=1 m_tiles=1 unroll=2 words=2 post=1 stages=2 order=0"
ab w1a16 16 57344 8192 "tcgemv warps=4 n_tiles=3 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
ab w1a16 16 6144 4096 "tcgemv warps=8 n_tiles=3 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
ab w1a16-int1 1 57344 8192 "$W1A"
ab w2a16-int2 1 57344 8192 "$W2A"

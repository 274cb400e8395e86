#!/bin/bash
# Same-call A/B of activations copied ahead into shared memory (async_a=1) against this tree's
# async_a=0 and the base build (the previous commit), per schedule, alternating, twice.
# Usage: BUILD=build-gpu BASE_BUILD=build-base bash async-a-ab.sh
NEW=${BUILD:-build-gpu}/schedule-timer
BASE=${BASE_BUILD:-build-base}/schedule-timer
ab() { # format M N K schedule (without async_a)
  local f=$1 m=$2 n=$3 k=$4 s=$5
  for round in 1 2; do
    "$BASE" $f $m $n $k "$s" | sed 's/^/base /'
    "$NEW" $f $m $n $k "$s async_a=0" "$s async_a=1" | sed 's/^/new  /'
  done
}
S="tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1"
ab w4a16 1 57344 8192 "$S stages=3 order=2"
ab w4a16 1 57344 8192 "$S stages=2 order=2"
ab w4a16 1 8192 28672 "$S stages=3 order=2"
ab w4a16 1 8192 8192 "$S stages=2 order=2"
ab w4a16 1 28672 4096 "tcgemv warps=4 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2"
ab w4a16 1 4096 14336 "tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2"
ab w2a16 1 57344 8192 "tcgemv warps=4 n_tiles=2 m_tiles=1 unroll=2 words=2 post=1 stages=2 order=0"
ab w1a16 1 57344 8192 "tcgemv warps=4 n_tiles=2 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2"
ab w4a16 4 57344 8192 "$S stages=3 order=2"
ab w4a16 16 57344 8192 "tcgemv warps=4 n_tiles=3 m_tiles=2 unroll=1 words=4 post=0 stages=2 order=2"
ab w4a16 16 8192 8192 "tcgemv warps=8 n_tiles=2 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
ab w1a16 16 57344 8192 "tcgemv warps=4 n_tiles=3 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"

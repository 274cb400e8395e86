#!/bin/bash
# Same-call A/B of one schedule per line: the base build's kernel template against this tree's,
# alternating, twice each. Usage: BUILD=build-gpu BASE_BUILD=build-base bash affine-ab.sh
NEW=${BUILD:-build-gpu}/schedule-timer
BASE=${BASE_BUILD:-build-base}/schedule-timer
ab() { # format M N K schedule
  for round in 1 2; do
    "$BASE" "$@" | sed 's/^/base /'
    "$NEW" "$@" | sed 's/^/new  /'
  done
}
S="tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1"
ab w4a16 1 57344 8192 "$S stages=3 order=2"
ab w4a16 1 8192 28672 "$S stages=3 order=2"
ab w4a16 1 8192 8192 "$S stages=2 order=2"
ab w4a16 1 28672 4096 "tcgemv warps=4 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2"
ab w4a16 1 4096 14336 "tcgemv warps=16 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2"
ab w4a16 1 10240 8192 "$S stages=2 order=2"
ab w2a16 1 57344 8192 "tcgemv warps=4 n_tiles=2 m_tiles=1 unroll=2 words=2 post=1 stages=2 order=0"
ab w2a16 1 8192 28672 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=2 post=1 stages=2 order=0"
ab w1a16 1 57344 8192 "tcgemv warps=4 n_tiles=2 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2"
ab w1a16 1 8192 28672 "tcgemv warps=16 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2"
ab w4a16 16 57344 8192 "tcgemv warps=8 n_tiles=2 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
ab w4a16 1 57344 8192 "tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2"

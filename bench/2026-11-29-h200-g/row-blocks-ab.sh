#!/bin/bash
# Row blocks against the base build: each schedule as the base build runs it, then with
# row_blocks 1, 2 and 4 in this build, alternating, three rounds.
# Usage: BUILD=build-gpu BASE_BUILD=build-base bash row-blocks-ab.sh
NEW=${BUILD:-build-gpu}/schedule-timer
BASE=${BASE_BUILD:-build-base}/schedule-timer
ab() { # format M N K schedule-without-row_blocks
  for round in 1 2 3; do
    "$BASE" "$@" | sed 's/^/base /'
    "$NEW" "$1" "$2" "$3" "$4" "$5 row_blocks=1" "$5 row_blocks=2" "$5 row_blocks=4" | sed 's/^/new  /'
  done
}
S1="tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2"
S2="tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2"
ab w4a16 1 57344 8192 "$S1"
ab w4a16 1 8192 28672 "$S1"
ab w4a16 1 8192 8192 "$S2"
ab w4a16 1 8192 8192 "$S1"
ab w4a16 1 10240 8192 "tcgemv warps=4 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2"
ab w4a16 1 6144 4096 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2"
ab w4a16 1 4096 4096 "$S2"
ab w4a16 1 28672 4096 "$S1"
ab w4a16 1 4096 14336 "tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2"
ab w4a16 16 8192 8192 "tcgemv warps=4 n_tiles=2 m_tiles=2 unroll=2 words=4 post=0 stages=2 order=2"
ab w4a16 16 57344 8192 "tcgemv warps=4 n_tiles=2 m_tiles=2 unroll=2 words=4 post=0 stages=2 order=2"

#!/bin/bash
# Row blocks on the small Llama-3-8B layers, with row blocks of 16 rows (many of them): each
# schedule as the base build runs it, then with row_blocks 1-4 in the build with
# row-blocks.patch applied, alternating, three rounds.
# Usage: BASE_BUILD=build-gpu RB_BUILD=build-rb bash row-blocks-small.sh
BASE=${BASE_BUILD:-build-gpu}/schedule-timer
RB=${RB_BUILD:-build-rb}/schedule-timer
ab() { # format M N K schedule-without-row_blocks
  for round in 1 2 3; do
    "$BASE" "$@" | sed 's/^/base /'
    "$RB" "$1" "$2" "$3" "$4" "$5 row_blocks=1" "$5 row_blocks=2" "$5 row_blocks=3" \
      "$5 row_blocks=4" | sed 's/^/new  /'
  done
}
ab w4a16 1 6144 4096 "tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2"
ab w4a16 1 6144 4096 "tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2"
ab w4a16 1 6144 4096 "tcgemv warps=4 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2"
ab w4a16 1 4096 4096 "tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2"
ab w4a16 1 4096 14336 "tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2"
ab w4a16 1 28672 4096 "tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2"
ab w4a16 16 6144 4096 "tcgemv warps=8 n_tiles=1 m_tiles=2 unroll=2 words=4 post=0 stages=2 order=2"

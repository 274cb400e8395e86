#!/bin/bash
# Same-call A/B of the final table copy (asynchronous 16-byte copies where BB_TABLE_ASYNC) against
# the base build, on tuned winners of both kinds, alternating, 3 times.
# Usage: BUILD=build-gpu BASE_BUILD=build-base bash table-copy-final-ab.sh
NEW=${BUILD:-build-gpu}/schedule-timer
BASE=${BASE_BUILD:-build-base}/schedule-timer
ab() { # format M N K schedule
  for round in 1 2 3; do
    "$BASE" "$@" | sed 's/^/base /'
    "$NEW" "$@" | sed 's/^/new  /'
  done
}
ab w4a16 1 57344 8192 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2"
ab w4a16 1 8192 28672 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2"
ab w4a16 1 10240 8192 "tcgemv warps=4 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2"
ab w2a16 1 57344 8192 "tcgemv warps=4 n_tiles=2 m_tiles=1 unroll=2 words=2 post=1 stages=2 order=0"
ab w2a16 1 28672 4096 "tcgemv warps=4 n_tiles=2 m_tiles=1 unroll=2 words=2 post=1 stages=2 order=0"
ab w4a16 16 57344 8192 "tcgemv warps=4 n_tiles=2 m_tiles=2 unroll=2 words=4 post=0 stages=2 order=2"
ab w4a16 16 28672 4096 "tcgemv warps=4 n_tiles=3 m_tiles=2 unroll=1 words=4 post=0 stages=2 order=2"
ab w4a16 1 6144 4096 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2"

#!/bin/bash
# Scales and zeros from the block's shared table (as built) against per-segment loads
# (BB_NO_TABLE 1; see no-table.patch), on the small and awkward layers' winners of the last
# four-set bench: one process per setting, alternating, three rounds.
# Usage: BUILD=build-gpu bash no-table.sh
T=${BUILD:-build-gpu}/schedule-timer
ab() { # format M N K schedule
  for round in 1 2 3; do
    for off in 0 1; do PREFIX="#define BB_NO_TABLE $off" "$T" "$@"; done
  done
}
ab w4a16 1 6144 4096 "tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2"
ab w4a16 16 6144 4096 "tcgemv warps=8 n_tiles=2 m_tiles=2 unroll=2 words=4 post=0 stages=2 order=2"
ab w4a16 1 4096 4096 "tcgemv warps=16 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2"
ab w4a16 16 4096 4096 "tcgemv warps=16 n_tiles=1 m_tiles=2 unroll=1 words=4 post=0 stages=2 order=2"
ab w4a16 1 4096 14336 "tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2"
ab w4a16 1 8192 8192 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2"
ab w2a16 1 4096 4096 "tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=2 post=1 stages=3 order=0"
ab w4a16 1 7392 3584 "tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=4 order=2"
ab w4a16 16 7392 3584 "tcgemv warps=8 n_tiles=2 m_tiles=2 unroll=1 words=4 post=0 stages=2 order=2"
ab w4a16 1 1000 1024 "tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2"
ab w4a16 1 1 4096 "tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2"
ab w4a16 16 1 4096 "tcgemv warps=16 n_tiles=1 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
ab w4a16/g120 16 2880 2880 "tcgemv warps=16 n_tiles=2 m_tiles=2 unroll=1 words=1 post=0 stages=2 order=0"
ab w4a16 1 57344 8192 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2"

#!/bin/bash
# L2 prefetch of the weights (BB_PREFETCH_STEPS block steps past the register pipeline, bulk
# prefetch per row by warp 0; see l2-prefetch.patch): tuned winners with 0, 2, 4, 8 and 16 steps,
# one process per setting, alternating, three rounds. schedule-timer:
# bench/2026-11-29-h200-f/schedule-timer.c (PREFIX puts the #define before the source).
# Usage: BUILD=build-gpu bash l2-prefetch.sh
T=${BUILD:-build-gpu}/schedule-timer
sweep() { # format M N K schedule
  for round in 1 2 3; do
    for steps in 0 2 4 8 16; do
      PREFIX="#define BB_PREFETCH_STEPS $steps" "$T" "$@"
    done
  done
}
sweep w4a16 1 57344 8192 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2"
sweep w4a16 1 8192 28672 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2"
sweep w4a16 1 10240 8192 "tcgemv warps=4 n_tiles=1 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2"
sweep w4a16 1 6144 4096 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2"
sweep w2a16 1 57344 8192 "tcgemv warps=4 n_tiles=2 m_tiles=1 unroll=2 words=2 post=1 stages=2 order=0"
sweep w2a16 1 28672 4096 "tcgemv warps=4 n_tiles=2 m_tiles=1 unroll=2 words=2 post=1 stages=2 order=0"
sweep w4a16 16 57344 8192 "tcgemv warps=4 n_tiles=2 m_tiles=2 unroll=2 words=4 post=0 stages=2 order=2"
sweep w4a16 16 28672 4096 "tcgemv warps=4 n_tiles=3 m_tiles=2 unroll=1 words=4 post=0 stages=2 order=2"

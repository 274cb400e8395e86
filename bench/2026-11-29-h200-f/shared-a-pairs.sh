#!/bin/bash
# Times tuned M = 1 winners with and without activations in shared memory (shared_a=0/1), in
# pairs, twice. Usage: BUILD=build-gpu bash shared-a-pairs.sh
T=${BUILD:-build-gpu}/schedule-timer
pair() { # format M N K schedule-without-shared_a
  local r=${6:-1}
  "$T" "$1" "$2" "$3" "$4" "$5 shared_a=0" "$5 shared_a=$r" "$5 shared_a=0" "$5 shared_a=$r"
}
pair w4a16 1 57344 8192 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2"
pair w4a16 1 57344 8192 "tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2"
pair w4a16 1 8192 28672 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2"
pair w4a16 1 28672 4096 "tcgemv warps=8 n_tiles=1 m_tiles=1 unroll=2 words=4 post=0 stages=2 order=2"
pair w4a16 1 8192 8192 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2"
pair w4a16 1 4096 14336 "tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2"
pair w2a16 1 57344 8192 "tcgemv warps=4 n_tiles=2 m_tiles=1 unroll=2 words=2 post=1 stages=2 order=0"
pair w1a16 1 57344 8192 "tcgemv warps=4 n_tiles=2 m_tiles=1 unroll=2 words=4 post=1 stages=2 order=2"
pair w4a16 4 57344 8192 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2" 4
pair w4a16 4 57344 8192 "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=3 order=2" 1

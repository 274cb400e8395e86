#!/bin/bash
# Each code pair's two k made neighbours in the stored word (BB_EXP_PAIRS_INTERLEAVED in
# pairs-interleaved.patch): the mma's B fragment is then one register of the loaded activations,
# without the PRMT that gathers k and k + 16/b today. The weights are not permuted here, so the
# output is wrong and only the time counts; the kernel is the one a permuted order would run.
# The four-bit winners of the last bench (bench/2026-11-29-h200-i/m-sweep-final.csv) at M = 1 and
# 16, and 1- and 2-bit M = 16 schedules, timed plain and with the macro, alternating (raw-timer).
# Usage: BUILD=build-gpu bash pairs-interleaved.sh
T="${BUILD:-build-gpu}/raw-timer"
export PREFIX='#define BB_EXP_PAIRS_INTERLEAVED 1'
t() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=$5 stages=$6 order=2"; }
"$T" w4a16 16 57344 8192 "$(t 4 2 2 2 0 2)"
"$T" w4a16 16 8192 28672 "$(t 8 2 2 1 0 2)"
"$T" w4a16 16 28672 4096 "$(t 4 3 2 1 0 2)"
"$T" w4a16 16 10240 8192 "$(t 4 2 2 2 0 2)"
"$T" w4a16 16 8192 8192 "$(t 8 2 2 1 0 2)"
"$T" w4a16 16 4096 14336 "$(t 16 1 2 1 0 2)"
"$T" w4a16 16 6144 4096 "$(t 8 2 2 2 0 2)"
"$T" w4a16 16 4096 4096 "$(t 16 1 2 1 0 2)"
"$T" w4a16 1 57344 8192 "$(t 8 2 1 1 1 3)"
"$T" w4a16 1 8192 28672 "$(t 8 2 1 1 1 2)"
"$T" w4a16 1 6144 4096 "$(t 16 1 1 1 0 2)"
"$T" w4a16 8 57344 8192 "$(t 8 4 1 1 0 2)"
"$T" w2a16 16 57344 8192 "$(t 4 2 2 2 0 2)"
"$T" w1a16 16 57344 8192 "$(t 4 3 2 1 1 2)"

#!/usr/bin/env bash
# Device call 4 of the twenty-fifth session: row groups (BB_ROW_GROUPS 1, 2, 4; ablate-timer's
# ROW_GROUPS mode, build-gpu built with row-groups.patch applied) on the four best schedules of
# 2 warps or more of each 1-, 2- and 4-bit Llama-3 layer at M = 16 with N >= 8192 (call 1's
# tuning, call-1/bench/candidates.txt), 3 rounds.
# Usage: OUT=dir bash bench/2026-11-30-h200-k/call-4.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-4
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" > /dev/null
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker BITBLAS_CACHE=$O/cache.db ROW_GROUPS=1
T=build-gpu/ablate-timer
run() { timeout 60 $T "$@" >> "$O/row-groups.txt" 2>&1; }
run w4a16 16 28672 4096 "tcgemv warps=2 n_tiles=3 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w4a16 16 28672 4096 "tcgemv warps=4 n_tiles=3 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w4a16 16 28672 4096 "tcgemv warps=4 n_tiles=3 m_tiles=2 unroll=1 words=4 post=0 stages=2 order=2"
run w4a16 16 28672 4096 "tcgemv warps=2 n_tiles=3 m_tiles=2 unroll=1 words=4 post=0 stages=2 order=2"
run w2a16 16 28672 4096 "tcgemv warps=4 n_tiles=2 m_tiles=2 unroll=2 words=4 post=0 stages=2 order=2"
run w2a16 16 28672 4096 "tcgemv warps=8 n_tiles=2 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w2a16 16 28672 4096 "tcgemv warps=2 n_tiles=3 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w2a16 16 28672 4096 "tcgemv warps=4 n_tiles=2 m_tiles=2 unroll=2 words=4 post=1 stages=2 order=2"
run w1a16 16 28672 4096 "tcgemv warps=2 n_tiles=3 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w1a16 16 28672 4096 "tcgemv warps=8 n_tiles=4 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w1a16 16 28672 4096 "tcgemv warps=4 n_tiles=4 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w1a16 16 28672 4096 "tcgemv warps=8 n_tiles=3 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w4a16 16 10240 8192 "tcgemv warps=4 n_tiles=2 m_tiles=2 unroll=2 words=4 post=0 stages=2 order=2"
run w4a16 16 10240 8192 "tcgemv warps=4 n_tiles=3 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w4a16 16 10240 8192 "tcgemv warps=4 n_tiles=2 m_tiles=2 unroll=2 words=4 post=1 stages=2 order=2"
run w4a16 16 10240 8192 "tcgemv warps=4 n_tiles=3 m_tiles=2 unroll=1 words=4 post=0 stages=2 order=2"
run w2a16 16 10240 8192 "tcgemv warps=8 n_tiles=1 m_tiles=2 unroll=2 words=4 post=1 stages=2 order=2"
run w2a16 16 10240 8192 "tcgemv warps=4 n_tiles=3 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w2a16 16 10240 8192 "tcgemv warps=4 n_tiles=2 m_tiles=2 unroll=2 words=4 post=0 stages=2 order=2"
run w2a16 16 10240 8192 "tcgemv warps=4 n_tiles=3 m_tiles=2 unroll=1 words=4 post=0 stages=2 order=2"
run w1a16 16 10240 8192 "tcgemv warps=8 n_tiles=3 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w1a16 16 10240 8192 "tcgemv warps=4 n_tiles=3 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w1a16 16 10240 8192 "tcgemv warps=4 n_tiles=4 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w1a16 16 10240 8192 "tcgemv warps=8 n_tiles=2 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w4a16 16 8192 8192 "tcgemv warps=8 n_tiles=2 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w4a16 16 8192 8192 "tcgemv warps=8 n_tiles=2 m_tiles=2 unroll=1 words=4 post=0 stages=2 order=2"
run w4a16 16 8192 8192 "tcgemv warps=4 n_tiles=2 m_tiles=2 unroll=2 words=4 post=0 stages=2 order=2"
run w4a16 16 8192 8192 "tcgemv warps=4 n_tiles=2 m_tiles=2 unroll=2 words=4 post=1 stages=2 order=2"
run w2a16 16 8192 8192 "tcgemv warps=8 n_tiles=2 m_tiles=2 unroll=1 words=4 post=0 stages=2 order=2"
run w2a16 16 8192 8192 "tcgemv warps=4 n_tiles=2 m_tiles=2 unroll=2 words=4 post=0 stages=2 order=2"
run w2a16 16 8192 8192 "tcgemv warps=4 n_tiles=2 m_tiles=2 unroll=2 words=4 post=1 stages=2 order=2"
run w2a16 16 8192 8192 "tcgemv warps=16 n_tiles=2 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w1a16 16 8192 8192 "tcgemv warps=8 n_tiles=4 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w1a16 16 8192 8192 "tcgemv warps=8 n_tiles=2 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w1a16 16 8192 8192 "tcgemv warps=8 n_tiles=2 m_tiles=2 unroll=2 words=4 post=1 stages=2 order=2"
run w1a16 16 8192 8192 "tcgemv warps=4 n_tiles=4 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w4a16 16 57344 8192 "tcgemv warps=4 n_tiles=3 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w4a16 16 57344 8192 "tcgemv warps=4 n_tiles=2 m_tiles=2 unroll=2 words=4 post=0 stages=2 order=2"
run w4a16 16 57344 8192 "tcgemv warps=8 n_tiles=2 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w4a16 16 57344 8192 "tcgemv warps=4 n_tiles=2 m_tiles=2 unroll=2 words=4 post=1 stages=2 order=2"
run w2a16 16 57344 8192 "tcgemv warps=4 n_tiles=3 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w2a16 16 57344 8192 "tcgemv warps=4 n_tiles=2 m_tiles=2 unroll=2 words=4 post=0 stages=2 order=2"
run w2a16 16 57344 8192 "tcgemv warps=4 n_tiles=3 m_tiles=2 unroll=1 words=4 post=0 stages=2 order=2"
run w2a16 16 57344 8192 "tcgemv warps=8 n_tiles=2 m_tiles=2 unroll=1 words=4 post=0 stages=2 order=2"
run w1a16 16 57344 8192 "tcgemv warps=4 n_tiles=4 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w1a16 16 57344 8192 "tcgemv warps=8 n_tiles=4 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w1a16 16 57344 8192 "tcgemv warps=8 n_tiles=3 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w1a16 16 57344 8192 "tcgemv warps=4 n_tiles=3 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w4a16 16 8192 28672 "tcgemv warps=8 n_tiles=2 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w4a16 16 8192 28672 "tcgemv warps=8 n_tiles=2 m_tiles=2 unroll=1 words=4 post=0 stages=2 order=2"
run w4a16 16 8192 28672 "tcgemv warps=4 n_tiles=2 m_tiles=2 unroll=2 words=4 post=0 stages=2 order=2"
run w4a16 16 8192 28672 "tcgemv warps=8 n_tiles=2 m_tiles=2 unroll=2 words=4 post=0 stages=2 order=2"
run w2a16 16 8192 28672 "tcgemv warps=8 n_tiles=2 m_tiles=2 unroll=1 words=4 post=0 stages=2 order=2"
run w2a16 16 8192 28672 "tcgemv warps=4 n_tiles=2 m_tiles=2 unroll=2 words=4 post=1 stages=2 order=2"
run w2a16 16 8192 28672 "tcgemv warps=4 n_tiles=2 m_tiles=2 unroll=2 words=4 post=0 stages=2 order=2"
run w2a16 16 8192 28672 "tcgemv warps=16 n_tiles=2 m_tiles=2 unroll=1 words=4 post=0 stages=2 order=2"
run w1a16 16 8192 28672 "tcgemv warps=8 n_tiles=4 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w1a16 16 8192 28672 "tcgemv warps=4 n_tiles=4 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w1a16 16 8192 28672 "tcgemv warps=8 n_tiles=2 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
run w1a16 16 8192 28672 "tcgemv warps=4 n_tiles=2 m_tiles=2 unroll=2 words=4 post=1 stages=2 order=2"
echo "row groups done at $((SECONDS - start)) s"
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-4.tgz call-4)
python3 bench/2026-11-30-h200-k/row-groups.py "$O/row-groups.txt"
rm -rf "$O"

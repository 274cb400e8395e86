#!/usr/bin/env bash
# Checks, without a GPU, that moving helpers from kernel_src/tcgemv.cu into common.cuh left the
# tensor-core gemv kernels as they were: for tuned winner shapes of the four sets, the sm_90 cubin
# nvcc builds from each build's emitted source must be byte-identical.
# Needs both trees built (build-base from /tmp/base-src at the start commit, build-gpu here) and
# emit-one built against each (see bench/2026-11-30-h200-c/emit-one.c; the base one in
# /tmp/emit/emit-base). Usage: bash bench/2026-11-30-h200-e/tcgemv-identical.sh
set -u
cd "$(dirname "$0")/../.."
d=$(mktemp -d)
for f in w4a16 w2a16 w1a16 w4a16-gptq; do
  for sch in "tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2" \
    "tcgemv warps=4 n_tiles=2 m_tiles=2 unroll=2 words=4 post=0 stages=2 order=2" \
    "tcgemv warps=4 n_tiles=2 m_tiles=4 unroll=2 words=4 post=0 stages=2 order=0"; do
    M=16; [[ "$sch" == *order=0* ]] && M=32
    /tmp/emit/emit-base $f $M 57344 8192 "$sch" > "$d/b.cu"
    build-gpu/emit-one $f $M 57344 8192 "$sch" > "$d/n.cu"
    nvcc -arch=sm_90 -cubin -o "$d/b.cubin" "$d/b.cu" 2>/dev/null
    nvcc -arch=sm_90 -cubin -o "$d/n.cubin" "$d/n.cu" 2>/dev/null
    echo "$f M=$M $sch: $(cmp -s "$d/b.cubin" "$d/n.cubin" && echo identical || echo DIFFERS)"
  done
done
rm -rf "$d"

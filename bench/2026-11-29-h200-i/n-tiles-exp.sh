#!/usr/bin/env bash
# Blocks of 48 and 64 rows (n_tiles 3 and 4) at M = 4, 8 and 16, 4-bit codes: more rows share
# each load of the activations. The candidate lists offer n_tiles 1-2 up to M = 8 and 1-3 at
# M = 9-16. Each line: the tuned winner of m-sweep.csv first, then the new shapes.
#   OUT=... BUILD=build-gpu bash bench/2026-11-29-h200-i/n-tiles-exp.sh
set -u
cd "$(dirname "$0")/../.."
T=$BUILD/list-timer
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=$5 stages=$6 order=2"; }
news() { # m_tiles
  for nt in 3 4; do for w in 4 8; do for p in 0 1; do
    [ "$1" = 2 ] && [ "$p" = 1 ] && continue  # scales after the mma need 200+ registers at M = 16
    s "$w" "$nt" "$1" 1 "$p" 2
  done; done; done
}
run() { # M N K winner...
  local m=$1 n=$2 k=$3
  shift 3
  mapfile -t list < <(s "$@"; news $((m > 8 ? 2 : 1)))
  timeout 90 "$T" w4a16 "$m" "$n" "$k" "${list[@]}" || echo "rc=$? for $m $n $k"
}
run 8 57344 8192 4 2 1 2 1 2
run 8 8192 28672 8 2 1 1 1 3
run 8 28672 4096 8 1 1 2 0 2
run 8 4096 14336 16 2 1 1 1 3
run 4 57344 8192 8 2 1 1 1 2
run 16 57344 8192 4 2 2 2 0 2
run 16 8192 28672 8 2 2 1 0 2
run 16 28672 4096 4 3 2 1 0 2

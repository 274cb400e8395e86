#!/usr/bin/env bash
# Where a Llama-3-70B dynamic operator's first op_get goes, on this build: bitblas-tune --preset
# llama-3-70b --dynamic-m on an empty cache with BITBLAS_LOG=debug, each line stamped; prints per
# bucket the seconds to "compiled", to "ready" (setup) and to "done" (runs), and, for the two
# largest buckets, each candidate's seconds from its "run" line to its result.
#   OUT=... BUILD=build-gpu bash bench/2026-11-30-h200/timeline-70b.sh
set -u
cd "$(dirname "$0")/../.."
mkdir -p "$OUT"
stamp() { python3 -u -c '
import sys, time
t0 = time.time()
for line in sys.stdin: print(f"{time.time() - t0:7.3f} {line}", end="")'; }
rm -f "$OUT/t70.db"*
BITBLAS_LOG=debug BITBLAS_WORKER=$PWD/$BUILD/bitblas-worker "$BUILD/bitblas-tune" --cache "$OUT/t70.db" \
  --preset llama-3-70b --dynamic-m --m 1,16,1024 --formats w4a16 2> >(stamp >"$OUT/timeline-70b.log") >"$OUT/timeline-70b.txt"
sleep 0.5
rm -f "$OUT/t70.db"*
awk '/worker: begin/ {b = $1} /worker: compiled/ {c = $1} /worker: ready/ {r = $1}
     /worker: done/ {printf "%.2f/%.2f/%.2f ", c - b, r - c, $1 - r; n++; if (n % 8 == 0) print ""}' "$OUT/timeline-70b.log"
grep -E "^dyn" "$OUT/timeline-70b.txt"

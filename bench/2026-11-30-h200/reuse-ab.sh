#!/usr/bin/env bash
# The worker keeping its test weights from bucket to bucket, and stopping candidates that cannot
# win after 3 timed runs, A/B: the whole llama-3-8b preset as dynamic operators with the 8
# default M buckets, 4-bit weights, each run on an empty cache, alternating the build before
# (BASE_BUILD) and after (BUILD); one warm-up run first so that neither build pays for a cold
# NVRTC. Every run logs at debug level with each line stamped (seconds since its start), so each
# run also gives per-bucket seconds to "compiled", to "ready" (setup) and to "done" (runs).
#   OUT=... BUILD=build-gpu BASE_BUILD=build-base bash bench/2026-11-30-h200/reuse-ab.sh
set -u
cd "$(dirname "$0")/../.."
mkdir -p "$OUT"
stamp() { python3 -u -c '
import sys, time
t0 = time.time()
for line in sys.stdin: print(f"{time.time() - t0:7.3f} {line}", end="")'; }
tune() {  # build label
  local build=$1 label=$2 cache=$OUT/reuse-$2.db
  rm -f "$cache"*
  local start=$(date +%s%N)
  BITBLAS_LOG=debug BITBLAS_WORKER=$PWD/$build/bitblas-worker "$build/bitblas-tune" --cache "$cache" \
    --preset llama-3-8b --dynamic-m --m 1,16,1024 --formats w4a16 --check \
    2> >(stamp >"$OUT/reuse-$label.log") >"$OUT/reuse-$label.txt"
  local rc=$?
  local end=$(date +%s%N)
  sleep 0.5 # let the stamping pipe finish
  echo "$label ($build): rc=$rc, $(((end - start) / 1000000)) ms wall;" \
    "$(grep -E '^dyn ' "$OUT/reuse-$label.txt" | awk '{printf "%s ", $(NF-2)}')s per operator;" \
    "$(grep -E 'operators:' "$OUT/reuse-$label.txt")"
  awk '/worker: begin/ {b = $1} /worker: compiled/ {c = $1; comp += c - b} /worker: ready/ {r = $1; setup += r - c}
       /worker: done/ {runs += $1 - r}
       END {printf "  all buckets: compile %.2f s, setup %.2f s, runs %.2f s\n", comp, setup, runs}' \
    "$OUT/reuse-$label.log"
}
tune "$BUILD" warmup
for round in 1 2 3; do
  tune "$BASE_BUILD" base-$round
  tune "$BUILD" new-$round
done

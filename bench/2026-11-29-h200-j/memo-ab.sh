#!/usr/bin/env bash
# The worker's memo of compiled cubins (tuner/cubin_memo.c), A/B: the whole llama-3-8b preset as
# dynamic operators with the 8 default M buckets, 4-bit weights, each run on an empty cache,
# alternating the build without the memo (BASE_BUILD) and with it (BUILD); one warm-up run first
# so that neither build pays for a cold NVRTC. Prints the wall time of each run and the tool's
# per-operator tuning seconds; with BITBLAS_LOG=debug the last run also logs each request's
# "reused" line.
#   OUT=... BUILD=build-gpu BASE_BUILD=build-base bash bench/2026-11-29-h200-j/memo-ab.sh
set -u
cd "$(dirname "$0")/../.."
mkdir -p "$OUT"
tune() {  # build label
  local build=$1 label=$2 cache=$OUT/memo-$2.db
  rm -f "$cache"*
  local start=$(date +%s%N)
  BITBLAS_WORKER=$PWD/$build/bitblas-worker "$build/bitblas-tune" --cache "$cache" \
    --preset llama-3-8b --dynamic-m --m 1,16,1024 --formats w4a16 --check \
    >"$OUT/memo-$label.txt" 2>"$OUT/memo-$label.log"
  local rc=$?
  local end=$(date +%s%N)
  echo "$label ($build): rc=$rc, $(((end - start) / 1000000)) ms wall;" \
    "$(grep -E '^dyn ' "$OUT/memo-$label.txt" | awk '{printf "%s ", $(NF-2)}')s per operator;" \
    "$(grep -E 'operators:' "$OUT/memo-$label.txt")"
}
tune "$BUILD" warmup
for round in 1 2 3; do
  tune "$BASE_BUILD" base-$round
  tune "$BUILD" memo-$round
done
export BITBLAS_LOG=debug
tune "$BUILD" memo-debug
grep -c "reused" "$OUT/memo-memo-debug.log"
grep -o "worker: reused [0-9]* compiled before" "$OUT/memo-memo-debug.log" | awk '{s += $3} END {print "reused in all:", s}'

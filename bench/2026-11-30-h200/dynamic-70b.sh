#!/usr/bin/env bash
# A dynamic operator's first op_get on the Llama-3-70B layers: bitblas-tune --preset llama-3-70b
# --dynamic-m (8 default M buckets, 4-bit weights, empty cache), alternating the build before
# (BASE_BUILD) and after (BUILD), twice, after one warm-up run of the llama-3-8b preset.
#   OUT=... BUILD=build-gpu BASE_BUILD=build-base bash bench/2026-11-30-h200/dynamic-70b.sh
set -u
cd "$(dirname "$0")/../.."
mkdir -p "$OUT"
tune() {  # build label preset
  local build=$1 label=$2 cache=$OUT/dyn-$2.db
  rm -f "$cache"*
  local start=$(date +%s%N)
  BITBLAS_WORKER=$PWD/$build/bitblas-worker "$build/bitblas-tune" --cache "$cache" \
    --preset "$3" --dynamic-m --m 1,16,1024 --formats w4a16 --check >"$OUT/dyn-$label.txt" 2>&1
  local rc=$?
  local end=$(date +%s%N)
  echo "$label ($build, $3): rc=$rc, $(((end - start) / 1000000)) ms wall;" \
    "$(grep -E '^dyn ' "$OUT/dyn-$label.txt" | awk '{printf "%s ", $(NF-2)}')s per operator;" \
    "$(grep -E 'operators:' "$OUT/dyn-$label.txt")"
  rm -f "$cache"*
}
tune "$BUILD" warmup llama-3-8b
for round in 1 2; do
  tune "$BASE_BUILD" base-$round llama-3-70b
  tune "$BUILD" new-$round llama-3-70b
done

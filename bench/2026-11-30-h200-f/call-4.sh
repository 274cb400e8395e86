#!/usr/bin/env bash
# Device call 4 of the twentieth session: what the BitNet layer's changes cost the int8 x int2
# operators that existed before (their modules now hold the row quantizer, and their product
# waits with griddepcontrol.wait before reading A). bitblas-bench on the Llama-3 sets, w2a8
# (int8 x int2, per-row a_scale, float16 out) at M = 1 and 16, build-base (d24c8f1) and
# build-gpu alternating, two rounds, each run tuning on its own empty cache.
# Usage: OUT=dir bash bench/2026-11-30-h200-f/call-4.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-4
mkdir -p "$O"
start=$SECONDS
for round in 1 2; do
  for build in build-base build-gpu; do
    BITBLAS_WORKER=$PWD/$build/bitblas-worker BITBLAS_CACHE=$O/ab-$build-$round.db timeout 100 \
      $build/bitblas-bench --preset llama-3-8b,llama-3-70b --m 1,16 --formats w2a8 \
      --csv "$O/ab-$build-$round.csv" > "$O/ab-$build-$round.txt" 2>&1
    echo "round $round $build rc=$? at $((SECONDS - start)) s: $(grep geomean "$O/ab-$build-$round.txt" | sed 's/  */ /g' | tr '\n' ';')" >> "$O/summary.txt"
  done
done
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-4.tgz call-4)
cat "$O/summary.txt"
rm -rf "$O"

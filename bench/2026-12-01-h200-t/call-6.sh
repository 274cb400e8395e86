#!/usr/bin/env bash
# Device call 6 of the thirty-fourth session (an experiment): FP4 in groups of 32 in the traded
# order, which the weight-order rule refuses today (bb_weight_order_groups_fit: a 64-byte segment
# takes two groups, a 32-byte one one). build-g32a lets a 64-byte segment (4 words per lane) take
# four groups of 32, so M = 1 and 16 trade; build-g32b lets a 32-byte segment (2 words per lane,
# from M = 9) take two, so M = 16 trades. The bench of float16 x FP4 g32 at M = 1 and 16 on the
# Llama-3 sets with build-exp (d044d44), build-g32a and build-g32b in turn, each tuning on its own
# empty cache (the bench checks every result against float64).
# Usage: OUT=dir bash bench/2026-12-01-h200-t/call-6.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-6
mkdir -p "$O"
start=$SECONDS
for BUILD in build-exp build-g32a build-g32b; do
  . tools/device-env.sh
  [ "$BUILD" = build-exp ] && device_record "$O/device.txt" >> "$O/summary.txt"
  BITBLAS_CACHE=$O/$BUILD.db timeout 120 "$BUILD/bitblas-bench" --preset llama-3-8b,llama-3-70b \
    --m 1,16 --formats fp4 --csv "$O/bench-$BUILD.csv" > "$O/bench-$BUILD.txt" 2>&1
  echo "bench $BUILD rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
done
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-6.tgz call-6)
cat "$O/summary.txt"
grep -iE 'geomean|FAIL' "$O"/bench-*.txt
for b in build-exp build-g32a build-g32b; do
  echo "== $b"
  cut -d, -f2,3,4,7,9 "$O/bench-$b.csv" | sed 's/tcgemv //; s/ post=0 stages=2//'
done

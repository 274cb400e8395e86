#!/usr/bin/env bash
# Device call 3 of the thirty-sixth session: the same mma schedules timed in both builds (so the
# tuner's picks do not enter): schedule-timer (float64 check first, median of cold runs), two
# rounds alternating build-before (c34a592) and build-after (978ce88), on five 8-bit layers at
# M = 256 and 1024; the sm_90 SASS instruction count of each cubin; then the bench of w8a16 and
# float16 x int8 (one scale per row) at M = 1024 on the Llama-3-8B set, both builds tuning on
# their own empty caches.
# Usage: OUT=dir bash bench/2026-12-01-h200-v/call-3.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-3
mkdir -p "$O"
start=$SECONDS
BUILD=build-after
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
INT8="A=float16,W=int8,g=-1,zeros=none"
runs=(
  "w8a16 256 8192 8192|mma bm=64 bn=64 bk=64 warps=2x2"
  "w8a16 256 57344 8192|mma bm=128 bn=128 bk=32 warps=2x2"
  "$INT8 256 4096 14336|mma bm=64 bn=64 bk=64 warps=2x2"
  "w8a16-bf16 256 28672 4096|mma bm=128 bn=128 bk=32 warps=2x2"
  "w8a16 1024 8192 8192|mma bm=128 bn=128 bk=32 warps=2x2"
)
for round in 1 2; do
  for BUILD in build-before build-after; do
    . tools/device-env.sh
    for r in "${runs[@]}"; do
      read -r f m n k <<< "${r%%|*}"
      s=${r#*|}
      dir=$O/cubin-$BUILD-$round-$f-$m-$n-$k
      mkdir -p "$dir"
      echo "round $round $BUILD $f $m $n $k: $(CUBIN_DIR=$dir timeout 60 $BUILD/schedule-timer "$f" $m $n $k "$s" 2>&1 | tail -n 1)" >> "$O/timer.txt"
      if [ "$round" = 1 ]; then
        for c in "$dir"/*.cubin; do
          echo "$BUILD $f $m $n $k: $(cuobjdump -sass "$c" | grep -cE '^ +/\*[0-9a-f]+\*/') sm_90 instructions" >> "$O/sass.txt"
        done
      fi
      rm -rf "$dir"
    done
  done
done
echo "timer at $((SECONDS - start)) s" >> "$O/summary.txt"
for BUILD in build-before build-after; do
  . tools/device-env.sh
  BITBLAS_CACHE=$O/$BUILD.db timeout 150 "$BUILD/bitblas-bench" --preset llama-3-8b --m 1024 \
    --formats "w8a16;$INT8" --csv "$O/bench-$BUILD.csv" > "$O/bench-$BUILD.txt" 2>&1
  echo "bench $BUILD rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
done
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-3.tgz call-3)
cat "$O/summary.txt" "$O/timer.txt" "$O/sass.txt"
grep -iE 'geomean' "$O"/bench-*.txt

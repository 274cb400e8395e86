#!/usr/bin/env bash
# Device call 4 of the thirty-fourth session (an experiment): the shared table of pairs with
# scales after the mma ("post=1 pairs=shared"; build-post, a build of d044d44 with the change of
# post-scale-pairs.patch): the table's values enter the mma as they are and each group's float32
# sums are scaled once, instead of one HFMA2 per pair. Each tuned float16 / bfloat16 x NF4 winner
# of call 2 timed with post=0 and post=1 in one process (schedule timer: float64 check first,
# then the median of 50 runs that do not find the weights in L2), 2 rounds, plus a few other
# shapes with post=1.
# Usage: OUT=dir bash bench/2026-12-01-h200-t/call-4.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-4
mkdir -p "$O"
BUILD=build-post
. tools/device-env.sh
device_record "$O/device.txt" > "$O/summary.txt"
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=$5 stages=2 order=2 pairs=shared"; }
both() { # FORMAT M N K warps n_tiles m_tiles unroll
  local f=$1 m=$2 n=$3 k=$4
  shift 4
  "$BUILD/schedule-timer" "$f" "$m" "$n" "$k" "$(s "$@" 0)" "$(s "$@" 1)"
}
{
  for round in 1 2; do
    echo "round $round"
    both nf4 1 57344 8192 8 2 1 1
    both nf4 1 8192 28672 16 1 1 1
    both nf4 1 4096 4096 16 1 1 1
    both nf4 1 28672 4096 8 2 1 1
    both nf4 16 57344 8192 4 3 2 1
    both nf4 16 8192 8192 8 2 2 1
    both nf4-bf16 1 57344 8192 8 2 1 1
    both nf4-bf16 16 57344 8192 4 3 2 1
  done
  echo "other shapes, post=1"
  "$BUILD/schedule-timer" nf4 1 57344 8192 "$(s 16 1 1 1 1)" "$(s 8 1 1 2 1)" "$(s 16 2 1 1 1)"
  "$BUILD/schedule-timer" nf4 16 57344 8192 "$(s 8 2 2 1 1)" "$(s 4 2 2 2 1)" "$(s 8 1 2 2 1)"
} > "$O/timer.txt" 2>&1
(cd "$OUT" && tar czf call-4.tgz call-4)
cat "$O/summary.txt"
sed 's/ min_blocks=- prefix=- | tcgemv / /; s/ min_blocks=- | tcgemv / /; s/ words=4//; s/ stages=2 order=2 pairs=shared//' "$O/timer.txt"

#!/usr/bin/env bash
# Device call 5 of the thirty-third session (an experiment): NF4 pairs 2 and 3 of each word looked
# up in registers (PRMT) instead of the shared table (BB_TABLE_LOOKUPS 2), to move work from the
# L1 pipe (77 % busy with four table loads per word, call 2) to the ALU pipe (47 %). Tuned
# float16 x NF4 winners of call 3 (traded order) timed with BB_TABLE_LOOKUPS 4 (as landed) and 2,
# in one process each (schedule timer, build-exp: a build of the tree with table-lookups.patch
# applied, which adds BB_TABLE_LOOKUPS to kernel_src/tcgemv.cu; not landed).
# Usage: OUT=dir bash bench/2026-12-01-h200-s/call-5.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-5
mkdir -p "$O"
BUILD=build-exp
. tools/device-env.sh
T=$BUILD/schedule-timer
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=0 stages=2 order=2 pairs=shared"; }
run() { # M N K schedule
  for round in 1 2; do
    for lookups in 4 2; do
      PREFIX="#define BB_TABLE_LOOKUPS $lookups" timeout 30 "$T" nf4 "$1" "$2" "$3" "$4" 2>&1 | sed "s/^/round $round: /"
    done
  done
}
{
  run 1 57344 8192 "$(s 8 2 1 1)"
  run 1 8192 28672 "$(s 16 1 1 1)"
  run 16 57344 8192 "$(s 4 3 2 1)"
  run 16 8192 8192 "$(s 8 2 2 1)"
} > "$O/lookups.txt" 2>&1
sed 's/ min_blocks=- prefix=#define//; s/tcgemv //' "$O/lookups.txt"

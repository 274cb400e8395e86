#!/usr/bin/env bash
# Device call 2 of the twenty-eighth session: where the time of given sums goes (split-timer.c),
# on the 4-bit winners of call 1 at M = 1 and 16 and one 2-bit one.
# Usage: OUT=dir bash bench/2026-11-30-h200-n/call-2.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-2
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt"
export BITBLAS_CACHE=$O/cache.db
T=build-gpu/split-timer
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=1 words=4 post=1 stages=2 order=2"; }
{
  $T w4a16 16 57344 8192 "$(s 4 3 2)" 3
  $T w4a16 1 57344 8192 "$(s 8 2 1)" 3
  $T w4a16 16 8192 8192 "$(s 8 2 2)" 3
  $T w4a16 1 8192 8192 "$(s 8 2 1)" 3
  $T w4a16 1 4096 4096 "$(s 16 1 1)" 3
  $T w2a16 16 57344 8192 "$(s 4 3 2)" 3
} > "$O/split.txt" 2>&1
echo "split done at $((SECONDS - start)) s"
cat "$O/split.txt"
tar czf "$OUT/call-2.tgz" -C "$OUT" call-2

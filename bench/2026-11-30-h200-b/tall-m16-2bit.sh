#!/usr/bin/env bash
# Blocks of 64 rows for 2-bit codes at M = 16 (not offered from M = 9): the tuned winner (call-1
# candidates) and 64-row variants, by schedule-timer, the winner first and last, 1 round.
set -u
cd "$(dirname "$0")/../.."
T=build-gpu/schedule-timer
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=2 unroll=$3 words=4 post=$4 stages=2 order=2"; }
run() { $T w2a16 16 "$1" "$2" "$3" "$(s 4 4 1 1)" "$(s 8 4 1 1)" "$(s 4 4 1 0)" "$(s 8 4 1 0)" "$3"; }
{
  run 57344 8192 "$(s 4 2 2 0)"
  run 8192 28672 "$(s 8 2 1 0)"
  run 28672 4096 "$(s 4 2 2 0)"
  run 8192 8192 "$(s 8 2 1 0)"
} > "$OUT/tall-m16-2bit.txt" 2>&1
awk '{for(i=1;i<=NF;i++) if($i=="us") t=$(i-1); split($0,a,"|"); sub(/ +ok.*/,"",a[2]); print $3,$4, t, a[2]}' "$OUT/tall-m16-2bit.txt"

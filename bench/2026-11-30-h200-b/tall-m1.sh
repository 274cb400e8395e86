#!/usr/bin/env bash
# Blocks of 48 and 64 rows at M = 1 (not in the M = 1-4 candidate lists): each layer's tuned
# winner (call-1 candidates) and tall variants, timed by schedule-timer in one process per layer
# and round (the winner first and last), 2 rounds. Output: $OUT/tall-m1.txt.
set -u
cd "$(dirname "$0")/../.."
T=build-gpu/schedule-timer
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=1 unroll=$3 words=4 post=$4 stages=2 order=2"; }
run() { # format N K winner...
  local f=$1 n=$2 k=$3 w=$4
  $T "$f" 1 "$n" "$k" "$w" "$(s 8 3 1 1)" "$(s 4 3 2 1)" "$(s 16 3 1 1)" "$(s 8 4 1 1)" \
    "$(s 4 4 1 1)" "$(s 8 4 1 0)" "$(s 8 3 1 0)" "$w"
}
for round in 1 2; do
  run w1a16 57344 8192 "$(s 16 2 1 1)"
  run w1a16 28672 4096 "$(s 8 2 2 1)"
  run w1a16 8192 28672 "$(s 8 2 1 1)"
  run w1a16 10240 8192 "$(s 8 2 1 1)"
  run w2a16 57344 8192 "$(s 8 2 2 1)"
  run w2a16 8192 28672 "$(s 8 2 1 1)"
  run w4a16 57344 8192 "$(s 4 2 2 1)"
  run w4a16 8192 28672 "$(s 8 2 1 1)"
done > "$OUT/tall-m1.txt" 2>&1
awk '{for(i=1;i<=NF;i++) if($i=="us") t=$(i-1); split($0,a,"|"); sub(/ +ok.*/,"",a[2]); print $1,$3,$4, t, a[2]}' "$OUT/tall-m1.txt"

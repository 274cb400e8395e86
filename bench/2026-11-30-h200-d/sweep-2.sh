#!/usr/bin/env bash
# Device call 2 of the eighteenth session: blocks of 2 warps (not in the candidate lists) against
# the tuned winners of the seventeenth session's call 4, by schedule-timer, 2 rounds: 1-, 2- and
# 4-bit codes at M = 16, and 4-bit codes at M = 4 and 8, on layers of large N.
# Usage: OUT=dir bash bench/2026-11-30-h200-d/sweep-2.sh
set -u
cd "$(dirname "$0")/../.."
T=build-gpu/schedule-timer
O=$OUT/call-2
mkdir -p "$O"
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=$5 stages=${6:-2} order=2"; }
two_warps16="$(s 2 3 2 1 1) $(s 2 3 2 1 0) $(s 2 2 2 2 0) $(s 2 2 2 1 1 3) $(s 2 4 2 1 1)"
start=$SECONDS
for round in 1 2; do
  for shape in "57344 8192" "28672 4096" "43008 14336" "14336 14336"; do
    $T w4a16 16 $shape "$(s 4 3 2 1 1)" "$(s 4 2 2 2 0)" "$(s 8 2 2 1 1)" "$(s 2 3 2 1 1)" \
      "$(s 2 3 2 1 0)" "$(s 2 2 2 2 0)" "$(s 2 2 2 1 1 3)" "$(s 2 3 2 1 1 3)" >> "$O/w4-m16.txt" 2>&1
    $T w2a16 16 $shape "$(s 4 3 2 1 1)" "$(s 4 2 2 2 0)" "$(s 8 2 2 1 1)" "$(s 2 3 2 1 1)" \
      "$(s 2 3 2 1 0)" "$(s 2 2 2 2 0)" "$(s 2 4 2 1 1)" >> "$O/w2-m16.txt" 2>&1
    $T w1a16 16 $shape "$(s 4 4 2 1 1)" "$(s 8 4 2 1 1)" "$(s 2 4 2 1 1)" "$(s 2 3 2 1 1)" \
      >> "$O/w1-m16.txt" 2>&1
  done
  for m in 4 8; do
    for shape in "57344 8192" "28672 4096"; do
      $T w4a16 $m $shape "$(s 8 2 1 1 1)" "$(s 8 3 1 1 1)" "$(s 8 4 1 1 0)" "$(s 2 2 1 1 1)" \
        "$(s 2 3 1 1 1)" "$(s 2 2 1 2 1)" "$(s 2 4 1 1 0)" >> "$O/w4-m$m.txt" 2>&1
    done
  done
  echo "round $round done at $((SECONDS - start)) s"
done
summary() { # file: per schedule, the times of both rounds
  awk '{for(i=1;i<=NF;i++) if($i=="us") t=$(i-1); split($0,a,"|"); sub(/ +(ok|bad|fail).*/,"",a[2]); k=$1" "$2" "$3"x"$4" |"a[2]; v[k]=v[k]" "t; if(!(k in o)){o[k]=++n; ks[n]=k}} END{for(i=1;i<=n;i++) print ks[i], v[ks[i]]}' "$1"
}
for f in w4-m16 w2-m16 w1-m16 w4-m4 w4-m8; do echo "== $f"; summary "$O/$f.txt"; done > "$OUT/call-2.txt"
grep -hv ' ok ' "$O"/*.txt | head -n 20 >> "$OUT/call-2.txt"
(cd "$OUT" && tar czf call-2.tgz call-2 && rm -rf call-2)
cat "$OUT/call-2.txt"

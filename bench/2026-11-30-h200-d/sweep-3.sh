#!/usr/bin/env bash
# Device call 8 of the eighteenth session: blocks of 2 warps for 1- and 2-bit codes at M = 1, 4
# and 8 where K is short (4096) and N large, against the tuned winners of call 3, 2 rounds.
set -u
cd "$(dirname "$0")/../.."
T=build-gpu/schedule-timer
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=1 unroll=$3 words=4 post=1 stages=${4:-2} order=2"; }
for round in 1 2; do
  for m in 1 4 8; do
    $T w1a16 $m 28672 4096 "$(s 4 2 2)" "$(s 4 4 1)" "$(s 8 3 1)" "$(s 2 2 2)" "$(s 2 3 1)" "$(s 2 4 1)" "$(s 2 2 1 3)"
    $T w2a16 $m 28672 4096 "$(s 8 2 1 3)" "$(s 8 2 1)" "$(s 8 2 2)" "$(s 2 2 2)" "$(s 2 3 1)" "$(s 2 2 1 3)"
  done
done > "$OUT/sweep-3.txt" 2>&1
awk '{for(i=1;i<=NF;i++) if($i=="us") t=$(i-1); split($0,a,"|"); sub(/ +(ok|bad|fail).*/,"",a[2]); k=$1" "$2" "$3"x"$4" |"a[2]; v[k]=v[k]" "t; if(!(k in o)){o[k]=++n; ks[n]=k}} END{for(i=1;i<=n;i++) print ks[i], v[ks[i]]}' "$OUT/sweep-3.txt"

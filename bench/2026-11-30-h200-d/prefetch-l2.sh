#!/usr/bin/env bash
# Device call 9 of the eighteenth session: each lane quad's leader asks L2 for its rows' codes
# BB_PREFETCH_STAGES stages beyond the last stage loaded, against none, on tuned winners; 2
# rounds, order alternating. Needs prefetch-l2.patch applied to kernel_src/tcgemv.cu (and the
# library and schedule-timer rebuilt); the define comes through schedule-timer's PREFIX.
set -u
cd "$(dirname "$0")/../.."
T=build-gpu/schedule-timer
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=$5 stages=2 order=2"; }
cases=("w4a16 16 57344 8192|$(s 4 3 2 1 1)" "w4a16 16 8192 28672|$(s 8 2 2 1 1)"
  "w4a16 16 28672 4096|$(s 2 3 2 1 1)" "w4a16 1 57344 8192|$(s 8 2 1 1 1)"
  "w4a16 1 8192 28672|$(s 8 2 1 2 1)" "w1a16 16 57344 8192|$(s 4 4 2 1 1)")
for round in 1 2; do
  if [ $round = 1 ]; then order="0 1 3"; else order="3 1 0"; fi
  for c in "${cases[@]}"; do
    args=${c%%|*}; sched=${c#*|}
    for p in $order; do
      if [ $p = 0 ]; then $T $args "$sched"; else PREFIX="#define BB_PREFETCH_STAGES $p" $T $args "$sched"; fi
    done
  done
done > "$OUT/prefetch-l2.txt" 2>&1
awk '{for(i=1;i<=NF;i++) if($i=="us") t=$(i-1); split($0,a,"|"); p="P=0"; if (match($0,/STAGES [0-9]/)) p="P=" substr($0,RSTART+7,1); sub(/ +(ok|bad|fail).*/,"",a[2]); k=$1" "$2" "$3"x"$4" "p" |"a[2]; v[k]=v[k]" "t; if(!(k in o)){o[k]=++n; ks[n]=k}} END{for(i=1;i<=n;i++) print ks[i], v[ks[i]]}' "$OUT/prefetch-l2.txt" | sort
grep -v " ok " "$OUT/prefetch-l2.txt" | head -5

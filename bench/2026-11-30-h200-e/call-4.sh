#!/usr/bin/env bash
# Device call 4 of the nineteenth session: the tiled mma family with each thread's copy
# addresses computed once (kernel_src/mma.cu). The GPU suites and compute-sanitizer on
# build-gpu; mma tile shapes timed by schedule-timer (each checked against the float64 reference
# first) at M = 32-256, two W depths on two layers; then bitblas-bench at M = 32-256 (w4a16,
# Llama-3 sets) with build-base (4fb00a3) and build-gpu, each tuning on its own empty cache.
# Usage: OUT=dir bash bench/2026-11-30-h200-e/call-4.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-4
mkdir -p "$O"
start=$SECONDS
for b in build-gpu build-base; do
  configured=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' $b/CMakeCache.txt)
  if [ -n "$configured" ] && [ ! -e "$configured" ]; then mkdir -p "$(dirname "$configured")" && ln -s "$PWD" "$configured"; fi
done
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker
T=build-gpu/schedule-timer
m() { echo "mma bm=$1 bn=$2 bk=$3 warps=$4x$5"; }
shapes_all="$(m 16 64 64 1 4)|$(m 16 128 32 1 4)|$(m 32 64 64 1 4)|$(m 64 64 32 2 2)|$(m 64 128 32 2 2)|$(m 128 64 32 4 1)|$(m 128 128 32 2 4)|$(m 64 64 64 2 2)|$(m 64 128 32 2 4)|$(m 128 128 32 4 2)|$(m 128 64 32 2 2)|$(m 64 32 64 2 1)|$(m 128 32 32 4 1)|$(m 32 128 32 1 4)|$(m 32 64 64 2 2)|$(m 128 128 32 2 2)|$(m 32 128 64 1 4)|$(m 64 64 32 2 1)|$(m 64 64 64 4 1)|$(m 64 128 32 4 2)"
IFS='|' read -r -a shapes <<< "$shapes_all"
for job in "128 8192 8192" "128 28672 4096" "128 4096 14336" "64 8192 8192" "64 28672 4096" "256 8192 8192" "256 28672 4096" "32 8192 8192" "128 57344 8192" "1024 8192 8192"; do
  [ $((SECONDS - start)) -gt 60 ] && break
  timeout 60 $T w4a16 $job "${shapes[@]}" >> "$O/sweep.txt" 2>&1
done
for v in "#define BB_W_AHEAD 1" "#define BB_W_AHEAD 2"; do
  for job in "128 8192 8192" "128 57344 8192"; do
    [ $((SECONDS - start)) -gt 75 ] && break 2
    PREFIX="$v" timeout 40 $T w4a16 $job "$(m 64 64 64 2 2)" "$(m 128 128 32 2 4)" "$(m 128 64 32 4 1)" >> "$O/depths.txt" 2>&1
  done
done
echo "sweep done at $((SECONDS - start)) s" >> "$O/summary.txt"
OUT=$O/checks BUILD=build-gpu bash tools/gpu-check.sh tests sanitizer > "$O/checks.txt" 2>&1
echo "checks done at $((SECONDS - start)) s" >> "$O/summary.txt"
for b in build-gpu build-base; do
  [ $((SECONDS - start)) -gt 470 ] && break
  BITBLAS_WORKER=$PWD/$b/bitblas-worker BITBLAS_CACHE=$O/ab-$b.db \
    timeout 100 $b/bitblas-bench --preset llama-3-8b,llama-3-70b --m 32,64,128,256 --formats w4a16 \
    --csv "$O/ab-$b.csv" > "$O/ab-$b.txt" 2>&1
  echo "$b rc=$? at $((SECONDS - start)) s: $(grep geomean "$O/ab-$b.txt" | sed 's/  */ /g' | tr '\n' ';')" >> "$O/summary.txt"
done
rm -f "$O"/*.db* "$O"/checks/*.db*
(cd "$OUT" && tar czf call-4.tgz call-4)
grep -v '^\[' "$O/checks.txt" | tail -n 5
awk '{t="-"; for(i=1;i<=NF;i++) if($i=="us") t=$(i-1); split($0,a,"|"); s=a[2]; sub(/ +(ok|bad|fail|wrong|error).*/,"",s); st=($0 ~ / ok /) ? "" : " NOT-OK"; print $2, $3"x"$4, t, "|" s st}' "$O/sweep.txt" | sort -k1,1n -k2,2 -k3,3g | awk '{k=$1" "$2; if (n[k]++ < 3 || / NOT-OK/) print}'
awk '{t="-"; for(i=1;i<=NF;i++) if($i=="us") t=$(i-1); split($0,a,"|"); p=$0; sub(/.*prefix=/,"",p); sub(/ \|.*/,"",p); s=a[2]; sub(/ +(ok|bad|fail|wrong|error).*/,"",s); print $2, $3"x"$4, t, p, "|" s}' "$O/depths.txt"
cat "$O/summary.txt"
rm -rf "$O"

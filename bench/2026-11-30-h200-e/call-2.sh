#!/usr/bin/env bash
# Device call 2 of the nineteenth session: the tiled mma family with W loads 3 steps ahead in
# registers and A in a ring of 2-4 shared tiles (kernel_src/mma.cu). The GPU suites on build-gpu;
# mma tile shapes timed by schedule-timer (each checked against the float64 reference first) at
# M = 32-256, and the two depths overridden on two shapes; then bitblas-bench at M = 32-256
# (w4a16, Llama-3 sets), tuning on an empty cache.
# Usage: OUT=dir bash bench/2026-11-30-h200-e/call-2.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-2
mkdir -p "$O"
start=$SECONDS
configured=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' build-gpu/CMakeCache.txt)
if [ -n "$configured" ] && [ ! -e "$configured" ]; then mkdir -p "$(dirname "$configured")" && ln -s "$PWD" "$configured"; fi
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker
T=build-gpu/schedule-timer
m() { echo "mma bm=$1 bn=$2 bk=$3 warps=$4x$5"; }
shapes_all="$(m 16 64 64 1 4)|$(m 16 128 32 1 4)|$(m 32 64 64 1 4)|$(m 64 64 32 2 2)|$(m 64 128 32 2 2)|$(m 128 64 32 4 1)|$(m 128 128 32 2 4)|$(m 64 64 64 2 2)|$(m 64 128 32 2 4)|$(m 128 128 32 4 2)|$(m 128 64 32 2 2)|$(m 64 32 64 2 1)|$(m 128 32 32 4 1)|$(m 32 128 32 1 4)|$(m 32 64 64 2 2)|$(m 128 128 32 2 2)|$(m 32 128 64 1 4)|$(m 64 64 32 2 1)|$(m 64 64 64 4 1)|$(m 64 128 32 4 2)"
IFS='|' read -r -a shapes <<< "$shapes_all"
for job in "128 8192 8192" "128 28672 4096" "128 4096 14336" "64 8192 8192" "64 28672 4096" "256 8192 8192" "256 28672 4096" "32 8192 8192" "128 57344 8192"; do
  [ $((SECONDS - start)) -gt 200 ] && break
  timeout 60 $T w4a16 $job "${shapes[@]}" >> "$O/sweep.txt" 2>&1
done
echo "sweep done at $((SECONDS - start)) s" >> "$O/summary.txt"
for v in "#define BB_W_AHEAD 2" "#define BB_W_AHEAD 4" "#define BB_W_AHEAD 1" "#define BB_A_STAGES 2"; do
  for job in "128 8192 8192" "128 57344 8192"; do
    [ $((SECONDS - start)) -gt 260 ] && break 2
    PREFIX="$v" timeout 40 $T w4a16 $job "$(m 64 64 64 2 2)" "$(m 128 128 32 2 4)" "$(m 64 64 32 2 2)" >> "$O/depths.txt" 2>&1
  done
done
echo "depths done at $((SECONDS - start)) s" >> "$O/summary.txt"
OUT=$O/checks BUILD=build-gpu bash tools/gpu-check.sh tests > "$O/checks.txt" 2>&1
echo "checks done at $((SECONDS - start)) s" >> "$O/summary.txt"
BITBLAS_CACHE=$O/ab.db timeout 120 build-gpu/bitblas-bench --preset llama-3-8b,llama-3-70b --m 32,64,128,256 --formats w4a16 \
  --csv "$O/ab-build-gpu.csv" > "$O/ab-build-gpu.txt" 2>&1
echo "bench rc=$? at $((SECONDS - start)) s: $(grep geomean "$O/ab-build-gpu.txt" | sed 's/  */ /g' | tr '\n' ';')" >> "$O/summary.txt"
rm -f "$O"/*.db* "$O"/checks/*.db*
(cd "$OUT" && tar czf call-2.tgz call-2)
grep -v '^\[' "$O/checks.txt" | tail -n 4
awk '{t="-"; for(i=1;i<=NF;i++) if($i=="us") t=$(i-1); split($0,a,"|"); s=a[2]; sub(/ +(ok|bad|fail|wrong|error).*/,"",s); st=($0 ~ / ok /) ? "" : " NOT-OK"; print $2, $3"x"$4, t, "|" s st}' "$O/sweep.txt" | sort -k1,1n -k2,2 -k3,3g | awk '{k=$1" "$2; if (n[k]++ < 4 || / NOT-OK/) print}'
awk '{t="-"; for(i=1;i<=NF;i++) if($i=="us") t=$(i-1); split($0,a,"|"); p=$0; sub(/.*prefix=/,"",p); sub(/ \|.*/,"",p); s=a[2]; sub(/ +(ok|bad|fail|wrong|error).*/,"",s); print $2, $3"x"$4, t, p, "|" s}' "$O/depths.txt"
cat "$O/summary.txt"
rm -rf "$O"

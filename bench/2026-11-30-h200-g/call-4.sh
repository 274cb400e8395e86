#!/usr/bin/env bash
# Device call 4 of the twenty-first session: the tiled mma family with int8 activations.
# 1. The schedule timer checks int8 mma tiles against the reference and times them (w2a8, M = 256
#    and 1024), and racecheck runs two of them.
# 2. bitblas-bench, w2a8 on the Llama-3 sets at M = 64, 256, 1024 and 8192, tuned on an empty
#    cache (call 3 measured the same with build-gpu before the change).
# 3. A/B of the float16 mma kernels, whose source changed to bytes for the shared tiles: w4a16 on
#    the Llama-3 sets at M = 128 and 256, build-base (HEAD before the change) and build-gpu, each
#    tuning on its own empty cache.
# Usage: OUT=dir bash bench/2026-11-30-h200-g/call-4.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-4
mkdir -p "$O"
start=$SECONDS
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv > "$O/device.txt" 2>&1
echo "device: $(tail -n 1 "$O/device.txt") at $(date -u +%H:%MZ)" >> "$O/summary.txt"
T=build-gpu/schedule-timer
tiles=("mma bm=16 bn=64 bk=128 warps=1x4" "mma bm=64 bn=64 bk=128 warps=2x2"
       "mma bm=128 bn=64 bk=64 warps=4x1" "mma bm=128 bn=128 bk=64 warps=2x2"
       "mma bm=128 bn=128 bk=64 warps=2x4" "tcgemv_int8 warps=8 n_tiles=1 m_tiles=4 unroll=2 words=2 stages=2")
for shape in "256 8192 8192" "1024 8192 8192" "1024 28672 4096" "1000 1003 2880"; do
  timeout 90 $T w2a8 $shape "${tiles[@]}" >> "$O/timer.txt" 2>&1
  echo "timer w2a8 $shape rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
done
timeout 120 compute-sanitizer --tool racecheck --error-exitcode 99 $T w2a8 200 1003 2880 \
  "mma bm=64 bn=64 bk=128 warps=2x2" "mma bm=128 bn=128 bk=64 warps=2x4" > "$O/racecheck-timer.txt" 2>&1
echo "racecheck timer rc=$? at $((SECONDS - start)) s: $(grep -E 'RACECHECK SUMMARY' "$O/racecheck-timer.txt" | tr '\n' ' ')" >> "$O/summary.txt"
BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker BITBLAS_CACHE=$O/w2a8.db timeout 240 \
  build-gpu/bitblas-bench --preset llama-3-8b,llama-3-70b --m 64,256,1024,8192 --formats w2a8 \
  --runs 50 --csv "$O/w2a8.csv" > "$O/w2a8.txt" 2>&1
echo "w2a8 rc=$? at $((SECONDS - start)) s: $(grep geomean "$O/w2a8.txt" | sed 's/  */ /g' | tr '\n' ';')" >> "$O/summary.txt"
python3 - "$O/w2a8.db" > "$O/w2a8-winners.txt" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for row in db.execute("select M, N, K, kernel_us, candidates_tried, schedule from kernels order by M, N, K"):
    print(*row, sep="|")
PY
for build in build-base build-gpu; do
  left=$((570 - (SECONDS - start)))
  [ $left -lt 60 ] && break
  BITBLAS_WORKER=$PWD/$build/bitblas-worker BITBLAS_CACHE=$O/ab-$build.db timeout $left \
    $build/bitblas-bench --preset llama-3-8b,llama-3-70b --m 128,256 --formats w4a16 \
    --csv "$O/ab-$build.csv" > "$O/ab-$build.txt" 2>&1
  echo "ab $build rc=$? at $((SECONDS - start)) s: $(grep geomean "$O/ab-$build.txt" | sed 's/  */ /g' | tr '\n' ';')" >> "$O/summary.txt"
done
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-4.tgz call-4)
cat "$O/summary.txt"
grep -h " us " "$O"/timer.txt | sed 's/  */ /g' | cut -c1-200
rm -rf "$O"

#!/usr/bin/env bash
# Device call 3 of the twenty-first session: where int8 x int2 (w2a8) stands at large M, which
# SPEC section 5 sets a target for (M = 8192: >= 1.7x cuBLAS float16) and no earlier run
# measured. bitblas-bench on the Llama-3 sets at M = 64, 256, 1024 and 8192, 50 runs, tuned on
# an empty cache; float16 x uint4 (w4a16) at M = 8192 beside it.
# Usage: OUT=dir bash bench/2026-11-30-h200-g/call-3.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-3
mkdir -p "$O"
start=$SECONDS
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv > "$O/device.txt" 2>&1
echo "device: $(tail -n 1 "$O/device.txt") at $(date -u +%H:%MZ)" >> "$O/summary.txt"
BITBLAS_CACHE=$O/bench.db timeout 330 build-gpu/bitblas-bench --preset llama-3-8b,llama-3-70b \
  --m 64,256,1024,8192 --formats w2a8 --runs 50 --csv "$O/w2a8.csv" > "$O/w2a8.txt" 2>&1
echo "w2a8 rc=$? at $((SECONDS - start)) s: $(grep geomean "$O/w2a8.txt" | sed 's/  */ /g' | tr '\n' ';')" >> "$O/summary.txt"
BITBLAS_CACHE=$O/bench.db timeout 200 build-gpu/bitblas-bench --preset llama-3-8b,llama-3-70b \
  --m 8192 --formats w4a16 --runs 50 --csv "$O/w4a16.csv" > "$O/w4a16.txt" 2>&1
echo "w4a16 rc=$? at $((SECONDS - start)) s: $(grep geomean "$O/w4a16.txt" | sed 's/  */ /g' | tr '\n' ';')" >> "$O/summary.txt"
python3 - "$O/bench.db" > "$O/winners.txt" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for row in db.execute("select A_dtype, W_dtype, M, N, K, kernel_us, candidates_tried, schedule from kernels order by A_dtype, M, N, K"):
    print(*row, sep="|")
PY
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-3.tgz call-3)
cat "$O/summary.txt"
rm -rf "$O"

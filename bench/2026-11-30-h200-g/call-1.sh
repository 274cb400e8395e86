#!/usr/bin/env bash
# Device call 1 of the twenty-first session: M = 16 as two blocks of 8 rows of A over the same
# rows of W, neighbours in launch order (BB_M_MAJOR in kernel_src/tcgemv.cu), so that the second
# block's codes come from L2. bitblas-bench tunes the Llama-3 sets (w4a16, M = 1, 8, 16) on an
# empty cache; then, per layer at M = 16, the schedule timer times the tuned M = 16 winner as it
# is, and blocks of one m tile (M = 8's shapes) with BB_M_MAJOR=1, two rounds. BB_M_MAJOR is
# m-major.patch beside this script (not kept in the tree): apply it and rebuild first.
# Usage: OUT=dir bash bench/2026-11-30-h200-g/call-1.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-1
mkdir -p "$O"
start=$SECONDS
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv > "$O/device.txt" 2>&1
echo "device: $(tail -n 1 "$O/device.txt") at $(date -u +%H:%MZ)" >> "$O/summary.txt"
BITBLAS_CACHE=$O/bench.db timeout 150 build-gpu/bitblas-bench --preset llama-3-8b,llama-3-70b \
  --m 1,8,16 --formats w4a16 --csv "$O/bench.csv" > "$O/bench.txt" 2>&1
echo "bench rc=$? at $((SECONDS - start)) s: $(grep geomean "$O/bench.txt" | sed 's/  */ /g' | tr '\n' ';')" >> "$O/summary.txt"
python3 - "$O/bench.db" > "$O/winners.txt" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for m, n, k, s, us in db.execute("select M, N, K, schedule, kernel_us from kernels where W_dtype='uint4' order by N, K, M"):
    print(m, n, k, us, s, sep="|")
PY
T=build-gpu/schedule-timer
for round in 1 2; do
  for layer in 6144,4096 4096,4096 28672,4096 4096,14336 10240,8192 8192,8192 57344,8192 8192,28672; do
    n=${layer%,*}; k=${layer#*,}
    w16=$(awk -F'|' -v n=$n -v k=$k '$1==16 && $2==n && $3==k {print $5}' "$O/winners.txt")
    w8=$(awk -F'|' -v n=$n -v k=$k '$1==8 && $2==n && $3==k {print $5}' "$O/winners.txt")
    [ -n "$w16" ] && [ -n "$w8" ] || { echo "no winners for $layer" >> "$O/summary.txt"; continue; }
    # M = 8's shapes: its winner, and the first shapes of its list, with the winner's words,
    # scaling place and order
    base=${w8#* n_tiles=*m_tiles=1 unroll=* }  # "words=.. post=.. stages=.. order=.."
    rest=${base#* stages=* }
    head=${base%% stages=*}
    variants=("$w8")
    for shape in "16 1 1" "8 1 2" "8 2 1" "16 2 1" "8 3 1"; do
      set -- $shape
      variants+=("tcgemv warps=$1 n_tiles=$2 m_tiles=1 unroll=$3 $head stages=2 $rest")
    done
    timeout 60 $T w4a16 16 $n $k "$w16" >> "$O/timer-$round.txt" 2>&1
    PREFIX="#define BB_M_MAJOR 1" timeout 120 $T w4a16 16 $n $k "${variants[@]}" >> "$O/timer-$round.txt" 2>&1
    echo "round $round $layer done at $((SECONDS - start)) s" >> "$O/summary.txt"
    [ $((SECONDS - start)) -gt 500 ] && break 2
  done
done
# The same schedules without BB_M_MAJOR on one layer: the second m tile's blocks run after the
# first's, and read W from DRAM again.
timeout 60 $T w4a16 16 8192 8192 "$w8" >> "$O/timer-ymajor.txt" 2>&1
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-1.tgz call-1)
cat "$O/summary.txt"
grep -h " us " "$O"/timer-*.txt | sed 's/  */ /g' | cut -c1-220
rm -rf "$O"

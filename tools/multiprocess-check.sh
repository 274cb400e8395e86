#!/usr/bin/env bash
# multiprocess-check.sh - several processes asking for the same untuned shapes at once must
# share one tuning per shape (one claims, the others wait and load its row), and a tuner killed
# with SIGKILL mid-way must leave a cache that passes integrity_check and a claim that the next
# process takes over. Needs a GPU; spreads processes over every visible GPU.
#
#   tools/multiprocess-check.sh [build-dir]        (N=8 processes by default; set N=...)
set -u
BUILD=${1:-build}
N=${N:-8}
GPUS=$(nvidia-smi -L 2>/dev/null | wc -l)
[ "$GPUS" -ge 1 ] || { echo "no GPU"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BITBLAS_WORKER=$PWD/$BUILD/bitblas-worker
tune=("$BUILD/bitblas-tune" --preset llama-3-8b --m 1,16 --formats w4a16)

sql() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print("\n".join("|".join(map(str,r)) for r in c.execute(sys.argv[2])))' "$@"; }
now() { date +%s%N; }
elapsed() { echo "$((($(now) - $1) / 1000000))"; } # milliseconds since a now

echo "GPUs: $GPUS, processes: $N, shapes: llama-3-8b x M {1,16}, w4a16"

start=$(now)
BITBLAS_CACHE=$work/one.db "${tune[@]}" >"$work/one.log" 2>&1 || { echo "single process failed"; cat "$work/one.log"; exit 1; }
one=$(elapsed "$start")
echo "one process, empty cache: ${one} ms, rows: $(sql "$work/one.db" 'select count(*) from kernels')"

start=$(now)
pids=()
for i in $(seq 0 $((N - 1))); do
  CUDA_VISIBLE_DEVICES=$((i % GPUS)) BITBLAS_CACHE=$work/many.db "${tune[@]}" >"$work/many-$i.log" 2>&1 &
  pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
many=$(elapsed "$start")
rows=$(sql "$work/many.db" 'select count(*) from kernels')
echo "$N processes at once, empty cache: ${many} ms (one process: ${one} ms), failed: $failed, rows: $rows"
echo "ratio to one process: $((100 * many / one))%"
echo "integrity: $(sql "$work/many.db" 'pragma integrity_check')"
echo "claims left: $(sql "$work/many.db" 'select count(*) from claims')"
echo "what each process did (its summary line):"
for i in $(seq 0 $((N - 1))); do
  echo "  process $i: $(grep -E 'operators?:' "$work/many-$i.log" | tail -n 1)"
done

echo "--- kill test: SIGKILL a tuner mid-way, then run again"
BITBLAS_CACHE=$work/kill.db "${tune[@]}" >"$work/kill-1.log" 2>&1 &
victim=$!
sleep 2.5
kill -9 "$victim"
wait "$victim" 2>/dev/null
echo "after the kill: rows $(sql "$work/kill.db" 'select count(*) from kernels'), claims $(sql "$work/kill.db" 'select count(*) from claims'), integrity $(sql "$work/kill.db" 'pragma integrity_check')"
start=$(now)
BITBLAS_CACHE=$work/kill.db "${tune[@]}" >"$work/kill-2.log" 2>&1
rc=$?
echo "next process: rc=$rc in $(elapsed "$start") ms, rows $(sql "$work/kill.db" 'select count(*) from kernels'), claims $(sql "$work/kill.db" 'select count(*) from claims'), integrity $(sql "$work/kill.db" 'pragma integrity_check')"
[ "$failed" -eq 0 ] && [ "$rc" -eq 0 ]

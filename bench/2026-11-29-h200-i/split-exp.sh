#!/usr/bin/env bash
# Split blocks (thread-block clusters along K) against the tuned winners of the last four-set
# bench (2026-11-29-h200-h/bench.csv): each winner, with split=2 and 4, and with its warps
# divided among the cluster's blocks. One process per shape, so that a fault loses one line.
#   OUT=... BUILD=build-gpu bash bench/2026-11-29-h200-i/split-exp.sh
set -u
cd "$(dirname "$0")/../.."
T=$BUILD/split-timer
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=$5 stages=$6 order=${7:-2}"; }
while read -r fmt m n k w nt mt u p st order; do
  timeout 60 "$T" "$fmt" "$m" "$n" "$k" "$(s "$w" "$nt" "$mt" "$u" "$p" "$st" "$order")" || echo "rc=$? for $fmt $m $n $k"
done <<'LIST'
w4a16 1 14336 57344 8 2 1 1 1 2
w4a16 1 9216 36864 4 1 1 2 1 2
w4a16 1 14336 14336 8 2 1 1 1 3
w4a16 1 28672 8192 8 2 1 1 1 3
w4a16 1 4096 14336 16 1 1 1 0 2
w4a16 1 8192 28672 8 2 1 1 1 2
w4a16 1 57344 8192 8 2 1 1 1 3
w4a16 1 4096 4096 16 1 1 1 0 2
w4a16 1 6144 4096 16 1 1 1 0 2
w4a16 1 28672 4096 8 1 1 2 0 2
w4a16 1 8192 8192 8 2 1 1 1 3
w4a16 1 10240 8192 4 1 1 2 1 2
w4a16 1 1 4096 16 1 1 1 1 2
w4a16 1 1000 1024 8 1 1 2 1 2
w4a16 16 57344 8192 4 2 2 2 0 2
w4a16 16 8192 28672 8 2 2 1 0 2
w4a16 16 4096 14336 16 1 2 1 0 2
w2a16 1 8192 28672 8 2 1 1 1 3
w2a16 1 4096 14336 16 2 1 1 1 2
w4a16 17 7392 3584 8 1 4 2 1 2 0
LIST
echo "--- memcheck and racecheck, split schedules of an awkward shape (M = 17, N = 1000)"
ROUNDS=1 timeout 120 compute-sanitizer --tool memcheck --error-exitcode 99 "$T" w4a16 17 1000 1024 \
  "$(s 8 1 4 2 1 2 0)" 2>&1 | tail -n 8
echo "memcheck rc=${PIPESTATUS[0]}"
ROUNDS=1 timeout 120 compute-sanitizer --tool racecheck --error-exitcode 99 "$T" w4a16 1 1000 1024 \
  "$(s 8 1 1 2 1 2)" 2>&1 | tail -n 8
echo "racecheck rc=${PIPESTATUS[0]}"

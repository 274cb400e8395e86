#!/usr/bin/env bash
# Device call 3 of the twenty-ninth session. (1) The back-to-back test (check_gpu_op) with op1's
# rows made long, on this tree and on build-mutant (no wait in the kernels: must fail).
# (2) schedule-timer (bench/2026-11-30-h200-c/schedule-timer.c, built against each tree): the
# same schedules on five builds, three rounds, the builds in turn each round, to find what made
# small layers slower in calls 1 and 2:
#   base       1f71dc0: no wait, no trigger, ordinary launches;
#   tree-dl0   this tree with BITBLAS_DEPENDENT_LAUNCH=0: wait and trigger, ordinary launches;
#   tree       this tree: wait and trigger, programmatic launches;
#   mutant     trigger, no wait, programmatic launches (no-wait.patch);
#   notrigger  wait, no trigger, programmatic launches (no-trigger.patch).
# build-variants/*/ hold the binaries of those builds (the test, the worker, schedule-timer).
# (Calls 1-6 ran an earlier form of the tree in which dependent runs were always on; its kernels
# and launches are the final tree's with BITBLAS_DEPENDENT_LAUNCH=1. There "=0" meant the same
# kernels launched the ordinary way. bench/RESULTS.md, twenty-ninth section.)
# Usage: OUT=dir bash bench/2026-11-30-h200-o/call-3.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-3
mkdir -p "$O/tmp-tree" "$O/tmp-mutant"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
TMPDIR=$O/tmp-tree timeout 150 build-gpu/tests/check_gpu_op > "$O/op-tree.txt" 2>&1
echo "tree check_gpu_op rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
BITBLAS_WORKER=$PWD/build-variants/mutant/bitblas-worker TMPDIR=$O/tmp-mutant timeout 150 \
  build-variants/mutant/tests/check_gpu_op > "$O/op-mutant.txt" 2>&1
echo "mutant check_gpu_op rc=$? (must fail) at $((SECONDS - start)) s" >> "$O/summary.txt"
S61="tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2"
S62="tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2"
S4="tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2"
S16="tcgemv warps=16 n_tiles=1 m_tiles=2 unroll=1 words=4 post=0 stages=2 order=2"
time_all() { # $1 label, $2 build, rest: env
  local label=$1 build=$2
  shift 2
  {
    env "$@" timeout 60 $build/schedule-timer w4a16 1 6144 4096 "$S61" "$S62"
    env "$@" timeout 60 $build/schedule-timer w4a16 1 4096 4096 "$S4"
    env "$@" timeout 60 $build/schedule-timer w4a16 1 8192 8192 "$S62"
    env "$@" timeout 60 $build/schedule-timer w4a16 16 4096 4096 "$S16"
    env "$@" timeout 60 $build/schedule-timer w4a16 1 57344 8192 "$S62"
  } 2>&1 | sed "s/^/$label /" >> "$O/timer.txt"
}
for round in 1 2 3; do
  time_all base build-base BITBLAS_WORKER=$PWD/build-base/bitblas-worker
  time_all tree-dl0 build-gpu BITBLAS_DEPENDENT_LAUNCH=0
  time_all tree build-gpu BITBLAS_DEPENDENT_LAUNCH=1
  time_all mutant build-variants/mutant BITBLAS_DEPENDENT_LAUNCH=1
  time_all notrigger build-variants/notrigger BITBLAS_DEPENDENT_LAUNCH=1
  echo "round $round at $((SECONDS - start)) s" >> "$O/summary.txt"
done
find "$O" -name '*.db*' -delete
(cd "$OUT" && tar czf call-3.tgz call-3)
cat "$O/summary.txt"
grep -E "^[0-9]+%|back_to_back|round [0-9], op" "$O"/op-*.txt | head -8
awk '{split($0,a,"|"); split(a[1],h," "); n=split(a[2],t," "); print h[1], h[3], h[4], h[5], substr(a[2],1,50), t[n-2]}' "$O/timer.txt" | sort | awk '{k=$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8; v[k]=v[k]" "$NF} END {for (k in v) print k, v[k]}' | sort -k2,2 -k3,3 -k4,4 -k1,1

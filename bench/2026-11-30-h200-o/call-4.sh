#!/usr/bin/env bash
# Device call 4 of the twenty-ninth session. (1) check_gpu_op of build-mutant (kernels that do
# not wait), its own worker beside it this time (call 3's run of it had none and proved
# nothing): the back-to-back test must fail. (2) Where the wait and the trigger sit in the tcgemv
# kernel (build-variants/placement-timer: schedule-timer built on this tree with
# pdl-placement.patch, whose tcgemv takes BB_PDL_PLACE from PREFIX): 0 both at the top (this tree), 1 wait at the top and trigger after
# the main loop, 2 trigger at the top and wait before the main loop, 3 neither, 4 the trigger
# alone at the top, 5 the wait alone at the top; three rounds, the placements in turn.
# (Calls 1-6 ran an earlier form of the tree in which dependent runs were always on; its kernels
# and launches are the final tree's with BITBLAS_DEPENDENT_LAUNCH=1. There "=0" meant the same
# kernels launched the ordinary way. bench/RESULTS.md, twenty-ninth section.)
# Usage: OUT=dir bash bench/2026-11-30-h200-o/call-4.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-4
mkdir -p "$O/tmp-mutant"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
ls -la build-mutant/bitblas-worker /work/main/build-mutant/bitblas-worker >> "$O/summary.txt" 2>&1
TMPDIR=$O/tmp-mutant timeout 200 build-mutant/tests/check_gpu_op > "$O/op-mutant.txt" 2>&1
echo "mutant check_gpu_op rc=$? (must fail) at $((SECONDS - start)) s" >> "$O/summary.txt"
S61="tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=0 stages=2 order=2"
S62="tcgemv warps=8 n_tiles=2 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2"
S4="tcgemv warps=16 n_tiles=1 m_tiles=1 unroll=1 words=4 post=1 stages=2 order=2"
S16A="tcgemv warps=4 n_tiles=2 m_tiles=2 unroll=2 words=4 post=0 stages=2 order=2"
S16B="tcgemv warps=8 n_tiles=2 m_tiles=2 unroll=1 words=4 post=0 stages=2 order=2"
S16C="tcgemv warps=8 n_tiles=2 m_tiles=2 unroll=1 words=4 post=1 stages=2 order=2"
for round in 1 2 3; do
  for place in 0 1 2 3 4 5; do
    {
      P="#define BB_PDL_PLACE $place"
      PREFIX="$P" timeout 60 build-variants/placement-timer w4a16 1 6144 4096 "$S61" "$S62"
      PREFIX="$P" timeout 60 build-variants/placement-timer w4a16 1 4096 4096 "$S4"
      PREFIX="$P" timeout 60 build-variants/placement-timer w4a16 1 57344 8192 "$S62"
      PREFIX="$P" timeout 60 build-variants/placement-timer w4a16 16 57344 8192 "$S16A"
      PREFIX="$P" timeout 60 build-variants/placement-timer w4a16 16 8192 28672 "$S16B"
      PREFIX="$P" timeout 60 build-variants/placement-timer w4a16 16 8192 8192 "$S16C"
    } >> "$O/placement.txt" 2>&1
  done
  echo "round $round at $((SECONDS - start)) s" >> "$O/summary.txt"
done
find "$O" -name '*.db*' -delete
rm -rf "$O/tmp-mutant"
(cd "$OUT" && tar czf call-4.tgz call-4)
cat "$O/summary.txt"
grep -E "^[0-9]+%|back_to_back|round [0-9], op|^/.*: (Assertion|Error|Failure)" "$O/op-mutant.txt" | head -8

#!/usr/bin/env bash
# Device call 1 of the twenty-fourth session: the tensor-core gemv copies its block's bias into
# shared memory while the main loop runs (before: one global load after the block's sum).
#   1. every GPU suite (new: test_bias_copies, test_bias_off_the_16_byte_grid);
#   2. A/B, one round: build-base (the same tree with the kernels of d0368ca) and build-gpu, each
#      tuning on its own empty cache, w4a16+bias on the Llama-3 sets and Qwen2.5-7B's qkv
#      (4608 x 3584) at M = 1, 4, 16;
#   3. memcheck over bitblas-tune --check of bias shapes whose last block is partial (every
#      candidate runs in the worker), then racecheck over the tuned operators from that cache.
# Usage: OUT=dir bash bench/2026-11-30-h200-j/call-1.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-1
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
left() { local t=$(($1 - (SECONDS - start))); echo $((t < 5 ? 5 : t)); }  # seconds until $1
OUT=$O/checks BUILD=build-gpu timeout 300 bash tools/gpu-check.sh tests > "$O/checks.txt" 2>&1
echo "gpu-check tests rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
grep '^== ' "$O/checks.txt" >> "$O/summary.txt"
shapes="1,4608,3584;4,4608,3584;16,4608,3584"
for b in base gpu; do
  [ $((SECONDS - start)) -gt 470 ] && break
  BITBLAS_WORKER=$PWD/build-$b/bitblas-worker BITBLAS_CACHE=$O/$b.db timeout $(left 540) \
    build-$b/bitblas-bench --preset llama-3-8b,llama-3-70b --m 1,4,16 --shapes "$shapes" \
    --formats "w4a16+bias" --csv "$O/ab-$b-1.csv" > "$O/ab-$b-1.txt" 2>&1
  echo "bench $b rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
done
san="1,1003,1024;16,1003,2048;3,2880,4096"
if [ $((SECONDS - start)) -lt 520 ]; then
  BITBLAS_CACHE=$O/san.db timeout $(left 570) compute-sanitizer --tool memcheck \
    --target-processes all --error-exitcode 99 build-gpu/bitblas-tune --shapes "$san" \
    --formats "w4a16+bias" --check > "$O/memcheck-bias.txt" 2>&1
  echo "memcheck tune --check rc=$? at $((SECONDS - start)) s: $(grep -E 'ERROR SUMMARY' "$O/memcheck-bias.txt" | sort | uniq -c | tr '\n' ' ')" >> "$O/summary.txt"
  BITBLAS_CACHE=$O/san.db timeout $(left 590) compute-sanitizer --tool racecheck \
    --error-exitcode 99 build-gpu/bitblas-bench --shapes "$san" --formats "w4a16+bias" \
    --runs 10 --check > "$O/racecheck-bias.txt" 2>&1
  echo "racecheck bench rc=$? at $((SECONDS - start)) s: $(grep -E 'RACECHECK SUMMARY|ERROR SUMMARY' "$O/racecheck-bias.txt" | sort | uniq -c | tr '\n' ' ')" >> "$O/summary.txt"
fi
rm -f "$O"/*.db* "$O"/checks/*.db*
(cd "$OUT" && tar czf call-1.tgz call-1)
cat "$O/summary.txt"
grep -h "geomean\|vs cuBLAS" "$O"/ab-*.txt | sed 's/  */ /g' | head
grep -h "^FAIL" "$O"/checks/*.log "$O"/*.txt 2>/dev/null | head -20
rm -rf "$O"

#!/usr/bin/env bash
# Device call 1 of the twenty-third session: the row quantizer's steps without conversion
# instructions (packed 16-bit largest magnitude; codes by one addition of 1.5 * 2^23, no F2I and no
# clamp). check_gpu_bitnet (with the new special-values rows), then an A/B of the BitNet layer
# both ways: build-base (the session's start, 664247e) against build-gpu, each tuning on its own
# cache, the BitNet 2B set at M = 1-16 twice over and the Llama-3 sets at M = 1, 4 and 16, then
# memcheck, racecheck and synccheck on check_gpu_bitnet.
# Usage: OUT=dir bash bench/2026-11-30-h200-i/call-1.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-1
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
BITBLAS_CACHE=$O/t.db timeout 150 build-gpu/tests/check_gpu_bitnet > "$O/check_gpu_bitnet.txt" 2>&1
echo "check_gpu_bitnet rc=$? at $((SECONDS - start)) s: $(grep -E '^[0-9]+%' "$O/check_gpu_bitnet.txt")" >> "$O/summary.txt"
bench() {  # build name presets ms
  BITBLAS_CACHE=$O/$2.db BITBLAS_WORKER=$PWD/$1/bitblas-worker timeout 120 $1/bitblas-bench \
    --preset "$3" --m "$4" --formats bitnet --csv "$O/$2.csv" > "$O/$2.txt" 2>&1
  echo "bench $2 rc=$? at $((SECONDS - start)) s" >> "$O/summary.txt"
}
for round in 1 2; do
  bench build-base base-bitnet-$round bitnet-b1.58-2b 1,2,4,8,16
  bench build-gpu new-bitnet-$round bitnet-b1.58-2b 1,2,4,8,16
done
bench build-base base-llama llama-3-8b,llama-3-70b 1,4,16
bench build-gpu new-llama llama-3-8b,llama-3-70b 1,4,16
for tool in memcheck racecheck synccheck; do
  [ $((SECONDS - start)) -gt 480 ] && break
  BITBLAS_CACHE=$O/san-$tool.db BITBLAS_TEST_SEED=23 timeout $((570 - (SECONDS - start))) \
    compute-sanitizer --tool $tool --target-processes all --error-exitcode 99 \
    build-gpu/tests/check_gpu_bitnet > "$O/$tool-bitnet.txt" 2>&1
  echo "$tool check_gpu_bitnet rc=$? at $((SECONDS - start)) s: $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$O/$tool-bitnet.txt" | sort | uniq -c | tr '\n' ' ')" >> "$O/summary.txt"
done
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-1.tgz call-1)
cat "$O/summary.txt"
python3 - "$O" <<'PY'
import csv, sys, os
d = sys.argv[1]
def rows(name):
    p = os.path.join(d, name + ".csv")
    return {(r["M"], r["N"], r["K"]): r for r in csv.DictReader(open(p))} if os.path.exists(p) else {}
for base, new in [("base-bitnet-1", "new-bitnet-1"), ("base-bitnet-2", "new-bitnet-2"), ("base-llama", "new-llama")]:
    b, n = rows(base), rows(new)
    print("==", base, "vs", new, ": M N K | product base new | 1k-prod base new | 2k-prod base new")
    for key in n:
        if key not in b: continue
        def f(r, c):
            try: return float(r[c])
            except: return float("nan")
        pb, pn = f(b[key], "bitblas_us"), f(n[key], "bitblas_us")
        print(*key, "| %.2f %.2f | %+.2f %+.2f | %+.2f %+.2f" % (pb, pn,
              f(b[key], "bitnet_layer_one_kernel_us") - pb, f(n[key], "bitnet_layer_one_kernel_us") - pn,
              f(b[key], "bitnet_layer_two_kernels_us") - pb, f(n[key], "bitnet_layer_two_kernels_us") - pn))
PY
grep -h "^FAIL" "$O"/check_gpu_bitnet.txt | head -20
rm -rf "$O"

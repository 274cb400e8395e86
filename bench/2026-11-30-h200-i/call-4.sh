#!/usr/bin/env bash
# Device call 4 of the twenty-third session: the one-kernel layer computes each row's si once
# (call 3's profile: its quantizing prologue executed about 17 instructions per value of x, a
# division among them per 16-byte load). build-base is call 1's code, build-gpu adds this.
# check_gpu_bitnet, then the same A/B as call 1 (BitNet 2B set at M = 1-16 twice over, Llama-3
# sets at M = 1, 4 and 16).
# Usage: OUT=dir bash bench/2026-11-30-h200-i/call-4.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-4
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
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-4.tgz call-4)
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

#!/usr/bin/env bash
# Device call 4 of the thirty-ninth session: the wgmma loop as before (a866657), with W's loads in
# whole 32-byte sectors (16-byte runs, 8 consecutive rows per run to 8 consecutive threads), and
# with those loads not kept in L1 (BB_X_NO_ALLOCATE, an experiment macro of the build this call
# ran, not kept: ld.global.nc.L1::no_allocate for W's 16-byte pieces);
# schedule-timer as in call 2, the three tiles of the list.
# Usage: OUT=dir bash bench/2026-12-02-h200-y/call-4.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-4
mkdir -p "$O"
start=$SECONDS
BUILD=build-dev
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
f16=("wgmma bm=64 bn=256 bk=64 groups=1x2 stages=4" "wgmma bm=128 bn=256 bk=64 groups=2x1 stages=4"
     "wgmma bm=256 bn=128 bk=64 groups=4x1 stages=4")
i8=("wgmma bm=64 bn=256 bk=128 groups=1x2 stages=4" "wgmma bm=128 bn=256 bk=128 groups=2x1 stages=4"
    "wgmma bm=256 bn=128 bk=128 groups=4x1 stages=4")
cases=("w4a16 1024 8192 8192" "w4a16 4096 28672 4096" "w4a16 256 8192 8192" "w4a16 64 57344 8192"
       "w2a8 1024 8192 8192" "w2a8 8192 4096 4096" "fp8-bf16 256 4096 4096" "w1a16 100 2880 1000"
       "w4a16 1000 2880 3584")
for variant in "build-before|" "build-dev|" "build-dev|#define BB_X_NO_ALLOCATE 1"; do
  b=${variant%%|*}
  prefix=${variant#*|}
  for c in "${cases[@]}"; do
    set -- $c
    list=("${f16[@]}")
    case $1 in w2a8|bitnet) list=("${i8[@]}") ;; esac
    PREFIX="$prefix" timeout 120 $b/schedule-timer "$@" "${list[@]}" 2>&1 | sed "s|^|$b |" >> "$O/timer.txt"
  done
  echo "$variant at $((SECONDS - start)) s" >> "$O/summary.txt"
done
echo "failed checks: $(grep -ciE " wrong | crashed | failed " "$O/timer.txt")" >> "$O/summary.txt"
(cd "$OUT" && tar czf call-4.tgz call-4)
cat "$O/summary.txt"
sed -E 's/ min_blocks=- \|//; s/ prefix=#define BB_X_NO_ALLOCATE 1/ NA/; s/ +/ /g; s/ groups=/ /; s/ stages=4//' "$O/timer.txt" | cut -c1-100

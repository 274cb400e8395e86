#!/usr/bin/env bash
# Device call 3 of the thirty-ninth session: the two-team wgmma loop with more warpgroups per
# tile (teams of 256 threads: as many makers per step as the two-warpgroup tiles had before),
# against the same schedules in the build before (a866657), schedule-timer as in call 2.
# Usage: OUT=dir bash bench/2026-12-02-h200-y/call-3.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-3
mkdir -p "$O"
start=$SECONDS
BUILD=build-dev
. tools/device-env.sh
device_record "$O/device.txt" >> "$O/summary.txt"
list=("wgmma bm=128 bn=256 bk=64 groups=2x1 stages=4" "wgmma bm=128 bn=256 bk=64 groups=2x2 stages=4"
      "wgmma bm=128 bn=128 bk=64 groups=2x2 stages=4" "wgmma bm=64 bn=256 bk=64 groups=1x4 stages=4")
for b in build-before build-dev; do
  for c in "w4a16 1024 8192 8192" "w4a16 4096 28672 4096" "w4a16 256 8192 8192"; do
    timeout 120 $b/schedule-timer $c "${list[@]}" 2>&1 | sed "s|^|$b |" >> "$O/timer.txt"
  done
  echo "$b at $((SECONDS - start)) s" >> "$O/summary.txt"
done
echo "failed checks: $(grep -ciE " wrong | crashed | failed " "$O/timer.txt")" >> "$O/summary.txt"
(cd "$OUT" && tar czf call-3.tgz call-3)
cat "$O/summary.txt"
sed -E 's/ min_blocks=- \|//; s/ +/ /g' "$O/timer.txt" | cut -c1-120

#!/usr/bin/env bash
# Device call 3 of the eighteenth session: the GPU suites and compute-sanitizer on build-gpu (the
# 2-warp blocks of tuner/schedule.c); a tuned A/B of bitblas-bench on the shapes whose candidate
# lists changed (N >= 16384, K <= 4096, M = 9-16), build-base (a978944) and build-gpu alternating,
# each run tuning on its own empty cache, 2 rounds; then, if time allows, the four-set bench on
# build-gpu.
# Usage: OUT=dir bash bench/2026-11-30-h200-d/call-3.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT
start=$SECONDS
mkdir -p "$O/call-3"
configured=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' build-base/CMakeCache.txt)
if [ -n "$configured" ] && [ ! -e "$configured" ]; then mkdir -p "$(dirname "$configured")" && ln -s "$PWD" "$configured"; fi
shapes="16,28672,4096;12,28672,4096;16,16384,2048;16,57344,4096"
ab_round() {
  for b in build-base build-gpu; do
    BITBLAS_WORKER=$PWD/$b/bitblas-worker BITBLAS_CACHE=$O/call-3/ab-$b-$1.db \
      $b/bitblas-bench --shapes "$shapes" --formats w4a16,w2a16,w1a16 \
      --csv "$O/call-3/ab-$b-$1.csv" > "$O/call-3/ab-$b-$1.txt" 2>&1
    echo "$b round $1 rc=$? at $((SECONDS - start)) s" >> "$O/call-3.txt"
  done
}
OUT=$O/call-3/checks BUILD=build-gpu bash tools/gpu-check.sh tests sanitizer >> "$O/call-3.txt" 2>&1
ab_round 1
ab_round 2
rounds=2
if [ $((SECONDS - start)) -lt 370 ]; then
  OUT=$O/call-3/bench BUILD=build-gpu bash tools/gpu-check.sh bench >> "$O/call-3.txt" 2>&1
fi
python3 - "$O/call-3" "$rounds" <<'PY' >> "$O/call-3.txt"
import csv, sys, math, collections
d, rounds = sys.argv[1], range(1, int(sys.argv[2]) + 1)
t = collections.defaultdict(dict)
for b in ('build-base', 'build-gpu'):
    for r in rounds:
        for row in csv.DictReader(open(f'{d}/ab-{b}-{r}.csv')):
            t[(row['format'], row['M'], row['N'], row['K'])][(b, r)] = (float(row['bitblas_us']), row['schedule'])
ratios = []
for key, v in sorted(t.items()):
    base = [v[('build-base', r)][0] for r in rounds]
    new = [v[('build-gpu', r)][0] for r in rounds]
    ratio = sum(new) / sum(base)
    ratios.append(ratio)
    print('%s M=%s %sx%s base %s new %s new/base %.3f | base %s | new %s' % (key + (' '.join('%.2f' % x for x in base),
          ' '.join('%.2f' % x for x in new), ratio, v[('build-base', rounds[-1])][1], v[('build-gpu', rounds[-1])][1])))
print('geomean new/base: %.3f over %d' % (math.exp(sum(map(math.log, ratios)) / len(ratios)), len(ratios)))
PY
(cd "$O" && rm -f call-3/*.db* call-3/*/*.db* && tar czf call-3.tgz call-3 call-3.txt && rm -rf call-3)
grep -v '^\[' "$O/call-3.txt" | tail -n 60

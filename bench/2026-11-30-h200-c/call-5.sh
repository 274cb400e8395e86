#!/usr/bin/env bash
# Device call 5 of the seventeenth session: 4-bit codes with scales after the mma take prescaled
# activations too (one accumulator per tile; kernel_src/tcgemv.cu). A tuned A/B of bitblas-bench
# on the Llama-3 sets at M = 1 and 16 for 4-bit codes, build-base (the committed kernels) and
# build-gpu alternating, each run tuning on its own empty cache; then the GPU suites on
# build-gpu; then a second A/B round if time allows.
set -u
cd "$(dirname "$0")/../.."
O=$OUT
start=$SECONDS
mkdir -p "$O/call-5"
configured=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' build-base/CMakeCache.txt)
if [ -n "$configured" ] && [ ! -e "$configured" ]; then mkdir -p "$(dirname "$configured")" && ln -s "$PWD" "$configured"; fi
ab_round() {
  for b in build-base build-gpu; do
    BITBLAS_WORKER=$PWD/$b/bitblas-worker BITBLAS_CACHE=$O/call-5/ab-$b-$1.db \
      $b/bitblas-bench --preset llama-3-8b,llama-3-70b --m 1,16 --formats w4a16 \
      --csv "$O/call-5/ab-$b-$1.csv" > "$O/call-5/ab-$b-$1.txt" 2>&1
    echo "$b round $1 rc=$? at $((SECONDS - start)) s $(grep geomean "$O/call-5/ab-$b-$1.txt" | tr '\n' ' ')" >> "$O/call-5.txt"
  done
}
ab_round 1
OUT=$O/call-5/suites BUILD=build-gpu bash tools/gpu-check.sh tests >> "$O/call-5.txt" 2>&1
rounds=1
if [ $((SECONDS - start)) -lt 260 ]; then ab_round 2; rounds=2; fi
python3 - "$O/call-5" "$rounds" <<'PY' >> "$O/call-5.txt"
import csv, sys, math, collections
d, rounds = sys.argv[1], range(1, int(sys.argv[2]) + 1)
t = collections.defaultdict(dict)
for b in ('build-base', 'build-gpu'):
    for r in rounds:
        for row in csv.DictReader(open(f'{d}/ab-{b}-{r}.csv')):
            t[(row['format'], row['M'], row['N'], row['K'])][(b, r)] = (float(row['bitblas_us']), row['schedule'])
ratios = collections.defaultdict(list)
for key, v in sorted(t.items()):
    base = [v[('build-base', r)][0] for r in rounds]
    new = [v[('build-gpu', r)][0] for r in rounds]
    ratio = sum(new) / sum(base)
    ratios[key[:2]].append(ratio)
    print('%s M=%s %sx%s base %s new %s new/base %.3f | base %s | new %s' % (key + (' '.join('%.2f' % x for x in base),
          ' '.join('%.2f' % x for x in new), ratio, v[('build-base', rounds[-1])][1], v[('build-gpu', rounds[-1])][1])))
for k, v in sorted(ratios.items()):
    print('geomean new/base %s M=%s: %.3f' % (k + (math.exp(sum(map(math.log, v)) / len(v)),)))
PY
(cd "$O" && rm -f call-5/*.db* && tar czf call-5.tgz call-5 call-5.txt && rm -rf call-5)
cat "$O/call-5.txt" | grep -v '^\['

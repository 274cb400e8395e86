# Time of the new tuner's picks over the old one's, per round of call 3, and how often each build picked
# the same schedule in all rounds. Run from this folder: python3 ab-rounds.py
import csv, math
def load(f): return {(r['M'],r['N'],r['K']):r for r in csv.DictReader(open(f))}
g=lambda a: math.exp(sum(map(math.log,a))/len(a))
for kind in ['', 'bitnet-']:
    d={(b,R):load(f'call-3/round-{R}/ab-{kind}{b}-{R}.csv') for b in ['base','gpu'] for R in '123'}
    keys=list(d['base','1'])
    print("==", kind or 'w4a16', len(keys), "rows")
    for R in '123':
        r=[float(d['gpu',R][k]['bitblas_us'])/float(d['base',R][k]['bitblas_us']) for k in keys]
        print(f" round {R}: new/base geomean {g(r):.4f} (min {min(r):.3f}, max {max(r):.3f}, new faster on {sum(x<1 for x in r)})")
    allr=[float(d['gpu',R][k]['bitblas_us'])/float(d['base',R][k]['bitblas_us']) for k in keys for R in '123']
    print(f" all rounds: {g(allr):.4f}")
    for b in ['base','gpu']:
        agree=sum(len({d[b,R][k]['schedule'] for R in '123'})==1 for k in keys)
        print(f" {b}: same pick in all 3 rounds on {agree}/{len(keys)}")

# Per-row time of two builds' bitblas-bench CSVs (new / base), and on the rows where both tuned the
# same schedule: python3 ab-pairs.py BASE.csv NEW.csv
import csv, sys, math
def load(f):
    return {(r['M'], r['N'], r['K']): r for r in csv.DictReader(open(f))}
base = load(sys.argv[1]); new = load(sys.argv[2])
ratios = []; same = []
for k in base:
    if k not in new: continue
    b, n = base[k], new[k]
    r = float(n['bitblas_us']) / float(b['bitblas_us'])
    ratios.append(r)
    s = b['schedule'] == n['schedule']
    if s: same.append(r)
    print(f"M={k[0]:>2} {k[1]:>5}x{k[2]:<5} base {float(b['bitblas_us']):7.2f} new {float(n['bitblas_us']):7.2f} ratio {r:.3f} {'same' if s else 'diff'} cublas {float(b['cublas_f16_us']):.2f}/{float(n['cublas_f16_us']):.2f}")
g = lambda a: math.exp(sum(map(math.log, a)) / len(a)) if a else float('nan')
print(f"geomean new/base all {g(ratios):.3f} ({len(ratios)}), same schedule {g(same):.3f} ({len(same)}), faster on {sum(r < 1 for r in ratios)}")

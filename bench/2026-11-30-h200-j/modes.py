# The tuner's pick against every candidate timed the benchmark's way (candidate-modes output):
#   python3 modes.py call-2/modes.txt
import re, sys, math
cfgs=[]; cur=None
for line in open(sys.argv[1]):
    if line.startswith('config'):
        m=re.match(r'config (\S+) (\d+) (\d+) (\d+) \| tuner pick (.*?) \| ([\d.]+) us', line)
        cur={'key':m.group(2,3,4),'pick':m.group(5).strip(),'pick_us':float(m.group(6)),'c':{}}; cfgs.append(cur)
    elif line.startswith('candidate'):
        m=re.match(r'candidate (.*?)\s+\| tuner ([\d. -]+)\| held ([\d. -]+)', line)
        cur['c'][m.group(1).strip()]=(list(map(float,m.group(2).split())), list(map(float,m.group(3).split())))
g=lambda a: math.exp(sum(map(math.log,a))/len(a))
losses=[]; losses_t=[]; noise=[]
for c in cfgs:
    held={s:min(v[1]) if min(v[1])>0 else 1e9 for s,v in c['c'].items()}
    held1={s:v[1][0] for s,v in c['c'].items()}
    held2={s:v[1][1] for s,v in c['c'].items()}
    best=min(held,key=held.get)
    # pick by tuner-mode in this process: round 1 and round 2
    t1=min(c['c'],key=lambda s:c['c'][s][0][0] if c['c'][s][0][0]>0 else 1e9)
    t2=min(c['c'],key=lambda s:c['c'][s][0][1] if c['c'][s][0][1]>0 else 1e9)
    # pick by held round1, evaluated on held round2
    h1=min(held1,key=held1.get)
    pick=c['pick']
    loss=held2[pick]/min(held2.values()) if pick in held2 else float('nan')
    losses.append(loss); losses_t += [held2[t1]/min(held2.values()), held2[t2]/min(held2.values())]
    noise.append(held2[h1]/min(held2.values()))
    print(f"M={c['key'][0]:>2} {c['key'][1]:>5}x{c['key'][2]:<5} best held {held2[min(held2,key=held2.get)]:7.2f} | tuner pick {held2[pick]:7.2f} ({loss:.3f}) | tuner-mode picks {held2[t1]/min(held2.values()):.3f} {held2[t2]/min(held2.values()):.3f} | held-r1 pick {held2[h1]/min(held2.values()):.3f}")
print(f"geomean loss: tuner's pick {g(losses):.4f}; tuner-mode picks here {g(losses_t):.4f}; held round-1 pick {g(noise):.4f}")

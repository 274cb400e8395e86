import csv,sys,collections,gzip
lines=gzip.open(sys.argv[1],'rt').read().splitlines()
start=[i for i,l in enumerate(lines) if l.startswith('"Address","Source"')][-1]
r=csv.reader(lines[start:]); h=next(r)
idx={k:i for i,k in enumerate(h)}
cols=[c for c in h if c.startswith('stall_') and 'Not Issued' not in c]
tot=collections.Counter(); byop=collections.defaultdict(collections.Counter); cnt=collections.Counter()
for row in r:
  if len(row)<len(h) or not row[0].startswith('0x'): continue
  src=row[idx['Source']].split()
  if not src: continue
  op=src[1] if src[0].startswith('@') else src[0]
  op=op.split('.')[0]
  ex=int(row[idx['Instructions Executed']] or 0); cnt[op]+=ex
  for c in cols:
    v=int(row[idx[c]] or 0); tot[c]+=v; byop[op][c]+=v
T=sum(tot.values())
print('total samples',T)
print(', '.join('%s %.1f%%'%(c[6:],100*v/T) for c,v in tot.most_common(10)))
for op,cc in sorted(byop.items(), key=lambda x:-sum(x[1].values()))[:14]:
  s=sum(cc.values()); print('%-8s samples %5.1f%% exec %9d  top: %s'%(op,100*s/T,cnt[op], ', '.join('%s %.1f'%(k[6:],100*v/T) for k,v in cc.most_common(3))))
tE=sum(cnt.values()); print('exec total',tE); print(', '.join('%s %.1f%%'%(o,100*c/tE) for o,c in cnt.most_common(18)))

import re, sys, collections
pat = re.compile(r"memory_region_ops_(read|write) cpu \d+ mr \S+ addr (0x[0-9a-f]+) value (0x[0-9a-f]+) size (\d+) name '([^']*)'")
seq = []; regs = collections.defaultdict(collections.Counter)
ev = re.compile(r"^(Taking exception \d+ \[[^\]]*\])|^(\.\.\.handled as PSCI call)|^(fw_cfg_select) \S+ key (0x[0-9a-f]+) '([^']*)'")
for line in open(sys.argv[1], errors='replace'):
    m = pat.search(line)
    if m:
        rw, addr, val, size, name = m.groups()
        if name.startswith('fwcfg'): name = 'fwcfg'
        if seq and seq[-1][0] == name: seq[-1][1] += 1
        else: seq.append([name, 1])
        a = int(addr, 16)
        if name in ('gic_dist', 'gic_cpu', 'pl031', 'fwcfg', 'pl061'):
            regs[name][(rw[0], a, int(size)) if True else None] += 1
        continue
    m = ev.search(line)
    if m:
        k = m.group(1) or m.group(2) or ('fw_cfg_select ' + m.group(4) + ' ' + m.group(5))
        if seq and seq[-1][0] == k: seq[-1][1] += 1
        else: seq.append([k, 1])
out = []
for k, n in seq: out.append(f"{k}x{n}")
print(' | '.join(out))
for name, c in regs.items():
    print('==', name, ' '.join(f"{rw}{a:#x}/{s}:{n}" for (rw, a, s), n in sorted(c.items(), key=lambda x: (x[0][1], x[0][0]))))

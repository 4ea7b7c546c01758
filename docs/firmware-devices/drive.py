#!/usr/bin/env python3
"""Run a qemu command, watch serial on stdout, press keys at triggers, time the prompt, then kill."""
import os, sys, time, subprocess, select, signal
# usage: drive.py PROMPT TIMEOUT [trigger=response ...] -- qemu args
args = sys.argv[1:]
sep = args.index('--')
prompt = args[0].encode(); timeout = float(args[1])
triggers = [a.split('::', 1) if '::' in a else a.split('=', 1) for a in args[2:sep]]
cmd = args[sep+1:]
t0 = time.monotonic()
p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
buf = b''; fired = set(); tprompt = None
while time.monotonic() - t0 < timeout:
    r, _, _ = select.select([p.stdout], [], [], 0.05)
    if r:
        d = os.read(p.stdout.fileno(), 65536)
        if not d: break
        buf += d
        if os.environ.get('TS'): sys.stderr.write('%7.3f %r\n' % (time.monotonic()-t0, d[:100]))
    for i, (trig, resp) in enumerate(triggers):
        n = 1
        t = trig
        if '#' in trig: t, n = trig.rsplit('#', 1); n = int(n)
        if i not in fired and buf.count(t.encode().decode('unicode_escape').encode('latin1')) >= n:
            fired.add(i); p.stdin.write(resp.encode().decode('unicode_escape').encode()); p.stdin.flush()
    if prompt in buf[-200:] and tprompt is None:
        tprompt = time.monotonic() - t0
        break
hold = float(os.environ.get('HOLD', '0'))
if hold and tprompt is not None:
    def cpu():
        f = open('/proc/%d/stat' % p.pid).read().rsplit(')', 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf('SC_CLK_TCK')
    c0 = cpu(); time.sleep(hold); c1 = cpu()
    rss = [l for l in open('/proc/%d/status' % p.pid) if l.startswith('VmRSS')][0].strip()
    print('\n@@IDLE_CPU %.2f s over %.1f s; %s' % (c1 - c0, hold, rss))
p.kill(); p.wait()
sys.stdout.write(buf.decode('latin1'))
print('\n@@PROMPT_TIME', tprompt)

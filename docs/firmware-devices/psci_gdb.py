import socket, subprocess, time, os, select, sys, struct
bp = int(sys.argv[1], 16); cmd = sys.argv[2:]
port = 12345
p = subprocess.Popen(cmd + ['-gdb', 'tcp::%d' % port, '-S'], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
time.sleep(0.5)
s = socket.create_connection(('localhost', port))
def send(pkt):
    cs = sum(pkt.encode()) & 0xff
    s.sendall(('$%s#%02x' % (pkt, cs)).encode())
def recv_packet(timeout=None):
    buf = b''
    s.settimeout(timeout)
    while True:
        c = s.recv(1)
        if c == b'$':
            break
    while True:
        c = s.recv(1)
        if c == b'#':
            s.recv(2); s.sendall(b'+'); return buf.decode()
        buf += c
def cmdp(pkt):
    send(pkt)
    while True:
        r = recv_packet(5)
        return r
print('Z1', cmdp('Z1,%x,4' % bp))
send('c')
out = b''; sent = set(); calls = 0; t0 = time.time()
s.setblocking(False)
sockbuf = b''
while time.time() - t0 < 15 and calls < 6:
    r, _, _ = select.select([p.stdout, s], [], [], 0.1)
    if p.stdout in r:
        out += os.read(p.stdout.fileno(), 65536)
        if b'Hit any key' in out and 'k' not in sent:
            sent.add('k'); p.stdin.write(b' '); p.stdin.flush()
        if b'=> ' in out and 'r' not in sent:
            sent.add('r'); p.stdin.write(b'reset\r'); p.stdin.flush()
    if s in r:
        sockbuf += s.recv(4096)
        if b'#' in sockbuf and (b'$T' in sockbuf or b'$S' in sockbuf):
            s.sendall(b'+'); sockbuf = b''
            s.setblocking(True)
            send('g'); regs = recv_packet(5)
            x = [struct.unpack('<Q', bytes.fromhex(regs[i*16:(i+1)*16]))[0] for i in range(4)]
            calls += 1
            pc = struct.unpack('<Q', bytes.fromhex(regs[32*16:33*16]))[0]
            print('HVC #%d: pc=%#x x0=%#x x1=%#x x2=%#x x3=%#x t=%.2f' % (calls, pc, *x, time.time()-t0))
            send('z1,%x,4' % bp); recv_packet(5)
            send('s'); stop = recv_packet(5)
            send('g'); regs = recv_packet(5)
            ret = struct.unpack('<Q', bytes.fromhex(regs[0:16]))[0]
            print('   returned x0=%#x' % ret)
            send('Z1,%x,4' % bp); recv_packet(5)
            s.setblocking(False)
            send('c')
p.kill()
print(out.decode('latin1')[-300:])

#!/usr/bin/env python3
"""Memory per compressing stream of `lbctl proxy --compress`: N clients each ask for one coding
of a 64 KiB text/html answer that the backend then holds open (a long poll), and the proxy's RSS
growth per connection is printed, for identity (no compression) and each coding.

  python3 benches/compress_memory.py [--lbctl target/release/lbctl] [--conns 200] [--levels zstd:3,br:4,gzip:2]

Loopback only; the backend runs in this process; every proxy started here is killed by PID.
"""
import argparse, asyncio, os, random, socket, subprocess, sys, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("--lbctl", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "lbctl"))
ap.add_argument("--conns", type=int, default=200)
ap.add_argument("--levels", default="zstd:3,br:4,gzip:2")
a = ap.parse_args()

random.seed(1)
words = b"lbctl proxy route listener backend pool <p> </p> compression brotli zstd".split()
body = b" ".join(random.choice(words) for _ in range(12000))[:65536]
port = []

async def handle(r, w):
    try:
        await r.readuntil(b"\r\n\r\n")
        w.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n")
        w.write(b"%x\r\n%s\r\n" % (len(body), body))
        await w.drain()
        await asyncio.sleep(120)  # held open: the proxy keeps its encoder for this stream
    except Exception:
        pass
    w.close()

async def serve():
    s = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=4096)
    port.append(s.sockets[0].getsockname()[1])
    await asyncio.sleep(3600)

threading.Thread(target=lambda: asyncio.run(serve()), daemon=True).start()
while not port:
    time.sleep(0.05)

def rss(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

for coding, level in [("identity", "")] + [tuple(x.split(":")) for x in a.levels.split(",")]:
    flag = ["--compress", f"{coding}:{level}"] if level else []
    p = subprocess.Popen([a.lbctl, "proxy", "--threads", "1", "--quiet", "--listen", "127.0.0.1:0",
                          "--backend", f"127.0.0.1:{port[0]}"] + flag, stdout=subprocess.PIPE, text=True)
    try:
        pport = int(p.stdout.readline().strip().rsplit(":", 1)[1])
        before = rss(p.pid)
        socks, encoded = [], 0
        for _ in range(a.conns):
            s = socket.create_connection(("127.0.0.1", pport))
            s.settimeout(10)
            s.sendall(f"GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: {coding}\r\n\r\n".encode())
            socks.append(s)
        for s in socks:
            head = s.recv(65536).lower()
            encoded += f"content-encoding: {coding}".encode() in head
        time.sleep(1)
        after = rss(p.pid)
        print(f"{coding + (':' + level if level else ''):<9} {encoded}/{a.conns} encoded  RSS {before} -> {after} KiB  "
              f"{(after - before) * 1024 // a.conns} bytes per stream")
        for s in socks:
            s.close()
    finally:
        p.kill()
        p.wait()

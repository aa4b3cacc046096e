#!/usr/bin/env python3
"""Black-box wire fuzzer for `lbctl proxy` (runs on stable, unlike the cargo-fuzz targets):
N mutated HTTP requests (valid seeds with bytes replaced, deleted, inserted or cut), each on its
own loopback connection, then one clean request. The proxy must answer or close every one
(a TIMEOUT means a hang), never answer 502 for a client's own garbage, and stay up.

  lbctl serve --listen 127.0.0.1:19701 &
  lbctl proxy -v --header-timeout 1s --listen 127.0.0.1:19700 --backend 127.0.0.1:19701 &
  python3 fuzz/proxy_wire.py 19700 1500

Seeded (the same inputs every run); prints the outcome counts and any input answered 502.
"""
import socket, random, sys, time
port=int(sys.argv[1]); n=int(sys.argv[2])
random.seed(7)
seeds=[b"GET /a?b=1 HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n",
       b"POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
       b"GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
       b"GET / HTTP/1.0\r\n\r\n", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"]
alpha=b"\r\n:; ,0123456789abcdefABCDEF\t\x00\x7f\xffHTP/.-"
stats={}
for i in range(n):
    b=bytearray(random.choice(seeds))
    for _ in range(random.randint(1,6)):
        if not b: break
        at=random.randrange(len(b)); op=random.randrange(4)
        if op==0: b[at]=random.choice(alpha)
        elif op==1: del b[at]
        elif op==2: b.insert(at, random.choice(alpha))
        else: del b[at:]
    s=socket.create_connection(('127.0.0.1',port)); s.settimeout(3)
    try:
        s.sendall(bytes(b)); s.shutdown(socket.SHUT_WR)
        d=b''
        while True:
            c=s.recv(65536)
            if not c: break
            d+=c
        k=d[:12].decode('latin1') if d else 'closed'
    except socket.timeout:
        k='TIMEOUT'
    except Exception as e:
        k=type(e).__name__
    s.close()
    stats[k]=stats.get(k,0)+1
    if k.endswith("502"): print("502 for", repr(bytes(b)))
print(sorted(stats.items(), key=lambda x:-x[1])[:12])
s=socket.create_connection(('127.0.0.1',port)); s.sendall(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"); print(s.recv(100)[:40])

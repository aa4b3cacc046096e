#!/usr/bin/env python3
"""One bulk TCP transfer through a proxy vs direct (issue #7): a sink on SINK_PORT, a sender
writing SIZE MiB (1 MiB sendall chunks) to TARGET_PORT; prints MiB/s. Loopback only.

  python3 benches/tcp_transfer.py SINK_PORT TARGET_PORT [SIZE_MIB]

Run with TARGET_PORT = SINK_PORT for the direct figure, then through
`lbctl proxy --mode tcp --threads 1 --listen 127.0.0.1:P --backend 127.0.0.1:SINK_PORT` and
through HAProxy (`mode tcp`, `nbthread 1`, `option splice-auto`) listening on another port.
"""
import socket
import sys
import threading
import time


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    sink_port, target_port = int(sys.argv[1]), int(sys.argv[2])
    size = (int(sys.argv[3]) if len(sys.argv) > 3 else 1024) << 20
    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("127.0.0.1", sink_port))
    lst.listen(1)
    got = [0]

    def sink():
        c, _ = lst.accept()
        buf = bytearray(1 << 20)
        while True:
            n = c.recv_into(buf)
            if n == 0:
                break
            got[0] += n
        c.close()

    t = threading.Thread(target=sink)
    t.start()
    time.sleep(0.2)
    s = socket.create_connection(("127.0.0.1", target_port))
    chunk = b"x" * (1 << 20)
    start = time.perf_counter()
    for _ in range(size >> 20):
        s.sendall(chunk)
    s.shutdown(socket.SHUT_WR)
    t.join()
    took = time.perf_counter() - start
    s.close()
    lst.close()
    assert got[0] == size, f"sink got {got[0]} of {size} bytes"
    print(f"{size >> 20} MiB in {took:.3f} s: {size / took / (1 << 20):.0f} MiB/s")


if __name__ == "__main__":
    main()

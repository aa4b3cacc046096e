#!/usr/bin/env python3
"""Memory per idle client connection of a proxy (issue #6): open N keep-alive connections to
PORT (each after one request unless --no-request), and report the RSS growth of process PID.

  target/release/lbctl serve --listen 127.0.0.1:19001 --quiet &
  target/release/lbctl proxy --threads 1 --quiet --header-timeout 60s \
      --listen 127.0.0.1:19080 --backend 127.0.0.1:19001 & PROXY=$!
  (ulimit -n 20000; python3 benches/idle_memory.py 19080 $PROXY 5000)

Run the same against HAProxy (`mode http`, `nbthread 1`) for the anchor. Loopback only.
"""
import resource
import socket
import sys
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1])
    raise SystemExit(f"no VmRSS for pid {pid}")


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    port, pid, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    request = "--no-request" not in sys.argv
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 100), hard))
    before = rss_kib(pid)
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        if request:
            s.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n")
        socks.append(s)
    if request:
        for s in socks:
            got = b""
            while b"\r\n\r\n" not in got:
                chunk = s.recv(4096)
                if not chunk:
                    raise SystemExit("a connection closed before its response")
                got += chunk
    time.sleep(1.0)
    after = rss_kib(pid)
    what = "after one request each" if request else "no request"
    print(f"{n} idle connections ({what}): RSS {before} KiB -> {after} KiB, "
          f"{(after - before) * 1024 / n:.0f} bytes per connection")


if __name__ == "__main__":
    main()

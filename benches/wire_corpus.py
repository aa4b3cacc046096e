#!/usr/bin/env python3
"""The wire corpus, side by side: every ambiguous or malformed HTTP/1.1 message in
tests/integration/proxy/wire_corpus.json sent through HAProxy and through lbctl's proxy.

  python3 benches/wire_corpus.py [--lbctl PATH] [--haproxy PATH] [--only NAME] [--json OUT]

For each case and each proxy: a recording backend (a strict HTTP/1.1 server on 127.0.0.1:0,
written here from RFC 9112, independent of the proxy) records every request it parses as
"METHOD TARGET LEN" / "METHOD TARGET chunked LEN" ("!malformed" / "!ambiguous" when it cannot,
then drops that connection without answering) and answers the first one with the case's
`backend` bytes, every later one with a 2-byte 200. The proxy under test points at it; a raw
client sends the case's `client` bytes in one write (no half-close) and reads until the close,
or until the expected number of responses arrived and 300 ms passed idle, or 3 s. The bytes it
got are parsed strictly (1xx, 204/304/HEAD without body, Content-Length, chunked, to the close).

One row per case: the expectation, then each proxy's statuses | upstream records. `!` marks a
cell that deviates from `expect`; `~` marks HAProxy deviating exactly as the case's `haproxy`
field records. `+junk` means bytes after the last response that are not a response; `+trunc`
a response cut short by the close. HAProxy (one process per case, Debian's 2.6) runs when
found; lbctl runs when the binary exists (default target/debug/lbctl). Loopback only; stdlib
only; exits 0 unless the arguments are wrong.
"""
import argparse
import fnmatch
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "tests", "integration", "proxy", "wire_corpus.json")
DEFAULT_REPLY = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
TOTAL_WAIT = 3.0
IDLE_WAIT = 0.3

# ---------------------------------------------------------------- strict request parser
# RFC 9110 5.6.2 token; 5.5 field-value (VCHAR, obs-text, SP, HTAB inside); RFC 9112 3, 5, 7.1.
TCHAR = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]"
TOKEN = TCHAR + rb"+"
REQUEST_LINE = re.compile(rb"^(" + TOKEN + rb") ([\x21-\x7e]+) HTTP/1\.([01])$")
FIELD_LINE = re.compile(rb"^(" + TOKEN + rb"):[ \t]*((?:[\x21-\x7e\x80-\xff](?:[ \t\x21-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?)[ \t]*$")
QUOTED = rb'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"'
CHUNK_LINE = re.compile(
    rb"^([0-9A-Fa-f]{1,16})((?:[ \t]*;[ \t]*" + TOKEN + rb"(?:[ \t]*=[ \t]*(?:" + TOKEN + rb"|" + QUOTED + rb"))?)*)$"
)
HOST_VALUE = re.compile(
    rb"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::[0-9]*)?$"
)
MAX_HEAD = 1 << 20


class Bad(Exception):
    """The stream cannot be parsed strictly; the tag is what the record shows."""

    def __init__(self, tag):
        super().__init__(tag)
        self.tag = tag


def bare_line_ending(chunk):
    """A LF not preceded by CR, or a CR not followed by LF (the last byte may await its LF)."""
    for i, b in enumerate(chunk):
        if b == 0x0A and (i == 0 or chunk[i - 1] != 0x0D):
            return True
        if b == 0x0D and i + 1 < len(chunk) and chunk[i + 1] != 0x0A:
            return True
    return False


def read_line(buf, pos):
    """One CRLF-terminated line at pos: (line, next pos), or None when it is not all here."""
    end = buf.find(b"\r\n", pos)
    if end < 0:
        if bare_line_ending(buf[pos:]):
            raise Bad("!malformed")
        return None
    line = buf[pos:end]
    if b"\r" in line or b"\n" in line:
        raise Bad("!malformed")
    return line, end + 2


def parse_fields(lines):
    fields = []
    for line in lines:
        m = FIELD_LINE.match(line)
        if not m:  # obs-fold, space before colon, CTLs, no colon, bad name
            raise Bad("!malformed")
        fields.append((m.group(1).lower(), m.group(2)))
    return fields


def list_tokens(fields, name):
    out = []
    for k, v in fields:
        if k == name:
            out += [t.strip(b" \t").lower() for t in v.split(b",") if t.strip(b" \t")]
    return out


def parse_request(buf):
    """One request from the start of buf: None (need more) or (record, consumed, method, close)."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        if bare_line_ending(buf) or len(buf) > MAX_HEAD:
            raise Bad("!malformed")
        return None
    head = buf[:end]
    if b"\n" in head.replace(b"\r\n", b"") or b"\r" in head.replace(b"\r\n", b""):
        raise Bad("!malformed")
    lines = head.split(b"\r\n")
    m = REQUEST_LINE.match(lines[0])
    if not m:
        raise Bad("!malformed")
    method, target, minor = m.group(1), m.group(2), m.group(3)
    fields = parse_fields(lines[1:])
    hosts = [v for k, v in fields if k == b"host"]
    if (minor == b"1" and len(hosts) != 1) or len(hosts) > 1:
        raise Bad("!malformed")
    if hosts and not HOST_VALUE.match(hosts[0]):
        raise Bad("!malformed")
    cls = [v for k, v in fields if k == b"content-length"]
    tes = list_tokens(fields, b"transfer-encoding")
    has_te = any(k == b"transfer-encoding" for k, _ in fields)
    if cls and has_te:
        raise Bad("!ambiguous")
    if len(set(cls)) > 1:
        raise Bad("!ambiguous")
    for v in cls:
        if not re.fullmatch(rb"[0-9]+", v):
            raise Bad("!malformed")
    conn = list_tokens(fields, b"connection")
    close = b"close" in conn or (minor == b"0" and b"keep-alive" not in conn)
    pos = end + 4
    name = method.decode("latin-1") + " " + target.decode("latin-1")
    if has_te:
        if minor == b"0" or not tes or tes[-1] != b"chunked" or tes.count(b"chunked") != 1:
            raise Bad("!malformed")
        total = 0
        while True:
            got = read_line(buf, pos)
            if got is None:
                return None
            line, pos = got
            cm = CHUNK_LINE.match(line)
            if not cm:
                raise Bad("!malformed")
            size = int(cm.group(1), 16)
            if size == 0:
                break
            if len(buf) < pos + size + 2:
                if len(buf) > pos + size and buf[pos + size:pos + size + 1] != b"\r":
                    raise Bad("!malformed")
                return None
            if buf[pos + size:pos + size + 2] != b"\r\n":
                raise Bad("!malformed")
            pos += size + 2
            total += size
        trailers = []
        while True:
            got = read_line(buf, pos)
            if got is None:
                return None
            line, pos = got
            if line == b"":
                break
            trailers.append(line)
        parse_fields(trailers)
        return f"{name} chunked {total}", pos, method, close
    n = int(cls[0]) if cls else 0
    if len(buf) < pos + n:
        return None
    return f"{name} {n}", pos + n, method, close


class Backend:
    """The recording backend of one case: records in parse order, across its connections."""

    def __init__(self, reply, reply_close):
        self.reply = reply
        self.reply_close = reply_close
        self.first_used = False
        self.records = []
        self.lock = threading.Lock()
        self.conns = []
        self.raw = []  # the bytes each connection received, for --json
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.stopped = False
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while not self.stopped:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.conns.append(c)
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()

    def serve(self, c):
        c.settimeout(6)
        with self.lock:
            me = len(self.raw)
            self.raw.append(b"")
        buf = b""
        try:
            while True:
                try:
                    got = parse_request(buf)
                except Bad as e:
                    with self.lock:
                        self.records.append(e.tag)
                    return
                if got is None:
                    data = c.recv(65536)
                    if not data:
                        return
                    buf += data
                    with self.lock:
                        self.raw[me] += data
                    continue
                record, used, method, close = got
                buf = buf[used:]
                with self.lock:
                    self.records.append(record)
                    if self.reply is not None and not self.first_used:
                        self.first_used = True
                        reply, close = self.reply, close or self.reply_close
                    elif method == b"HEAD":
                        reply = DEFAULT_REPLY[:-2]
                    else:
                        reply = DEFAULT_REPLY
                c.sendall(reply)
                if close:
                    return
        except OSError:
            return
        finally:
            try:
                c.close()
            except OSError:
                pass

    def snapshot(self):
        with self.lock:
            return list(self.records), [r.decode("latin-1")[:2000] for r in self.raw]

    def stop(self):
        self.stopped = True
        self.sock.close()
        with self.lock:
            for c in self.conns:
                try:
                    c.close()
                except OSError:
                    pass


# ---------------------------------------------------------------- strict response parser
STATUS_LINE = re.compile(rb"^HTTP/1\.[01] ([0-9]{3})(?: [\t \x21-\x7e\x80-\xff]*)?$")


def parse_responses(data, closed, head_request):
    """Responses in data: (statuses, last head, last body, complete count, flags)."""
    statuses, heads, bodies, flags = [], [], [], []
    complete = 0
    pos = 0
    while pos < len(data):
        end = data.find(b"\r\n\r\n", pos)
        if end < 0:
            if closed or not data.startswith(b"HTTP/1."[: len(data) - pos], pos):
                flags.append("junk")
            break
        lines = data[pos:end].split(b"\r\n")
        m = STATUS_LINE.match(lines[0])
        if not m or any(b"\n" in ln or b"\r" in ln or b":" not in ln for ln in lines[1:]):
            flags.append("junk")
            break
        status = int(m.group(1))
        fields = []
        for ln in lines[1:]:
            k, _, v = ln.partition(b":")
            fields.append((k.strip().lower(), v.strip(b" \t")))
        statuses.append(status)
        heads.append(data[pos:end + 4])
        pos = end + 4
        if 100 <= status < 200:
            bodies.append(b"")
            complete += 1
            if status == 101:
                pos = len(data)  # a tunnel from here on
            continue
        tes = list_tokens(fields, b"transfer-encoding")
        cls = [v for k, v in fields if k == b"content-length"]
        if status in (204, 304) or head_request:
            bodies.append(b"")
            complete += 1
        elif tes and tes[-1] == b"chunked":
            body, ok = b"", False
            while True:
                try:
                    got = read_line(data, pos)
                except Bad:
                    flags.append("junk")
                    break
                if got is None:
                    break
                line, p = got
                cm = CHUNK_LINE.match(line)
                if not cm:
                    flags.append("junk")
                    break
                size = int(cm.group(1), 16)
                if size == 0:
                    pos = p
                    while True:  # trailers
                        try:
                            got = read_line(data, pos)
                        except Bad:
                            got = None
                        if got is None:
                            break
                        line, pos = got
                        if line == b"":
                            ok = True
                            break
                    break
                if len(data) < p + size + 2:
                    body += data[p:p + size]
                    break
                if data[p + size:p + size + 2] != b"\r\n":
                    flags.append("junk")
                    break
                body += data[p:p + size]
                pos = p + size + 2
            bodies.append(body)
            if not ok:
                if closed and "junk" not in flags:
                    flags.append("trunc")
                pos = len(data)
                break
            complete += 1
        elif cls and not tes:
            try:
                n = int(cls[0])
            except ValueError:
                flags.append("junk")
                bodies.append(b"")
                break
            body = data[pos:pos + n]
            bodies.append(body)
            if len(body) < n:
                if closed:
                    flags.append("trunc")
                pos = len(data)
                break
            pos += n
            complete += 1
        else:
            bodies.append(data[pos:])
            pos = len(data)
            if closed:
                complete += 1
    head = heads[-1].decode("latin-1").lower() if heads else ""
    body = bodies[-1].decode("latin-1") if bodies else None
    return statuses, head, body, complete, flags


def run_client(port, payload, want, head_request):
    """Send payload in one write; read per the module doc; parse."""
    s = socket.create_connection(("127.0.0.1", port), timeout=TOTAL_WAIT)
    data, closed = b"", False
    start = time.monotonic()

    def send():  # in its own thread, so an early answer (and close) is read, not lost
        try:
            s.sendall(payload)
        except OSError:
            pass

    threading.Thread(target=send, daemon=True).start()
    try:
        while True:
            left = TOTAL_WAIT - (time.monotonic() - start)
            if left <= 0:
                break
            complete = parse_responses(data, False, head_request)[3]
            idle = want > 0 and complete >= want
            s.settimeout(min(left, IDLE_WAIT) if idle else left)
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                if idle:
                    break
                continue
            except OSError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            data += chunk
    except OSError:
        closed = True
    finally:
        s.close()
    return parse_responses(data, closed, head_request), data


# ---------------------------------------------------------------- the proxies
def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_listening(port, proc, limit=5.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.02)
    return False


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(2)


class HAProxy:
    name = "haproxy"

    def __init__(self, path):
        self.path = path
        self.dir = tempfile.mkdtemp(prefix="wire_corpus_")

    def start(self, backend_port):
        port = free_port()
        cfg = os.path.join(self.dir, "haproxy.cfg")
        with open(cfg, "w") as f:
            f.write(
                "global\n    nbthread 1\n\n"
                "defaults\n    mode http\n    timeout connect 5s\n    timeout client 5s\n"
                "    timeout server 5s\n    option http-keep-alive\n    retries 0\n\n"
                f"frontend fe\n    bind 127.0.0.1:{port}\n    default_backend be\n\n"
                f"backend be\n    server s1 127.0.0.1:{backend_port}\n"
            )
        err = open(os.path.join(self.dir, "stderr"), "w")
        proc = subprocess.Popen([self.path, "-db", "-f", cfg], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err)
        err.close()
        if not wait_listening(port, proc):
            stop(proc)
            return None, None
        return proc, port


class Lbctl:
    name = "lbctl"

    def __init__(self, path):
        self.path = path

    def start(self, backend_port):
        proc = subprocess.Popen(
            [self.path, "proxy", "--listen", "127.0.0.1:0", "--threads", "1", "--retries", "0",
             "--backend", f"127.0.0.1:{backend_port}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = [None]

        def first_line():
            line[0] = proc.stdout.readline().decode("latin-1", "replace")

        t = threading.Thread(target=first_line, daemon=True)
        t.start()
        t.join(10)
        m = re.search(r"proxy http://[^\s:]+:(\d+)", line[0] or "")
        if not m:
            stop(proc)
            return None, None
        threading.Thread(target=proc.stdout.read, daemon=True).start()  # drain
        return proc, int(m.group(1))


def run_case(case, proxy, want):
    be = Backend(case["backend"].encode("latin-1") if "backend" in case else None,
                 bool(case.get("backend_close")))
    proc, port = proxy.start(be.port)
    if proc is None:
        be.stop()
        return {"error": "did not start"}
    try:
        (statuses, head, body, _, flags), raw = run_client(
            port, case["client"].encode("latin-1"), want, bool(case.get("head")))
        time.sleep(0.05)
        upstream, upstream_raw = be.snapshot()
    finally:
        stop(proc)
        be.stop()
    return {"upstream": upstream, "client": statuses, "head": head, "body": body,
            "flags": flags, "raw": raw.decode("latin-1")[:2000], "upstream_raw": upstream_raw}


def deviations(got, exp, junk_ok=False):
    """What in got breaks the expectation exp (empty: it holds). The `haproxy` field cannot
    say "junk", so a known deviation (junk_ok) may include it."""
    if "error" in got:
        return [got["error"]]
    out = []
    if got["upstream"] != exp["upstream"]:
        out.append("upstream")
    if got["client"] != exp["client"]:
        out.append("client")
    for s in exp.get("client_has", []):
        if s not in got["head"]:
            out.append(f"lacks {s!r}")
    for s in exp.get("client_lacks", []):
        if s in got["head"]:
            out.append(f"has {s!r}")
    if "client_body" in exp and got["body"] != exp["client_body"]:
        out.append(f"body {got['body']!r}")
    if "junk" in got["flags"] and not junk_ok:
        out.append("junk")
    return out


def cell(r):
    if "error" in r:
        return r["error"]
    st = ",".join(str(s) for s in r["client"]) or "-"
    fl = "".join("+" + f for f in r.get("flags", []))
    up = "; ".join(r["upstream"]) or "-"
    return f"{st}{fl} | {up}"


def validate(cases):
    names = set()
    for c in cases:
        for k in ("name", "class", "why", "dir", "client", "expect"):
            if k not in c:
                raise SystemExit(f"case {c.get('name')}: missing {k}")
        if c["name"] in names:
            raise SystemExit(f"duplicate case name {c['name']}")
        names.add(c["name"])
        for k in ("client", "backend"):
            if k in c and any(ord(ch) > 0xFF for ch in c[k]):
                raise SystemExit(f"case {c['name']}: {k} has a char above U+00FF")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lbctl", default=os.path.join(ROOT, "target", "debug", "lbctl"))
    ap.add_argument("--haproxy", default=shutil.which("haproxy") or "/usr/sbin/haproxy")
    ap.add_argument("--only", help="case name, or a glob (fnmatch) over names or classes")
    ap.add_argument("--corpus", default=CORPUS)
    ap.add_argument("--json", help="write every result (with the raw client bytes) here")
    ap.add_argument("--wide", type=int, default=48, help="cell width (default 48)")
    args = ap.parse_args()
    with open(args.corpus, encoding="utf-8") as f:
        cases = json.load(f)
    validate(cases)
    if args.only:
        cases = [c for c in cases if fnmatch.fnmatchcase(c["name"], args.only)
                 or fnmatch.fnmatchcase(c["class"], args.only)]
        if not cases:
            ap.error(f"--only {args.only}: no such case")
    proxies = []
    if args.haproxy and os.path.exists(args.haproxy):
        proxies.append(HAProxy(args.haproxy))
    else:
        print(f"haproxy: not found at {args.haproxy}; skipped", file=sys.stderr)
    if os.path.exists(args.lbctl):
        proxies.append(Lbctl(args.lbctl))
    else:
        print(f"lbctl: no binary at {args.lbctl}; skipped", file=sys.stderr)

    w = args.wide
    width = max(len(c["name"]) for c in cases)
    cols = ["expect"] + [p.name for p in proxies]
    print(f"{'case':<{width}}  " + "  ".join(f"{c:<{w}}" for c in cols))
    results, tally = {}, {p.name: [0, 0] for p in proxies}
    for case in cases:
        exp = case["expect"]
        row = [" " + cell({"client": exp["client"], "upstream": exp["upstream"]})]
        results[case["name"]] = {}
        for p in proxies:
            own = case.get("haproxy") if p.name == "haproxy" else None
            want = max(len(exp["client"]), len(own["client"]) if own else 0)
            got = run_case(case, p, want)
            dev = deviations(got, exp)
            known = own is not None and dev and not deviations(got, own, junk_ok=True)
            mark = " " if not dev else ("~" if known else "!")
            if dev and not known:
                tally[p.name][0] += 1
            elif known:
                tally[p.name][1] += 1
            got["deviations"], got["known"] = dev, bool(known)
            results[case["name"]][p.name] = got
            row.append(mark + cell(got))
        print(f"{case['name']:<{width}}  " + "  ".join(f"{c[:w]:<{w}}" for c in row), flush=True)
    print()
    for p in proxies:
        print(f"{p.name}: {tally[p.name][0]} unexpected deviation(s), "
              f"{tally[p.name][1]} known (recorded in the case's haproxy field)")
        for case in cases:
            got = results[case["name"]][p.name]
            if got["deviations"]:
                known = " (known)" if got.get("known") else ""
                print(f"  {case['name']}{known}: {', '.join(got['deviations'])}: got {cell(got)}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

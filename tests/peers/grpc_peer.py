#!/usr/bin/env python3
"""A third-party gRPC peer for lbctl's integration tests (tests/integration/grpc_peers.rs),
built on Python grpcio and grpcio-health-checking (.ci/run installs them).

  grpc_peer.py client HOST:PORT
      Calls grpc.health.v1.Health/Check for "", "lbctl.test.v1.Echo" and "no.such.Service",
      then lbctl.test.v1.Echo/Say, and prints one JSON object with what came back.
  grpc_peer.py server SERVING|NOT_SERVING [SECONDS [CERT.pem KEY.pem]]
      Runs grpcio's own health servicer on 127.0.0.1:0 with "" and "lbctl.test.v1.Echo" set to
      the given status, prints "PORT" on one line, and serves until stdin closes or SECONDS
      (default 60) pass, whichever is first. With CERT and KEY it serves TLS (ALPN h2).

Echo's messages are encoded by hand here (its .proto is in proto/lbctl/test/v1/), so that no
protoc step is needed: a generic client call with bytes in and bytes out.
"""
import json
import sys
import threading

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

ECHO = "lbctl.test.v1.Echo"


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def string_field(tag, s):
    data = s.encode()
    return varint(tag << 3 | 2) + varint(len(data)) + data


def string_fields(buf):
    """The LEN fields of a protobuf message as {tag: str} (what EchoReply holds)."""
    out, i = {}, 0
    while i < len(buf):
        key, i = read_varint(buf, i)
        tag, wire = key >> 3, key & 7
        if wire == 0:
            _, i = read_varint(buf, i)
        elif wire == 2:
            n, i = read_varint(buf, i)
            out[tag] = buf[i:i + n].decode()
            i += n
        else:
            raise ValueError(f"unexpected wire type {wire}")
    return out


def read_varint(buf, i):
    n, shift = 0, 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def client(target):
    result = {}
    with grpc.insecure_channel(target) as ch:
        stub = health_pb2_grpc.HealthStub(ch)
        for name, service in [("all", ""), ("echo", ECHO), ("unknown", "no.such.Service")]:
            try:
                r = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
                result[name] = health_pb2.HealthCheckResponse.ServingStatus.Name(r.status)
            except grpc.RpcError as e:
                result[name] = e.code().name
        say = ch.unary_unary(f"/{ECHO}/Say")  # no serializers: bytes in, bytes out
        try:
            reply = string_fields(say(string_field(1, "hello from grpcio"), timeout=5))
            result["say"] = {"message": reply.get(1, ""), "backend": reply.get(2, "")}
        except grpc.RpcError as e:
            result["say"] = e.code().name
        nope = ch.unary_unary(f"/{ECHO}/Nope")
        try:
            nope(b"", timeout=5)
            result["nope"] = "OK"
        except grpc.RpcError as e:
            result["nope"] = e.code().name
    print(json.dumps(result), flush=True)


def server(status, seconds, cert=None, key=None):
    from concurrent import futures

    srv = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    servicer = health.HealthServicer()
    value = health_pb2.HealthCheckResponse.ServingStatus.Value(status)
    for service in ("", ECHO):
        servicer.set(service, value)
    health_pb2_grpc.add_HealthServicer_to_server(servicer, srv)
    if cert:
        with open(cert, "rb") as c, open(key, "rb") as k:
            creds = grpc.ssl_server_credentials([(k.read(), c.read())])
        port = srv.add_secure_port("127.0.0.1:0", creds)
    else:
        port = srv.add_insecure_port("127.0.0.1:0")
    srv.start()
    print(port, flush=True)
    done = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    done.wait(seconds)
    srv.stop(0)


def main(argv):
    if len(argv) >= 2 and argv[0] == "client":
        client(argv[1])
    elif len(argv) >= 2 and argv[0] == "server":
        tls = argv[3:5] if len(argv) >= 5 else [None, None]
        server(argv[1], float(argv[2]) if len(argv) > 2 else 60.0, *tls)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""A third-party gRPC peer for lbctl's tests: Python grpcio (not written by lbctl), as a server
or as a client, talking to lbctl over loopback only.

  grpcio_peer.py server NAME [STREAMS]  serve on 127.0.0.1:0, print the port, live <= 120 s
                                        (STREAMS: its SETTINGS_MAX_CONCURRENT_STREAMS)
  grpcio_peer.py client ADDR SCENARIO   run SCENARIO against ADDR, print one JSON line

The server has the standard health service (grpc_health.v1, SERVING for "") and raw-bytes
methods under /lbctl.test.Raw/: Who (answers its name), Sleep (sleeps the milliseconds the
request names, then answers its name), Fail (aborts with UNAVAILABLE), Stream (three messages).
No .proto compilation is needed: the Raw methods carry bytes as they are.
"""

import collections
import json
import sys
import time
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

RAW = "/lbctl.test.Raw/"


def server(name, streams=None):
    options = [("grpc.max_concurrent_streams", int(streams))] if streams else []
    srv = grpc.server(futures.ThreadPoolExecutor(max_workers=32), options=options)
    h = health.HealthServicer()
    h.set("", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(h, srv)

    def who(req, ctx):
        return name.encode()

    def sleep(req, ctx):
        time.sleep(int(req.decode() or "0") / 1000.0)
        return name.encode()

    def fail(req, ctx):
        ctx.abort(grpc.StatusCode.UNAVAILABLE, "told to fail")

    def stream(req, ctx):
        for i in range(3):
            yield f"{name}:{i}".encode()

    handlers = {
        "Who": grpc.unary_unary_rpc_method_handler(who),
        "Sleep": grpc.unary_unary_rpc_method_handler(sleep),
        "Fail": grpc.unary_unary_rpc_method_handler(fail),
        "Stream": grpc.unary_stream_rpc_method_handler(stream),
    }
    srv.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("lbctl.test.Raw", handlers),)
    )
    port = srv.add_insecure_port("127.0.0.1:0")
    srv.start()
    print(port, flush=True)
    srv.wait_for_termination(timeout=120)


def call(fn, *args, **kw):
    """(ok, value or [code name, details])"""
    try:
        r = fn(*args, **kw)
        return True, r.decode() if isinstance(r, bytes) else r
    except grpc.RpcError as e:
        return False, [e.code().name, e.details()]


def client(addr, scenario):
    # ONE channel for the whole scenario: per-call balancing is the point.
    ch = grpc.insecure_channel(addr)
    who = ch.unary_unary(RAW + "Who")
    out = {}
    if scenario == "spread":
        stub = health_pb2_grpc.HealthStub(ch)
        ok, r = call(stub.Check, health_pb2.HealthCheckRequest(service=""), timeout=5)
        out["health"] = health_pb2.HealthCheckResponse.ServingStatus.Name(r.status) if ok else r
        names = collections.Counter()
        errors = []
        for _ in range(30):
            ok, r = call(who, b"", timeout=5)
            if ok:
                names[r] += 1
            else:
                errors.append(r)
        out["names"] = names
        out["errors"] = errors
        ok, r = call(lambda: [m.decode() for m in ch.unary_stream(RAW + "Stream")(b"", timeout=5)])
        out["stream"] = r
    elif scenario == "fail":
        out["result"] = call(ch.unary_unary(RAW + "Fail"), b"", timeout=5)[1]
    elif scenario == "down":
        out["result"] = call(who, b"", timeout=5)[1]
    elif scenario.startswith("parallel:"):
        # N calls at once on the one channel, each held 500 ms by the server.
        n = int(scenario[9:])
        sleep = ch.unary_unary(RAW + "Sleep")
        with futures.ThreadPoolExecutor(max_workers=n) as pool:
            results = list(pool.map(lambda _: call(sleep, b"500", timeout=10), range(n)))
        out["ok"] = sum(1 for ok, _ in results if ok)
        out["errors"] = [r for ok, r in results if not ok]
    elif scenario.startswith("loop:"):
        # Calls one after the other for the given seconds (a backend is killed meanwhile).
        end = time.time() + float(scenario[5:])
        names = collections.Counter()
        errors = []
        while time.time() < end:
            ok, r = call(who, b"", timeout=5)
            if ok:
                names[r] += 1
            else:
                errors.append(r)
            time.sleep(0.01)
        out["names"] = names
        out["errors"] = errors
    else:
        sys.exit(f"unknown scenario {scenario}")
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    if len(sys.argv) in (3, 4) and sys.argv[1] == "server":
        server(*sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "client":
        client(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)

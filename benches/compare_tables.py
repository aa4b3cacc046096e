#!/usr/bin/env python3
"""The tables of benches/compare.sh, from its results.tsv (one row per measurement):
medians over rounds, ratios to each group's anchor. Run by compare.sh, not by hand:

  compare_tables.py RESULTS ONLY HEAD1 HEAD2 IDLE MIB STIME H2_CONNS H2_STREAMS
"""
import os, statistics as st, sys
path, only, head1, head2, idle, mib, stime, h2c, h2m = sys.argv[1:]
rows = [l.rstrip("\n").split("\t") for l in open(path)]
only = only.split(",")
print(head1)
print(head2)
def med(xs): return st.median(xs) if xs else None
def f(v, p=0): return "-" if v is None else f"{v:,.{p}f}"
def ratio(a, b): return None if a is None or not b else a / b

sut_name = {"proxy": "the proxy", "tcp": "the proxy", "load": "the load generator (client)", "serve": "the server",
            "tls": "the proxy", "handshake": "the proxy, per full handshake", "h2-h1": "the proxy", "h2-h2": "the proxy",
            "compress": "the proxy"}
anchor = {"proxy": "haproxy", "tcp": "haproxy", "load": "wrk", "serve": "nginx", "tls": "haproxy",
          "handshake": "haproxy", "h2-h1": "haproxy", "h2-h2": "haproxy", "compress": "nginx"}
groups = {"tls": ["tls", "handshake"], "h2": ["h2-h1", "h2-h2"]}
for g in [t for o in ["proxy", "tcp", "tls", "h2", "load", "serve", "compress"] if o in only for t in groups.get(o, [o])]:
    shared_direct = g in ("proxy", "tcp")       # their `direct` row is measured once for both
    names = (["direct"] if shared_direct else []) + [r[1] for r in rows if r[0] == g and r[2] == "1"]
    data = {}
    for n in names:
        rs = [r for r in rows if r[0] == ("direct" if n == "direct" and shared_direct else g) and r[1] == n]
        ok = [r for r in rs if r[3] == "ok"]
        col = lambda i: [float(r[i]) for r in ok]
        rps = col(4)
        data[n] = dict(runs=len(rs), ok=len(ok), rps=med(rps), p50=med(col(5)), p99=med(col(6)),
                       spread=100 * (max(rps) - min(rps)) / med(rps) if rps else None,
                       sut=med(col(9)), cli=med(col(10)), other=med(col(11)), sut_all=col(9),
                       sut_by_round={int(r[2]): float(r[9]) for r in ok})
    a = data.get(anchor[g])
    def paired(d):  # median over rounds of sut / the anchor's sut in the same round
        xs = [v / a["sut_by_round"][k] for k, v in d["sut_by_round"].items() if a and a["sut_by_round"].get(k)]
        return med(xs)
    print(f"\n## {g}: sut_us = CPU µs per request of {sut_name[g]}; x_* = ratio of medians to {anchor[g]} (x_sut < 1: cheaper);")
    print(f"#   x_sut_rd = median over rounds of the same ratio within each round")
    print(f"{'scenario':<10} {'ok':>5} {'req/s':>8} {'p50_us':>7} {'p99_us':>7} {'spread%':>7} {'sut_us':>7} {'sut_us range':>13} {'cli_us':>6} {'other%':>6} {'x_rps':>6} {'x_sut':>6} {'x_sut_rd':>8} {'x_p99':>6}")
    for n, d in data.items():
        rng = f"{min(d['sut_all']):.2f}-{max(d['sut_all']):.2f}" if d["sut_all"] else "-"
        print(f"{n:<10} {d['ok']:>2}/{d['runs']:<2} {f(d['rps']):>8} {f(d['p50']):>7} {f(d['p99']):>7} {f(d['spread'],1):>7} "
              f"{f(d['sut'],2):>7} {rng:>13} {f(d['cli'],2):>6} {f(d['other'],1):>6} "
              f"{f(ratio(d['rps'], a and a['rps']),3):>6} {f(ratio(d['sut'], a and a['sut']),3):>6} {f(paired(d),3):>8} {f(ratio(d['p99'], a and a['p99']),3):>6}")
    if g in ("proxy", "tcp"):
        print("# direct: wrk straight to a backend (sut_us is the backend's): the ceiling; a proxy row near its req/s")
        print("#   is capped by the client+backend core, so compare sut_us, not req/s")
    if g == "compress":
        print("# wrk -H 'Accept-Encoding: gzip', one 32 KiB text/html page from nginx; nginx: gzip on, gzip_comp_level 1;")
        print("#   lbctl: --compress gzip:1; lbctl-gz2: --compress gzip:2; *-plain: the same proxies without compression")
        if os.path.exists(os.path.join(os.path.dirname(path), "compress-sizes.tsv")):
            sizes = [l.rstrip("\n").split("\t") for l in open(os.path.join(os.path.dirname(path), "compress-sizes.tsv"))]
            print("# the page, 32768 bytes, compressed: " + ", ".join(f"{w} {n} bytes" for w, n in sizes))
    side = lambda name: os.path.join(os.path.dirname(path), name)
    if g == "tls" and os.path.exists(side("tls-negotiated.tsv")):
        for line in open(side("tls-negotiated.tsv")):
            who, neg = line.rstrip("\n").split("\t", 1)
            print(f"# {who} negotiates (OpenSSL's client defaults, as wrk and s_time): {neg}")
    if g == "handshake":
        print(f"# openssl s_time -new, {stime} client(s) at once, no request: req/s = full handshakes/s, sut_us = CPU µs per handshake")
        print("# a connection s_time marks as resumed counts as an error: `ok` rows had none resumed (all full handshakes)")
    if g.startswith("h2-"):
        print(f"# h2load -t1 -c{h2c} -m{h2m}, h2c prior knowledge; " + ("backends HTTP/1.1 (the proxy group's)" if g == "h2-h1"
              else "backends nginx h2c: HAProxy `proto h2`, lbctl `,h2c`; direct: h2load straight to one backend"))
        if g == "h2-h2" and "lbctl" not in data:
            print("# lbctl: skipped, this lbctl has no ,h2c backends")
if "memory" in only:
    print(f"\n## memory: RSS growth per idle keep-alive client connection ({idle} connections, a fresh proxy each)")
    print(f"{'proxy':<8} {'connections':<22} {'bytes/conn':>10} {'range':>13} {'x_haproxy':>9}")
    m = {}
    for r in rows:
        if r[0] == "memory": m.setdefault(r[1], []).append(float(r[4]))
    for v in ["request", "no-request"]:
        h = med(m.get(f"haproxy {v}", []))
        for who in ["haproxy", "lbctl"]:
            xs = m.get(f"{who} {v}", [])
            what = "after one request each" if v == "request" else "no request sent"
            print(f"{who:<8} {what:<22} {f(med(xs)):>10} {(f'{min(xs):.0f}-{max(xs):.0f}' if xs else '-'):>13} {f(ratio(med(xs), h),2):>9}")
if "transfer" in only:
    print(f"\n## transfer: one {mib} MiB transfer (Python sender and sink, 1 MiB writes); proxy CPU seconds per GiB moved")
    print(f"{'path':<8} {'MiB/s':>7} {'range':>11} {'cpu_s/GiB':>9} {'x_direct':>8} {'x_haproxy':>9}")
    t = {}
    for r in rows:
        if r[0] == "transfer": t.setdefault(r[1], []).append(r)
    mb = {p: med([float(r[4]) for r in t.get(p, [])]) for p in ["direct", "lbctl", "haproxy"]}
    for p in ["direct", "lbctl", "haproxy"]:
        xs = [float(r[4]) for r in t.get(p, [])]
        cpu = med([float(r[5]) for r in t.get(p, []) if r[5]])
        print(f"{p:<8} {f(mb[p]):>7} {(f'{min(xs):.0f}-{max(xs):.0f}' if xs else '-'):>11} {f(cpu,3):>9} {f(ratio(mb[p], mb['direct']),2):>8} {f(ratio(mb[p], mb['haproxy']),2):>9}")
    lb = {int(r[2]): float(r[4]) for r in t.get("lbctl", [])}
    hp = {int(r[2]): float(r[4]) for r in t.get("haproxy", [])}
    per = [lb[k] / hp[k] for k in sorted(lb) if k in hp and hp[k]]
    if per: print(f"# lbctl / HAProxy MiB/s, round by round: " + ", ".join(f"{x:.2f}" for x in per))

#!/usr/bin/env bash
# benches/h2_vs_h2load.sh: `lbctl load --http2 --h2-streams M` against h2load -m M (nghttp2),
# the same backend in the same run, rounds alternating. Prints each round, then the medians
# and the ratios lbctl/h2load of client CPU per request (lower is better) and req/s (higher).
#
# Usage: benches/h2_vs_h2load.sh [--rounds R] [-c C] [-m M] [-n N]
#   cargo build --release && benches/h2_vs_h2load.sh               # 5 rounds, -c 4 -m 32 -n 200000
#   LBCTL=/tmp/lbctl benches/h2_vs_h2load.sh --rounds 9 -m 100
#
# Method. The backend is nginx (one worker, `return 200 "hello\n"`, cleartext HTTP/2 with prior
# knowledge, keepalive_requests high enough that no connection is closed mid-run) pinned to cpu0;
# the client (h2load -t1, or lbctl load --threads 1) alone on cpu1, so one core each. Client CPU
# is utime+stime from /proc/PID/stat, read when the client has exited but before it is reaped
# (waitid with WNOWAIT), divided by the requests that succeeded. req/s is each tool's own figure
# (h2load: "finished in"; lbctl: rps over its measured window). Needs nginx, h2load
# (Debian nghttp2-client) and taskset.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
LBCTL=${LBCTL:-${CARGO_TARGET_DIR:-$here/target}/release/lbctl}
rounds=5 conns=4 streams=32 requests=200000
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds=$2; shift 2 ;;
        -c) conns=$2; shift 2 ;;
        -m) streams=$2; shift 2 ;;
        -n) requests=$2; shift 2 ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "unknown argument '$1'; see --help" >&2; exit 2 ;;
    esac
done
for tool in nginx h2load taskset python3; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install nginx nghttp2-client util-linux)" >&2; exit 2; }
done
[ -x "$LBCTL" ] || { echo "no lbctl binary at $LBCTL; cargo build --release first" >&2; exit 2; }

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# nginx 1.25.1 moved HTTP/2 from `listen ... http2` to `http2 on`.
if nginx -V 2>&1 | grep -qE 'nginx/1\.(2[5-9]|[3-9][0-9])'; then
    listen="listen 127.0.0.1:$port; http2 on;"
else
    listen="listen 127.0.0.1:$port http2;"
fi
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000000;
    keepalive_timeout 300s;
    http2_max_concurrent_streams 1024;
    server { $listen location / { return 200 "hello\n"; } }
}
CONF
taskset -c 0 nginx -c "$work/nginx.conf" -p "$work" &
nginx_pid=$!
trap 'kill $nginx_pid 2>/dev/null; wait $nginx_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do
    curl -s --http2-prior-knowledge "http://127.0.0.1:$port/" >/dev/null && break
    sleep 0.1
done
url="http://127.0.0.1:$port/"

# run.py CMD...: runs CMD on cpu1; prints its stdout, then a last line "CPU <seconds>".
cat > "$work/run.py" <<'PY'
import os, subprocess, sys
p = subprocess.Popen(["taskset", "-c", "1"] + sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
out = p.stdout.read()
os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)  # exited, not reaped: /proc/PID/stat stays
f = open(f"/proc/{p.pid}/stat").read().rsplit(")", 1)[1].split()
cpu = (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")  # fields 14, 15: utime, stime
p.wait()
sys.stdout.write(out.decode() + f"\nCPU {cpu}\n")
PY

echo "h2c, $requests requests, -c $conns -m $streams, $rounds rounds; backend nginx $(nginx -v 2>&1 | sed 's/.*\///') on cpu0, client on cpu1"
echo "lbctl: $LBCTL"
printf '%-6s %-7s %10s %10s %12s\n' round tool req/s succeeded cpu_us/req
results="$work/results"
for r in $(seq "$rounds"); do
    out=$(python3 "$work/run.py" h2load -t 1 -c "$conns" -m "$streams" -n "$requests" "$url")
    rps=$(echo "$out" | sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p')
    ok=$(echo "$out" | sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p')
    cpu=$(echo "$out" | sed -n 's/^CPU //p')
    us=$(python3 -c "print(f'{$cpu * 1e6 / max($ok, 1):.2f}')")
    printf '%-6s %-7s %10s %10s %12s\n' "$r" h2load "$rps" "$ok" "$us"
    echo "h2load $rps $us" >> "$results"

    out=$(python3 "$work/run.py" "$LBCTL" load --http2 --threads 1 -c "$conns" --h2-streams "$streams" -n "$requests" --quiet --output json "$url")
    json=$(echo "$out" | sed '/^CPU /d')
    rps=$(echo "$json" | python3 -c 'import json,sys; print("%.2f" % json.load(sys.stdin)["rps"])')
    ok=$(echo "$json" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["responses"] - d["errors"])')
    cpu=$(echo "$out" | sed -n 's/^CPU //p')
    us=$(python3 -c "print(f'{$cpu * 1e6 / max($ok, 1):.2f}')")
    printf '%-6s %-7s %10s %10s %12s\n' "$r" lbctl "$rps" "$ok" "$us"
    echo "lbctl $rps $us" >> "$results"
done
python3 - "$results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = {t: (statistics.median(float(r[1]) for r in rows if r[0] == t),
           statistics.median(float(r[2]) for r in rows if r[0] == t)) for t in ("h2load", "lbctl")}
print()
print(f"{'median':<14} {'req/s':>10} {'cpu_us/req':>12}")
for t, (rps, us) in med.items():
    print(f"{t:<14} {rps:>10.0f} {us:>12.2f}")
print(f"{'lbctl/h2load':<14} {med['lbctl'][0] / med['h2load'][0]:>9.2f}x {med['lbctl'][1] / med['h2load'][1]:>11.2f}x")
PY

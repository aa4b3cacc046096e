#!/usr/bin/env bash
# Side-by-side: `lbctl serve` vs nginx (1 worker) as an HTTP backend, wrk -t1 -c64 on loopback,
# interleaved rounds, backend pinned to cpu1 and wrk to cpu0 (as benches/compare.sh does for
# its load rows). Prints median req/s and backend CPU microseconds per request, and the ratios.
# Usage: benches/serve_vs_nginx.sh [target/release/lbctl] ; ROUNDS=5 SECS=3 BODY=1024 to tune.
set -euo pipefail
LBCTL=${1:-target/release/lbctl}
ROUNDS=${ROUNDS:-5}; SECS=${SECS:-3}; BODY=${BODY:-1024}; CONNS=${CONNS:-64}
PORT_NGX=${PORT_NGX:-18181}
command -v wrk >/dev/null && command -v nginx >/dev/null || { echo "needs wrk and nginx (apt-get install wrk nginx-light)" >&2; exit 2; }
WORK=$(mktemp -d); PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM
head -c "$BODY" /dev/zero | tr '\0' x > "$WORK/body"
cat > "$WORK/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $WORK/nginx.pid; error_log $WORK/err.log;
events { worker_connections 4096; }
http { access_log off; server { listen 127.0.0.1:$PORT_NGX; keepalive_requests 1000000;
  location / { root $WORK; try_files /body =404; } } }
CONF
taskset -c 1 nginx -c "$WORK/nginx.conf" & PIDS+=($!)
taskset -c 1 "$LBCTL" serve --count 2 --threads 1 --body-size "$BODY" > "$WORK/serve.out" & PIDS+=($!)
LB_PID=$!
sleep 1
LB_URL=$(awk 'NR==1{print $2}' "$WORK/serve.out")
NGX_PID=$(pgrep -P "$(cat "$WORK/nginx.pid")" | head -n1)   # the worker does the work
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
run() { # run URL PID -> "rps cpu_us_per_req"
  local url=$1 pid=$2 t0 t1 out rps
  t0=$(cpu_ticks "$pid")
  out=$(taskset -c 0 wrk -t1 -c"$CONNS" -d"${SECS}s" "$url/" 2>&1)
  t1=$(cpu_ticks "$pid")
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  python3 -c "import sys;r=float('$rps');t=($t1-$t0)/$(getconf CLK_TCK);print(f'{r:.0f} {t*1e6/(r*$SECS):.1f}')"
}
for r in $(seq 1 "$ROUNDS"); do
  echo "nginx $(run "http://127.0.0.1:$PORT_NGX" "$NGX_PID")" >> "$WORK/res"
  echo "lbctl $(run "$LB_URL" "$LB_PID")" >> "$WORK/res"
done
python3 - "$WORK/res" <<'PY'
import sys, statistics as st
rows = {}
for line in open(sys.argv[1]):
    name, rps, cpu = line.split(); rows.setdefault(name, []).append((float(rps), float(cpu)))
med = {n: (st.median(r for r, _ in v), st.median(c for _, c in v)) for n, v in rows.items()}
print(f"{'backend':8} {'req/s':>9} {'cpu_us/req':>11}  rounds")
for n, (r, c) in med.items():
    print(f"{n:8} {r:9.0f} {c:11.1f}  {[int(x) for x, _ in rows[n]]}")
print(f"lbctl/nginx req/s ratio {med['lbctl'][0]/med['nginx'][0]:.2f}, cpu/req ratio {med['lbctl'][1]/med['nginx'][1]:.2f}")
PY

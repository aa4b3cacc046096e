#!/usr/bin/env bash
# benches/cache_cost.sh: what the response cache (issue #16) costs and saves, measured as
# benches/policy_cost.sh measures the traffic policy: wrk -t1 on loopback, one proxy thread, CPU
# time of the proxy process per request from /proc/PID/stat, interleaved rounds, medians.
# Variants: plain (no cache: the HTTP/1.1 fast path relays) | hit (--cache with --cache-ttl:
# every request after the first is answered from memory, no backend) | miss (--cache without a
# TTL: the backend's answer has no Cache-Control, so every request is a miss on the hyper path,
# taking and releasing the key's fill lock) | hyper (no cache, on the hyper path: a mirror of
# fraction 0 sends the route there; what a miss costs beyond the path caching routes take).
#
# --distinct: every request a new path (a wrk Lua script): no two requests share a key, so `hit`
# measures storing (and, once full, evicting) and `miss` the lookup without collapsed waits.
# Usage: cargo build --release && benches/cache_cost.sh [--rounds N] [--seconds S] [--conns C]
#        [--distinct]
# Environment: LBCTL (default target/release/lbctl). Needs wrk and nginx (apt-get install wrk
# nginx-light). Loopback only; ports picked free; every process started here is killed by PID.
# On a 2-core machine wrk and the nginx backend run on cpu0, the proxy alone on cpu1.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LBCTL=${LBCTL:-$HERE/../target/release/lbctl}
ROUNDS=6 SECS=2 CONNS=64 DISTINCT=0
while (($#)); do
  case $1 in
    --rounds) ROUNDS=${2:?}; shift 2 ;;
    --seconds) SECS=${2:?}; shift 2 ;;
    --conns) CONNS=${2:?}; shift 2 ;;
    --distinct) DISTINCT=1; shift ;;
    -h | --help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "cache_cost.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
for t in wrk nginx python3; do command -v "$t" >/dev/null || { echo "cache_cost.sh: $t is not installed" >&2; exit 2; }; done
[[ -x $LBCTL ]] || { echo "cache_cost.sh: no binary at $LBCTL (cargo build --release)" >&2; exit 2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lbctl-cache.XXXXXX")
declare -a PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
CPU_A=0 CPU_B=$(($(nproc) > 1 ? 1 : 0))
HZ=$(getconf CLK_TCK)

NB=$(free_port)
cat >"$WORK/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $WORK/nginx.pid; error_log stderr error;
events { worker_connections 4096; }
http { access_log off; server { listen 127.0.0.1:$NB; keepalive_requests 1000000;
  location / { return 200 "ok\n"; } } }
CONF
taskset -c $CPU_A nginx -c "$WORK/nginx.conf" -p "$WORK" 2>"$WORK/nginx.err" & PIDS+=($!)

declare -A PORT=() PID=()
start() { # NAME ARGS...
  local name=$1; shift
  PORT[$name]=$(free_port)
  taskset -c $CPU_B "$LBCTL" proxy --threads 1 --quiet --listen "127.0.0.1:${PORT[$name]}" \
    --backend "a=127.0.0.1:$NB" "$@" >"$WORK/$name.out" 2>&1 & PID[$name]=$!; PIDS+=($!)
}
start plain
start hit --cache 64MiB --cache-ttl 1h
start miss --cache 64MiB
# The hyper path without a cache (a mirror that copies nothing sends the route there too): what
# a miss costs beyond the path a caching route must take.
start hyper --pool "s=b=127.0.0.1:$NB" --mirror s:0
sleep 1
for n in "${!PORT[@]}"; do
  timeout 5 bash -c "until curl -sf -o /dev/null http://127.0.0.1:${PORT[$n]}/; do sleep 0.1; done" ||
    { echo "cache_cost.sh: proxy $n did not answer" >&2; cat "$WORK/$n.out" >&2; exit 1; }
done
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
SCRIPT=()
if ((DISTINCT)); then
  echo 'counter = 0
request = function() counter = counter + 1; return wrk.format("GET", "/p" .. counter .. "-" .. math.random(1e9)) end' >"$WORK/distinct.lua"
  SCRIPT=(-s "$WORK/distinct.lua")
fi
: >"$WORK/results"
for ((r = 1; r <= ROUNDS; r++)); do
  order=(plain hit miss hyper); ((r % 2)) || order=(hyper miss hit plain)
  for n in "${order[@]}"; do
    t0=$(ticks "${PID[$n]}")
    out=$(taskset -c $CPU_A timeout 60 wrk -t1 -c"$CONNS" -d"${SECS}s" "${SCRIPT[@]}" "http://127.0.0.1:${PORT[$n]}/")
    t1=$(ticks "${PID[$n]}")
    reqs=$(awk '/requests in/ { print $1 }' <<<"$out")
    non2xx=$(awk '/Non-2xx/ { print $NF }' <<<"$out"); non2xx=${non2xx:-0}
    us=$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v q="$reqs" 'BEGIN { printf "%.3f", t / hz * 1e6 / q }')
    rps=$(awk -v q="$reqs" -v s="$SECS" 'BEGIN { printf "%.0f", q / s }')
    echo "$n $us $rps $non2xx" >>"$WORK/results"
    echo "[cache] round $r $n: $rps req/s, $us us CPU/request, non-2xx $non2xx" >&2
  done
done
echo "median over $ROUNDS rounds (proxy CPU per request; ratio against plain)"
python3 - "$WORK/results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    n, us, rps, bad = line.split()
    rows.setdefault(n, []).append((float(us), float(rps), int(bad)))
base = statistics.median(u for u, _, _ in rows["plain"])
print(f"{'variant':<10} {'us/req':>8} {'req/s':>9} {'ratio':>7} {'non-2xx':>8}")
for n in ["plain", "hit", "miss", "hyper"]:
    us = statistics.median(u for u, _, _ in rows[n])
    rps = statistics.median(r for _, r, _ in rows[n])
    bad = sum(b for _, _, b in rows[n])
    print(f"{n:<10} {us:8.3f} {rps:9.0f} {us / base:7.3f} {bad:8d}")
PY

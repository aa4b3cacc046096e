#!/usr/bin/env bash
# benches/exporter_vs_blackbox.sh: `lbctl probe --exporter` against Debian's
# prometheus-blackbox-exporter (the anchor), answering the same /probe scrape (module http_2xx,
# an `lbctl serve` backend's /health on loopback) under wrk, interleaved rounds in one run.
# Every answer is checked: a wrk Lua script counts bodies with `probe_success 1` (a fast
# probe_success 0 would otherwise look like throughput). Prints scrapes/s, p50/p99 and the
# ratio to blackbox per round, and each exporter's peak RSS.
# Usage: cargo build --release && benches/exporter_vs_blackbox.sh [--rounds N] [--seconds S]
#        [--conns C]
# Environment: LBCTL (default target/release/lbctl). Needs wrk and prometheus-blackbox-exporter
# (apt-get install wrk prometheus-blackbox-exporter). Loopback only; every process started
# here is killed by PID.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LBCTL=${LBCTL:-$HERE/../target/release/lbctl}
ROUNDS=2 SECS=8 CONNS=16
while (($#)); do
  case $1 in
    --rounds) ROUNDS=${2:?}; shift 2 ;;
    --seconds) SECS=${2:?}; shift 2 ;;
    --conns) CONNS=${2:?}; shift 2 ;;
    -h | --help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "exporter_vs_blackbox.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
DIR=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$DIR"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$LBCTL" serve --count 1 --port 0 --threads 1 >"$DIR/serve.out" 2>/dev/null &
PIDS+=($!)
for _ in $(seq 50); do [[ -s $DIR/serve.out ]] && break; sleep 0.1; done
BACKEND=$(awk '{print $2; exit}' "$DIR/serve.out")
printf 'modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n' >"$DIR/bb.yml"
BB_PORT=$(free_port)
prometheus-blackbox-exporter --config.file="$DIR/bb.yml" --web.listen-address="127.0.0.1:$BB_PORT" >/dev/null 2>&1 &
BB_PID=$!
PIDS+=($BB_PID)
"$LBCTL" -q probe --exporter 127.0.0.1:0 >"$DIR/lb.out" 2>/dev/null &
LB_PID=$!
PIDS+=($LB_PID)
for _ in $(seq 50); do [[ -s $DIR/lb.out ]] && break; sleep 0.1; done
LB_URL=$(head -1 "$DIR/lb.out")
sleep 1
cat >"$DIR/count.lua" <<'LUA'
ok, bad = 0, 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function response(status, headers, body)
  if status == 200 and string.find(body, "\nprobe_success 1\n", 1, true) then ok = ok + 1 else bad = bad + 1 end
end
function done(summary, latency, requests)
  local o, b = 0, 0
  for _, t in ipairs(threads) do o = o + t:get("ok"); b = b + t:get("bad") end
  io.write(string.format("checked %d %d\n", o, b))
end
LUA
QUERY="probe?target=$BACKEND/health&module=http_2xx"
run() {
  wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$DIR/count.lua" "$1/$QUERY" |
    awk '/Requests\/sec/ {r=$2} / 50%/ {p50=$2} / 99%/ {p99=$2} /^checked/ {ok=$2; bad=$3}
         END {printf "%s %s %s %s %s\n", r, p50, p99, ok, bad}'
}
printf '%-6s %-10s %12s %9s %9s %10s %7s %8s\n' round exporter scrapes/s p50 p99 success other ratio
for r in $(seq "$ROUNDS"); do
  read -r bb_rps bb_p50 bb_p99 bb_ok bb_bad <<<"$(run "http://127.0.0.1:$BB_PORT")"
  read -r lb_rps lb_p50 lb_p99 lb_ok lb_bad <<<"$(run "$LB_URL")"
  printf '%-6s %-10s %12s %9s %9s %10s %7s %8s\n' "$r" blackbox "$bb_rps" "$bb_p50" "$bb_p99" "$bb_ok" "$bb_bad" 1.00
  printf '%-6s %-10s %12s %9s %9s %10s %7s %8.2f\n' "$r" lbctl "$lb_rps" "$lb_p50" "$lb_p99" "$lb_ok" "$lb_bad" \
    "$(python3 -c "print($lb_rps/$bb_rps)")"
done
echo "peak RSS: blackbox $(awk '/VmHWM/ {print $2, $3}' /proc/$BB_PID/status), lbctl $(awk '/VmHWM/ {print $2, $3}' /proc/$LB_PID/status)"
echo "blackbox: $(prometheus-blackbox-exporter --version 2>&1 | head -1)"

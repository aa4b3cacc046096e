#!/usr/bin/env bash
# benches/screenshots.sh: the README's picture of the proxy's HTML stats page, taken by Debian's
# headless chromium from a live proxy on loopback. Five `lbctl serve` backends in two pools of a
# config file: web (weights 3:1:1, web3 drained through the runtime API) for `/`, api
# (least-conn; api2 answers 5% 503s, api3's port is closed so its active check fails) for
# `/api`; two short `lbctl load` runs for traffic; the screenshot is taken while they run, after
# the page has polled /stats a few times (?refresh=1).
#
# With --page load-report: the README's picture of `lbctl load report`: three `lbctl serve`
# backends (b3 slower, 2% 503s), two runs through all three (a constant 200/s, and stages
# 100/s -> 600/s), both with --group-by X-Backend and a p99 SLO, drawn on one page.
#
# Usage: benches/screenshots.sh [--page proxy|load-report] [--out DIR] [--dark] [--window WxH]
#   cargo build && benches/screenshots.sh        # writes benches/screens/proxy-stats.png
#   benches/screenshots.sh --page load-report     # writes benches/screens/load-report.png
#   benches/screenshots.sh --dark --window 420x900 --out /tmp/shots   # dark, phone-sized
# Environment: LBCTL, the binary (default target/debug/lbctl, else target/release/lbctl).
# Everything is bounded: each wait has a deadline, chromium is killed after 60 s, and every
# process started here is killed by PID on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

out=benches/screens
dark=0
window=
page=proxy
while [ $# -gt 0 ]; do
  case "$1" in
    --page) page="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --dark) dark=1; shift ;;
    --window) window="$2"; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "screenshots.sh: unknown argument '$1' (expected --page P, --out DIR, --dark, --window WxH or --help)" >&2; exit 2 ;;
  esac
done
case "$page" in
  proxy) default_window=1280x800 ;;
  load-report) default_window=1280x3000 ;;
  *) echo "screenshots.sh: --page '$page' is not proxy or load-report" >&2; exit 2 ;;
esac
window="${window:-$default_window}"
case "$window" in
  [0-9]*x[0-9]*) ;;
  *) echo "screenshots.sh: --window '$window' is not WIDTHxHEIGHT (e.g. 1280x800)" >&2; exit 2 ;;
esac

lbctl="${LBCTL:-}"
if [ -z "$lbctl" ]; then
  for c in target/debug/lbctl target/release/lbctl; do
    if [ -x "$c" ]; then lbctl="$c"; break; fi
  done
fi
[ -x "$lbctl" ] || { echo "screenshots.sh: no lbctl binary (cargo build, or set LBCTL)" >&2; exit 2; }
command -v chromium >/dev/null || { echo "screenshots.sh: chromium not found (apt-get install chromium)" >&2; exit 2; }

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# Wait (at most 20 s) for a file to have N lines.
wait_lines() {
  local file=$1 n=$2 i
  for i in $(seq 200); do
    [ "$(wc -l < "$file" 2>/dev/null || echo 0)" -ge "$n" ] && return 0
    sleep 0.1
  done
  echo "screenshots.sh: timed out waiting for $file" >&2; exit 1
}

# Take a screenshot of URL into PNG (chromium killed after 60 s); extra chromium flags after.
shoot() {
  local url=$1 png=$2; shift 2
  chromium --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
    --user-data-dir="$tmp/chromium" --window-size="${window/x/,}" "$@" \
    --screenshot="$png" "$url" >"$tmp/chromium.out" 2>&1 &
  local chrome=$!
  pids+=($chrome)
  for i in $(seq 600); do kill -0 "$chrome" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$chrome" 2>/dev/null; then
    echo "screenshots.sh: chromium did not finish within 60 s" >&2; exit 1
  fi
  wait "$chrome"
}

dark_flags=()
[ "$dark" = 1 ] && dark_flags=(--force-dark-mode --blink-settings=preferredColorScheme=0)
if [ "$page" = load-report ]; then
  "$lbctl" serve --count 3 --port 0 --threads 1 --latency 2ms..12ms \
    --backend-opts b3:latency=5ms..30ms,fail-rate=0.02 >"$tmp/serve.out" 2>"$tmp/serve.err" &
  pids+=($!)
  wait_lines "$tmp/serve.out" 3
  awk '{print $2 "/"}' "$tmp/serve.out" >"$tmp/urls.txt"
  common=(--urls-file "$tmp/urls.txt" -c 20 --group-by X-Backend --slo 'p99<40ms' --slo 'rps>=150' -o json -q)
  "$lbctl" load "${common[@]}" --rate 200/s -d 12s >"$tmp/constant.json" || true
  "$lbctl" load "${common[@]}" --stage 4s:100/s --stage 4s:100/s..600/s --stage 4s:600/s \
    >"$tmp/ramp.json" || true
  "$lbctl" load report "$tmp/constant.json" "$tmp/ramp.json" -o "$tmp/report.html" \
    --title 'constant 200/s vs a ramp to 600/s'
  mkdir -p "$out"
  png="$out/load-report.png"
  [ "$window" != "$default_window" ] && png="$out/load-report-$window.png"
  [ "$dark" = 1 ] && png="${png%.png}-dark.png"
  shoot "file://$tmp/report.html" "$png" "${dark_flags[@]}"
  echo "wrote $png ($(wc -c < "$png") bytes)"
  exit 0
fi

"$lbctl" serve --count 5 --port 0 --threads 1 --latency 2ms..20ms \
  --backend-opts b5:fail-rate=0.05,latency=5ms..40ms >"$tmp/serve.out" 2>"$tmp/serve.err" &
pids+=($!)
wait_lines "$tmp/serve.out" 5
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
addr=()
while read -r _ url; do addr+=("${url#http://}"); done < "$tmp/serve.out"
cat >"$tmp/lbctl.toml" <<EOF
[[listener]]
listen = "127.0.0.1:0"
default_pool = "web"

[[listener.route]]
path_prefix = "/api"
pool = "api"

[pool.web]
backends = ["web1=${addr[0]},weight=3", "web2=${addr[1]}", "web3=${addr[2]}"]
check = "http:/"
check_interval = "500ms"

[pool.api]
backends = ["api1=${addr[3]}", "api2=${addr[4]}", "api3=127.0.0.1:$closed"]
algorithm = "least-conn"
check = "http:/"
check_interval = "500ms"
fall = 2
EOF

"$lbctl" proxy --config "$tmp/lbctl.toml" --admin 127.0.0.1:0 --threads 1 \
  >"$tmp/proxy.out" 2>"$tmp/proxy.err" &
pids+=($!)
wait_lines "$tmp/proxy.out" 2
proxy=$(sed -n 's#^proxy http://##p' "$tmp/proxy.out")
admin=$(sed -n 's#^admin http://##p' "$tmp/proxy.out")

"$lbctl" proxy ctl --admin "$admin" drain web/web3 >/dev/null
"$lbctl" load -c 6 --rate 500/s -d 8s "http://$proxy/" >"$tmp/load-web.out" 2>&1 &
pids+=($!)
"$lbctl" load -c 4 --rate 150/s -d 8s "http://$proxy/api/items" >"$tmp/load-api.out" 2>&1 &
pids+=($!)
sleep 5

mkdir -p "$out"
png="$out/proxy-stats.png"
[ "$window" != "$default_window" ] && png="$out/proxy-stats-$window.png"
[ "$dark" = 1 ] && png="${png%.png}-dark.png"
shoot "http://$admin/?refresh=1" "$png" --virtual-time-budget=3500 "${dark_flags[@]}"
echo "wrote $png ($(wc -c < "$png") bytes); admin $admin, proxy $proxy"

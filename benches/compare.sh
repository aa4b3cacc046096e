#!/usr/bin/env bash
# benches/compare.sh: lbctl side by side with the tools it is compared with, on loopback, in one
# run. Every figure the README quotes against HAProxy, nginx, wrk or oha comes from here.
#
# Usage: benches/compare.sh [--only GROUPS] [--rounds N] [--seconds S] [options]
#   cargo build --release && benches/compare.sh               # every group, about 9 minutes
#   LBCTL=/tmp/lbctl benches/compare.sh --only proxy,tcp --rounds 6
#
# Groups (each prints one table; the anchor is measured in the same rounds, ratios are against it):
#   proxy     wrk -> HAProxy mode http (anchor) | nginx proxy | lbctl proxy, to 2 nginx backends
#   tcp       wrk -> HAProxy mode tcp (anchor) | lbctl proxy --mode tcp, same backends
#   tls       TLS termination with one ECDSA P-256 certificate made by openssl for the run:
#             HAProxy `bind ... ssl crt` (anchor) | lbctl proxy --tls-cert/--tls-key, to the
#             proxy group's backends. Two tables: `tls`, wrk over TLS with keep-alive (req/s,
#             CPU per request), and `handshake`, full handshakes with `openssl s_time -new` (no
#             HTTP request; sut_us is CPU per handshake). Why not wrk for handshakes: wrk reuses
#             one SSL object per connection slot (SSL_shutdown + SSL_clear, which keeps the
#             session), so with `Connection: close` it resumes sessions (HAProxy's `show info`
#             said SslFrontendSessionReuse_pct 100 for such a run). s_time -new starts every
#             connection without a session and marks each one it made (`r`: resumed); a
#             resumed one counts as an error of its row, so a row marked ok had none.
#             The negotiated protocol, cipher suite and key exchange of both are printed.
#   h2        h2load (h2c, prior knowledge) -> HAProxy `bind ... proto h2` (anchor) | lbctl proxy:
#             `h2-h1` to the HTTP/1.1 backends of the proxy group; `h2-h2` to nginx h2c backends
#             (HAProxy `server ... proto h2`, lbctl `--backend HOST:PORT,h2c`; lbctl's row is
#             skipped when this lbctl does not know `,h2c`). h2load prints no percentiles: the
#             p50/p99 columns are 0 in these tables.
#   load      wrk (anchor) | oha (row skipped when oha is not on PATH) | lbctl load -> nginx
#   serve     wrk -> nginx `return 200` (anchor) | nginx serving a file | lbctl serve; 1 KiB bodies
#   memory    RSS per idle keep-alive client connection, HAProxy (anchor) | lbctl proxy
#             (benches/idle_memory.py; a fresh proxy for every measurement; first 3 rounds only)
#   transfer  one bulk TCP transfer, direct (anchor) | lbctl proxy --mode tcp | HAProxy mode tcp
#             with splice-auto (benches/tcp_transfer.py)
#   compress  wrk -H 'Accept-Encoding: gzip' -> nginx proxy `gzip on; gzip_comp_level 1` (anchor)
#             | lbctl proxy --compress gzip:1, both to one nginx serving the same 32 KiB text/html
#             page; `lbctl-gz2` is lbctl --compress gzip:2 (zlib-rs's level 1 is zlib-ng's
#             "quick" strategy, whose output is larger than zlib's level 1; its level 2 is
#             about zlib's level 1: the compressed sizes are printed under the table);
#             `nginx-plain` and `lbctl-plain` proxy the page uncompressed, for scale
#
# Options:
#   --only LIST        comma list of the groups above (default: all)
#   --rounds N         interleaved rounds, medians reported (default 8)
#   --seconds S        measured seconds per scenario and round (default 2)
#   --conns C          client connections: wrk -t1 -cC, oha -cC, lbctl load -cC (default 64)
#   --algorithm A      lbctl proxy --algorithm of every lbctl proxy started here (default round-robin)
#   --idle-conns N     connections held open by the memory group (default 5000)
#   --transfer-mib M   size of the transfer group's transfer (default 1024)
#   --h2-conns C       h2 group: h2load -cC (default 16)
#   --h2-streams M     h2 group: h2load -mM, concurrent streams per connection (default 8)
#   --stime N          handshake table: parallel `openssl s_time -new` clients (default 2)
#   --nice N           niceness of everything started here (default 0; negative needs root)
#   --no-install       never run apt-get; fail when a tool is missing
#   --keep             keep the temporary directory (configs, raw client outputs)
#   -h, --help         this text
# Environment: LBCTL, the binary under test (default target/release/lbctl of this repository).
#
# Method. One worker everywhere (wrk -t1, nginx worker_processes 1, HAProxy nbthread 1, lbctl
# --threads 1), so CPU time is attributable to one process and comparable. On a 2-core machine:
#   proxy, tcp, tls, h2   client and nginx backends on cpu0, the proxy under test alone on cpu1;
#   load, serve  client alone on cpu0, the server (nginx, lbctl serve) on cpu1;
#   memory       the proxy on cpu1; transfer: nothing pinned (sender, proxy and sink share both).
# Scenarios are interleaved (every round runs each once, in alternating order) so that the noise of
# a shared machine falls on both sides; the tables show medians over rounds. `sut_us` is the CPU
# time per request of the system under test (the proxy, the load generator or the server) from
# /proc/PID/stat (server) or the client's rusage, and is the figure to read on a busy machine:
# req/s moves with whatever else runs, and a proxy row whose req/s is near the `direct` row is
# capped by the client+backend core, not by the proxy. `other%` is the share of the machine used by
# processes not started here during the scenario. The nginx proxy keeps max(32, C) idle upstream
# connections: with fewer than C it opens new backend connections all the time and measures
# connection churn (twice the CPU per request).
# Loopback only; ports are picked free at start; every server is started here and killed by PID
# on exit; every client runs under `timeout`. Needs root only to install missing tools
# (apt-get install -y haproxy nginx-light wrk curl openssl nghttp2-client); oha is optional and never
# installed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage() { awk 'NR > 1 { if (!/^#/) exit; sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"; }

GROUPS_ALL=proxy,tcp,tls,h2,load,serve,memory,transfer,compress
ONLY=$GROUPS_ALL ROUNDS=8 SECS=2 CONNS=64 ALG=round-robin IDLE=5000 MIB=1024 NICE=0
H2_CONNS=16 H2_STREAMS=8 STIME=2
INSTALL=1 KEEP=0
while (($#)); do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --only) ONLY=${2:?--only needs a list}; shift 2 ;;
    --rounds) ROUNDS=${2:?}; shift 2 ;;
    --seconds) SECS=${2:?}; shift 2 ;;
    --conns) CONNS=${2:?}; shift 2 ;;
    --algorithm) ALG=${2:?}; shift 2 ;;
    --idle-conns) IDLE=${2:?}; shift 2 ;;
    --transfer-mib) MIB=${2:?}; shift 2 ;;
    --h2-conns) H2_CONNS=${2:?}; shift 2 ;;
    --h2-streams) H2_STREAMS=${2:?}; shift 2 ;;
    --stime) STIME=${2:?}; shift 2 ;;
    --nice) NICE=${2:?}; shift 2 ;;
    --no-install) INSTALL=0; shift ;;
    --keep) KEEP=1; shift ;;
    *) echo "compare.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
for v in ROUNDS:--rounds SECS:--seconds CONNS:--conns IDLE:--idle-conns MIB:--transfer-mib \
  H2_CONNS:--h2-conns H2_STREAMS:--h2-streams STIME:--stime; do
  n=${v%%:*}
  [[ ${!n} =~ ^[0-9]+$ && ${!n} -ge 1 ]] || { echo "compare.sh: ${v#*:} must be a positive whole number, got '${!n}'" >&2; exit 2; }
done
[[ $NICE =~ ^-?[0-9]+$ ]] || { echo "compare.sh: --nice must be an integer" >&2; exit 2; }
for g in ${ONLY//,/ }; do
  [[ ,$GROUPS_ALL, == *",$g,"* ]] || { echo "compare.sh: unknown group '$g' (groups: $GROUPS_ALL)" >&2; exit 2; }
done
want() { [[ ,$ONLY, == *",$1,"* ]]; }

log() { printf '[compare] %s\n' "$*" >&2; }
die() { printf '[compare] error: %s\n' "$*" >&2; exit 1; }

LBCTL=${LBCTL:-$HERE/../target/release/lbctl}
[[ -x $LBCTL ]] || die "no lbctl binary at $LBCTL: build it first (cargo build --release) or set LBCTL=path"

# ---------------------------------------------------------------- tools
need=(curl taskset ss ps python3)
want proxy || want tcp || want tls || want h2 || want load || want serve || want compress && need+=(wrk nginx)
want proxy || want tcp || want tls || want h2 || want memory || want transfer && need+=(haproxy)
want tls && need+=(openssl)
want h2 && need+=(h2load)
want memory && need+=(nginx)
missing=()
for t in "${need[@]}"; do command -v "$t" >/dev/null || missing+=("$t"); done
if ((${#missing[@]})); then
  ((INSTALL)) || die "missing: ${missing[*]} (--no-install given)"
  [[ $(id -u) == 0 ]] || die "missing: ${missing[*]}; as root: apt-get install -y haproxy nginx-light wrk curl openssl nghttp2-client"
  log "installing (missing: ${missing[*]})"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy nginx-light wrk curl openssl nghttp2-client >&2 || die "apt-get install failed"
  for t in "${need[@]}"; do command -v "$t" >/dev/null || die "still missing after apt-get: $t"; done
fi
OHA=$(command -v oha || true)

NCPU=$(getconf _NPROCESSORS_ONLN)
CLK_TCK=$(getconf CLK_TCK)
if ((NCPU >= 2)); then CPU_A=0 CPU_B=1; else CPU_A='' CPU_B=''; log "one CPU: nothing is pinned"; fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true    # the memory group holds thousands of sockets

# ---------------------------------------------------------------- processes
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lbctl-compare.XXXXXX")
chmod 755 "$WORK"                 # nginx workers run as nobody when started by root
declare -a PIDS=()                # every process started here (servers and their children)
declare -A SRV=()                 # server name -> "pid child-pids..."
CLIENT_PID=''
cleanup() {
  local rc=$? p i alive
  set +e
  trap - EXIT INT TERM
  [[ -n $CLIENT_PID ]] && kill -TERM "$CLIENT_PID" 2>/dev/null
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for ((i = 0; i < 50; i++)); do  # up to 5 s to exit, then SIGKILL
    alive=0
    for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && { log "SIGKILL to $p"; kill -KILL "$p" 2>/dev/null; }; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  if ((KEEP)); then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# pinned CPUS CMD...: ARGV = CMD with the pinning and niceness of this run. taskset and nice
# exec, so `"${ARGV[@]}" &` gives the PID of CMD itself (a function run with & would not)
pinned() {
  local cpus=$1; shift
  ARGV=("$@")
  if [[ -n $cpus ]]; then ARGV=(taskset -c "$cpus" "${ARGV[@]}"); fi
  if [[ $NICE != 0 ]]; then ARGV=(nice -n "$NICE" "${ARGV[@]}"); fi
}

# free_port VAR: a port nothing uses (any state), below the ephemeral range, not handed out yet
declare -A TAKEN=()
free_port() {
  local p i
  for ((i = 0; i < 500; i++)); do
    p=$((20000 + RANDOM % 12000))
    [[ -z ${TAKEN[$p]:-} && -z $(ss -Htan "( sport = :$p )") ]] && { TAKEN[$p]=1; printf -v "$1" %s "$p"; return; }
  done
  die "no free port found in 20000-31999"
}

# start NAME CPUS PORT CMD...: start a server, wait until it listens on 127.0.0.1:PORT (without
# connecting to it: a TCP proxy would count a failed backend). CHILDREN=1: also wait for its
# worker process (nginx) and record it, for CPU accounting and cleanup.
CHILDREN=0
start() {
  local name=$1 cpus=$2 port=$3 pid i c kids=''; shift 3
  pinned "$cpus" "$@"
  "${ARGV[@]}" >"$WORK/$name.log" 2>&1 &
  pid=$!; PIDS+=("$pid"); SRV[$name]=$pid
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || { tail -n 5 "$WORK/$name.log" >&2; die "$name exited at startup"; }
    if [[ -n $(ss -Hltn "( sport = :$port )") ]]; then
      ((CHILDREN)) || break
      kids=$(ps -o pid= --ppid "$pid" || true)
      [[ -n $kids ]] && break
    fi
    sleep 0.1
  done
  ((i < 100)) || die "$name is not ready on 127.0.0.1:$port after 10 s"
  for c in $kids; do PIDS+=("$c"); SRV[$name]+=" $c"; done
}

# stop NAME: TERM a server without children started by `start`, wait for it (SIGKILL after 5 s),
# and forget its PID (so that cleanup never signals a reused PID)
stop() {
  local pid=${SRV[$1]} i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "SRV[$1]"
  for i in "${!PIDS[@]}"; do [[ ${PIDS[i]} == "$pid" ]] && unset "PIDS[i]"; done
  PIDS=("${PIDS[@]}")
}

ticks() {  # ticks PID...: utime+stime of the processes, in clock ticks
  local t=0 p s
  for p in "$@"; do
    s=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    s=${s##*) }; set -- $s                       # drop "pid (comm) ": field 3 becomes $1
    t=$((t + ${12} + ${13}))                       # fields 14 and 15: utime, stime
  done
  echo "$t"
}
busy_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }

check_http() {  # check_http URL [CURL-FLAGS...]: 200 with the 1 KiB body
  local got url=$1; shift
  got=$(curl -sS --max-time 5 "$@" -o /dev/null -w '%{http_code} %{size_download}' "$url") || die "no answer from $url"
  [[ $got == "200 1024" ]] || die "$url answered '$got', expected '200 1024'"
}

# ---------------------------------------------------------------- configs
body=$(printf 'x%.0s' $(seq 1024))
nginx_conf() {  # nginx_conf DIR SERVER-BLOCK... : one worker, no logs, everything under DIR
  mkdir -p "$1"
  local d=$1; shift
  cat <<EOF
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 75s;
  default_type text/plain;
  client_body_temp_path $d/body; proxy_temp_path $d/proxy; fastcgi_temp_path $d/fcgi;
  uwsgi_temp_path $d/uwsgi; scgi_temp_path $d/scgi;
$*
}
EOF
}
start_nginx() {  # start_nginx NAME CPUS PORT CONF
  nginx -t -q -e "$WORK/$1/error.log" -c "$4" 2>"$WORK/$1.test" || { cat "$WORK/$1.test" >&2; die "nginx config of $1"; }
  CHILDREN=1 start "$1" "$2" "$3" nginx -g 'daemon off;' -e "$WORK/$1/error.log" -c "$4"
}
haproxy_conf() {  # haproxy_conf MAXCONN SECTIONS...
  local m=$1; shift
  cat <<EOF
global
  nbthread 1
  maxconn $m
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s
$*
EOF
}
start_haproxy() {  # start_haproxy NAME CPUS PORT CONF
  haproxy -c -q -f "$4" >&2 || die "haproxy config of $1"
  start "$1" "$2" "$3" haproxy -db -f "$4"
}

# ---------------------------------------------------------------- servers of the req/s groups
WRK_GROUPS=''
for g in proxy tcp load serve; do want "$g" && WRK_GROUPS+=" $g"; done
if want proxy || want tcp || want tls || want h2; then
  free_port B1; free_port B2
  H2C_LISTEN=''   # B5, B6: the same answer over h2c (prior knowledge), for the h2-h2 rows
  if want h2; then free_port B5; free_port B6
    H2C_LISTEN="listen 127.0.0.1:$B5 http2 backlog=4096; listen 127.0.0.1:$B6 http2 backlog=4096;"; fi
  nginx_conf "$WORK/be0" "  server { listen 127.0.0.1:$B1 backlog=4096; listen 127.0.0.1:$B2 backlog=4096; $H2C_LISTEN
    location / { return 200 '$body'; } }" >"$WORK/be0.conf"
  start_nginx be0 "$CPU_A" "$B2" "$WORK/be0.conf"
  free_port P_HAP_HTTP; free_port P_HAP_TCP
  HAP_MORE=''
  if want tls; then   # one ECDSA P-256 certificate for both proxies (HAProxy wants key and cert in one file)
    mkdir -p "$WORK/tls"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
      -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$WORK/tls/key.pem" -out "$WORK/tls/cert.pem" \
      2>"$WORK/tls/openssl.log" || { cat "$WORK/tls/openssl.log" >&2; die "openssl could not make the certificate"; }
    cat "$WORK/tls/cert.pem" "$WORK/tls/key.pem" >"$WORK/tls/both.pem"
    free_port P_HAP_TLS
    HAP_MORE+="
frontend fe_tls
  bind 127.0.0.1:$P_HAP_TLS ssl crt $WORK/tls/both.pem alpn h2,http/1.1
  default_backend be_http"
  fi
  if want h2; then
    free_port P_HAP_H2H1; free_port P_HAP_H2H2
    HAP_MORE+="
frontend fe_h2h1
  bind 127.0.0.1:$P_HAP_H2H1 proto h2
  default_backend be_http
frontend fe_h2h2
  bind 127.0.0.1:$P_HAP_H2H2 proto h2
  default_backend be_h2
backend be_h2
  balance roundrobin
  http-reuse always
  server b5 127.0.0.1:$B5 proto h2
  server b6 127.0.0.1:$B6 proto h2"
  fi
  haproxy_conf 4096 "
frontend fe_http
  bind 127.0.0.1:$P_HAP_HTTP
  default_backend be_http
backend be_http
  balance roundrobin
  http-reuse always
  server b1 127.0.0.1:$B1
  server b2 127.0.0.1:$B2
frontend fe_tcp
  mode tcp
  bind 127.0.0.1:$P_HAP_TCP
  default_backend be_tcp
backend be_tcp
  mode tcp
  balance roundrobin
  server b1 127.0.0.1:$B1
  server b2 127.0.0.1:$B2$HAP_MORE" >"$WORK/haproxy.cfg"
  start_haproxy haproxy "$CPU_B" "$P_HAP_TCP" "$WORK/haproxy.cfg"
fi
if want proxy; then
  free_port P_NGXP
  keep=$((CONNS > 32 ? CONNS : 32))
  nginx_conf "$WORK/nginx-proxy" "  upstream backends { server 127.0.0.1:$B1; server 127.0.0.1:$B2;
    keepalive $keep; keepalive_requests 100000000; }
  server { listen 127.0.0.1:$P_NGXP backlog=4096;
    location / { proxy_pass http://backends; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }" >"$WORK/nginx-proxy.conf"
  start_nginx nginx-proxy "$CPU_B" "$P_NGXP" "$WORK/nginx-proxy.conf"
  free_port P_LB_HTTP
  start lbctl-proxy "$CPU_B" "$P_LB_HTTP" "$LBCTL" proxy --threads 1 --quiet --algorithm "$ALG" \
    --listen "127.0.0.1:$P_LB_HTTP" --backend "127.0.0.1:$B1" --backend "127.0.0.1:$B2"
fi
if want h2 && ! want proxy; then   # the h2-h1 rows use the proxy group's lbctl
  free_port P_LB_HTTP
  start lbctl-proxy "$CPU_B" "$P_LB_HTTP" "$LBCTL" proxy --threads 1 --quiet --algorithm "$ALG" \
    --listen "127.0.0.1:$P_LB_HTTP" --backend "127.0.0.1:$B1" --backend "127.0.0.1:$B2"
fi
if want tls; then
  free_port P_LB_TLS
  start lbctl-tls "$CPU_B" "$P_LB_TLS" "$LBCTL" proxy --threads 1 --quiet --algorithm "$ALG" \
    --tls-cert "$WORK/tls/cert.pem" --tls-key "$WORK/tls/key.pem" \
    --listen "127.0.0.1:$P_LB_TLS" --backend "127.0.0.1:$B1" --backend "127.0.0.1:$B2"
fi
LB_H2C=0
if want h2; then   # lbctl's HTTP/2 backends (`,h2c`) are new: skip its row when this binary lacks them
  if "$LBCTL" proxy --backend "127.0.0.1:$B5,h2c" explain 'GET /' >/dev/null 2>&1; then
    LB_H2C=1; free_port P_LB_H2
    start lbctl-h2 "$CPU_B" "$P_LB_H2" "$LBCTL" proxy --threads 1 --quiet --algorithm "$ALG" \
      --listen "127.0.0.1:$P_LB_H2" --backend "127.0.0.1:$B5,h2c" --backend "127.0.0.1:$B6,h2c"
  else
    log "h2-h2 group, lbctl row skipped: this lbctl has no ,h2c backends"
  fi
fi
if want tcp; then
  free_port P_LB_TCP
  start lbctl-tcp "$CPU_B" "$P_LB_TCP" "$LBCTL" proxy --mode tcp --threads 1 --quiet --algorithm "$ALG" \
    --listen "127.0.0.1:$P_LB_TCP" --backend "127.0.0.1:$B1" --backend "127.0.0.1:$B2"
fi
if want load || want serve; then   # B3: the body from memory; B4: the same body from a file
  free_port B3; free_port B4
  mkdir -p "$WORK/www"; printf %s "$body" >"$WORK/www/body"; chmod -R a+rX "$WORK/www"
  nginx_conf "$WORK/be1" "  server { listen 127.0.0.1:$B3 backlog=4096; location / { return 200 '$body'; } }
  server { listen 127.0.0.1:$B4 backlog=4096; location / { root $WORK/www; try_files /body =404; } }" >"$WORK/be1.conf"
  start_nginx be1 "$CPU_B" "$B3" "$WORK/be1.conf"
fi
if want serve; then
  free_port P_SERVE
  start lbctl-serve "$CPU_B" "$P_SERVE" "$LBCTL" serve --quiet --threads 1 --body-size 1024 --listen "127.0.0.1:$P_SERVE"
fi

if want compress; then   # BC: nginx serves one 32 KiB page; both proxies gzip it at level 1
  free_port BC; free_port P_NGX_GZ; free_port P_NGX_PL; free_port P_LB_GZ; free_port P_LB_PL; free_port P_LB_GZ2
  mkdir -p "$WORK/www-c"
  python3 - "$WORK/www-c/page.html" <<'PY'
import random, sys
random.seed(16)
words = ("lbctl proxy route listener backend pool <div class=row> </div> <p> </p> "
         "<a href=/docs/> </a> compression gzip brotli zstd health check weight").split()
text = "<!doctype html><html><body>\n"
while len(text) < 32 * 1024 - 16:
    text += " ".join(random.choice(words) for _ in range(12)) + "\n"
open(sys.argv[1], "w").write((text + "</body></html>\n")[: 32 * 1024])
PY
  chmod -R a+rX "$WORK/www-c"
  nginx_conf "$WORK/be-c" "  server { listen 127.0.0.1:$BC backlog=4096; default_type text/html;
    location / { root $WORK/www-c; try_files /page.html =404; } }" >"$WORK/be-c.conf"
  start_nginx be-c "$CPU_A" "$BC" "$WORK/be-c.conf"
  keep=$((CONNS > 32 ? CONNS : 32))
  nginx_conf "$WORK/nginx-gz" "  upstream page { server 127.0.0.1:$BC; keepalive $keep; keepalive_requests 100000000; }
  server { listen 127.0.0.1:$P_NGX_GZ backlog=4096;
    gzip on; gzip_comp_level 1; gzip_min_length 256; gzip_proxied any; gzip_vary on; gzip_types text/html;
    location / { proxy_pass http://page; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }
  server { listen 127.0.0.1:$P_NGX_PL backlog=4096;
    location / { proxy_pass http://page; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }" >"$WORK/nginx-gz.conf"
  start_nginx nginx-gz "$CPU_B" "$P_NGX_GZ" "$WORK/nginx-gz.conf"
  start lbctl-gz "$CPU_B" "$P_LB_GZ" "$LBCTL" proxy --threads 1 --quiet --compress gzip:1 \
    --listen "127.0.0.1:$P_LB_GZ" --backend "127.0.0.1:$BC"
  start lbctl-gz2 "$CPU_B" "$P_LB_GZ2" "$LBCTL" proxy --threads 1 --quiet --compress gzip:2 \
    --listen "127.0.0.1:$P_LB_GZ2" --backend "127.0.0.1:$BC"
  start lbctl-plain "$CPU_B" "$P_LB_PL" "$LBCTL" proxy --threads 1 --quiet \
    --listen "127.0.0.1:$P_LB_PL" --backend "127.0.0.1:$BC"
  for who in nginx:$P_NGX_GZ lbctl:$P_LB_GZ lbctl-gz2:$P_LB_GZ2; do  # gzip, the same page, its size
    u="http://127.0.0.1:${who#*:}/"
    curl -sS --max-time 5 -H 'Accept-Encoding: gzip' -D - -o /dev/null "$u" | grep -qi '^content-encoding: gzip' ||
      die "$u did not answer with gzip"
    curl -sS --max-time 5 --compressed "$u" | cmp -s - "$WORK/www-c/page.html" || die "$u: the page decoded differs"
    printf '%s\t%s\n' "${who%%:*}" "$(curl -sS --max-time 5 -H 'Accept-Encoding: gzip' "$u" | wc -c)" >>"$WORK/compress-sizes.tsv"
  done
fi

# scenarios: group name client url sut (sut: a server name, or "client" for load generators)
SCEN=()
if want proxy || want tcp; then SCEN+=("direct direct wrk http://127.0.0.1:$B1/ be0"); fi
if want proxy; then SCEN+=("proxy haproxy wrk http://127.0.0.1:$P_HAP_HTTP/ haproxy"
  "proxy nginx wrk http://127.0.0.1:$P_NGXP/ nginx-proxy"
  "proxy lbctl wrk http://127.0.0.1:$P_LB_HTTP/ lbctl-proxy"); fi
if want tcp; then SCEN+=("tcp haproxy wrk http://127.0.0.1:$P_HAP_TCP/ haproxy"
  "tcp lbctl wrk http://127.0.0.1:$P_LB_TCP/ lbctl-tcp"); fi
if want tls; then SCEN+=("tls haproxy wrk https://127.0.0.1:$P_HAP_TLS/ haproxy"
  "tls lbctl wrk https://127.0.0.1:$P_LB_TLS/ lbctl-tls"
  "handshake haproxy stime 127.0.0.1:$P_HAP_TLS haproxy"
  "handshake lbctl stime 127.0.0.1:$P_LB_TLS lbctl-tls"); fi
if want h2; then SCEN+=("h2-h1 haproxy h2load http://127.0.0.1:$P_HAP_H2H1/ haproxy"
  "h2-h1 lbctl h2load http://127.0.0.1:$P_LB_HTTP/ lbctl-proxy"
  "h2-h2 direct h2load http://127.0.0.1:$B5/ be0"
  "h2-h2 haproxy h2load http://127.0.0.1:$P_HAP_H2H2/ haproxy")
  ((LB_H2C)) && SCEN+=("h2-h2 lbctl h2load http://127.0.0.1:$P_LB_H2/ lbctl-h2"); fi
if want load; then SCEN+=("load wrk wrk http://127.0.0.1:$B3/ client")
  if [[ -n $OHA ]]; then SCEN+=("load oha oha http://127.0.0.1:$B3/ client")
  else log "load group: no oha row (oha is not on PATH; cargo install oha --locked takes ~30 min)"; fi
  SCEN+=("load lbctl lbctl http://127.0.0.1:$B3/ client"); fi
if want serve; then SCEN+=("serve nginx wrk http://127.0.0.1:$B3/ be1"
  "serve nginx-file wrk http://127.0.0.1:$B4/ be1"
  "serve lbctl wrk http://127.0.0.1:$P_SERVE/ lbctl-serve"); fi
if want compress; then SCEN+=("compress nginx wrkgz http://127.0.0.1:$P_NGX_GZ/ nginx-gz"
  "compress lbctl wrkgz http://127.0.0.1:$P_LB_GZ/ lbctl-gz"
  "compress lbctl-gz2 wrkgz http://127.0.0.1:$P_LB_GZ2/ lbctl-gz2"
  "compress nginx-plain wrkgz http://127.0.0.1:$P_NGX_PL/ nginx-gz"
  "compress lbctl-plain wrkgz http://127.0.0.1:$P_LB_PL/ lbctl-plain"); fi
for s in "${SCEN[@]}"; do
  read -r _ _ kind url _ <<<"$s"
  case $kind in
    stime | wrkgz) ;;                            # stime: the https row checks it; wrkgz: above                                    # the same port's https row checks it
    h2load) check_http "$url" --http2-prior-knowledge ;;
    *) check_http "$url" -k ;;
  esac
done
if want tls; then  # what each side negotiates with OpenSSL's client defaults (wrk and s_time use them)
  for who in haproxy:$P_HAP_TLS lbctl:$P_LB_TLS; do
    neg=$(timeout 10 openssl s_client -brief -connect "127.0.0.1:${who#*:}" -servername localhost </dev/null 2>&1 |
      awk -F': ' '/^(Protocol version|Ciphersuite|Signature type|Hash used|Server Temp Key)/ { printf "%s%s", sep, $2; sep = ", " }')
    log "tls ${who%%:*} negotiates: ${neg:-?}"
    printf '%s\t%s\n' "${who%%:*}" "${neg:-?}" >>"$WORK/tls-negotiated.tsv"
  done
fi

# ---------------------------------------------------------------- clients
cat >"$WORK/done.lua" <<'EOF'
-- only done() is defined, so wrk keeps its fast path; exact microseconds, errors by kind
done = function(s, lat, req)
  local e = s.errors
  io.write(string.format("WRK requests=%d duration_us=%d p50_us=%d p99_us=%d errors=%d\n",
    s.requests, s.duration, lat:percentile(50), lat:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
EOF
cat >"$WORK/parse.py" <<'EOF'
# parse.py KIND FILE -> "rps p50_us p99_us requests errors" of one client run
import json, re, sys
kind, text = sys.argv[1], open(sys.argv[2]).read()
if kind in ("wrk", "wrkgz"):
    v = dict(kv.split("=") for kv in re.search(r"^WRK (.*)$", text, re.M).group(1).split())
    n = int(v["requests"])
    print(n * 1e6 / int(v["duration_us"]), v["p50_us"], v["p99_us"], n, v["errors"])
elif kind == "stime":                              # openssl s_time -new, one or more clients
    n = sum(int(x) for x in re.findall(r"^(\d+) connections in [\d.]+s;", text, re.M))
    # one mark per connection: `r` when its session was resumed (not a full handshake)
    resumed = sum(l.count("r") for l in text.splitlines() if re.fullmatch(r"[*r0-9]+", l))
    print(n / float(sys.argv[3]), 0, 0, n, resumed)
elif kind == "h2load":                             # h2load: no percentiles, so 0
    m = re.search(r"finished in ([\d.]+)(m?s), ([\d.]+) req/s", text)
    secs = float(m.group(1)) / (1000 if m.group(2) == "ms" else 1)
    r = re.search(r"^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout", text, re.M)
    n = int(r.group(4))
    codes = re.search(r"^status codes: (\d+) 2xx", text, re.M)
    bad = int(r.group(5)) + int(r.group(6)) + int(r.group(7)) + (n - int(codes.group(1)) if codes else 0)
    print(n / secs, 0, 0, n, bad)
elif kind == "lbctl":                              # lbctl.load/v1
    d = json.loads(text)
    lat = d["latency_ms"]
    print(d["rps"], lat["p50"] * 1000, lat["p99"] * 1000, d["requests"], d["errors"])
elif kind == "oha":                                # oha --output-format json
    d = json.loads(text)
    codes = d.get("statusCodeDistribution", {})
    n = sum(codes.values())
    bad = sum(v for k, v in codes.items() if not k.startswith("2"))
    # requests cut off by the deadline are not errors (wrk does not count them either)
    errs = bad + sum(v for k, v in d.get("errorDistribution", {}).items() if "deadline" not in k)
    p = d["latencyPercentiles"]
    print(n / d["summary"]["total"], p["p50"] * 1e6, p["p99"] * 1e6, n, errs)
EOF

RESULTS=$WORK/results.tsv; : >"$RESULTS"
FAILED=0
# client KIND URL SECONDS OUT: one load-generator run on cpu0, bounded by timeout
client() {
  local kind=$1 url=$2 secs=$3 out=$4
  local -a cmd
  case $kind in
    wrk) cmd=(wrk -t1 -c"$CONNS" -d"${secs}s" -s "$WORK/done.lua" "$url") ;;
    wrkgz) cmd=(wrk -t1 -c"$CONNS" -d"${secs}s" -H 'Accept-Encoding: gzip' -s "$WORK/done.lua" "$url") ;;
    oha) cmd=(env TOKIO_WORKER_THREADS=1 "$OHA" -z "${secs}s" -c "$CONNS" --no-tui --output-format json "$url") ;;
    lbctl) cmd=("$LBCTL" load --quiet --threads 1 -c "$CONNS" -d "${secs}s" --output json "$url") ;;
    # STIME clients at once (one s_time is one handshake at a time); no request, handshakes only
    stime) cmd=(bash -c 'for ((i = 0; i < $1; i++)); do openssl s_time -connect "$2" -new -time "$3" >"$4.$i" 2>&1 & done
      wait; cat "$4".*; rm -f "$4".*' stime "$STIME" "$url" "$secs" "$out.st") ;;
    h2load) cmd=(h2load -t1 -c"$H2_CONNS" -m"$H2_STREAMS" -D"$secs" "$url") ;;
  esac
  pinned "$CPU_A" timeout -k 5 $((secs + 30)) "${cmd[@]}"
  "${ARGV[@]}" >"$out" 2>&1 &
  CLIENT_PID=$!
  wait "$CLIENT_PID"
}

# measure GROUP NAME KIND URL SUT ROUND: one measured client run, CPU of everything started here
measure() {
  local group=$1 name=$2 kind=$3 url=$4 sut=$5 round=$6 out="$WORK/$1-$2-r$6.out"
  local -A t0=() t1=()
  local s m0 m1 rc=0 res TIMEFORMAT='%R %U %S' tm
  for s in "${!SRV[@]}"; do t0[$s]=$(ticks ${SRV[$s]}); done
  m0=$(busy_ticks)
  { time client "$kind" "$url" "$SECS" "$out"; } 2>"$out.time" || rc=$?
  CLIENT_PID=''
  m1=$(busy_ticks)
  for s in "${!SRV[@]}"; do t1[$s]=$(ticks ${SRV[$s]}); done
  res=$( ((rc == 0)) && python3 "$WORK/parse.py" "$kind" "$out" "$SECS" 2>/dev/null) || {
    log "$group/$name round $round: $kind failed (exit $rc):"; tail -n 3 "$out" >&2
    printf '%s\t%s\t%s\tfail\n' "$group" "$name" "$round" >>"$RESULTS"; FAILED=1; return 0; }
  read -r tm < <(tail -n 1 "$out.time")
  local ours=0 sut_ticks=0
  for s in "${!SRV[@]}"; do ours=$((ours + t1[$s] - t0[$s])); done
  [[ $sut != client ]] && sut_ticks=$((t1[$sut] - t0[$sut]))
  # row: group name round status rps p50 p99 requests errors sut_us cli_us other%
  awk -v g="$group" -v n="$name" -v r="$round" -v res="$res" -v tm="$tm" -v st="$sut_ticks" \
      -v sut="$sut" -v ours="$ours" -v m=$((m1 - m0)) -v hz="$CLK_TCK" -v ncpu="$NCPU" 'BEGIN {
    split(res, x, " "); split(tm, w, " "); reqs = x[4]; cli = w[2] + w[3]
    status = (reqs > 0 && x[5] * 100 <= reqs) ? "ok" : "errors"
    sut_us = (sut == "client" ? cli : st / hz) * 1e6 / reqs
    other = (m - ours) / hz - cli; if (other < 0) other = 0
    printf "%s\t%s\t%s\t%s\t%.1f\t%d\t%d\t%d\t%d\t%.2f\t%.2f\t%.1f\n", g, n, r, status, x[1], x[2], x[3],
      reqs, x[5], sut_us, cli * 1e6 / reqs, 100 * other / (w[1] * ncpu) }' >>"$RESULTS"
  tail -n 1 "$RESULTS" | awk -F'\t' '{ printf "[compare] round %s %-6s %-8s %-6s %9.0f req/s  p50 %5d us  p99 %6d us  sut %6.2f us/req  other %s%%\n",
    $3, $1, $2, $4, $5, $6, $7, $10, $12 }' >&2
  [[ $(tail -n 1 "$RESULTS" | cut -f4) == ok ]] || FAILED=1
}

# memory ROUND: bytes per idle connection, a fresh proxy each time (a used one has allocator slack)
memory_round() {
  local r=$1 who variant port out
  for who in haproxy lbctl; do
    for variant in request no-request; do
      free_port port
      if [[ $who == haproxy ]]; then
        haproxy_conf $((IDLE + 100)) "
frontend fe
  bind 127.0.0.1:$port
  default_backend be
backend be
  server b1 127.0.0.1:$MB" >"$WORK/mem-haproxy.cfg"
        start_haproxy mem-proxy "$CPU_B" "$port" "$WORK/mem-haproxy.cfg"
      else
        start mem-proxy "$CPU_B" "$port" "$LBCTL" proxy --threads 1 --quiet --header-timeout 60s \
          --listen "127.0.0.1:$port" --backend "127.0.0.1:$MB"
      fi
      pinned '' timeout -k 5 120 python3 "$HERE/idle_memory.py" "$port" "${SRV[mem-proxy]}" "$IDLE"
      if [[ $variant == no-request ]]; then ARGV+=(--no-request); fi
      out=$("${ARGV[@]}" 2>&1) || { log "idle_memory.py: $out"; FAILED=1; }
      stop mem-proxy
      # "5000 idle connections (...): RSS 9000 KiB -> 36000 KiB, 5500 bytes per connection"
      read -r before after bpc < <(sed -n 's/.*RSS \([0-9]*\) KiB -> \([0-9]*\) KiB, \(-\{0,1\}[0-9]*\) bytes.*/\1 \2 \3/p' <<<"$out")
      [[ -n ${bpc:-} ]] || { log "memory $who $variant: no figure in '$out'"; FAILED=1; continue; }
      printf 'memory\t%s %s\t%s\tok\t%s\t%s\t%s\n' "$who" "$variant" "$r" "$bpc" "$before" "$after" >>"$RESULTS"
      log "round $r memory $who ($variant): $bpc bytes per connection (RSS $before -> $after KiB)"
    done
  done
}

# transfer ROUND: one MIB-sized transfer direct, through lbctl, through HAProxy; proxy CPU per GiB
transfer_round() {
  local r=$1 path target pid t0 out mibps cpu order=(direct lbctl haproxy)
  ((r % 2)) || order=(haproxy lbctl direct)
  for path in "${order[@]}"; do
    case $path in direct) target=$SINK pid='' ;; lbctl) target=$P_TR_LB pid=${SRV[tr-lbctl]} ;; haproxy) target=$P_TR_HAP pid=${SRV[tr-haproxy]} ;; esac
    t0=$( [[ -n $pid ]] && ticks $pid || echo 0)
    pinned '' timeout -k 5 300 python3 "$HERE/tcp_transfer.py" "$SINK" "$target" "$MIB"
    out=$("${ARGV[@]}" 2>&1) || { log "tcp_transfer.py ($path): $out"; FAILED=1; continue; }
    cpu=$( [[ -n $pid ]] && awk -v t=$(($(ticks $pid) - t0)) -v hz="$CLK_TCK" -v mib="$MIB" 'BEGIN{printf "%.3f", t / hz * 1024 / mib}' || echo '')
    mibps=$(sed -n 's/.*: \([0-9.]*\) MiB\/s.*/\1/p' <<<"$out")
    printf 'transfer\t%s\t%s\tok\t%s\t%s\n' "$path" "$r" "$mibps" "$cpu" >>"$RESULTS"
    log "round $r transfer $path: $mibps MiB/s${cpu:+, proxy CPU $cpu s per GiB}"
  done
}
if want memory; then   # the proxies' backend: only the head of one response goes through
  free_port MB
  nginx_conf "$WORK/mem-backend" "  server { listen 127.0.0.1:$MB; location / { return 200 '$body'; } }" >"$WORK/mem-backend.conf"
  start_nginx mem-backend "$CPU_A" "$MB" "$WORK/mem-backend.conf"
fi
if want transfer; then  # the sink is tcp_transfer.py's, bound anew for every transfer
  free_port SINK; free_port P_TR_LB; free_port P_TR_HAP
  start tr-lbctl '' "$P_TR_LB" "$LBCTL" proxy --mode tcp --threads 1 --quiet \
    --listen "127.0.0.1:$P_TR_LB" --backend "127.0.0.1:$SINK"
  haproxy_conf 100 "
listen tr
  mode tcp
  option splice-auto
  bind 127.0.0.1:$P_TR_HAP
  server sink 127.0.0.1:$SINK" >"$WORK/tr-haproxy.cfg"
  start_haproxy tr-haproxy '' "$P_TR_HAP" "$WORK/tr-haproxy.cfg"
fi

# ---------------------------------------------------------------- rounds
START=$(date -u '+%Y-%m-%d %H:%M UTC'); LOAD0=$(cut -d' ' -f1-3 /proc/loadavg); T0=$SECONDS
log "$ROUNDS round(s) of ${SECS}s per scenario, wrk -t1 -c$CONNS; ${#SCEN[@]} req/s scenarios; groups $ONLY"
if ((${#SCEN[@]})); then  # warm-up: one unmeasured second per target
  for s in "${SCEN[@]}"; do read -r _ _ kind url _ <<<"$s"; client "$kind" "$url" 1 /dev/null || true; CLIENT_PID=''; done
fi
for ((r = 1; r <= ROUNDS; r++)); do
  order=("${SCEN[@]}")
  if ((r % 2 == 0)); then order=(); for ((i = ${#SCEN[@]} - 1; i >= 0; i--)); do order+=("${SCEN[i]}"); done; fi
  for s in "${order[@]}"; do
    read -r g n kind url sut <<<"$s"; measure "$g" "$n" "$kind" "$url" "$sut" "$r"
  done
  want transfer && transfer_round "$r"
  if want memory && ((r <= 3)); then memory_round "$r"; fi   # stable to a few %: 3 rounds
done

# ---------------------------------------------------------------- tables
HEAD1="# benches/compare.sh, $START: lbctl $("$LBCTL" --version | cut -d' ' -f2) ($LBCTL, built $(date -u -r "$LBCTL" '+%Y-%m-%d %H:%M UTC')), repository at $(git -C "$HERE" log -1 --format=%h 2>/dev/null || echo '?')"
HEAD2="# $NCPU CPUs, load average $LOAD0 at start, $(cut -d' ' -f1-3 /proc/loadavg) at end; $ROUNDS round(s) x ${SECS}s, wrk -t1 -c$CONNS, 1 KiB bodies; medians over rounds; $((SECONDS - T0)) s in all"
python3 "$HERE/compare_tables.py" "$RESULTS" "$ONLY" "$HEAD1" "$HEAD2" "$IDLE" "$MIB" "$STIME" "$H2_CONNS" "$H2_STREAMS"
((FAILED == 0)) || { log "some measurements failed or had >1% errors (see above)"; exit 1; }

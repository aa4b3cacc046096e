#!/usr/bin/env bash
# benches/soak.sh: is anything growing under steady load? (issue #12)
#
#   LBCTL=target/release/lbctl benches/soak.sh [-d SECONDS] [-r RATE] [-c CONNS] [-i SECONDS] [proxy|load|both]
#
# proxy: two `lbctl serve` backends, `lbctl proxy --threads 1` in front, and `lbctl load` at a
#        fixed open-model rate through it for -d seconds; samples the PROXY's RSS and open file
#        descriptors every -i seconds.
# load:  `lbctl load` at the same rate straight at one backend for -d seconds; samples the LOAD
#        process (its per-connection state, histograms and interval bookkeeping).
# Prints one line per sample and a summary: the first sample after a warm-up of two intervals,
# the last, the peak, and the growth from first to last (goal: flat). Defaults: 600 s, 2000/s,
# 32 connections, samples every 10 s, both soaks (so 20 minutes in all).
#
# Loopback only, bounded in time (every process is started here, with a deadline, and killed by
# PID on exit). Not part of CI. Use a release build: a debug build measures the allocator of an
# unoptimised binary.
set -euo pipefail

LBCTL=${LBCTL:-target/release/lbctl}
DUR=600 RATE=2000 CONNS=32 EVERY=10 WHAT=both
while [ $# -gt 0 ]; do
  case "$1" in
    -d) DUR=$2; shift 2 ;;
    -r) RATE=$2; shift 2 ;;
    -c) CONNS=$2; shift 2 ;;
    -i) EVERY=$2; shift 2 ;;
    proxy|load|both) WHAT=$1; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "soak.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ -x "$LBCTL" ] || { echo "soak.sh: no lbctl binary at $LBCTL (build with cargo build --release, or set LBCTL)" >&2; exit 2; }

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# Start a process with its stdout in a file; wait for N lines of it (10 s at most).
start() { # name lines cmd...
  local name=$1 lines=$2; shift 2
  "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  pids+=($!)
  eval "${name}_pid=$!"
  for _ in $(seq 100); do
    [ "$(wc -l <"$tmp/$name.out")" -ge "$lines" ] && return 0
    sleep 0.1
  done
  echo "soak.sh: $name did not start: $(cat "$tmp/$name.err")" >&2
  exit 1
}

# A load run that overstays its duration by 30 s is killed.
deadline() { # pid
  (sleep $((DUR + 30)); kill "$1" 2>/dev/null) &
  pids+=($!)
}

sample() { # pid -> "RSS_KiB FDS"
  local rss fds
  rss=$(awk '/^VmRSS/{print $2}' "/proc/$1/status" 2>/dev/null) || true
  fds=$(ls "/proc/$1/fd" 2>/dev/null | wc -l) || true
  echo "${rss:-0} ${fds:-0}"
}

# Watch PID while the load process runs; print samples and the summary for LABEL.
watch() { # label pid load_pid
  local label=$1 pid=$2 load=$3 t=0 first="" last="" peak=0 n=0
  echo "== $label: t_s rss_kib fds"
  while kill -0 "$load" 2>/dev/null; do
    sleep "$EVERY"
    t=$((t + EVERY))
    read -r rss fds < <(sample "$pid") || break
    [ "$rss" -gt 0 ] || break
    echo "$label $t $rss $fds"
    n=$((n + 1))
    if [ "$n" -eq 2 ]; then first="$t $rss $fds"; fi
    if [ "$n" -ge 2 ]; then last="$t $rss $fds"; fi
    if [ "$rss" -gt "$peak" ]; then peak=$rss; fi
  done
  if [ -n "$first" ]; then
    read -r t0 r0 f0 <<<"$first"
    read -r t1 r1 f1 <<<"$last"
    echo "== $label summary: rss ${r0} KiB at ${t0}s -> ${r1} KiB at ${t1}s (growth $((r1 - r0)) KiB, peak ${peak} KiB); fds ${f0} -> ${f1}"
  fi
}

start serve 2 "$LBCTL" serve --count 2 --port 0 --threads 1 --quiet
b1=$(sed -n 1p "$tmp/serve.out" | awk '{print $2}' | sed 's#^http://##')
b2=$(sed -n 2p "$tmp/serve.out" | awk '{print $2}' | sed 's#^http://##')

if [ "$WHAT" != load ]; then
  start proxy 1 "$LBCTL" proxy --threads 1 --quiet --listen 127.0.0.1:0 --backend "$b1" --backend "$b2"
  addr=$(sed -n 1p "$tmp/proxy.out" | sed 's#^proxy http://##')
  "$LBCTL" load "http://$addr/" --rate "$RATE" -c "$CONNS" -d "${DUR}s" --quiet --output json >"$tmp/load-proxy.json" &
  lp=$!; pids+=($lp); deadline "$lp"
  watch proxy "$proxy_pid" "$lp"
  wait "$lp" || true
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("== proxy run: requests", d.get("requests"), "errors", d.get("errors"))' "$tmp/load-proxy.json" 2>/dev/null || true
fi

if [ "$WHAT" != proxy ]; then
  "$LBCTL" load "http://$b1/" --rate "$RATE" -c "$CONNS" -d "${DUR}s" --quiet --output json >"$tmp/load-direct.json" &
  ld=$!; pids+=($ld); deadline "$ld"
  watch load "$ld" "$ld"
  wait "$ld" || true
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("== load run: requests", d.get("requests"), "errors", d.get("errors"))' "$tmp/load-direct.json" 2>/dev/null || true
fi

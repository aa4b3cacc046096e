#!/usr/bin/env bash
# benches/sim_speed.sh: how fast `lbctl sim` simulates, and how its cost grows with the number
# of backends N. For N = 10, 100, 1000, 10000 and each algorithm asked, one run of --requests
# simulated requests (Poisson arrivals at a rate that keeps each backend ~50% busy, lognormal
# 5ms,40ms service), timed by the wall clock; prints seconds and simulated requests per second.
# The issue's target: 10 million requests over 1,000 backends in under 10 s (round-robin).
# Algorithms whose pick scans every backend (least-conn, weighted, weighted-least-conn, random:
# O(N) per pick, as in the proxy) run min(--requests, 2e9 / N) requests so a run stays short;
# their req/s is what to compare.
#
# With --connections C, the closed model instead: C clients (sim -c C), no rate.
#
# Usage: cargo build --release && benches/sim_speed.sh [--requests N] [--algorithms LIST] [--ns LIST] [--connections C]
# Environment: LBCTL (default target/release/lbctl). Pure CPU, no network, one core per run.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LBCTL=${LBCTL:-$HERE/../target/release/lbctl}
REQUESTS=10000000
ALGS="round-robin,least-conn,p2c,ewma,maglev"
NS="10 100 1000 10000"
CONNECTIONS=
while (($#)); do
  case $1 in
    --requests) REQUESTS=${2:?}; shift 2 ;;
    --algorithms) ALGS=${2:?}; shift 2 ;;
    --ns) NS=${2:?}; shift 2 ;;
    --connections) CONNECTIONS=${2:?}; shift 2 ;;
    -h | --help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "sim_speed.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ -x $LBCTL ]] || { echo "sim_speed.sh: $LBCTL not found (cargo build --release)" >&2; exit 2; }
printf '%-12s %7s %10s %9s %14s\n' algorithm N requests seconds "sim req/s"
for n in $NS; do
  # Mean service ~9.5 ms: n backends serve ~105*n/s; offer half of that.
  rate=$((n * 50))
  model=(--rate "$rate/s")
  [[ -n $CONNECTIONS ]] && model=(-c "$CONNECTIONS")
  for alg in ${ALGS//,/ }; do
    req=$REQUESTS
    case $alg in
      least-conn | weighted | weighted-least-conn | random)
        cap=$((2000000000 / n)); ((req > cap)) && req=$cap ;;
    esac
    start=$(date +%s.%N)
    "$LBCTL" sim -q -a "$alg" --backends "$n" --service 'lognormal 5ms,40ms' \
      "${model[@]}" --requests "$req" -o json >/dev/null
    end=$(date +%s.%N)
    awk -v a="$alg" -v n="$n" -v r="$req" -v s="$start" -v e="$end" \
      'BEGIN { t = e - s; printf "%-12s %7d %10d %9.2f %14.0f\n", a, n, r, t, r / t }'
  done
done

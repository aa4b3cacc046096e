#!/usr/bin/env bash
# fuzz/run.sh: run lbctl's cargo-fuzz targets on the stable toolchain, always bounded in time.
#
#   fuzz/run.sh [-t SECONDS] [-s address|none] [-j JOBS] [--minimize] [--build-only] [TARGET...]
#
#   -t SECONDS     how long each target fuzzes (libFuzzer -max_total_time; default 60).
#                  0 = do not fuzz (useful with --minimize or --build-only).
#   -s SANITIZER   address (default: ASan, its runtime ships with the stable toolchain) or
#                  none (faster, catches panics/aborts only). Switching rebuilds everything.
#   -j JOBS        how many targets fuzz at the same time, one libFuzzer process (one core)
#                  each (default 1).
#   --minimize     afterwards, `cargo fuzz cmin TARGET` each target's corpus in place.
#   --build-only   build the targets and stop.
#   TARGET...      default: every [[bin]] in fuzz/Cargo.toml.
#
# What it does:
#   1. installs cargo-fuzz (`cargo install cargo-fuzz --locked`) when `cargo fuzz` is missing;
#   2. builds the targets once: `RUSTC_BOOTSTRAP=1 cargo fuzz build -s SANITIZER TARGET`
#      (RUSTC_BOOTSTRAP=1 lets the stable compiler take the -Z flags cargo-fuzz passes, so no
#      nightly is needed; the build is release with debug assertions and overflow checks);
#   3. runs each built binary with what `cargo fuzz run TARGET -s SANITIZER -- ARGS` would pass
#      (seed corpus fuzz/corpus/TARGET, created if missing; -artifact_prefix=fuzz/artifacts/TARGET/)
#      plus -max_total_time=SECONDS. It runs the binary directly rather than `cargo fuzz run`
#      so that a long run can never start a second build (cargo fuzz run rebuilds first, and
#      would rebuild if src/ changed since step 2);
#   4. prints a summary per target: executions, exec/s, libFuzzer's final "cov:" and "ft:",
#      corpus size, and any crash file. Full logs: fuzz/artifacts/TARGET.log.
#
# Every cargo command (install, build, cmin) runs under the shared build lock
# `flock $LBCTL_CARGO_LOCK` (default /tmp/lbctl-cargo.lock) so that it never competes with
# another build on this machine; the fuzzing itself runs without the lock. On a shared
# machine run it niced: `nice -n 19 fuzz/run.sh -t 1800 -j 2 spec ring_input`.
#
# A crash: the input is in fuzz/artifacts/TARGET/crash-* (gitignored). Reproduce it with
#   fuzz/target/x86_64-unknown-linux-gnu/release/TARGET fuzz/artifacts/TARGET/crash-...
# (or `RUSTC_BOOTSTRAP=1 cargo fuzz run TARGET -s SANITIZER fuzz/artifacts/TARGET/crash-...`);
# once fixed, copy it into fuzz/corpus/TARGET/ as a regression input. fuzz/corpus is committed;
# minimise it (--minimize) before committing.
#
# Exit status: 0 when every target ran its time without a crash, 1 otherwise, 2 on usage.
set -euo pipefail

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

SECONDS_PER_TARGET=60
SANITIZER=address
JOBS=1
MINIMIZE=0
BUILD_ONLY=0
TARGETS=()
while [ $# -gt 0 ]; do
    case "$1" in
        -t) SECONDS_PER_TARGET="${2:?-t needs SECONDS}"; shift 2 ;;
        -s) SANITIZER="${2:?-s needs address or none}"; shift 2 ;;
        -j) JOBS="${2:?-j needs JOBS}"; shift 2 ;;
        --minimize|--minimise) MINIMIZE=1; shift ;;
        --build-only) BUILD_ONLY=1; shift ;;
        -h|--help) usage 0 ;;
        -*) echo "run.sh: unknown option '$1'" >&2; usage ;;
        *) TARGETS+=("$1"); shift ;;
    esac
done
case "$SECONDS_PER_TARGET" in ''|*[!0-9]*) echo "run.sh: -t wants whole seconds, got '$SECONDS_PER_TARGET'" >&2; exit 2 ;; esac
case "$JOBS" in ''|0|*[!0-9]*) echo "run.sh: -j wants a number above 0, got '$JOBS'" >&2; exit 2 ;; esac
case "$SANITIZER" in address|none) ;; *) echo "run.sh: -s wants address or none, got '$SANITIZER'" >&2; exit 2 ;; esac

FUZZ_DIR="$(cd "$(dirname "$0")" && pwd)"
cd "$FUZZ_DIR/.."
LOCK="${LBCTL_CARGO_LOCK:-/tmp/lbctl-cargo.lock}"
export RUSTC_BOOTSTRAP=1

# Every cargo command goes through the shared build lock (when flock exists).
locked() {
    if command -v flock >/dev/null; then flock "$LOCK" "$@"; else "$@"; fi
}

ALL_TARGETS=($(awk '/^\[\[bin\]\]/{b=1; next} b && /^name *=/{gsub(/.*= *"|".*/, ""); print; b=0}' fuzz/Cargo.toml))
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL_TARGETS[@]}")
for t in "${TARGETS[@]}"; do
    case " ${ALL_TARGETS[*]} " in *" $t "*) ;; *) echo "run.sh: no fuzz target '$t' (known: ${ALL_TARGETS[*]})" >&2; exit 2 ;; esac
done

if ! cargo fuzz --help >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    locked cargo install cargo-fuzz --locked
fi

TRIPLE="$(rustc -vV | sed -n 's/^host: //p')"
BIN_DIR="fuzz/target/$TRIPLE/release"

echo "== building ${TARGETS[*]} (-s $SANITIZER)"
for t in "${TARGETS[@]}"; do
    locked cargo fuzz build -s "$SANITIZER" "$t"
done
[ "$BUILD_ONLY" = 1 ] && exit 0

count() { find "$1" -maxdepth 1 -type f 2>/dev/null | wc -l | tr -d ' '; }

# One target: fuzz for SECONDS_PER_TARGET, then summarise its log.
fuzz_one() {
    local t="$1" corpus="fuzz/corpus/$1" art="fuzz/artifacts/$1" log="fuzz/artifacts/$1.log"
    mkdir -p "$corpus" "$art"
    local before; before="$(count "$corpus")"
    local cmd=("$BIN_DIR/$t" "-artifact_prefix=$art/" "-max_total_time=$SECONDS_PER_TARGET"
               -timeout=10 -print_final_stats=1 "$corpus")
    echo "== $t: ${cmd[*]}"
    local rc=0
    # libFuzzer stops itself at -max_total_time; `timeout` is the backstop if it hangs.
    timeout -k 30 $((SECONDS_PER_TARGET + 300)) "${cmd[@]}" >"$log" 2>&1 || rc=$?
    local done_line execs eps crash
    done_line="$(grep -a 'cov: ' "$log" | tail -n 1 || true)"
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
    eps="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
    crash="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)"
    {
        echo "-- $t (-s $SANITIZER, ${SECONDS_PER_TARGET}s, exit $rc)"
        echo "   executions: ${execs:-?}   exec/s: ${eps:-?}"
        echo "   cov: $(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$done_line")   ft: $(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$done_line")   corpus: $before -> $(count "$corpus") files"
        echo "   last stats: ${done_line:-none}"
        if [ -n "$crash" ]; then
            echo "   CRASH: $crash"
            grep -a -m 3 -E "panicked at|ERROR: (AddressSanitizer|libFuzzer)|SUMMARY:" "$log" | sed 's/^/   /'
        fi
        echo "   log: $log"
    } >"$log.summary"
    if [ -z "$crash" ] && [ "$rc" = 0 ]; then echo ok >"$log.status"; else echo failed >"$log.status"; fi
}

FAILED=0
if [ "$SECONDS_PER_TARGET" -gt 0 ]; then
    for t in "${TARGETS[@]}"; do
        rm -f "fuzz/artifacts/$t.log.status"
        while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
        fuzz_one "$t" &
    done
    wait
    echo "== summary"
    for t in "${TARGETS[@]}"; do
        cat "fuzz/artifacts/$t.log.summary" 2>/dev/null || echo "-- $t: no summary (see fuzz/artifacts/$t.log)"
        [ "$(cat "fuzz/artifacts/$t.log.status" 2>/dev/null)" = ok ] || FAILED=1
    done
fi

if [ "$MINIMIZE" = 1 ]; then
    echo "== minimising corpora"
    for t in "${TARGETS[@]}"; do
        mkdir -p "fuzz/corpus/$t"
        before="$(count "fuzz/corpus/$t")"
        locked cargo fuzz cmin -s "$SANITIZER" "$t" >"fuzz/artifacts/$t.cmin.log" 2>&1 || {
            echo "-- $t: cmin failed, see fuzz/artifacts/$t.cmin.log"; FAILED=1; continue; }
        echo "-- $t: corpus $before -> $(count "fuzz/corpus/$t") files"
    done
fi
exit "$FAILED"

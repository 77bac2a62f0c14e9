#!/usr/bin/env bash
# Builds the fuzz preset (libFuzzer, ASan + UBSan) and runs each fuzz target
# of tests/fuzz/ for a while:
#
#   bash scripts/fuzz.sh                    every target, FUZZ_SECONDS each
#   FUZZ_SECONDS=600 bash scripts/fuzz.sh pattern
#
# Each target first replays its crash reproducers (tests/fuzz/regressions/
# <name>/), then fuzzes a scratch COPY of its seed corpus (the checked-in
# corpus never grows), with a -max_len that suits its input. Any finding (a
# failed check, a sanitizer report, a leak, a timeout) fails the script;
# the input that caused it is left in build/fuzz/findings/<name>/, to be
# minimised (-minimize_crash=1) and added to the reproducers. Prints each
# target's executions per second and coverage.
#
# FUZZ_SECONDS (default 60; FX_FUZZ_SECONDS too, as scripts/test.sh passes
# it), FX_JOBS (build jobs, default 2).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SECONDS_EACH=${FUZZ_SECONDS:-${FX_FUZZ_SECONDS:-60}}
JOBS=${FX_JOBS:-2}
BUILD=build/fuzz
TARGETS=${*:-etf-decode pattern runtime}

# -max_len per target: an ETF term; a pattern and a few subjects; a program
# of a few hundred operations.
max_len() {
  case $1 in
    etf-decode) echo 4096 ;;
    pattern) echo 2048 ;;
    runtime) echo 1024 ;;
    *) echo 4096 ;;
  esac
}

cmake --preset fuzz >/dev/null || { echo "fuzz: configure failed" >&2; exit 1; }
cmake --build --preset fuzz -j"$JOBS" || { echo "fuzz: build failed" >&2; exit 1; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=0
report=()
for name in $TARGETS; do
  bin=$BUILD/fuzz-$name
  seeds=tests/fuzz/corpus/$name
  regressions=tests/fuzz/regressions/$name
  if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
    echo "fuzz: no target $name ($bin, $seeds)" >&2
    failed=1
    report+=("$(printf '%-12s MISSING' "$name")")
    continue
  fi
  work=$BUILD/work/$name
  findings=$BUILD/findings/$name
  log=$BUILD/fuzz-$name.log
  rm -rf "$work"
  mkdir -p "$work" "$findings"
  cp "$seeds"/* "$work"/

  rc=0
  if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions" 2>/dev/null)" ]; then
    echo "==== fuzz-$name: reproducers in $regressions"
    "$bin" "$regressions"/* >"$log.regressions" 2>&1 || rc=$?
    if [ $rc -ne 0 ]; then
      tail -40 "$log.regressions"
      echo "fuzz-$name: a reproducer fails again (log: $log.regressions)" >&2
    fi
  fi
  if [ $rc -eq 0 ]; then
    echo "==== fuzz-$name: ${SECONDS_EACH}s on a copy of $seeds"
    "$bin" "$work" -max_total_time="$SECONDS_EACH" -max_len="$(max_len "$name")" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$findings/" \
      -dict=tests/fuzz/etf.dict >"$log" 2>&1 || rc=$?
  fi
  # libFuzzer's closing status line and stats: coverage, features, corpus,
  # executions per second.
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" 2>/dev/null | tail -1)
  execs=$(grep -E '^stat::average_exec_per_sec' "$log" 2>/dev/null | awk '{print $2}')
  runs=$(grep -E '^stat::number_of_executed_units' "$log" 2>/dev/null | awk '{print $2}')
  cov=$(sed -nE 's/.*cov: ([0-9]+) ft: ([0-9]+).*/\1 edges, \2 features/p' <<<"$done_line")
  echo "fuzz-$name: ${runs:-?} runs, ${execs:-?} exec/s, coverage ${cov:-?}"
  if [ $rc -ne 0 ]; then
    tail -60 "$log"
    echo "fuzz-$name: FINDING (exit $rc); inputs in $findings/, log $log" >&2
    failed=1
    report+=("$(printf '%-12s FINDING  %s exec/s, %s' "$name" "${execs:-?}" "${cov:-?}")")
  else
    report+=("$(printf '%-12s ok       %s runs, %s exec/s, %s' "$name" "${runs:-?}" "${execs:-?}" "${cov:-?}")")
  fi
done

printf '\n==== fuzz summary (%ss per target)\n' "$SECONDS_EACH"
printf '%s\n' "${report[@]}"
exit $failed

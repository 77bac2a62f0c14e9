#!/usr/bin/env bash
# Sets the machine up and runs every test:
#
#   bash scripts/test.sh
#
#   debug       native, clang, ASan + UBSan: configure, build, ctest
#   fuzz        scripts/fuzz.sh: the libFuzzer targets of tests/fuzz/ (fuzz
#               preset), each run on a copy of its seeds; 60 s per target
#               in CI (CI=true), FX_FUZZ_SECONDS per target otherwise
#               (default 60)
#   release     native, -O2: configure, build, ctest
#   wasi        wasm32-wasi: configure, build; ctest under Wasmtime (wasi),
#               then the same build under Node's node:wasi (wasi-node)
#   emscripten  wasm32 via emcc: configure, build (the C tests and the npm
#               package's web/dist/fauxtp.mjs + .wasm), ctest under Node
#   js          the npm package's tests: node --test tests/js/ (needs the
#               emscripten build's web/dist)
#
# Every step runs even when an earlier one failed; a summary with each
# step's time closes the run, and the exit status is non-zero if any failed.
# FX_PRESETS="debug wasi" runs a subset; FX_SKIP_SETUP=1 skips setup.sh.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
JOBS=${FX_JOBS:-2}
PRESETS=${FX_PRESETS:-debug fuzz release wasi emscripten js}
LOGDIR=build/logs
mkdir -p "$LOGDIR"

summary=()
failed=0
tests_passed=0
tests_failed=0

# step NAME CMD...: runs CMD, records its status and time.
step() {
  local name=$1; shift
  local t0=$SECONDS rc=0
  printf '\n==== %s: %s\n' "$name" "$*"
  "$@" || rc=$?
  local dt=$((SECONDS - t0))
  if [ $rc -eq 0 ]; then
    summary+=("$(printf '%-28s ok      %4ds' "$name" "$dt")")
  else
    summary+=("$(printf '%-28s FAILED  %4ds  (exit %d)' "$name" "$dt" "$rc")")
    failed=1
  fi
  return $rc
}

skip() {
  summary+=("$(printf '%-28s skipped         (%s)' "$1" "$2")")
  failed=1
}

# run_ctest TESTPRESET: ctest with a log, whose counts add up below.
run_ctest() {
  local preset=$1 log="$LOGDIR/ctest-$1.log" rc=0
  ctest --preset "$preset" --output-on-failure -j"$JOBS" 2>&1 | tee "$log" || rc=$?
  local line
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1 || true)
  if [ -n "$line" ]; then
    local nf nt
    nf=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
    nt=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
    tests_passed=$((tests_passed + nt - nf))
    tests_failed=$((tests_failed + nf))
  fi
  return $rc
}
ctest_step() { step "$1" run_ctest "$2"; }

# run_node_tests: Node's test runner over tests/js/, counted like ctest.
run_node_tests() {
  local log="$LOGDIR/node-test.log" rc=0
  if [ ! -f web/dist/fauxtp.wasm ] || [ ! -f web/dist/fauxtp.mjs ]; then
    echo "web/dist/fauxtp.{mjs,wasm} missing: build the emscripten preset first" >&2
    return 1
  fi
  node --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$log.tap" tests/js/ 2>&1 | tee "$log" || rc=$?
  local np nf
  local nc
  np=$(grep -E '^# pass [0-9]+' "$log.tap" | tail -1 | awk '{print $3}')
  nf=$(grep -E '^# fail [0-9]+' "$log.tap" | tail -1 | awk '{print $3}')
  nc=$(grep -E '^# cancelled [0-9]+' "$log.tap" | tail -1 | awk '{print $3}') # a test left hanging is cancelled, not failed
  tests_passed=$((tests_passed + ${np:-0}))
  tests_failed=$((tests_failed + ${nf:-0} + ${nc:-0}))
  return $rc
}

# web_dist_check: the emscripten build made the npm package's module.
web_dist_check() {
  local f ok=0
  for f in web/dist/fauxtp.mjs web/dist/fauxtp.wasm; do
    if [ -s "$f" ]; then echo "$f: $(wc -c <"$f") bytes"; else echo "$f missing" >&2; ok=1; fi
  done
  return $ok
}

# A failed build still runs the tests that did build (ninja -k 0 builds all
# it can; ctest reports the programs that are missing as failures).
configure() { cmake --preset "$1"; }
build() { cmake --build --preset "$1" -j"$JOBS" -- -k 0; }

total0=$SECONDS
if [ "${FX_SKIP_SETUP:-0}" != 1 ]; then
  if ! step "setup" bash scripts/setup.sh; then
    echo "setup failed: nothing else can run" >&2
    printf '%s\n' "${summary[@]}"
    exit 1
  fi
fi

for preset in $PRESETS; do
  case $preset in
    debug | release | emscripten)
      if step "$preset: configure" configure "$preset"; then
        step "$preset: build" build "$preset"
        if [ "$preset" = emscripten ]; then step "emscripten: web/dist" web_dist_check; fi
        ctest_step "$preset: ctest" "$preset"
      else
        skip "$preset: build, ctest" "configure failed"
      fi
      ;;
    wasi)
      if step "wasi: configure" configure wasi; then
        step "wasi: build" build wasi
        ctest_step "wasi: ctest (wasmtime)" wasi
        ctest_step "wasi: ctest (node:wasi)" wasi-node
      else
        skip "wasi: build, ctest" "configure failed"
      fi
      ;;
    fuzz)
      fuzz_seconds=60
      if [ "${CI:-}" != true ] && [ -n "${FX_FUZZ_SECONDS:-}" ]; then fuzz_seconds=$FX_FUZZ_SECONDS; fi
      step "fuzz: ${fuzz_seconds}s per target" env FUZZ_SECONDS="$fuzz_seconds" FX_JOBS="$JOBS" bash scripts/fuzz.sh
      ;;
    js)
      step "js: node --test tests/js/" run_node_tests
      ;;
    *)
      echo "unknown preset $preset" >&2
      skip "$preset" "unknown preset"
      ;;
  esac
done

printf '\n==== summary (%ds)\n' $((SECONDS - total0))
printf '%s\n' "${summary[@]}"
if [ $failed -ne 0 ]; then
  echo "FAILED (ctest logs in $LOGDIR/)"
else
  echo "all steps passed"
fi
echo "total: $tests_passed passed, $tests_failed failed"
exit $failed

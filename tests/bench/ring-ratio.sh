#!/usr/bin/env bash
# Runs the ring benchmark (wasi/examples/ring.c) natively (the release
# build) and under Wasmtime (the wasi build) and prints both medians and the
# ratio of the time per message, Wasmtime's over native's (the target is
# within 2x). A measurement, not a test: it fails only when a run fails.
#
#   bash tests/bench/ring-ratio.sh [N [M [RUNS]]]   (defaults: 1000 1000000 5)
#
# The runs alternate, native then Wasmtime, RUNS times (one timed run per
# process), so a burst of load on a shared machine hits both sides alike
# rather than all of one. It first builds fx-example-ring in build/release
# and build/wasi (configuring them from their presets if needed);
# FX_RELEASE_DIR and FX_WASI_DIR name other build folders.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
release_dir=${FX_RELEASE_DIR:-build/release}
wasi_dir=${FX_WASI_DIR:-build/wasi}
n=${1:-1000} m=${2:-1000000} runs=${3:-5}

# build PRESET DIR: the ring program, up to date, in DIR.
build() {
  [ -f "$2/build.ninja" ] || cmake --preset "$1" -B "$2" >/dev/null
  cmake --build "$2" --target fx-example-ring >/dev/null
}

# rate COMMAND...: one timed run of the ring; prints its rate (msg/s).
rate() {
  "$@" "$n" "$m" 1 | sed -n 's|^median: \([0-9]*\) msg/s.*|\1|p'
}

# median: the median of the numbers on stdin, one per line.
median() {
  sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

build release "$release_dir"
build wasi "$wasi_dir"
echo "ring: $n processes, $m hops; $runs runs each, alternating"
native_rates="" wasm_rates=""
for i in $(seq "$runs"); do
  nr=$(rate "$release_dir/wasi/fx-example-ring")
  wr=$(rate sh tests/run-wasmtime.sh "$wasi_dir/wasi/fx-example-ring.wasm")
  printf '  run %d: native %s msg/s, wasmtime %s msg/s\n' "$i" "$nr" "$wr"
  native_rates+="$nr"$'\n'
  wasm_rates+="$wr"$'\n'
done
native=$(printf '%s' "$native_rates" | median)
wasm=$(printf '%s' "$wasm_rates" | median)
awk -v n="$native" -v w="$wasm" 'BEGIN {
  printf "native   median: %6.2f M msg/s (%5.1f ns/msg)\n", n / 1e6, 1e9 / n
  printf "wasmtime median: %6.2f M msg/s (%5.1f ns/msg)\n", w / 1e6, 1e9 / w
  printf "ratio wasmtime/native (time per message): %.2fx\n", n / w
}'

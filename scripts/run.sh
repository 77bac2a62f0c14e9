#!/usr/bin/env bash
# Sets the machine up, builds the WebAssembly package (the `emscripten`
# preset writes web/dist/) and serves the interactive demo (demo/) on
# 127.0.0.1, printing its URL. Ctrl-C stops the server.
#
#   bash scripts/run.sh              (PORT=9000 bash scripts/run.sh for another port)
#
# The native example programs are still built by the release preset:
#   cmake --preset release && cmake --build --preset release
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
cmake --preset emscripten
cmake --build --preset emscripten
if [ ! -f web/dist/fauxtp.wasm ] || [ ! -f web/dist/fauxtp.mjs ]; then
  echo "run.sh: the emscripten build wrote no web/dist/fauxtp.{mjs,wasm}" >&2
  exit 1
fi
echo "==== serving the demo (Ctrl-C stops)"
exec node scripts/serve-demo.mjs

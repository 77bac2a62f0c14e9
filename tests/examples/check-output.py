#!/usr/bin/env python3
"""Runs a program with a file on its stdin and compares its stdout with
the expected text; on a difference, prints a unified diff and exits 1.

    check-output.py INPUT EXPECTED -- COMMAND [ARGS...]

ctest runs it on fx-example-kvstore (wasi/examples/kvstore.c) with
tests/examples/kvstore.in and kvstore.out, natively and under WASI hosts."""
import difflib
import subprocess
import sys


def main(argv):
    if len(argv) < 4 or argv[2] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    input_path, expected_path, command = argv[0], argv[1], argv[3:]
    with open(input_path, "rb") as f:
        done = subprocess.run(command, stdin=f, stdout=subprocess.PIPE, check=False)
    with open(expected_path, "rb") as f:
        expected = f.read().decode()
    got = done.stdout.decode(errors="replace")
    if done.returncode != 0:
        print(f"FAIL: {' '.join(command)} exited with {done.returncode}")
        return 1
    if got != expected:
        sys.stdout.writelines(difflib.unified_diff(
            expected.splitlines(True), got.splitlines(True), expected_path, "stdout"))
        print("FAIL: the output differs from the expected")
        return 1
    print(f"ok: {len(expected.splitlines())} lines as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""Checks that a program waits without spinning: it must take at least
MIN_WALL seconds of wall time but less than MAX_CPU seconds of CPU time
(user + system, the child's and its children's, from getrusage).

    check-idle.py [--min-wall S] [--max-cpu S] -- COMMAND [ARGS...]

ctest runs it on fx-example-sleeper (wasi/examples/sleeper.c), natively and
under Wasmtime. Prints the figures; exits 1 when a bound is not met or the
command fails."""
import argparse
import resource
import subprocess
import sys
import time


def cpu_seconds():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min-wall", type=float, default=1.0)
    ap.add_argument("--max-cpu", type=float, default=0.3)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        ap.error("no command")

    cpu0, wall0 = cpu_seconds(), time.monotonic()
    done = subprocess.run(command, check=False)
    wall, cpu = time.monotonic() - wall0, cpu_seconds() - cpu0

    print(f"wall {wall:.3f} s, cpu {cpu:.3f} s (bounds: wall >= {args.min_wall} s, cpu < {args.max_cpu} s)")
    if done.returncode != 0:
        print(f"FAIL: the command exited with {done.returncode}")
        return 1
    if wall < args.min_wall:
        print("FAIL: it returned before the timer was due")
        return 1
    if cpu >= args.max_cpu:
        print("FAIL: it used CPU while it should have been sleeping")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Checks that a program waits on a timer without spinning.

    check-idle.py [--ms MS] [--max-cpu S] -- COMMAND [ARGS...]

Runs `COMMAND ARGS... 0` (the start-up cost alone; it also fills
Wasmtime's compilation cache, so the next run measures the program rather
than the compiler), then `COMMAND ARGS... MS`, a program that waits MS
milliseconds on a timer: that run must take at least MS of wall time but
less than S seconds of CPU time (user + system of the child and its
children, from getrusage; default 0.3), so the wait itself costs next to
nothing. ctest runs it on fx-example-sleeper
(wasi/examples/sleeper.c) natively and under Wasmtime. Prints the figures;
exits 1 when a bound is not met or a run fails."""
import argparse
import resource
import subprocess
import sys
import time


def cpu_seconds():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def measure(command):
    """Runs command; returns (exit code, wall seconds, CPU seconds)."""
    cpu0, wall0 = cpu_seconds(), time.monotonic()
    code = subprocess.run(command, check=False).returncode
    return code, time.monotonic() - wall0, cpu_seconds() - cpu0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ms", type=int, default=1000)
    ap.add_argument("--max-cpu", type=float, default=0.3)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        ap.error("no command")

    code0, wall0, cpu0 = measure(command + ["0"])
    code, wall, cpu = measure(command + [str(args.ms)])
    print(f"start-up alone (0 ms timer): wall {wall0:.3f} s, cpu {cpu0:.3f} s")
    print(f"{args.ms} ms timer: wall {wall:.3f} s, cpu {cpu:.3f} s"
          f" (bounds: wall >= {args.ms / 1000} s, cpu < {args.max_cpu} s)")
    if code0 != 0 or code != 0:
        print(f"FAIL: the program exited with {code0} (0 ms) and {code} ({args.ms} ms)")
        return 1
    if wall < args.ms / 1000:
        print("FAIL: it returned before the timer was due")
        return 1
    if cpu >= args.max_cpu:
        print("FAIL: it used CPU while it should have been sleeping")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

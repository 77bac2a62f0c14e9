"""The Savina-style workloads of savina.c on the Python fauxtp library
(PyPI fauxtp 0.3.1 on anyio/asyncio), the original fauxtp. run.mjs installs
it into a venv under build/peers/ and runs

    build/peers/venv/bin/python tests/bench/peers/savina.py WORKLOAD [reps=R] [warmup=W] [key=value]...

printing the one JSON line fx-savina prints. Each workload checks its
result against what its parameters predict and exits 1 when they differ."""

import json
import sys
import time
import tracemalloc

import anyio
from fauxtp import ANY, PID, Actor, GenServer, call, send


def minstd(x):
    """MINSTD (Park-Miller): the same sequence in every runner."""
    return (x * 48271) % 2147483647


class Done:
    """Where the last actor leaves the result for the driver."""

    def __init__(self):
        self.event = anyio.Event()
        self.value = None

    def set(self, value):
        self.value = value
        self.event.set()


# ---- pingpong ----


class Ponger(Actor):
    async def run(self, state):
        return await self.receive((("ping", PID), self.pong), ("stop", self.stop))

    async def pong(self, sender):
        await send(sender, "pong")


class Pinger(Actor):
    def __init__(self, peer, n, done):
        super().__init__()
        self.peer, self.n, self.done = peer, n, done

    async def init(self):
        await send(self.peer, ("ping", self.pid))
        return 0

    async def run(self, count):
        return await self.receive(("pong", lambda: self.pong(count)))

    async def pong(self, count):
        count += 1
        if count == self.n:
            self.done.set(count)
            self.stop()
        await send(self.peer, ("ping", self.pid))
        return count


async def pingpong(tg, n):
    done = Done()
    pong = await Ponger.start(task_group=tg)
    await Pinger.start(pong, n, done, task_group=tg)
    await done.event.wait()
    return done.value


# ---- threadring ----


class Member(Actor):
    def __init__(self, index, done):
        super().__init__()
        self.index, self.done, self.next = index, done, None

    async def run(self, state):
        return await self.receive((int, self.token), (("next", PID), self.set_next))

    async def token(self, left):
        if left == 0:
            self.done.set(self.index)
        else:
            await send(self.next, left - 1)

    def set_next(self, pid):
        self.next = pid


async def threadring(tg, actors, hops):
    done = Done()
    pids = [await Member.start(i, done, task_group=tg) for i in range(actors)]
    for i, p in enumerate(pids):
        await send(p, ("next", pids[(i + 1) % actors]))
    await send(pids[0], hops)
    await done.event.wait()
    return done.value


# ---- counting ----


class Counter(Actor):
    async def init(self):
        return 0

    async def run(self, count):
        return await self.receive(("increment", lambda: count + 1), (("get", PID), lambda sender: self.report(sender, count)))

    async def report(self, sender, count):
        await send(sender, ("done", count))
        self.stop()


class Producer(Actor):
    def __init__(self, counter, n, done):
        super().__init__()
        self.counter, self.n, self.done = counter, n, done

    async def init(self):
        for _ in range(self.n):
            await send(self.counter, "increment")
        await send(self.counter, ("get", self.pid))

    async def run(self, state):
        count = await self.receive((("done", int), lambda c: c))
        self.done.set(count)
        self.stop()


async def counting(tg, n):
    done = Done()
    counter = await Counter.start(task_group=tg)
    await Producer.start(counter, n, done, task_group=tg)
    await done.event.wait()
    return done.value


# ---- forkjoin ----


class Worker(Actor):
    async def run(self, state):
        collector = await self.receive((("go", PID), lambda c: c))
        await send(collector, "done")
        self.stop()


class Collector(Actor):
    def __init__(self, n, done):
        super().__init__()
        self.n, self.done = n, done

    async def init(self):
        return 0

    async def run(self, count):
        await self.receive(("done", lambda: None))
        count += 1
        if count == self.n:
            self.done.set(count)
            self.stop()
        return count


async def forkjoin(tg, n):
    done = Done()
    collector = await Collector.start(n, done, task_group=tg)
    for _ in range(n):
        await send(await Worker.start(task_group=tg), ("go", collector))
    await done.event.wait()
    return done.value


# ---- big ----


class BigActor(Actor):
    def __init__(self, index, pings, finished):
        super().__init__()
        self.rng, self.pings, self.finished = index + 1, pings, finished
        self.pongs, self.peers = 0, None

    async def ping(self):
        self.rng = minstd(self.rng)
        await send(self.peers[self.rng % len(self.peers)], ("ping", self.pid))

    async def run(self, state):
        return await self.receive((("ping", PID), self.answer), ("pong", self.pong), (("peers", ANY), self.start_pinging))

    async def answer(self, sender):
        await send(sender, "pong")

    async def pong(self):
        self.pongs += 1
        if self.pongs < self.pings:
            await self.ping()
        else:
            self.finished(self.pongs)

    async def start_pinging(self, peers):
        self.peers = peers
        await self.ping()


async def big(tg, actors, pings):
    done = Done()
    total = [0, actors]

    def finished(pongs):
        total[0] += pongs
        total[1] -= 1
        if total[1] == 0:
            done.set(total[0])

    pids = [await BigActor.start(i, pings, finished, task_group=tg) for i in range(actors)]
    for p in pids:
        await send(p, ("peers", tuple(pids)))
    await done.event.wait()
    return done.value


# ---- call ----


class CallCounter(GenServer):
    async def init(self):
        return 0

    async def handle_call(self, request, from_ref, n):
        return n + 1, n + 1


async def call_loop(tg, k):
    server = await CallCounter.start(task_group=tg)
    last = 0
    for _ in range(k):
        last = await call(server, "increment")
    return last


WORKLOADS = {
    "pingpong": (pingpong, lambda p: p["n"]),
    "threadring": (threadring, lambda p: p["hops"] % p["actors"]),
    "counting": (counting, lambda p: p["n"]),
    "forkjoin": (forkjoin, lambda p: p["n"]),
    "big": (big, lambda p: p["actors"] * p["pings"]),
    "call": (call_loop, lambda p: p["k"]),
}


async def run_once(name, params):
    """One run in its own task group, cancelled (idle actors and all) once
    the result is in; returns (ms, result)."""
    fn = WORKLOADS[name][0]
    async with anyio.create_task_group() as tg:
        t0 = time.perf_counter()
        result = await fn(tg, **params)
        dt = (time.perf_counter() - t0) * 1e3
        tg.cancel_scope.cancel()
    return dt, result


class Idle(Actor):
    async def run(self, state):
        return await self.receive((ANY, lambda m: state))


async def idle_memory(n):
    """Bytes per idle actor: tracemalloc's traced memory before and after n
    actors are waiting in receive."""
    tracemalloc.start()
    async with anyio.create_task_group() as tg:
        await anyio.sleep(0)
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(n):
            await Idle.start(task_group=tg)
        await anyio.sleep(0.2)  # every actor reaches its receive
        after = tracemalloc.get_traced_memory()[0]
        tg.cancel_scope.cancel()
    tracemalloc.stop()
    return (after - before) / n


def main(argv):
    name, params, reps, warmup = argv[1], {}, 5, 1
    for a in argv[2:]:
        k, v = a.split("=")
        if k == "reps":
            reps = int(v)
        elif k == "warmup":
            warmup = int(v)
        else:
            params[k] = int(v)
    if name == "memory":
        bytes_per = anyio.run(idle_memory, params["n"])
        print(json.dumps({"workload": "memory", "params": params, "bytes_per_process": round(bytes_per, 1)}))
        return 0
    expect = WORKLOADS[name][1](params)
    times = []
    for r in range(warmup + reps):
        dt, result = anyio.run(run_once, name, params)
        if result != expect:
            print(f"savina.py: {name}: result {result}, expected {expect}", file=sys.stderr)
            return 1
        if r >= warmup:
            times.append(round(dt, 3))
    print(json.dumps({"workload": name, "params": params, "times_ms": times, "result": result}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

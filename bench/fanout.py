"""Live-room fan-out and ask latency: our `update` against a bare python-socketio emit.

For each set-up (one server process with N connections; two server processes sharing Redis
and one SQLite database, N each) it starts the real app in server processes of its own,
connects distinct delegates from separate client processes (lean websocket clients, so that
the server and not the load generator is measured), and measures:

- delivery to the last client, p50/p99: our `update` (from the moderator's `moderate` to the
  last client's receipt) and a bare `emit` of a payload of the same size through the same
  Socket.IO server to the same rooms (from the call to the last receipt), alternated, and
  their ratio;
- `ask` acknowledgement latency p50/p99 at a steady rate (default 100 questions/s from 100
  distinct delegates), SQLite, committed before acknowledged;
- the server processes' resident memory per connection, and their garbage collections.

Variants (`--variant NAME:PRESESSION_X=1,PRESESSION_Y=2`) run every set-up again with those
settings, so that a lever's before and after are measured in the same run. Besides the
server's own settings, a variant may set `BENCH_SERIALIZER=msgpack` (socket.io's msgpack
parser on the wire, server and clients; `pip install msgpack`), `BENCH_JSON=orjson`
(`pip install orjson`) or `BENCH_PING_INTERVAL=SECONDS`. Everything talks
to 127.0.0.1 only and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bench.live_clients import AskPlan, Connection, LeanClient, client_process  # noqa: E402
from bench.live_server import server_process  # noqa: E402
from server.countries import all_countries  # noqa: E402
from server.db import Database  # noqa: E402
from server.demo import create_demo  # noqa: E402
from server.identity.invitations import InvitationRequest, invite  # noqa: E402
from server.identity.service import Identity  # noqa: E402
from server.models import CountrySession, Role, utcnow  # noqa: E402
from server.settings import Settings  # noqa: E402

CTX = multiprocessing.get_context("spawn")
STARTED: list[Any] = []  # every child process, ended at exit whatever happens


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@dataclass(frozen=True)
class SetUp:
    servers: int
    per_server: int

    @property
    def name(self) -> str:
        processes = "1 process" if self.servers == 1 else f"{self.servers} processes"
        return f"{processes}, {self.servers * self.per_server} connections"


@dataclass
class People:
    session: int
    moderator: str
    seeder: str
    delegates: list[str]


# -- preparing the database ------------------------------------------------------------------


async def prepare(env: dict[str, str], delegates: int) -> People:
    """The demo event, `delegates` more delegates of its first session, every one signed in."""
    settings = replace(Settings.from_env(env), sqlite_synchronous="NORMAL")
    database = Database(settings)
    try:
        await database.upgrade()
        identity = Identity.from_settings(database, settings)
        summary = await create_demo(database, identity, settings)
        session_id = summary["sessions"][0]["id"]
        async with database.write() as session:
            country_session = await session.get(CountrySession, session_id)
            assert country_session is not None
            codes = [c["code"] for c in all_countries() if c["code"] != country_session.country]
            tokens = []
            for n in range(delegates + 1):
                invited = await invite(
                    session,
                    InvitationRequest(
                        role=Role.DELEGATE,
                        event_id=country_session.event_id,
                        country_session_id=session_id,
                        name=f"Bench delegate {n}",
                        mission_country=codes[n % len(codes)],
                    ),
                    now=utcnow(),
                    lifetime=timedelta(days=settings.invitation_days),
                )
                tokens.append(invited.invitation)
        bearers = [(await identity.sign_in(identity.invitation_token(t))).bearer for t in tokens]
        moderator = await identity.sign_in(summary["invitations"]["moderator"])
        return People(session_id, moderator.bearer, bearers[0], bearers[1:])
    finally:
        await database.close()


# -- one set-up ------------------------------------------------------------------------------


class Servers:
    """The server processes of one set-up, each with its control pipe."""

    def __init__(self, env: dict[str, str], count: int, port: int) -> None:
        self.urls = [f"http://127.0.0.1:{port + n}" for n in range(count)]
        self._pipes = []
        self._processes = []
        for n in range(count):
            ours, theirs = CTX.Pipe()
            process = CTX.Process(target=server_process, args=(env, port + n, theirs), daemon=True)
            process.start()
            STARTED.append(process)
            self._pipes.append(ours)
            self._processes.append(process)

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self._processes]

    async def ask(self, n: int, *command: Any) -> Any:
        self._pipes[n].send(command)
        return await asyncio.to_thread(self._pipes[n].recv)

    async def ready(self) -> None:
        for pipe in self._pipes:
            assert await asyncio.to_thread(pipe.recv) == "ready"

    async def figures(self) -> list[dict[str, Any]]:
        return [await self.ask(n, "figures") for n in range(len(self._pipes))]

    async def stop(self) -> None:
        for n in range(len(self._pipes)):
            await self.ask(n, "stop")
        for process in self._processes:
            process.join(30)


class ClientProcesses:
    def __init__(self, connections: list[Connection], processes: int, session: int) -> None:
        shares: list[list[Connection]] = [[] for _ in range(processes)]
        for index, connection in enumerate(connections):
            shares[index % processes].append(connection)
        self.askers = [sum(c.asker for c in share) for share in shares]
        self._pipes = []
        self._processes = []
        for share in shares:
            ours, theirs = CTX.Pipe()
            process = CTX.Process(target=client_process, args=(share, session, theirs), daemon=True)
            process.start()
            STARTED.append(process)
            self._pipes.append(ours)
            self._processes.append(process)

    async def all(self, *command: Any) -> list[Any]:
        if command:
            for pipe in self._pipes:
                pipe.send(command)
        return await asyncio.gather(*(asyncio.to_thread(pipe.recv) for pipe in self._pipes))

    async def stop(self) -> None:
        await self.all("stop")
        for process in self._processes:
            process.join(30)


async def run_set_up(
    set_up: SetUp, args: argparse.Namespace, extra: dict[str, str]
) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="presession-bench-"))
    # The live room only: no stage (each server process would start a Janus of its own).
    env = {"PRESESSION_DATA_DIR": str(data_dir), "PRESESSION_STAGE": "off", **extra}
    packed = extra.get("BENCH_SERIALIZER") == "msgpack"
    if set_up.servers > 1:
        env["PRESESSION_REDIS_URL"] = args.redis
        env["PRESESSION_REDIS_CHANNEL"] = f"presession-bench-{os.getpid()}-{time.time_ns()}"
    total = set_up.servers * set_up.per_server
    people = await prepare(env, total)
    servers = Servers(env, set_up.servers, args.port)
    await servers.ready()
    before = await servers.figures()
    connections = [
        Connection(servers.urls[n % set_up.servers], token, asker=n < args.askers, msgpack=packed)
        for n, token in enumerate(people.delegates)
    ]
    started = time.monotonic()
    clients = ClientProcesses(connections, args.processes, people.session)
    connected = sum(await clients.all())
    joined_in = time.monotonic() - started
    await asyncio.sleep(10)  # the room settles (the serve process freezes its heap)
    joined = await servers.figures()

    async with aiohttp.ClientSession() as http:
        updates: dict[int, float] = {}
        last_update: dict[str, Any] = {}

        own: dict[int, float] = {}  # version -> when the moderator had its own update

        def on_moderator_event(name: str, payload: Any, received: float) -> None:
            if name == "update":
                last_update.clear()
                last_update.update(payload)
                own[payload["version"]] = received

        moderator = LeanClient(
            servers.urls[0], people.moderator, on_moderator_event, msgpack=packed
        )
        seeder = LeanClient(servers.urls[0], people.seeder, msgpack=packed)
        for client in (moderator, seeder):
            await client.connect(http)
            assert (await client.call("join", {"session": people.session}))["ok"]

        async def call(client: LeanClient, event: str, data: dict[str, Any]) -> dict[str, Any]:
            answer: dict[str, Any] = await client.call(event, data)
            assert answer["ok"], answer
            return answer

        await call(moderator, "phase", {"session": people.session, "phase": "screening"})
        questions = [
            (
                await call(
                    seeder,
                    "ask",
                    {
                        "session": people.session,
                        "client_id": f"seed-{n}",
                        "text": f"Question {n} " + "x" * 200,
                    },
                )
            )["question"]["id"]
            for n in range(args.trials)
        ]
        await asyncio.sleep(0.5)
        gc_before = await servers.figures()

        # Ours and the bare emit, alternated so that both see the same conditions.
        rooms = [f"{people.session}:speakers", f"{people.session}:delegates"]
        seconds = 2 * args.trials * 2 * args.pause
        profiler = await _profile(args.profile, servers.pids[0], seconds, "fanout")
        bare: dict[int, float] = {}
        payload = ""
        for question in questions:
            for action in ({"action": "approve"}, {"action": "move", "position": 1}):
                sent = time.time()
                await call(moderator, "moderate", {"question": question, **action})
                updates[last_update["version"]] = sent
                payload = payload or "x" * len(json.dumps(last_update))
                await asyncio.sleep(args.pause)
                seq = len(bare)
                bare[seq] = await servers.ask(0, "bare", seq, payload, rooms)
                await asyncio.sleep(args.pause)

        if profiler is not None:
            await profiler.wait()

        # Asks at a steady rate from distinct delegates, spread over the client processes.
        first, plans = 0, []
        for askers in clients.askers:
            plan = AskPlan(people.session, args.ask_rate, args.ask_seconds, args.askers, first)
            plans.append(plan)
            first += askers
        profiler = await _profile(args.profile, servers.pids[0], args.ask_seconds, "asks")
        for pipe, plan in zip(clients._pipes, plans, strict=True):
            pipe.send(("ask", plan))
        asked = await clients.all()
        if profiler is not None:
            await profiler.wait()
        latencies = [latency for part, _ in asked for latency in part]
        refused = sum(part for _, part in asked)
        gc_after = await servers.figures()
        await asyncio.sleep(1)
        received = await clients.all("receipts")
        await moderator.close()
        await seeder.close()
    await clients.stop()
    await servers.stop()

    def last_receipts(kind: str, starts: dict[int, float]) -> list[float]:
        counts: dict[int, int] = {}
        latest: dict[int, float] = {}
        for part_counts, part_latest in received:
            for (got, key), count in part_counts.items():
                if got == kind and key in starts:
                    counts[key] = counts.get(key, 0) + count
                    latest[key] = max(latest.get(key, 0.0), part_latest[(got, key)])
        return [latest[key] - starts[key] for key, count in counts.items() if count == connected]

    ours, base = last_receipts("update", updates), last_receipts("bare", bare)
    grown = sum(j["rss"] - b["rss"] for j, b in zip(joined, before, strict=True))
    return {
        "name": set_up.name,
        "connected": connected,
        "joined_in": joined_in,
        "payload": len(payload),
        "ours": ours,
        "ours_sent": len(updates),
        "write": [own[version] - sent for version, sent in updates.items() if version in own],
        "bare": base,
        "bare_sent": len(bare),
        "asks": latencies,
        "refused": refused,
        "ask_rate": len(latencies) / args.ask_seconds,
        "rss_per_connection": grown / connected,
        "rss_total": sum(j["rss"] for j in joined),
        "rss_grown_measured": sum(
            a["rss"] - b["rss"] for a, b in zip(gc_after, gc_before, strict=True)
        ),
        "gc": [_gc_delta(b["gc"], a["gc"]) for b, a in zip(gc_before, gc_after, strict=True)],
        "walked": [after["walked"] for after in gc_after],
        "frozen": [after["frozen"] for after in gc_after],
        # In the first server process, which takes the moderator's events: the fan-out phase's
        # `moderate`s, whole and until their commit.
        "moderate_in_server": _since(gc_before[0], gc_after[0], "moderate"),
        "moderate_committed": _since(gc_before[0], gc_after[0], "moderate:committed"),
        # The share of one CPU each server process had while measured (200% = both cores).
        "cpu": [
            (a["cpu"] - b["cpu"]) / (a["wall"] - b["wall"])
            for b, a in zip(gc_before, gc_after, strict=True)
        ],
        "load": os.getloadavg()[0],
    }


async def _profile(
    prefix: str | None, pid: int, seconds: float, phase: str
) -> asyncio.subprocess.Process | None:
    """py-spy (when asked for) sampling the first server process through one phase."""
    if prefix is None:
        return None
    py_spy = Path(sys.executable).parent / "py-spy"
    return await asyncio.create_subprocess_exec(
        *(str(py_spy), "record", "--pid", str(pid), "--duration", str(int(seconds) + 1)),
        *("--format", "raw", "--output", f"{prefix}-{phase}.txt", "--nonblocking"),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


def _since(before: dict[str, Any], after: dict[str, Any], event: str) -> list[float]:
    return list(after["handled"][event][len(before["handled"][event]) :])


def _gc_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {
        "count": [a - b for a, b in zip(after["count"], before["count"], strict=True)],
        "seconds": [a - b for a, b in zip(after["seconds"], before["seconds"], strict=True)],
        "longest": after["longest"],
    }


# -- printing --------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def describe(result: dict[str, Any], args: argparse.Namespace) -> list[str]:
    ours, bare, asks = result["ours"], result["bare"], result["asks"]
    o50, o99 = percentile(ours, 0.5), percentile(ours, 0.99)
    b50, b99 = percentile(bare, 0.5), percentile(bare, 0.99)
    gen2 = [item["count"][2] for item in result["gc"]]
    gen2_ms = [ms(item["seconds"][2]) for item in result["gc"]]
    longest = [ms(item["longest"][2]) for item in result["gc"]]
    return [
        f"  {result['connected']} clients connected and joined in {result['joined_in']:.1f} s;"
        f" update payload ~{result['payload']} bytes; {len(ours)}/{result['ours_sent']} updates"
        f" and {len(bare)}/{result['bare_sent']} bare emits reached all of them",
        f"  delivery to the last client, bare python-socketio emit: p50 {ms(b50)} ms,"
        f" p99 {ms(b99)} ms",
        f"  delivery to the last client, our update: p50 {ms(o50)} ms, p99 {ms(o99)} ms",
        f"  ratio ours/bare: p50 {o50 / b50:.2f}x, p99 {o99 / b99:.2f}x (goal <= 1.3)",
        f"  the five slowest deliveries, ours: {[ms(v) for v in sorted(ours)[-5:]]} ms;"
        f" bare: {[ms(v) for v in sorted(bare)[-5:]]} ms",
        "  of ours, the moderator's write (request to the moderator's own update):"
        f" p50 {ms(percentile(result['write'], 0.5))} ms,"
        f" p99 {ms(percentile(result['write'], 0.99))} ms; in the server (event in, answer"
        f" out): p50 {ms(percentile(result['moderate_in_server'], 0.5))} ms,"
        f" p99 {ms(percentile(result['moderate_in_server'], 0.99))} ms; of that, until"
        f" committed: p50 {ms(percentile(result['moderate_committed'], 0.5))} ms,"
        f" p99 {ms(percentile(result['moderate_committed'], 0.99))} ms",
        f"  ask ack latency at {result['ask_rate']:.0f} questions/s (asked for"
        f" {args.ask_rate:.0f}, from {args.askers} delegates; {result['refused']} refused),"
        f" SQLite: p50 {ms(percentile(asks, 0.5))} ms, p99 {ms(percentile(asks, 0.99))} ms"
        " (goal p99 <= 50 ms)",
        f"  server RSS per connection: {result['rss_per_connection'] / 1024:.1f} KiB"
        f" ({result['rss_total'] / 2**20:.0f} MiB in all; grew"
        f" {result['rss_grown_measured'] / 2**20:.1f} MiB while measured)",
        f"  full (gen 2) collections while measured, per process: {gen2}, taking {gen2_ms} ms"
        f" (longest since start {longest} ms); objects a full collection walks after the"
        f" asks {result['walked']}, frozen {result['frozen']}",
        f"  server CPU while measured, per process: {[f'{c:.0%}' for c in result['cpu']]} of"
        f" one core; machine load average {result['load']:.1f} on {os.cpu_count()} cores",
    ]


def table(results: list[tuple[str, dict[str, Any]]]) -> list[str]:
    width = max([len("variant"), *(len(variant) for variant, _ in results)])
    rows = [
        f"{'variant':<{width}} | set-up                        | bare p50/p99 ms"
        " | ours p50/p99 ms | ratio p50/p99 | ask p50/p99 ms | RSS/conn KiB"
    ]
    for variant, result in results:
        ours, bare, asks = result["ours"], result["bare"], result["asks"]
        o50, o99 = percentile(ours, 0.5), percentile(ours, 0.99)
        b50, b99 = percentile(bare, 0.5), percentile(bare, 0.99)
        rows.append(
            f"{variant:<{width}} | {result['name']:<29} | {ms(b50):>6} / {ms(b99):<6}"
            f" | {ms(o50):>6} / {ms(o99):<6} | {o50 / b50:.2f}x / {o99 / b99:.2f}x"
            f" | {ms(percentile(asks, 0.5)):>5} / {ms(percentile(asks, 0.99)):<6}"
            f" | {result['rss_per_connection'] / 1024:.1f}"
        )
    return rows


# -- main ------------------------------------------------------------------------------------


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    name, _, assignments = text.partition(":")
    # NAME=V,NAME=V; a value may hold commas itself (PRESESSION_GC_THRESHOLD=700,10,100).
    items = re.split(r",(?=[A-Z][A-Z0-9_]*=)", assignments)
    settings = dict(item.split("=", 1) for item in items if item)
    return name, settings


async def run(args: argparse.Namespace) -> None:
    set_ups = [SetUp(int(s.split("x")[0]), int(s.split("x")[1])) for s in args.set_ups.split(",")]
    variants = [parse_variant(v) for v in args.variant] or [("as set", {})]
    load = os.getloadavg()
    print(f"{os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at start")
    results = []
    for name, extra in variants:
        for set_up in set_ups:
            chosen = ", ".join(f"{key}={value}" for key, value in extra.items()) or "defaults"
            print(f"{name} — {set_up.name} ({chosen}):")
            result = await run_set_up(set_up, args, extra)
            print("\n".join(describe(result, args)), flush=True)
            results.append((name, result))
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the end")
    print("\n".join(table(results)))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--set-ups", default="1x1000,2x1000", help="SERVERSxCONNECTIONS_EACH, comma-separated"
    )
    parser.add_argument("--variant", action="append", default=[], help="NAME:PRESESSION_X=V,...")
    parser.add_argument("--processes", type=int, default=3, help="client processes")
    parser.add_argument("--trials", type=int, default=50, help="questions approved and moved")
    parser.add_argument("--pause", type=float, default=0.25, help="seconds between sends")
    parser.add_argument("--ask-rate", type=float, default=100.0)
    parser.add_argument("--askers", type=int, default=100, help="distinct delegates asking")
    parser.add_argument("--ask-seconds", type=float, default=10.0)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument(
        "--profile", metavar="PREFIX", help="py-spy the first server: PREFIX-fanout.txt, -asks.txt"
    )
    try:
        asyncio.run(run(parser.parse_args()))
    finally:
        for process in STARTED:
            if process.is_alive():
                process.terminate()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()

"""The deadline rush: many uploads at once, transcoded by one worker process, then by two.

    .venv/bin/python bench/transcode_many.py [--uploads 20] [--seconds 60] [--size 1920x1080]
        [--workers 1,2] [--preset veryfast] [--asks 40]

For each worker count, on a fresh PostgreSQL database with Redis, one `presession serve`
(running no jobs) and that many `presession worker` processes (one job at a time each):
1. the web process's `ask` latency with the workers idle (a delegate's question, sent and
   acknowledged over Socket.IO, one after another), before the uploads and after the last
   is ready (the machine's other load drifts, so both ends count);
2. every upload at once (tus, straight to the server), then, while the workers transcode,
   the same asks again;
3. the time from the first upload's start until every statement is ready, and each job's
   queue wait (from its upload's completion until a worker took it), p50 and p99.
Prints the figures with the machine's load average, since a shared machine moves them.
Needs PostgreSQL and Redis on 127.0.0.1 (`make services`). Not a test: machine-dependent.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import aiohttp
import asyncpg
import ffmpeg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.live_client import NAMESPACE, LiveClient
from tests.processes import free_port
from tests.stack import REDIS_URL, sign_in, stack, upload

ADMIN_DSN = os.environ.get(
    "PRESESSION_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@dataclass
class Round:
    workers: int
    idle_asks: list[float] = field(default_factory=list)
    busy_asks: list[float] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)
    all_ready_s: float = 0.0
    failed: int = 0
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)


def synthesise(path: Path, seconds: int, size: str) -> None:
    picture = ffmpeg.input(f"testsrc2=size={size}:rate=30:duration={seconds}", f="lavfi")
    tone = ffmpeg.input(f"sine=frequency=220:sample_rate=48000:duration={seconds}", f="lavfi")
    ffmpeg.output(
        picture, tone, str(path), vcodec="libx264", preset="ultrafast", crf=23,
        pix_fmt="yuv420p", acodec="aac", shortest=None,
    ).overwrite_output().run(quiet=True)  # fmt: skip


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Throwaway:
    """A new PostgreSQL database for one round, dropped afterwards."""

    def __init__(self) -> None:
        self.name = f"presession_bench_{os.getpid()}_{time.monotonic_ns()}"

    async def __aenter__(self) -> str:
        admin = await asyncpg.connect(ADMIN_DSN)
        await admin.execute(f'CREATE DATABASE "{self.name}"')
        await admin.close()
        base = ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
        return f"{base}/{self.name}"

    async def __aexit__(self, *_: object) -> None:
        admin = await asyncpg.connect(ADMIN_DSN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        await admin.close()


async def asks(delegate: LiveClient, session: int, count: int, label: str) -> list[float]:
    latencies = []
    for number in range(count):
        started = time.perf_counter()
        await delegate.ok(
            "ask", {"session": session, "client_id": f"{label}-{number}", "text": f"Q {number}"}
        )
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(0.1)
    return latencies


async def asks_while(delegate: LiveClient, session: int, busy: asyncio.Event) -> list[float]:
    latencies: list[float] = []
    number = 0
    while not busy.is_set():
        latencies += await asks(delegate, session, 1, f"busy-{number}")
        number += 1
    return latencies


async def queue_waits(database_url: str, done: asyncio.Event) -> dict[int, float]:
    """Each job's wait: from its creation (the upload's completion) until first seen running."""
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    connection = await asyncpg.connect(dsn)
    created: dict[int, datetime] = {}
    waits: dict[int, float] = {}
    try:
        while not done.is_set():
            for row in await connection.fetch("SELECT id, state, created_at FROM jobs"):
                created.setdefault(row["id"], row["created_at"])
                if row["state"] != "queued" and row["id"] not in waits:
                    now = datetime.now(tz=row["created_at"].tzinfo)
                    waits[row["id"]] = (now - created[row["id"]]).total_seconds()
            await asyncio.sleep(0.1)
    finally:
        await connection.close()
    return waits


async def run_round(args: argparse.Namespace, recording: Path, workers: int) -> Round:
    result = Round(workers)
    async with Throwaway() as url, stack(url, REDIS_URL) as running:
        port = free_port()
        running.public_url = f"http://127.0.0.1:{port}"
        running.extra_env = {
            "PRESESSION_JOB_CONCURRENCY": "0",
            "PRESESSION_TRANSCODE_PRESET": args.preset,
            # The benchmark's one delegate asks far more than a person would.
            "PRESESSION_QUESTIONS_PER_MINUTE": "100000",
            "PRESESSION_OPEN_QUESTIONS_PER_DELEGATE": "100000",
        }
        await running.serve(port)
        for number in range(workers):
            await running.worker(
                str(number),
                PRESESSION_JOB_CONCURRENCY="1",
                PRESESSION_WORKER_CPUS=args.worker_cpus,
            )
        demo = await running.presession("demo", "--json")
        base = running.public_url
        async with aiohttp.ClientSession() as http:
            speakers = demo["invitations"]["speakers"][: args.uploads]
            if len(speakers) < args.uploads:
                raise SystemExit(f"the demo has {len(speakers)} statements; ask for fewer")
            tokens = [await sign_in(http, base, s["token"]) for s in speakers]
            delegate_invitation = demo["invitations"]["delegates"][0]
            moderator = await connect(
                base, await sign_in(http, base, demo["invitations"]["moderator"])
            )
            delegate = await connect(base, await sign_in(http, base, delegate_invitation["token"]))
            http.cookie_jar.clear()
            session = delegate_invitation["session"]
            await moderator.ok("join", {"session": session})
            await delegate.ok("join", {"session": session})
            await moderator.ok("phase", {"session": session, "phase": "screening"})
            result.idle_asks = await asks(delegate, session, args.asks, "idle")

            all_ready = asyncio.Event()
            waits_task = asyncio.create_task(queue_waits(url, all_ready))
            started = time.perf_counter()
            await asyncio.gather(
                *(
                    upload(http, base, token, speaker["statement"], recording, 8 * 1024 * 1024)
                    for token, speaker in zip(tokens, speakers, strict=True)
                )
            )
            asking = asyncio.create_task(asks_while(delegate, session, all_ready))
            result.failed = await until_ready(url, [s["statement"] for s in speakers])
            result.all_ready_s = time.perf_counter() - started
            all_ready.set()
            result.busy_asks = await asking
            result.waits = list((await waits_task).values())
            # Idle again afterwards: the machine's other load drifts, so both ends count.
            result.idle_asks += await asks(delegate, session, args.asks, "idle-after")
            result.load = os.getloadavg()
            await moderator.close()
            await delegate.close()
    return result


async def connect(base: str, token: str) -> LiveClient:
    client = LiveClient(base, token)
    await client.sio.connect(
        base, auth={"token": token}, namespaces=[NAMESPACE], transports=["websocket"]
    )
    return client


async def until_ready(database_url: str, statements: list[int]) -> int:
    """Wait until every statement is ready or failed (read from the database, so that the
    benchmark's own polling does not load the web process it measures); how many failed."""
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    connection = await asyncpg.connect(dsn)
    try:
        while True:
            rows = await connection.fetch(
                "SELECT state FROM statements WHERE id = ANY($1::int[])", statements
            )
            states = [row["state"] for row in rows]
            if all(state in ("ready", "failed") for state in states):
                return states.count("failed")
            await asyncio.sleep(0.5)
    finally:
        await connection.close()


def report(args: argparse.Namespace, rounds: list[Round]) -> None:
    print(
        f"\n{args.uploads} uploads of {args.seconds} s at {args.size}, preset {args.preset}, "
        f"{os.cpu_count()} cores; one `serve`, N workers of one job each"
        f" on CPUs {args.worker_cpus or 'all'}"
    )
    for result in rounds:
        idle = statistics.median(result.idle_asks) * 1000
        busy = statistics.median(result.busy_asks) * 1000 if result.busy_asks else float("nan")
        idle_p99 = percentile(result.idle_asks, 0.99) * 1000
        busy_p99 = percentile(result.busy_asks, 0.99) * 1000
        print(
            f"  {result.workers} worker(s): all ready in {result.all_ready_s:.1f} s"
            f" ({result.failed} failed); queue wait p50 {percentile(result.waits, 0.5):.1f} s,"
            f" p99 {percentile(result.waits, 0.99):.1f} s\n"
            f"    ask latency idle p50 {idle:.1f} ms p99 {idle_p99:.1f} ms"
            f" ({len(result.idle_asks)} asks); while transcoding p50 {busy:.1f} ms"
            f" p99 {busy_p99:.1f} ms ({len(result.busy_asks)} asks);"
            f" p50 ratio {busy / idle:.2f}x (goal <= 1.3x)\n"
            f"    load average after the round: {' '.join(f'{x:.1f}' for x in result.load)}"
        )
    if len(rounds) >= 2 and rounds[-1].all_ready_s:
        print(
            f"  speed-up, {rounds[0].workers} -> {rounds[-1].workers} workers: "
            f"{rounds[0].all_ready_s / rounds[-1].all_ready_s:.2f}x"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--workers", default="1,2", help="worker counts, one round each")
    parser.add_argument("--preset", default="veryfast")
    parser.add_argument("--asks", type=int, default=40, help="asks measured on the idle machine")
    parser.add_argument(
        "--worker-cpus", default="", help="PRESESSION_WORKER_CPUS for the workers (default: all)"
    )
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{load:.1f}' for load in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as folder:
        recording = Path(folder) / "statement.mp4"
        await asyncio.to_thread(synthesise, recording, args.seconds, args.size)
        rounds = [await run_round(args, recording, int(count)) for count in args.workers.split(",")]
    report(args, rounds)


if __name__ == "__main__":
    asyncio.run(main())

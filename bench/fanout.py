"""Live-room fan-out: our `update` against a bare python-socketio emit, to the same clients.

Starts the server in this process (so the baseline can call the same Socket.IO server's
`emit` directly), connects N clients spread over several client processes (websocket), has a
moderator approve and reorder questions, and prints:

- delivery latency to the last client, p50/p99, for our `update` (from the moderator's
  request to the last client's receipt) and for a bare `emit` of a payload of the same size
  (from the call to the last receipt), and their ratio;
- `ask` acknowledgement latency p50/p99 at a steady rate (default 100 questions/s), SQLite;
- the server process's resident memory per connection.

Everything talks to 127.0.0.1 only and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import socketio
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.app import create_app  # noqa: E402
from server.demo import create_demo  # noqa: E402
from server.keys import BROADCASTER, DATABASE, IDENTITY  # noqa: E402
from server.settings import Settings  # noqa: E402

NAMESPACE = "/live"


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# -- client processes ------------------------------------------------------------------------


def client_process(
    url: str, tokens: list[str], session: int, ready: Any, results: Any, stop: Any
) -> None:
    asyncio.run(_clients(url, tokens, session, ready, results, stop))


async def _clients(
    url: str, tokens: list[str], session: int, ready: Any, results: Any, stop: Any
) -> None:
    received: list[tuple[str, int, float]] = []
    clients = []
    for token in tokens:
        client = socketio.AsyncClient(reconnection=False)

        async def on_update(data: dict[str, Any]) -> None:
            if not data.get("personal"):
                received.append(("update", data["version"], time.time()))

        async def on_bench(data: dict[str, Any]) -> None:
            received.append(("bare", data["seq"], time.time()))

        client.on("update", on_update, namespace=NAMESPACE)
        client.on("bench", on_bench, namespace=NAMESPACE)
        await client.connect(
            url, auth={"token": token}, namespaces=[NAMESPACE], transports=["websocket"]
        )
        answer = await client.call("join", {"session": session}, namespace=NAMESPACE, timeout=60)
        assert answer["ok"], answer
        clients.append(client)
    ready.put(len(clients))
    await asyncio.to_thread(stop.get)  # the run is over
    results.put(received)
    for client in clients:
        await client.disconnect()


def asker_process(
    url: str, token: str, session: int, rate: float, seconds: float, results: Any
) -> None:
    results.put(asyncio.run(_ask_steadily(url, token, session, rate, seconds)))


async def _ask_steadily(
    url: str, token: str, session: int, rate: float, seconds: float
) -> tuple[list[float], float]:
    """Ask `rate` questions a second for `seconds`; the ack latencies and the rate achieved."""
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(
        url, auth={"token": token}, namespaces=[NAMESPACE], transports=["websocket"]
    )
    latencies: list[float] = []

    async def one_ask(n: int) -> None:
        began = time.perf_counter()
        question = {"session": session, "client_id": f"rate-{n}", "text": f"Rate {n}"}
        answer = await client.call("ask", question, namespace=NAMESPACE, timeout=60)
        assert answer["ok"], answer
        latencies.append(time.perf_counter() - began)

    tasks = []
    begin = time.perf_counter()
    for n in range(int(rate * seconds)):
        delay = begin + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one_ask(n)))
    await asyncio.gather(*tasks)
    achieved = len(latencies) / (time.perf_counter() - begin)
    await client.disconnect()
    return latencies, achieved


# -- the run ---------------------------------------------------------------------------------


async def login(http: aiohttp.ClientSession, base: str, invitation: str) -> str:
    async with http.post(f"{base}/api/login", json={"invitation": invitation}) as response:
        token: str = (await response.json())["token"]
        return token


async def run(args: argparse.Namespace) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="presession-bench-"))
    settings = replace(
        Settings.from_env(
            {"PRESESSION_DATA_DIR": str(data_dir), "PRESESSION_PORT": str(args.port)}
        ),
        questions_per_minute=1_000_000,
        open_questions_per_delegate=1_000_000,
    )
    app = create_app(settings)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", args.port).start()
    base = f"http://127.0.0.1:{args.port}"
    summary = await create_demo(app[DATABASE], app[IDENTITY], settings)
    session = summary["sessions"][0]["id"]
    invitations = summary["invitations"]
    delegate_invitations = [d["token"] for d in invitations["delegates"] if d["session"] == session]
    speaker_invitations = [s["token"] for s in invitations["speakers"] if s["session"] == session]

    async with aiohttp.ClientSession() as http:
        moderator_token = await login(http, base, invitations["moderator"])
        audience_tokens = [
            await login(http, base, t) for t in delegate_invitations[1:] + speaker_invitations
        ]
        asker_tokens = [await login(http, base, delegate_invitations[0])]

    rss_before = rss_bytes()
    ctx = multiprocessing.get_context("spawn")
    ready, results, stop = ctx.Queue(), ctx.Queue(), ctx.Queue()
    per_process = [[] for _ in range(args.processes)]  # type: list[list[str]]
    for index in range(args.clients):
        per_process[index % args.processes].append(audience_tokens[index % len(audience_tokens)])
    processes = [
        ctx.Process(target=client_process, args=(base, tokens, session, ready, results, stop))
        for tokens in per_process
    ]
    started = time.monotonic()
    for process in processes:
        process.start()
    connected = 0
    for _ in processes:
        connected += await asyncio.to_thread(ready.get, True, 300)
    print(f"{connected} clients connected and joined in {time.monotonic() - started:.1f} s")
    await asyncio.sleep(1)
    rss_after = rss_bytes()

    moderator = socketio.AsyncClient(reconnection=False)
    await moderator.connect(
        base, auth={"token": moderator_token}, namespaces=[NAMESPACE], transports=["websocket"]
    )
    asker = socketio.AsyncClient(reconnection=False)
    await asker.connect(
        base, auth={"token": asker_tokens[0]}, namespaces=[NAMESPACE], transports=["websocket"]
    )

    async def call(
        client: socketio.AsyncClient, event: str, data: dict[str, Any]
    ) -> dict[str, Any]:
        answer: dict[str, Any] = await client.call(event, data, namespace=NAMESPACE, timeout=60)
        assert answer["ok"], answer
        return answer

    snapshot = (await call(moderator, "join", {"session": session}))["snapshot"]
    await call(moderator, "phase", {"session": session, "phase": "screening"})
    questions = [
        (
            await call(
                asker,
                "ask",
                {
                    "session": session,
                    "client_id": f"seed-{n}",
                    "text": f"Question {n} " + "x" * 200,
                },
            )
        )["question"]["id"]
        for n in range(args.trials)
    ]

    # Our updates: approve each question, then move it to the front (a reorder).
    sent: dict[int, float] = {}
    sizes: list[int] = []
    last_update: dict[str, Any] = {}

    async def remember(data: dict[str, Any]) -> None:
        last_update.clear()
        last_update.update(data)

    moderator.on("update", remember, namespace=NAMESPACE)
    version = snapshot["version"] + 1 + args.trials
    for question in questions:
        for action in ({"action": "approve"}, {"action": "move", "position": 1}):
            version += 1
            sent[version] = time.time()
            await call(moderator, "moderate", {"question": question, **action})
            await asyncio.sleep(args.pause)
    sizes.append(len(json.dumps(last_update)))

    # The baseline: a bare emit of a same-size payload to the same rooms.
    sio = app[BROADCASTER]._sio
    payload = "x" * max(sizes)
    bare_sent: dict[int, float] = {}
    rooms = [f"{session}:speakers", f"{session}:delegates"]
    for seq in range(2 * args.trials):
        bare_sent[seq] = time.time()
        await sio.emit("bench", {"seq": seq, "payload": payload}, to=rooms, namespace=NAMESPACE)
        await asyncio.sleep(args.pause)

    # Asks at a steady rate from a client process of their own, acknowledged after commit.
    asked = ctx.Queue()
    asking = ctx.Process(
        target=asker_process,
        args=(base, asker_tokens[0], session, args.ask_rate, args.ask_seconds, asked),
    )
    asking.start()
    ack_latencies, achieved = await asyncio.to_thread(asked.get, True, 300)
    asking.join(30)

    await asyncio.sleep(2)
    for _ in processes:
        stop.put(True)
    received: list[tuple[str, int, float]] = []
    for _ in processes:
        received += await asyncio.to_thread(results.get, True, 120)
    for process in processes:
        process.join(30)
    await moderator.disconnect()
    await asker.disconnect()
    await runner.cleanup()

    def last_receipts(kind: str, starts: dict[int, float]) -> list[float]:
        latest: dict[int, float] = {}
        counts: dict[int, int] = {}
        for got_kind, key, at in received:
            if got_kind == kind and key in starts:
                latest[key] = max(latest.get(key, 0.0), at)
                counts[key] = counts.get(key, 0) + 1
        complete = [key for key, count in counts.items() if count == connected]
        return [latest[key] - starts[key] for key in complete]

    ours = last_receipts("update", sent)
    bare = last_receipts("bare", bare_sent)
    ours_p50, ours_p99 = percentile(ours, 0.5), percentile(ours, 0.99)
    bare_p50, bare_p99 = percentile(bare, 0.5), percentile(bare, 0.99)
    ask_p50, ask_p99 = percentile(ack_latencies, 0.5), percentile(ack_latencies, 0.99)
    grown = rss_after - rss_before
    lines = [
        f"update payload ~{max(sizes)} bytes; {len(ours)}/{len(sent)} updates and"
        f" {len(bare)}/{len(bare_sent)} bare emits reached all {connected} clients",
        "delivery to the last client, our update (moderator request to last receipt):"
        f" p50 {ours_p50 * 1000:.1f} ms, p99 {ours_p99 * 1000:.1f} ms",
        "delivery to the last client, bare python-socketio emit (call to last receipt):"
        f" p50 {bare_p50 * 1000:.1f} ms, p99 {bare_p99 * 1000:.1f} ms",
        f"ratio ours/bare: p50 {ours_p50 / bare_p50:.2f}x, p99 {ours_p99 / bare_p99:.2f}x"
        " (goal <= 1.3)",
        f"ask ack latency at {achieved:.0f} questions/s (asked for {args.ask_rate:.0f}), SQLite:"
        f" p50 {ask_p50 * 1000:.1f} ms, p99 {ask_p99 * 1000:.1f} ms (goal p99 <= 50 ms)",
        f"server RSS per connection: {grown / connected / 1024:.1f} KiB"
        f" ({grown / 2**20:.1f} MiB for {connected})",
    ]
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--trials", type=int, default=20, help="questions approved and moved")
    parser.add_argument("--pause", type=float, default=0.3, help="seconds between sends")
    parser.add_argument("--ask-rate", type=float, default=100.0)
    parser.add_argument("--ask-seconds", type=float, default=5.0)
    parser.add_argument("--port", type=int, default=8765)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()

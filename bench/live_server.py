"""A server process for the live-room benchmarks: the real app, as `presession serve` runs it,
plus a control pipe through which the orchestrator asks for a bare Socket.IO emit (the
baseline) and for the process's figures (memory, garbage collections).
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import os
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from aiohttp import web

from server.app import create_app
from server.keys import BROADCASTER, LIVE_ROOM
from server.runtime import tune_runtime
from server.settings import Settings

NAMESPACE = "/live"


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class CollectionTimes:
    """How many cyclic garbage collections of each generation ran, and for how long."""

    def __init__(self) -> None:
        self.count = [0, 0, 0]
        self.seconds = [0.0, 0.0, 0.0]
        self.longest = [0.0, 0.0, 0.0]
        self._began = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
            return
        took = time.perf_counter() - self._began
        generation = info["generation"]
        self.count[generation] += 1
        self.seconds[generation] += took
        self.longest[generation] = max(self.longest[generation], took)

    def figures(self) -> dict[str, Any]:
        return {"count": list(self.count), "seconds": list(self.seconds), "longest": self.longest}


class OrjsonModule:
    """orjson in the shape python-socketio's `json=` option takes (`dumps` and `loads`)."""

    @staticmethod
    def dumps(value: Any, **_: Any) -> str:
        import orjson

        return orjson.dumps(value).decode()

    @staticmethod
    def loads(text: str | bytes, **_: Any) -> Any:
        import orjson

        return orjson.loads(text)


def _bench_json(name: str | None) -> None:
    """What `AsyncServer(json=...)` does: set the packets' JSON module, process-wide."""
    if name == "orjson":
        import engineio.packet
        import socketio.packet

        socketio.packet.Packet.json = OrjsonModule
        engineio.packet.Packet.json = OrjsonModule


_ARRIVED: contextvars.ContextVar[tuple[str, float] | None] = contextvars.ContextVar(
    "arrived", default=None
)


def _time_events(namespace: Any, room: Any, events: tuple[str, ...]) -> dict[str, list[float]]:
    """How long the server took over each of these events, in seconds: from the event's
    arrival in the namespace to its answer (the sign-in check, the write, the publication to
    every audience), and to the start of its first publication (`EVENT:committed`: the sign-in
    check, the wait for the session's lock, the write and its commit)."""
    times: dict[str, list[float]] = {}
    for event in events:
        times[event], times[f"{event}:committed"] = [], []
    handle, publish = namespace.trigger_event, room._publish

    async def timed(event: str, *args: Any) -> Any:
        began = time.perf_counter()
        token = _ARRIVED.set((event, began) if event in events else None)
        try:
            return await handle(event, *args)
        finally:
            _ARRIVED.reset(token)
            if event in events:
                times[event].append(time.perf_counter() - began)

    async def published(change: Any) -> None:
        arrived = _ARRIVED.get()
        if arrived is not None:  # the first publication of this event's write
            times[f"{arrived[0]}:committed"].append(time.perf_counter() - arrived[1])
            _ARRIVED.set(None)
        await publish(change)

    namespace.trigger_event = timed
    room._publish = published
    return times


def server_process(env: Mapping[str, str], port: int, pipe: Any) -> None:
    asyncio.run(_serve(dict(env), port, pipe))


async def _serve(env: dict[str, str], port: int, pipe: Any) -> None:
    settings = replace(
        Settings.from_env(env),
        port=port,
        questions_per_minute=1_000_000,
        open_questions_per_delegate=1_000_000,
    )
    _bench_json(env.get("BENCH_JSON"))
    app = create_app(settings)
    tune_runtime(app)
    collections = CollectionTimes()
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    sio = app[BROADCASTER]._sio
    if env.get("BENCH_SERIALIZER") == "msgpack":  # what AsyncServer(serializer="msgpack") sets
        from socketio.msgpack_packet import MsgPackPacket

        sio.packet_class = MsgPackPacket
    if env.get("BENCH_PING_INTERVAL"):
        sio.eio.ping_interval = float(env["BENCH_PING_INTERVAL"])
    handled = _time_events(sio.namespace_handlers[NAMESPACE], app[LIVE_ROOM], ("moderate",))
    pipe.send("ready")
    while True:
        command = await asyncio.to_thread(pipe.recv)
        if command[0] == "bare":
            _, seq, payload, rooms = command
            sent = time.time()
            await sio.emit("bench", {"seq": seq, "payload": payload}, to=rooms, namespace=NAMESPACE)
            pipe.send(sent)
        elif command[0] == "figures":
            cpu = os.times()
            pipe.send(
                {
                    "rss": rss_bytes(),
                    "gc": collections.figures(),
                    "handled": {event: list(times) for event, times in handled.items()},
                    "walked": len(gc.get_objects()),  # what a full collection walks
                    "frozen": gc.get_freeze_count(),
                    "cpu": cpu.user + cpu.system,
                    "wall": time.monotonic(),
                }
            )
        elif command[0] == "stop":
            break
    await runner.cleanup()
    pipe.send("stopped")

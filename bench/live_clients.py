"""Lean Socket.IO clients for the live-room benchmarks: many connections per process, cheaply.

A python-socketio `AsyncClient` costs several tasks, a queue and a full packet decode per
message; a thousand of them in two or three processes spend more CPU than the server they
measure. These speak just enough of Engine.IO 4 / Socket.IO 5 over a websocket (open,
namespace connect, events, acks, ping/pong) for the benchmark, so that the server is what is
measured: in JSON (text frames) as the pages do, or in msgpack (binary frames, the packets of
socket.io's msgpack parser) when the server is run with `BENCH_SERIALIZER=msgpack`.
"""

from __future__ import annotations

import asyncio
import gc
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from server.runtime import Freezer

NAMESPACE = "/live"
_EVENT = f"42{NAMESPACE},"
_ACK = f"43{NAMESPACE},"
_CONNECTED = f"40{NAMESPACE},"
_REFUSED = f"44{NAMESPACE},"

OnEvent = Callable[[str, Any, float], None]
# Socket.IO packet types, as the msgpack parser carries them.
_CONNECT, _EVENT_TYPE, _ACK_TYPE, _CONNECT_ERROR = 0, 2, 3, 4


class LeanClient:
    """One Socket.IO connection to `/live` over a websocket."""

    def __init__(
        self, url: str, token: str, on_event: OnEvent | None = None, *, msgpack: bool = False
    ) -> None:
        self._url = url
        self._token = token
        self._on_event = on_event
        self._msgpack = msgpack
        self._acks: dict[int, asyncio.Future[Any]] = {}
        self._next_ack = 0
        self._connected: asyncio.Future[None] | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None

    async def connect(self, http: aiohttp.ClientSession) -> None:
        ws_url = self._url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self._ws = await http.ws_connect(ws_url, max_msg_size=0)
        self._connected = asyncio.get_running_loop().create_future()
        self._reader = asyncio.create_task(self._read())
        await asyncio.wait_for(self._connected, 60)

    async def call(self, event: str, data: Any, within: float = 60) -> Any:
        """Send an event with an ack; its answer."""
        assert self._ws is not None
        ack_id = self._next_ack
        self._next_ack += 1
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._acks[ack_id] = answer
        if self._msgpack:
            await self._ws.send_bytes(
                _packb({"type": _EVENT_TYPE, "nsp": NAMESPACE, "data": [event, data], "id": ack_id})
            )
        else:
            await self._ws.send_str(f"42{NAMESPACE},{ack_id}{json.dumps([event, data])}")
        return await asyncio.wait_for(answer, within)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await self._reader

    async def _read(self) -> None:
        assert self._ws is not None
        async for message in self._ws:
            received = time.time()
            if message.type is aiohttp.WSMsgType.BINARY:
                self._binary(message.data, received)
                continue
            if message.type is not aiohttp.WSMsgType.TEXT:
                continue
            text: str = message.data
            if text == "2":  # the server's ping
                await self._ws.send_str("3")
            elif text.startswith(_EVENT):
                name, payload = json.loads(text[len(_EVENT) :])[:2]
                if self._on_event is not None:
                    self._on_event(name, payload, received)
            elif text.startswith(_ACK):
                rest = text[len(_ACK) :]
                split = rest.index("[")
                future = self._acks.pop(int(rest[:split]), None)
                if future is not None and not future.done():
                    future.set_result(json.loads(rest[split:])[0])
            elif text.startswith("0"):  # Engine.IO open: connect to the namespace
                if self._msgpack:
                    connect = {"type": _CONNECT, "nsp": NAMESPACE, "data": {"token": self._token}}
                    await self._ws.send_bytes(_packb(connect))
                else:
                    await self._ws.send_str(f"40{NAMESPACE},{json.dumps({'token': self._token})}")
            elif text.startswith(_CONNECTED) and self._connected is not None:
                self._connected.set_result(None)
            elif text.startswith(_REFUSED) and self._connected is not None:
                self._connected.set_exception(RuntimeError(f"refused: {text}"))

    def _binary(self, data: bytes, received: float) -> None:
        """A Socket.IO packet in msgpack."""
        packet = _unpackb(data)
        kind = packet["type"]
        if kind == _EVENT_TYPE:
            name, payload = packet["data"][:2]
            if self._on_event is not None:
                self._on_event(name, payload, received)
        elif kind == _ACK_TYPE:
            future = self._acks.pop(packet["id"], None)
            if future is not None and not future.done():
                future.set_result(packet["data"][0])
        elif kind == _CONNECT and self._connected is not None:
            self._connected.set_result(None)
        elif kind == _CONNECT_ERROR and self._connected is not None:
            self._connected.set_exception(RuntimeError(f"refused: {packet}"))


def _packb(packet: dict[str, Any]) -> bytes:
    import msgpack  # only for the msgpack variant: `pip install msgpack`

    packed: bytes = msgpack.packb(packet)
    return packed


def _unpackb(data: bytes) -> dict[str, Any]:
    import msgpack

    unpacked: dict[str, Any] = msgpack.unpackb(data)
    return unpacked


@dataclass
class Receipts:
    """Per (kind, key): how many connections of this process received it, and the latest time."""

    counts: dict[tuple[str, int], int] = field(default_factory=dict)
    latest: dict[tuple[str, int], float] = field(default_factory=dict)

    def on_event(self, name: str, payload: Any, received: float) -> None:
        if name == "update" and not payload.get("personal"):
            self._add(("update", payload["version"]), received)
        elif name == "bench":
            self._add(("bare", payload["seq"]), received)

    def _add(self, key: tuple[str, int], received: float) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1
        self.latest[key] = max(self.latest.get(key, 0.0), received)


@dataclass(frozen=True)
class Connection:
    url: str
    token: str
    asker: bool  # asks questions in the ask phase
    msgpack: bool = False  # speaks socket.io's msgpack parser rather than JSON


@dataclass(frozen=True)
class AskPlan:
    session: int
    rate: float  # questions a second, over every asker of the run
    seconds: float
    askers: int  # in the whole run
    first: int  # this process's first asker's index among them


def client_process(connections: list[Connection], session: int, pipe: Any) -> None:
    """A client process: connect and join, then obey the orchestrator's commands."""
    asyncio.run(_client_process(connections, session, pipe))


async def _client_process(connections: list[Connection], session: int, pipe: Any) -> None:
    receipts = Receipts()
    clients = [
        LeanClient(c.url, c.token, receipts.on_event, msgpack=c.msgpack) for c in connections
    ]
    limit = asyncio.Semaphore(16)  # connections being opened at once
    # Without a limit: each websocket holds its connection for the whole run.
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:

        async def open_one(client: LeanClient) -> None:
            async with limit:
                await client.connect(http)
                answer = await client.call("join", {"session": session}, within=300)
                assert answer["ok"], answer

        await asyncio.gather(*(open_one(client) for client in clients))
        _freeze_heap()
        pipe.send(len(clients))
        askers = [client for client, c in zip(clients, connections, strict=True) if c.asker]
        while True:
            command = await asyncio.to_thread(pipe.recv)
            if command[0] == "ask":
                pipe.send(await _ask(askers, command[1]))
            elif command[0] == "receipts":
                pipe.send((receipts.counts, receipts.latest))
            elif command[0] == "stop":
                break
        await asyncio.gather(*(client.close() for client in clients))
    pipe.send("stopped")


def _freeze_heap() -> None:
    """Freeze what the connections made, and each full collection's survivors, as the server
    does: otherwise this process's own full collections, over hundreds of connections, stall
    the receipts they fall into. An update (nested question views) makes far more objects to
    parse than the bare emit (one string), so those stalls fell on ours, not on the bare emit."""

    freezer = Freezer(lambda: 0)
    freezer.freeze()
    gc.callbacks.append(freezer.after_collection)


async def _ask(askers: list[LeanClient], plan: AskPlan) -> tuple[list[float], int]:
    """Each asker asks once every `askers / rate` s, the askers spread evenly over that period:
    the ack latencies (s) and the number of asks refused."""
    latencies: list[float] = []
    refused = 0
    period = plan.askers / plan.rate
    begin = time.perf_counter() + 0.5

    async def one_asker(index: int, client: LeanClient) -> None:
        nonlocal refused
        n = 0
        while True:
            due = begin + (plan.first + index) / plan.rate + n * period
            if due - begin >= plan.seconds:
                return
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            asked = time.perf_counter()
            question = {
                "session": plan.session,
                "client_id": f"bench-{plan.first + index}-{n}",
                "text": f"Question {n} from delegate {plan.first + index}",
            }
            answer = await client.call("ask", question)
            latencies.append(time.perf_counter() - asked)
            refused += not answer["ok"]
            n += 1

    await asyncio.gather(*(one_asker(index, client) for index, client in enumerate(askers)))
    return latencies, refused

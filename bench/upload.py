"""Upload benchmark: 1 GiB through our tus endpoint vs a plain streaming-to-disk handler.

    .venv/bin/python bench/upload.py [--mib 1024]

The server runs in a child process (so its memory is measured alone): our app with jobs
switched off, and beside it a baseline aiohttp app whose handler writes the request body
to a file as it arrives. The client streams the same bytes to each, in one PATCH / POST as
tus-js-client does by default. Prints throughput, the ratio (goal >= 0.6x) and the server's
peak RSS growth during our upload (goal < 64 MB). Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import ClientSession, ClientTimeout, web

BLOCK = 1024 * 1024
ROUNDS = 2
SECRET = "bench-secret-" + "x" * 40


def settings_for(data_dir: Path, mib: int):  # type: ignore[no-untyped-def]
    from server.settings import Settings

    return Settings(
        data_dir=data_dir,
        secret=SECRET,
        job_concurrency=0,
        max_upload_bytes=(mib + 1) * BLOCK,
        sqlite_synchronous="NORMAL",
    )


# --- the server process -------------------------------------------------------------


def memory() -> dict[str, int]:
    """This process's resident and peak resident memory, in bytes (Linux)."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) * 1024
    return fields


def baseline_app(folder: Path) -> web.Application:
    async def receive(request: web.Request) -> web.Response:
        with (folder / "baseline.bin").open("wb") as handle:
            async for chunk in request.content.iter_chunked(256 * 1024):
                handle.write(chunk)
        return web.Response(status=204)

    async def rss(request: web.Request) -> web.Response:
        return web.json_response(memory())

    async def reset_peak(request: web.Request) -> web.Response:
        # Writing 5 resets VmHWM to the current RSS.
        await asyncio.to_thread(Path("/proc/self/clear_refs").write_text, "5")
        return web.json_response(memory())

    app = web.Application()
    app.router.add_post("/baseline", receive)
    app.router.add_get("/rss", rss)
    app.router.add_post("/reset-peak", reset_peak)
    return app


async def serve(data_dir: Path, mib: int, ours: int, baseline: int) -> None:
    from server.app import create_app

    runners = []
    for app, port in (
        (create_app(settings_for(data_dir, mib)), ours),
        (baseline_app(data_dir), baseline),
    ):
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runners.append(runner)
    print("ready", flush=True)
    await asyncio.Event().wait()


# --- the client (this process) ------------------------------------------------------


async def body(mib: int) -> AsyncIterator[bytes]:
    block = bytes(range(256)) * (BLOCK // 256)
    for _ in range(mib):
        yield block


async def speaker_token(data_dir: Path, mib: int) -> tuple[str, int]:
    from server.db import Database
    from server.demo import create_demo
    from server.identity.service import Identity

    settings = settings_for(data_dir, mib)
    database = Database(settings)
    await database.upgrade()
    demo = await create_demo(database, Identity(database, settings.secret, 1), settings)
    await database.close()
    speaker = demo["invitations"]["speakers"][0]
    return speaker["token"], int(speaker["statement"])


async def run(mib: int) -> None:
    with tempfile.TemporaryDirectory(prefix="presession-bench-") as folder:
        data_dir = Path(folder)
        invitation, statement_id = await speaker_token(data_dir, mib)
        ours, baseline = free_port(), free_port()
        server = await asyncio.create_subprocess_exec(
            *(sys.executable, __file__, "--serve", folder, str(mib), str(ours), str(baseline)),
            stdout=asyncio.subprocess.PIPE,
        )
        try:
            assert server.stdout is not None
            assert (await server.stdout.readline()).strip() == b"ready"
            await measure(data_dir, mib, ours, baseline, invitation, statement_id)
        finally:
            server.terminate()
            await server.wait()


async def measure(
    data_dir: Path, mib: int, ours: int, baseline: int, invitation: str, statement_id: int
) -> None:
    size = mib * BLOCK
    async with ClientSession(timeout=ClientTimeout(total=3600)) as http:
        login = await http.post(
            f"http://127.0.0.1:{ours}/api/login", json={"invitation": invitation}
        )
        auth = {"Authorization": f"Bearer {(await login.json())['token']}"}
        http.cookie_jar.clear()
        control = f"http://127.0.0.1:{baseline}"

        metadata = "statement " + base64.b64encode(str(statement_id).encode()).decode()
        tus = {**auth, "Tus-Resumable": "1.0.0"}
        baseline_runs, our_runs, growths = [], [], []
        for _ in range(ROUNDS):  # interleaved, best of each: the page cache treats both alike
            started = time.perf_counter()
            response = await http.post(f"{control}/baseline", data=body(mib))
            assert response.status == 204
            baseline_runs.append(time.perf_counter() - started)

            before = await (await http.post(f"{control}/reset-peak")).json()
            created = await http.post(
                f"http://127.0.0.1:{ours}/api/uploads/",
                headers={**tus, "Upload-Length": str(size), "Upload-Metadata": metadata},
            )
            assert created.status == 201, await created.text()
            location = f"http://127.0.0.1:{ours}{created.headers['Location']}"
            started = time.perf_counter()
            patch = await http.patch(
                location,
                data=body(mib),
                headers={
                    **tus,
                    "Upload-Offset": "0",
                    "Content-Type": "application/offset+octet-stream",
                },
            )
            our_runs.append(time.perf_counter() - started)
            assert patch.status == 204, await patch.text()
            assert patch.headers["Upload-Offset"] == str(size)
            after = await (await http.get(f"{control}/rss")).json()
            growths.append((after["VmHWM"] - before["VmRSS"]) / BLOCK)
            await http.delete(location, headers=tus)  # complete uploads stay; bytes go below
            for leftover in (data_dir / "uploads").iterdir():
                leftover.unlink()
    baseline_s, ours_s, growth = min(baseline_runs), min(our_runs), max(growths)
    ratio = baseline_s / ours_s
    print(f"upload of {mib} MiB over loopback, one request each, best of {ROUNDS} interleaved")
    print(f"  plain streaming-to-disk handler: {baseline_s:6.2f} s  {mib / baseline_s:7.1f} MiB/s")
    print(f"  our tus endpoint (PATCH):        {ours_s:6.2f} s  {mib / ours_s:7.1f} MiB/s")
    print(f"  throughput ratio ours/plain:     {ratio:6.2f}x  (goal >= 0.6x)")
    print(f"  server peak RSS growth:          {growth:6.1f} MB (goal < 64 MB)")
    print(
        json.dumps(
            {"baseline_s": baseline_s, "ours_s": ours_s, "ratio": ratio, "rss_growth_mb": growth}
        )
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024, help="upload size in MiB (default 1024)")
    parser.add_argument("--serve", nargs=4, metavar=("DIR", "MIB", "PORT", "BASELINE_PORT"))
    args = parser.parse_args()
    if args.serve:
        folder, mib, ours, baseline = args.serve
        asyncio.run(serve(Path(folder), int(mib), int(ours), int(baseline)))
    else:
        asyncio.run(run(args.mib))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()

"""The live stage: one publisher, N subscribers, through our server's path and Janus.

Starts `presession serve` (which starts its own Janus) on 127.0.0.1, a headless Chromium, a
publisher page whose video is a canvas with the send time drawn into it as a bar code, and N
subscriber pages that read the bar code back from every frame they decode. Prints, for each N:

- the CPU of the Janus process and of our server per subscriber (over a fixed window);
- glass-to-glass delay p50/p95 (canvas drawn → frame decoded by the subscriber), against a
  baseline measured in the same run: the same canvas sent over a direct RTCPeerConnection
  inside one page (encoding and decoding, no network, no Janus);
- time to first frame for a late joiner (a subscriber that joins while the stage is live);
- from the CPU per subscriber, how many subscribers one core of Janus carries;
- with `--overflow`: the overflow (the stage as low-latency HLS, for delegates beyond the
  WebRTC viewers the stage takes): its glass-to-glass delay read back from hls.js, and the CPU
  of its ffmpeg, each as a ratio against the WebRTC figures of the same run.

Not a test. Bounded in time and count; talks to 127.0.0.1 only; stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import socketio
from playwright.async_api import Browser, Page, async_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("PRESESSION_CHROMIUM", "/usr/bin/chromium")
TICKS = os.sysconf("SC_CLK_TCK")
MISSIONS = [
    "AR",
    "AU",
    "AT",
    "BR",
    "CA",
    "CL",
    "CN",
    "CO",
    "CZ",
    "EG",
    "FI",
    "DE",
    "GH",
    "IN",
    "ID",
    "IE",
    "IT",
    "JP",
    "KE",
    "MX",
    "NG",
    "NO",
    "PE",
    "PL",
    "PT",
]

# The pages' side (stage_page.html): a canvas bar code of the send time (32 bits of Date.now()),
# drawn by the publisher and read back from each decoded frame by the subscribers.
PAGE = (Path(__file__).parent / "stage_page.html").read_text()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return (
        ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]
        if ordered
        else float("nan")
    )


class Server:
    def __init__(self, data_dir: Path, **settings: str) -> None:
        self.port = free_port()
        self.base = f"http://localhost:{self.port}"
        self.env = {
            **os.environ,
            "PRESESSION_DATA_DIR": str(data_dir),
            "PRESESSION_PORT": str(self.port),
            "PRESESSION_PUBLIC_URL": self.base,
            "PRESESSION_JANUS_PORT": str(free_port()),
            "PRESESSION_SQLITE_SYNCHRONOUS": "NORMAL",
            **settings,
        }
        command = [sys.executable, "-m", "server.cli"]
        printed = subprocess.run(
            [*command, "demo", "--json"], env=self.env, cwd=ROOT, check=True, capture_output=True
        )
        self.demo = json.loads(printed.stdout)
        # One delegate of a mission of its own per subscriber page (a person has few seats).
        session = self.demo["sessions"][0]["id"]
        self.subscribers = []
        for mission in MISSIONS:
            invited = subprocess.run(
                [*command, "invite", "--role", "delegate", "--mission", mission,
                 "--session", str(session), "--json"],
                env=self.env, cwd=ROOT, check=True, capture_output=True,
            )  # fmt: skip
            self.subscribers.append(json.loads(invited.stdout)["token"])
        self.log = (data_dir / "server.log").open("wb")
        self.process = subprocess.Popen(
            [*command, "serve"], env=self.env, cwd=ROOT, stdout=self.log, stderr=self.log
        )

    async def wait(self) -> None:
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                try:
                    async with http.get(f"{self.base}/healthz") as response:
                        health = await response.json()
                        if health.get("stage", {}).get("reachable"):
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise SystemExit("the server (or its Janus) did not come up; see server.log")

    def janus_pid(self) -> int:
        found = self.child("janus")
        if found is None:
            raise SystemExit("the server's Janus was not found")
        return found

    def child(self, name: str) -> int | None:
        # Janus and the overflow's ffmpeg are the server's children: /proc says which.
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                fields = dict(
                    line.split(":\t", 1)
                    for line in status.read_text().splitlines()
                    if ":\t" in line
                )
            except OSError:
                continue
            if fields.get("PPid", "").strip() == str(self.process.pid) and fields.get(
                "Name", ""
            ).strip().startswith(name):
                return int(status.parent.name)
        return None

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


async def moderate(server: Server, session_id: int) -> socketio.AsyncClient:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{server.base}/api/login", json={"invitation": server.demo["invitations"]["moderator"]}
        ) as response,
    ):
        token = (await response.json())["token"]
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(
        server.base, auth={"token": token}, namespaces=["/live"], transports=["websocket"]
    )
    for event, payload in (
        ("join", {"session": session_id}),
        ("phase", {"session": session_id, "phase": "screening"}),
        ("phase", {"session": session_id, "phase": "qa"}),
        ("stage", {"session": session_id, "action": "open"}),
    ):
        answer = await client.call(event, payload, namespace="/live", timeout=10)
        assert answer["ok"], (event, answer)
    return client


async def open_page(browser: Browser, server: Server, invitation: str) -> Page:
    context = await browser.new_context()
    page = await context.new_page()
    if os.environ.get("BENCH_DEBUG"):
        page.on("console", lambda message: print("page:", message.text))
    await page.goto(f"{server.base}/join/{invitation}")
    await page.route(
        f"{server.base}/bench/stage",
        lambda route: route.fulfill(body=PAGE, content_type="text/html"),
    )
    await page.goto(f"{server.base}/bench/stage")
    await page.wait_for_function("window.stage !== undefined")
    return page


async def delays_of(page: Page) -> list[float]:
    result: list[float] = await page.evaluate("window.bench.delays")
    return result


async def run(sizes: list[int], window_s: float, overflow: bool) -> None:
    if shutil.which("janus") is None:
        raise SystemExit("Janus is not installed: apt-get install janus")
    with tempfile.TemporaryDirectory() as folder:
        # The subscribers and the late joiner by WebRTC; the next delegate overflows.
        server = Server(Path(folder), PRESESSION_STAGE_WEBRTC_VIEWERS=str(max(sizes) + 1))
        try:
            await server.wait()
            await measure(server, sizes, window_s, overflow)
        finally:
            server.stop()


async def measure(server: Server, sizes: list[int], window_s: float, overflow: bool) -> None:
    session = server.demo["sessions"][0]["id"]
    speaker = next(s for s in server.demo["invitations"]["speakers"] if s["session"] == session)
    delegates = server.subscribers
    moderator = await moderate(server, session)
    janus = server.janus_pid()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream",
                  "--use-fake-device-for-media-stream", "--disable-background-networking",
                  "--autoplay-policy=no-user-gesture-required",
                  # the bench page is fulfilled by Playwright, which Chromium takes for a
                  # public page reaching a local server
                  "--disable-features=LocalNetworkAccessChecks"],
        )  # fmt: skip
        # Baseline: the same canvas over a direct RTCPeerConnection in one page.
        direct = await open_page(browser, server, delegates[0])
        await direct.evaluate("window.direct()")
        await asyncio.sleep(window_s)
        baseline = await delays_of(direct)
        await direct.context.close()
        base_p50 = statistics.median(baseline) if baseline else float("nan")
        print("baseline: direct RTCPeerConnection in one page:"
              f" glass-to-glass p50 {base_p50:.0f} ms, "
              f"p95 {percentile(baseline, 0.95):.0f} ms ({len(baseline)} frames)")  # fmt: skip

        publisher = await open_page(browser, server, speaker["token"])
        await publisher.evaluate(f"window.stage({session}, true, {str(overflow).lower()})")
        await asyncio.sleep(2)
        subscribers: list[Page] = []
        idle_janus = cpu_seconds(janus)
        idle_server = cpu_seconds(server.process.pid)
        await asyncio.sleep(window_s)
        janus_idle = (cpu_seconds(janus) - idle_janus) / window_s
        server_idle = (cpu_seconds(server.process.pid) - idle_server) / window_s
        print(
            f"publisher only: Janus {janus_idle * 100:.1f} % of a core,"
            f" server {server_idle * 100:.1f} %"
        )
        per_core = []
        webrtc: dict[int, tuple[float, float]] = {}  # N → (p50 ms, Janus CPU per subscriber)
        for size in sizes:
            while len(subscribers) < size:
                # The same delegate invitation may sign in several pages: each its own pass.
                page = await open_page(browser, server, delegates[len(subscribers) + 1])
                await asyncio.wait_for(page.evaluate(f"window.stage({session}, false)"), 30)
                subscribers.append(page)
            await asyncio.sleep(3)
            for page in subscribers:
                await page.evaluate("window.bench.delays = []")
            janus_before, server_before = cpu_seconds(janus), cpu_seconds(server.process.pid)
            await asyncio.sleep(window_s)
            janus_cpu = (cpu_seconds(janus) - janus_before) / window_s
            server_cpu = (cpu_seconds(server.process.pid) - server_before) / window_s
            delays = [d for page in subscribers for d in await delays_of(page)]
            errors = [e for page in subscribers for e in await page.evaluate("window.bench.errors")]
            per_sub = max(janus_cpu - janus_idle, 0.0) / size
            server_per_sub = max(server_cpu - server_idle, 0.0) / size
            if per_sub > 0:
                per_core.append(1 / per_sub)
            p50 = statistics.median(delays) if delays else float("nan")
            webrtc[size] = (p50, per_sub)
            print(
                f"N={size:>2}: Janus {janus_cpu * 100:5.1f} % of a core"
                f" ({per_sub * 100:.2f} % per subscriber),"
                f" server {server_cpu * 100:4.1f} % ({server_per_sub * 100:.2f} % per subscriber);"
                f" glass-to-glass p50 {p50:.0f} ms, p95 {percentile(delays, 0.95):.0f} ms"
                f" ({p50 / base_p50:.2f}x the direct baseline; goal p50 <= 400 ms);"
                f" {len(delays)} frames"
                + (f"; errors {sorted(set(errors))}" if errors else "")
            )  # fmt: skip
        late = await open_page(browser, server, delegates[0])
        await asyncio.wait_for(late.evaluate(f"window.stage({session}, false)"), 30)
        for _ in range(100):
            first = await late.evaluate("window.bench.firstFrameMs")
            if first is not None:
                break
            await asyncio.sleep(0.1)
        print(f"late joiner: first frame {first:.0f} ms after asking for a pass (goal <= 2000 ms)"
              if first is not None else "late joiner: no frame within 10 s")  # fmt: skip
        if per_core:
            carried = statistics.median(per_core)
            print(f"one core of Janus carries about {carried:.0f} subscribers of this stream"
                  " (from the CPU per subscriber above)")  # fmt: skip
        if overflow:
            page = await open_page(browser, server, delegates[max(sizes) + 1])
            await measure_overflow(server, page, session, window_s, webrtc)
        await browser.close()
    await moderator.disconnect()


async def measure_overflow(
    server: Server,
    page: Page,
    session: int,
    window_s: float,
    webrtc: dict[int, tuple[float, float]],
) -> None:
    """One delegate beyond the WebRTC viewers: the stage by HLS, measured like the others."""
    started = time.monotonic()
    await asyncio.wait_for(page.evaluate(f"window.overflow({session})"), 30)
    for _ in range(600):
        if await page.evaluate("window.bench.firstFrameMs") is not None:
            break
        await asyncio.sleep(0.1)
    else:
        print("overflow: no frame within 60 s", await page.evaluate("window.bench.errors"))
        return
    first = time.monotonic() - started
    await asyncio.sleep(3)  # hls.js settles at its live edge
    await page.evaluate("window.bench.delays = []")
    ffmpeg = server.child("ffmpeg")
    assert ffmpeg is not None, "the overflow's ffmpeg runs"
    before = cpu_seconds(ffmpeg)
    await asyncio.sleep(window_s)
    cpu = (cpu_seconds(ffmpeg) - before) / window_s
    delays = await delays_of(page)
    p50 = statistics.median(delays) if delays else float("nan")
    size = min(webrtc)
    rtc_p50, rtc_cpu = webrtc[size]
    print(
        f"overflow (HLS, 1 s segments): first frame {first:.1f} s after asking for a pass;"
        f" glass-to-glass p50 {p50:.0f} ms, p95 {percentile(delays, 0.95):.0f} ms"
        f" ({p50 / rtc_p50:.0f}x WebRTC's p50 at N={size}); {len(delays)} frames"
    )
    ratio = cpu / rtc_cpu if rtc_cpu > 0 else float("inf")
    print(
        f"overflow ffmpeg: {cpu * 100:.1f} % of a core for any number of viewers"
        f" (= {ratio:.0f}x Janus's CPU per WebRTC subscriber at N={size}: the overflow costs"
        f" less than WebRTC beyond about {ratio:.0f} viewers, before serving the files)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="1,5,10,20", help=f"subscriber counts, at most {len(MISSIONS) - 2}"
    )
    parser.add_argument("--window", type=float, default=8.0, help="seconds measured at each size")
    parser.add_argument(
        "--overflow", action="store_true", help="also measure the overflow (the stage as HLS)"
    )
    args = parser.parse_args()
    sizes = sorted({int(size) for size in args.sizes.split(",") if size.strip()})
    if not sizes or sizes[0] < 1 or sizes[-1] > len(MISSIONS) - 2:
        parser.error(f"--sizes are from 1 to {len(MISSIONS) - 2}")
    started = time.monotonic()
    asyncio.run(run(sizes, args.window, args.overflow))
    print(
        f"({time.monotonic() - started:.0f} s in all;"
        f" {os.cpu_count()} cores shared with the browser pages)"
    )


if __name__ == "__main__":
    main()

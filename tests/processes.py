"""Helpers for tests that start real processes: free ports, waiting for health, Redis."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest
import redis.asyncio as redis


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def wait_until_up(
    url: str, process: asyncio.subprocess.Process, seconds: float = 10.0
) -> None:
    """Until `url` answers 200; fails at once if the process exits meanwhile."""
    async with aiohttp.ClientSession() as http:
        try:
            async with asyncio.timeout(seconds):
                while True:
                    if process.returncode is not None:
                        raise AssertionError(
                            f"the process for {url} exited during start-up ({process.returncode})"
                        )
                    try:
                        async with http.get(url) as response:
                            if response.status == 200:
                                return
                    except aiohttp.ClientConnectionError:
                        pass
                    await asyncio.sleep(0.1)
        except TimeoutError:
            raise AssertionError(f"{url} did not answer within {seconds:.0f} s") from None


async def redis_or_skip(url: str) -> str:
    """`url` when a Redis answers there; otherwise the test is skipped, saying why."""
    connection = redis.Redis.from_url(url)
    try:
        await connection.ping()
    except (OSError, redis.RedisError) as error:
        pytest.skip(f"Redis not reachable at {url} ({error}); `make test` starts it")
    finally:
        await connection.aclose()
    return url

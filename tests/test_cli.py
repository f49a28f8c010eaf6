"""The `presession` command, run as a real process on a temporary data directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.settings import Settings
from tests.conftest import ClientFactory


def presession(
    data_dir: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("PRESESSION_")
    }
    environment.update({"PRESESSION_DATA_DIR": str(data_dir), **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def demo_json(data_dir: Path) -> dict[str, Any]:
    result = presession(data_dir, "demo", "--json")
    assert result.returncode == 0, result.stderr
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo")


def test_demo_creates_the_fourteen_sessions(demo_dir: Path) -> None:
    summary = demo_json(demo_dir)
    assert summary["event"]["name"] == "UPR Pre-sessions 38"
    names = [item["country_name"] for item in summary["sessions"]]
    assert names == [
        "Belgium", "Denmark", "Estonia", "Latvia", "Mozambique", "Namibia", "Niger",
        "Palau", "Paraguay", "Seychelles", "Sierra Leone", "Singapore", "Solomon Islands",
        "Somalia",
    ]  # fmt: skip
    invitations = summary["invitations"]
    assert isinstance(invitations["moderator"], str)
    for country_session in summary["sessions"]:
        speakers = [s for s in invitations["speakers"] if s["session"] == country_session["id"]]
        delegates = [d for d in invitations["delegates"] if d["session"] == country_session["id"]]
        assert len(speakers) >= 2
        assert all(s["organisation"] and s["statement"] for s in speakers)
        assert len(delegates) >= 3
        assert country_session["country"] in {d["mission"] for d in delegates}  # the SuR's own
        assert country_session["state_under_review"]["mission"] is not None


def test_demo_twice_duplicates_nothing(demo_dir: Path) -> None:
    first = demo_json(demo_dir)
    second = demo_json(demo_dir)
    assert first == second


def test_demo_text_prints_join_links(demo_dir: Path) -> None:
    result = presession(demo_dir, "demo")
    assert result.returncode == 0, result.stderr
    assert "Moderator (all sessions):" in result.stdout
    assert "http://localhost:8080/join/" in result.stdout


async def test_demo_tokens_sign_in(demo_dir: Path, aiohttp_client: ClientFactory) -> None:
    summary = demo_json(demo_dir)
    settings = Settings.from_env({"PRESESSION_DATA_DIR": str(demo_dir)})
    client: TestClient = await aiohttp_client(create_app(settings))  # type: ignore[type-arg]
    invitations = summary["invitations"]
    tokens = [
        ("moderator", invitations["moderator"]),
        ("speaker", invitations["speakers"][0]["token"]),
        ("delegate", invitations["delegates"][0]["token"]),
    ]
    for role, token in tokens:
        response = await client.post("/api/login", json={"invitation": token})
        assert response.status == 200, await response.text()
        assert (await response.json())["me"]["role"] == role


def test_invite_prints_one_token(demo_dir: Path) -> None:
    summary = demo_json(demo_dir)
    session_id = str(summary["sessions"][4]["id"])
    result = presession(
        demo_dir,
        "invite",
        "--role",
        "delegate",
        "--mission",
        "CH",
        "--session",
        session_id,
        "--json",
    )
    assert result.returncode == 0, result.stderr
    invitation = json.loads(result.stdout)
    assert invitation["token"]
    assert invitation["name"] == "Delegate of Switzerland"
    speaker = presession(
        demo_dir, "invite", "--role", "speaker", "--organisation", "Observatório de Moçambique",
        "--session", session_id, "--json",
    )  # fmt: skip
    assert speaker.returncode == 0, speaker.stderr
    assert json.loads(speaker.stdout)["statement"] is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("invite", "--role", "delegate", "--mission", "ZZ", "--session", "1"), "ISO 3166"),
        (("invite", "--role", "delegate", "--mission", "FR", "--session", "999"), "no session"),
        (("invite", "--role", "speaker", "--session", "1"), "organisation"),
    ],
)
def test_invite_errors(demo_dir: Path, args: tuple[str, ...], message: str) -> None:
    demo_json(demo_dir)
    result = presession(demo_dir, *args)
    assert result.returncode == 1
    assert message in result.stderr.lower() or message in result.stderr
    assert "Traceback" not in result.stderr


def test_production_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    result = presession(tmp_path, "db", "upgrade", env={"PRESESSION_ENV": "production"})
    assert result.returncode == 2
    assert "PRESESSION_SECRET is required" in result.stderr
    assert not (tmp_path / "secret.key").exists()


def test_short_secret_is_refused(tmp_path: Path) -> None:
    result = presession(tmp_path, "db", "upgrade", env={"PRESESSION_SECRET": "short"})
    assert result.returncode == 2
    assert "at least 32 characters" in result.stderr


def test_qa_recording_retry_says_what_is_wrong(demo_dir: Path) -> None:
    demo_json(demo_dir)
    result = presession(demo_dir, "qa-recording", "retry", "1")
    assert result.returncode == 1
    assert "Session 1 has no Q&A recording." in result.stderr
    result = presession(demo_dir, "qa-recording", "retry", "one")
    assert result.returncode == 2
    assert "invalid int value" in result.stderr


def test_db_upgrade(tmp_path: Path) -> None:
    result = presession(tmp_path, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "presession.db").exists()
    assert (tmp_path / "secret.key").stat().st_mode & 0o077 == 0  # only the owner reads it

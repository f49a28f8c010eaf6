"""The stage's settings: bad values stop the start with the setting named."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.settings import Settings, SettingsError
from server.stage import config as stage_config_module
from server.stage.config import stage_config

SECRET = "x" * 40


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"PRESESSION_DATA_DIR": str(tmp_path), "PRESESSION_SECRET": SECRET, **values}


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"PRESESSION_STAGE": "maybe"}, "PRESESSION_STAGE"),
        ({"PRESESSION_JANUS_URL": "http://janus:8088/janus"}, "PRESESSION_JANUS_URL"),
        ({"PRESESSION_TURN_URLS": "turn:turn.example.org:3478"}, "PRESESSION_TURN_URLS"),
        ({"PRESESSION_JANUS_PORT": "eighty"}, "PRESESSION_JANUS_PORT"),
    ],
)
def test_bad_stage_settings_are_named(tmp_path: Path, values: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(_env(tmp_path, **values))


@pytest.mark.parametrize("ports", ["40000-20000", "1-100", "20000", "a-b", "20000-70000"])
def test_bad_rtp_port_ranges_are_named(tmp_path: Path, ports: str) -> None:
    settings = Settings.from_env(_env(tmp_path, PRESESSION_JANUS_RTP_PORTS=ports))
    with pytest.raises(SettingsError, match="PRESESSION_JANUS_RTP_PORTS"):
        stage_config(settings)


def test_the_stage_is_off_or_external_or_managed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert stage_config(Settings.from_env(_env(tmp_path, PRESESSION_STAGE="off"))) is None
    external = stage_config(
        Settings.from_env(
            _env(
                tmp_path,
                PRESESSION_JANUS_URL="http://127.0.0.1:9/janus/",
                PRESESSION_JANUS_API_SECRET="api",
                PRESESSION_JANUS_TOKEN_SECRET="token",
            )
        )
    )
    assert external is not None
    assert external.managed is None
    assert external.janus_url == "http://127.0.0.1:9/janus"
    monkeypatch.setattr(stage_config_module.process, "installed", lambda: None)
    # Not installed: no stage, said plainly by the server, and everything else works.
    assert stage_config(Settings.from_env(_env(tmp_path))) is None
    monkeypatch.setattr(stage_config_module.process, "installed", lambda: "/usr/bin/janus")
    managed = stage_config(Settings.from_env(_env(tmp_path)))
    assert managed is not None
    assert managed.managed is not None
    assert managed.api_secret not in (SECRET, managed.token_secret, managed.admin_key)

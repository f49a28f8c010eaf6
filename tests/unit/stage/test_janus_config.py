"""The Janus config we write: our secrets, nothing of Debian's defaults, the listen address."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from server.stage.process import JanusConfig, write_config


def test_the_config_holds_our_secrets_and_only_what_the_stage_uses(tmp_path: Path) -> None:
    config = JanusConfig(tmp_path, 8123, "api-s", "token-s", "admin-k", public_ip="203.0.113.5")
    main = write_config(config).read_text()
    assert 'api_secret = "api-s"' in main
    assert "token_auth = true" in main
    assert 'token_auth_secret = "token-s"' in main
    assert "janusoverlord" not in main  # Debian's well-known default
    assert 'nat_1_1_mapping = "203.0.113.5"' in main
    http = (tmp_path / "janus.transport.http.jcfg").read_text()
    assert 'ip = "127.0.0.1"' in http
    assert "port = 8123" in http
    videoroom = (tmp_path / "janus.plugin.videoroom.jcfg").read_text()
    assert 'admin_key = "admin-k"' in videoroom
    assert "lock_rtp_forward = true" in videoroom
    for name in ("janus.jcfg", "janus.transport.http.jcfg", "janus.plugin.videoroom.jcfg"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600
    bare = write_config(JanusConfig(tmp_path, 8123, "a", "t", "k", http_ip="0.0.0.0")).read_text()  # noqa: S104
    assert "nat_1_1_mapping" not in bare
    assert 'ip = "0.0.0.0"' in (tmp_path / "janus.transport.http.jcfg").read_text()


def test_the_janus_service_names_the_secrets_it_lacks(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PRESESSION_")}
    env.update({"PRESESSION_DATA_DIR": str(tmp_path), "PRESESSION_JANUS_ADMIN_KEY": "k"})
    result = subprocess.run(
        [sys.executable, "-m", "server.cli", "janus"],
        env=env, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    if "not installed" not in result.stderr:
        assert "PRESESSION_JANUS_API_SECRET" in result.stderr
        assert "PRESESSION_JANUS_TOKEN_SECRET" in result.stderr
        assert "PRESESSION_JANUS_ADMIN_KEY" not in result.stderr

"""The compose file validates against the Compose specification, offline."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_compose_file_is_valid() -> None:
    tool = shutil.which("check-jsonschema") or str(Path(sys.executable).parent / "check-jsonschema")
    result = subprocess.run(
        [tool, "--builtin-schema", "vendor.compose-spec", str(ROOT / "docker-compose.yml")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_takes_the_secret_from_the_environment() -> None:
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "PRESESSION_SECRET: ${PRESESSION_SECRET:?" in compose
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "PRESESSION_ENV=production" in dockerfile
    assert "ffmpeg" in dockerfile

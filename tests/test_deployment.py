"""docker-compose.yml and the images, checked offline (there is no Docker engine here).

The compose file validates against the Compose specification; its services are the ones the
README describes, each with a healthcheck, named volumes, no secret; and every command a
service runs exists in its image: our own (the Dockerfiles say what they install) or the
official image it names.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from server.cli import _parser

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
SERVICES = {"web", "worker", "nginx", "postgres", "redis", "janus", "coturn"}
# Programs installed from Debian's packages in our Dockerfiles: program -> package.
DEBIAN_PROGRAMS = {"turnserver": "coturn", "turnutils_stunclient": "coturn"}
# What the official images we use carry (their documented entry points and tools).
OFFICIAL_IMAGES = {
    "postgres": {"postgres", "pg_isready", "psql"},
    "redis": {"redis-server", "redis-cli"},
}


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def test_compose_file_is_valid() -> None:
    tool = shutil.which("check-jsonschema") or str(Path(sys.executable).parent / "check-jsonschema")
    result = subprocess.run(
        [tool, "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_docker_compose_accepts_it_where_it_can_run() -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker CLI: the schema check above stands in")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("the docker CLI has no compose plugin: the schema check above stands in")
    result = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True,
        text=True,
        env={"PRESESSION_SECRET": "x" * 48, "POSTGRES_PASSWORD": "y" * 24, "PATH": "/usr/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_stack_has_its_services_each_with_a_healthcheck() -> None:
    services = compose()["services"]
    assert set(services) == SERVICES
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    assert services["web"]["deploy"]["replicas"] == "${PRESESSION_WEB_REPLICAS:-2}"
    assert services["web"]["environment"]["PRESESSION_JOB_CONCURRENCY"] == "0"
    assert services["web"]["command"] == ["presession", "serve"]
    assert services["worker"]["command"] == ["presession", "worker"]
    assert "ports" not in services["web"]  # only nginx is reachable from outside
    assert services["nginx"]["ports"] == ["${PRESESSION_HTTP_PORT:-8080}:80"]


def test_data_lives_in_named_volumes() -> None:
    loaded = compose()
    declared = set(loaded["volumes"])
    for name, service in loaded["services"].items():
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0]
            assert source in declared, f"{name} mounts {source}, not a named volume"
    mounts = {name: s.get("volumes", []) for name, s in loaded["services"].items()}
    assert "presession-data:/data:ro" in mounts["nginx"]  # nginx only reads the media


def test_no_secret_in_the_file_and_every_variable_in_the_example() -> None:
    text = COMPOSE.read_text()
    for name, service in compose()["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"SECRET|PASSWORD", key):
                assert re.fullmatch(r"\$\{\w+:\?[^}]+\}", str(value)), f"{name}: {key}"
    assert "${POSTGRES_PASSWORD:?" in compose()["x-environment"]["PRESESSION_DATABASE_URL"]
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^(\w+)=", example, re.MULTILINE))
    used = set(re.findall(r"\$\{(\w+)", text))
    assert used <= listed, f"missing from .env.example: {used - listed}"
    secrets = ("PRESESSION_SECRET", "POSTGRES_PASSWORD", "PRESESSION_TURN_SECRET")
    for secret in (*secrets, "PRESESSION_JANUS_API_SECRET", "PRESESSION_JANUS_TOKEN_SECRET"):
        assert re.search(rf"^{secret}=$", example, re.MULTILINE), f"{secret} has a value"
    assert ".env" in (ROOT / ".gitignore").read_text().split()
    assert ".env" in (ROOT / ".dockerignore").read_text().split()


def test_every_command_exists_in_its_image() -> None:
    services = compose()["services"]
    for name, service in services.items():
        commands = [service.get("command")] if service.get("command") else []
        test = service["healthcheck"]["test"]
        assert test[0] == "CMD", f"{name}: an exec-form healthcheck, no shell needed"
        commands.append(test[1:])
        for command in commands:
            exists_in_image(name, service, command)


def exists_in_image(name: str, service: dict[str, Any], command: list[str]) -> None:
    program = command[0]
    if "image" in service and "build" not in service:
        official = service["image"].split(":", 1)[0]
        assert program in OFFICIAL_IMAGES[official], f"{name}: {program} not in {official}"
        return
    dockerfile = ROOT / (
        service.get("build", {}).get("dockerfile", "Dockerfile")
        if isinstance(service.get("build"), dict)
        else "Dockerfile"
    )
    if program == "presession":
        assert_presession_command(dockerfile, command[1:])
    elif program == "python":
        assert "FROM python:3.11" in dockerfile.read_text()
    elif program in DEBIAN_PROGRAMS:
        package = DEBIAN_PROGRAMS[program]
        assert re.search(rf"apt-get install[^\n]* {package}", dockerfile.read_text()), name
    elif program == "curl":
        assert re.search(r"apt-get install[^\n]* curl", dockerfile.read_text()), name
    else:
        copied = re.search(
            rf"^COPY (\S+) /usr/local/bin/{re.escape(program)}$",
            dockerfile.read_text(),
            re.MULTILINE,
        )
        assert copied, f"{name}: {program} is not installed by {dockerfile.name}"
        assert (ROOT / copied.group(1)).stat().st_mode & 0o111, f"{copied.group(1)} not executable"


def assert_presession_command(dockerfile: Path, arguments: list[str]) -> None:
    """The image installs our package, whose `presession` script takes these arguments."""
    text = dockerfile.read_text()
    assert "RUN pip install --no-cache-dir ." in text
    for folder in ("server", "media", "migrations", "client"):
        assert f"COPY {folder} ./{folder}" in text
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["presession"] == "server.cli:main"
    _parser().parse_args(arguments)  # exits (fails the test) on an unknown command


def test_the_image_runs_unprivileged_with_ffmpeg() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "PRESESSION_ENV=production" in dockerfile
    assert "ffmpeg" in dockerfile
    assert "USER presession" in dockerfile

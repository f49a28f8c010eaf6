"""The settings of the scale-out: workers' CPUs and heartbeat, media through nginx."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.settings import Settings, SettingsError


def test_worker_settings_come_from_the_environment(tmp_path: Path) -> None:
    env = {"PRESESSION_DATA_DIR": str(tmp_path), "PRESESSION_SECRET": "s" * 40}
    defaults = Settings.from_env(env)
    assert (defaults.worker_cpus, defaults.worker_nice, defaults.media_accel) == ((), 10, None)
    chosen = Settings.from_env(
        {
            **env,
            "PRESESSION_WORKER_CPUS": "0,2-3",
            "PRESESSION_JOB_HEARTBEAT_SECONDS": "2.5",
            "PRESESSION_MEDIA_ACCEL": "/_media/",
        }
    )
    assert chosen.worker_cpus == (0, 2, 3)
    assert chosen.job_heartbeat_seconds == 2.5
    assert chosen.media_accel == "/_media"
    for name, value in (
        ("PRESESSION_WORKER_CPUS", "one"),
        ("PRESESSION_MEDIA_ACCEL", "_media"),
        ("PRESESSION_JOB_HEARTBEAT_SECONDS", "0"),
    ):
        with pytest.raises(SettingsError, match=name):
            Settings.from_env({**env, name: value})

"""Every UPR theme the server accepts has its name in every catalog of the client."""

from __future__ import annotations

import re
from pathlib import Path

from server.recommendations.themes import THEMES

CATALOGS = Path(__file__).resolve().parents[3] / "client" / "i18n"


def test_every_theme_is_named_in_every_catalog() -> None:
    catalogs = sorted(CATALOGS.glob("*.js"))
    assert {path.stem for path in catalogs} >= {"en", "fr", "es"}
    for path in catalogs:
        keys = set(re.findall(r'^\s+"([a-z_.]+)":', path.read_text(encoding="utf-8"), re.M))
        named = {
            key.removeprefix("recommendation.theme.")
            for key in keys
            if key.startswith("recommendation.theme.")
        }
        assert named == set(THEMES), path.name

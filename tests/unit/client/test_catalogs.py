"""The message catalogs of the browser client (`client/i18n/*.js`), loaded as the ES modules the
pages import: every catalog has exactly the English keys, no empty message, the same
`{placeholders}` per message, and is written in its own script; every error code the server
sends has its message (`error.code.<code>`) unless it is left to the server's own."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

from server.applications.service import LANGUAGES as APPLICATION_LANGUAGES

ROOT = Path(__file__).resolve().parents[3]
CATALOGS = ROOT / "client" / "i18n"
LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# A message in these languages is written in their script (a Latin name such as "WebVTT" may
# stand beside it, not instead of it).
SCRIPTS = {
    "ar": re.compile(r"[\u0600-\u06ff]"),
    "zh": re.compile(r"[\u4e00-\u9fff]"),
    "ru": re.compile(r"[\u0400-\u04ff]"),
}
NODE = shutil.which("node")


@cache
def catalog(language: str) -> dict[str, str]:
    """The catalog's default export, as Node reads the module."""
    if NODE is None:
        pytest.skip("Node.js is needed to read the catalogs (make install needs it too)")
    module = (CATALOGS / f"{language}.js").as_uri()
    printed = subprocess.run(
        [NODE, "--input-type=module", "-e",
         f"const m = await import({json.dumps(module)}); console.log(JSON.stringify(m.default));"],
        check=True, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    messages = json.loads(printed.stdout)
    assert isinstance(messages, dict)
    return messages


def test_there_is_a_catalog_for_each_language_and_no_other() -> None:
    assert sorted(path.stem for path in CATALOGS.glob("*.js")) == sorted(LANGUAGES)


def test_the_client_offers_the_six_languages_in_order() -> None:
    source = (ROOT / "client" / "js" / "i18n.js").read_text(encoding="utf-8")
    offered = re.search(r"const CATALOGS = \{([^}]*)\}", source)
    assert offered is not None
    assert tuple(name.strip() for name in offered.group(1).split(",")) == LANGUAGES
    names = re.search(r"LANGUAGE_NAMES = \{([^}]*)\}", source)
    assert names is not None
    assert re.findall(r"(\w+): \"", names.group(1)) == list(LANGUAGES)


def test_an_application_may_be_in_each_language_of_the_client() -> None:
    assert APPLICATION_LANGUAGES == LANGUAGES


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_the_catalog_has_exactly_the_english_keys(language: str) -> None:
    english, messages = catalog("en"), catalog(language)
    assert len(english) > 300
    assert sorted(set(english) - set(messages)) == [], "missing"
    assert sorted(set(messages) - set(english)) == [], "not in English"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_message_is_empty(language: str) -> None:
    empty = [key for key, text in catalog(language).items() if not text.strip()]
    assert empty == []


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_each_message_has_the_placeholders_of_the_english(language: str) -> None:
    english = catalog("en")
    differ = {
        key: sorted(set(PLACEHOLDER.findall(text)))
        for key, text in catalog(language).items()
        if set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(english.get(key, text)))
    }
    assert differ == {}


@pytest.mark.parametrize("language", sorted(SCRIPTS))
def test_each_message_is_written_in_the_languages_script(language: str) -> None:
    """Catches an English message copied in place of its translation."""
    english = catalog("en")
    untranslated = [
        key
        for key, text in catalog(language).items()
        if re.search(r"[A-Za-z]", PLACEHOLDER.sub("", english[key]))
        and not SCRIPTS[language].search(text)
    ]
    assert untranslated == []


# Error codes the pages leave to the server's own message, and why: /apply maps its own
# (`client/js/apply.js`); a page never sends what would earn the others (they answer a program
# that is wrong, or are the upload protocol's, or belong to the server's own /join page).
LEFT_TO_THE_SERVER = {
    "applications_closed": "/apply",
    "bad_email": "/apply",
    "bad_kind": "/apply",
    "bad_language": "/apply",
    "bad_scope": "/apply",
    "bad_session": "/apply",
    "consent_required": "/apply",
    "missing_sessions": "/apply",
    "bad_action": "a program's request",
    "bad_client_id": "a program's request",
    "bad_item": "a program's request",
    "bad_json": "a program's request",
    "bad_lang": "a program's request",
    "bad_origin": "a program's request",
    "bad_payload": "a program's request",
    "unknown_event": "a program's request",
    "bad_header": "the upload protocol",
    "bad_metadata": "the upload protocol",
    "checksum_mismatch": "the upload protocol",
    "complete": "the upload protocol",
    "offset_mismatch": "the upload protocol",
    "precondition_failed": "the upload protocol",
    "statement_required": "the upload protocol",
    "tus_version": "the upload protocol",
    "unsupported_media_type": "the upload protocol",
    "upload_busy": "the upload protocol",
    "invitation_expired": "the /join page",
    "invitation_invalid": "the /join page",
    "invitation_revoked": "the /join page",
}


def server_error_codes() -> set[str]:
    """Every error code written in the server's and the media library's source."""
    codes: set[str] = set()
    for path in [*(ROOT / "server").rglob("*.py"), *(ROOT / "media").rglob("*.py")]:
        source = path.read_text(encoding="utf-8")
        codes.update(re.findall(r'\bcode="([a-z_]+)"', source))
        codes.update(re.findall(r'^\s+code = "([a-z_]+)"$', source, flags=re.MULTILINE))
        codes.update(re.findall(r'"code": "([a-z_]+)"', source))
        codes.update(re.findall(r'MediaRejected\(\s*"([a-z_]+)"', source))
    return codes


def test_every_error_code_of_the_server_reads_in_the_pages_language() -> None:
    """Each code has its `error.code.<code>` message, or is left to the server on purpose."""
    covered = {
        key.removeprefix("error.code.") for key in catalog("en") if key.startswith("error.code.")
    }
    codes = server_error_codes()
    assert len(codes) > 50
    assert sorted(codes - covered - set(LEFT_TO_THE_SERVER)) == [], "neither covered nor left"
    assert sorted(covered - codes) == [], "covered, never sent"
    assert sorted(covered & set(LEFT_TO_THE_SERVER)) == [], "covered and left"
    assert sorted(set(LEFT_TO_THE_SERVER) - codes) == [], "no longer sent"

"""The server's six languages: which one a request asks for, country names in each, and the
server's own texts (mails, printable record) complete in every language."""

from __future__ import annotations

import re
from string import Formatter

import pytest

from server.countries import country_name
from server.languages import LANGUAGES, direction, known, requested
from server.mail import messages
from server.recommendations.themes import THEMES
from server.records.page_texts import TEXTS


@pytest.mark.parametrize(
    ("value", "expected"),
    [("ar", "ar"), ("zh-CN", "zh"), ("zh_Hans", "zh"), ("RU", "ru"), (" es-419 ", "es"),
     ("de", None), ("", None), (None, None), (7, None), ("english", None)],
)  # fmt: skip
def test_known(value: object, expected: str | None) -> None:
    assert known(value) == expected


@pytest.mark.parametrize(
    ("query", "accept", "expected"),
    [
        ("fr", "ar", "fr"),
        (None, "ar-EG,ar;q=0.9", "ar"),
        (None, "de-DE, zh;q=0.4, ru;q=0.6", "ru"),
        (None, "es;q=0.5, fr;q=0.5", "es"),  # equal weights: the first one
        (None, "fr;q=0, es;q=0.1", "es"),  # q=0 means "not this one"
        (None, "fr;q=abc, zh", "zh"),
        (None, "de, pt", "en"),
        (None, None, "en"),
        ("xx", "ru", "ru"),
        (None, "fr;Q=0.1, ru;q=0.5", "ru"),  # the parameter's name in any case
        (None, "fr;level=1;q=0.1, ru;q=0.5", "ru"),  # q after another parameter
        (None, "fr;q=inf, ru;q=0.5", "ru"),  # beyond 1: counts for none
        (None, "fr;q=1e999, es;q=nan, ru;q=0.2", "ru"),
        (None, "fr;q=-1", "en"),
    ],
)
def test_requested(query: str | None, accept: str | None, expected: str) -> None:
    assert requested(query, accept) == expected


def test_only_arabic_is_right_to_left() -> None:
    assert [language for language in LANGUAGES if direction(language) == "rtl"] == ["ar"]


@pytest.mark.parametrize(
    ("language", "switzerland", "korea"),
    [
        ("ar", "سويسرا", "كوريا، جمهوريّة كوريا"),
        ("zh", "瑞士", "韩国"),
        ("en", "Switzerland", "South Korea"),
        ("fr", "Suisse", "Corée du Sud"),
        ("ru", "Швейцария", "Южная Корея"),
        ("es", "Suiza", "Corea del Sur"),
    ],
)
def test_country_names_in_each_language(language: str, switzerland: str, korea: str) -> None:
    assert country_name("ch", language) == switzerland
    assert country_name("KR", language) == korea


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


@pytest.mark.parametrize(
    "texts",
    [messages._GREETING, messages._INVITATION, messages._RECEIVED, messages._DECISION, TEXTS],
    ids=["greeting", "invitation", "received", "decision", "record"],
)
def test_the_server_texts_are_complete_in_every_language(texts: dict[str, object]) -> None:
    assert tuple(texts) == LANGUAGES
    english = texts["en"]
    for language in LANGUAGES:
        translated = texts[language]
        if isinstance(english, str):
            assert isinstance(translated, str)
            assert _fields(translated) == _fields(english), language
            continue
        assert isinstance(english, dict)
        assert isinstance(translated, dict)
        assert translated.keys() == english.keys(), language
        for key, text in translated.items():
            assert text.strip(), (language, key)
            assert _fields(text) == _fields(english[key]), (language, key)
            if language in ("ar", "zh", "ru") and re.search(r"[a-z]{3}", english[key]):
                assert text != english[key], (language, key)


def test_a_mail_in_an_unknown_language_is_in_english() -> None:
    mail = messages.application_received_mail(
        to="a@example.org", name="Ana", organisation="Org", event="Pre", sessions=["Chile"],
        language="pt",
    )  # fmt: skip
    assert mail.subject == "Application received: Pre"
    assert mail.text.startswith("Dear Ana,")


def test_the_record_names_every_upr_theme_in_every_language() -> None:
    for language in LANGUAGES:
        named = {key.removeprefix("theme_") for key in TEXTS[language] if key.startswith("theme_")}
        assert named == set(THEMES), language

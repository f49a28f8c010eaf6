"""The six official languages of the United Nations, as the server speaks them: which one a
request asks for, and which way it is written.

The browser client has its own catalogs (`client/i18n/`); the server's few texts (the mails,
the printable record) keep theirs beside the code that writes them, keyed by these codes.
"""

from __future__ import annotations

LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
DEFAULT = "en"
RIGHT_TO_LEFT = frozenset({"ar"})


def direction(language: str) -> str:
    """The `dir` of a page in `language`: "rtl" or "ltr"."""
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"


def known(language: object) -> str | None:
    """The language code in `language` ("ru", "zh-CN", "AR") when it is one of the six."""
    if not isinstance(language, str):
        return None
    base = language.strip().split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGES else None


def requested(query: str | None, accept_language: str | None) -> str:
    """The language a page is asked for: a `lang` query first, then the browser's
    `Accept-Language` (its highest-weighted language among the six), else English."""
    if (chosen := known(query)) is not None:
        return chosen
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, *parameters = part.split(";")
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value.strip())
                except ValueError:
                    weight = -1.0
        if not (0 < weight <= 1):  # q=0 is "not this one"; nan, inf and garbage count for none
            continue
        if (language := known(tag)) is not None:
            weighted.append((-weight, position, language))
    return min(weighted)[2] if weighted else DEFAULT

"""ISO 3166-1 alpha-2 country codes and their short names, in English or in another of the
six UN languages (pycountry's translations)."""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import cache

import pycountry

from server.errors import Invalid

# pycountry's catalogs by locale: Chinese is its Simplified one.
_LOCALES = {"zh": "zh_CN"}


def country_name(code: str, language: str = "en") -> str:
    """The short name of an ISO 3166-1 alpha-2 code in `language` (English where pycountry
    has no translation); `Invalid` for anything else."""
    normalised = code.strip().upper()
    country = pycountry.countries.get(alpha_2=normalised) if len(normalised) == 2 else None
    if country is None:
        raise Invalid(f"{code!r} is not an ISO 3166-1 alpha-2 country code.", code="bad_country")
    english = str(getattr(country, "common_name", country.name))
    if language == "en":
        return english
    translate = _translations(language)
    translated = translate(english)
    # Some common names ("South Korea") are not translated where the official name is.
    return translated if translated != english else translate(str(country.name))


@cache
def _translations(language: str) -> Callable[[str], str]:
    catalog = gettext.translation(
        "iso3166-1",
        pycountry.LOCALES_DIR,
        languages=[_LOCALES.get(language, language)],
        fallback=True,
    )
    return catalog.gettext


def normalise_country(code: str) -> str:
    country_name(code)
    return code.strip().upper()


def all_countries() -> list[dict[str, str]]:
    """Every ISO 3166-1 country as `{"code", "name"}`, in the order of their English names."""
    countries = [
        {"code": country.alpha_2, "name": str(getattr(country, "common_name", country.name))}
        for country in pycountry.countries
    ]
    return sorted(countries, key=lambda country: country["name"])

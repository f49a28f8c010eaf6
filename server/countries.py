"""ISO 3166-1 alpha-2 country codes and their short English names."""

from __future__ import annotations

import pycountry

from server.errors import Invalid


def country_name(code: str) -> str:
    """The English short name of an ISO 3166-1 alpha-2 code; `Invalid` for anything else."""
    normalised = code.strip().upper()
    country = pycountry.countries.get(alpha_2=normalised) if len(normalised) == 2 else None
    if country is None:
        raise Invalid(f"{code!r} is not an ISO 3166-1 alpha-2 country code.", code="bad_country")
    return str(getattr(country, "common_name", country.name))


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

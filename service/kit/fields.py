"""Annotated field types shared by the request models: NFC text with length limits,
codes, time zones."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints


def _nfc(value: object) -> object:
    # Every text that enters is stored precomposed, so "Hòa" typed on a Mac (NFD) and on
    # Windows (NFC) is one and the same name.
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    return value


def _no_control_chars(value: str) -> str:
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t\r" for ch in value):
        raise ValueError("must not contain control characters")
    return value


def _single_line(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError("must be a single line")
    return value


Name = Annotated[
    str,
    BeforeValidator(_nfc),
    StringConstraints(min_length=1, max_length=200),
    AfterValidator(_no_control_chars),
    AfterValidator(_single_line),
]
ShortText = Annotated[
    str,
    BeforeValidator(_nfc),
    StringConstraints(max_length=300),
    AfterValidator(_no_control_chars),
]
LongText = Annotated[
    str,
    BeforeValidator(_nfc),
    StringConstraints(max_length=5000),
    AfterValidator(_no_control_chars),
]

_COUNTRY = re.compile(r"^[A-Z]{2}$")


def _country(value: object) -> object:
    if isinstance(value, str):
        value = value.strip().upper()
        if not _COUNTRY.match(value):
            raise ValueError("must be an ISO 3166-1 alpha-2 code such as VN, KR, JP or EU")
    return value


CountryCode = Annotated[
    str,
    BeforeValidator(_country),
    Field(min_length=2, max_length=2, examples=["KR"]),
]

_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


def _language(value: object) -> object:
    if isinstance(value, str):
        value = value.strip().lower()
        if not _LANGUAGE.match(value):
            raise ValueError("must be an ISO 639-1 code such as vi, ko, ja or en")
    return value


LanguageCode = Annotated[str, BeforeValidator(_language), Field(max_length=3, examples=["ko"])]


def _timezone(value: str) -> str:
    # ZoneInfo also accepts file paths like "../../etc/localtime"; the set of
    # IANA names is the only safe whitelist.
    if value not in _zone_names():
        raise ValueError("unknown IANA time zone (e.g. Asia/Ho_Chi_Minh, Asia/Seoul)")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("unknown IANA time zone") from exc
    return value


_ZONES: set[str] = set()


def _zone_names() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES


TimeZoneName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64),
    AfterValidator(_timezone),
    Field(examples=["Asia/Ho_Chi_Minh"]),
]


def _province_code(value: object) -> object:
    # JSON clients and spreadsheets send a code as a number (24 for "24", 1 for "01").
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 99:
        return f"{value:02d}"
    return value


ProvinceRef = Annotated[
    str,
    BeforeValidator(_province_code),
    BeforeValidator(_nfc),
    StringConstraints(min_length=1, max_length=200),
    AfterValidator(_no_control_chars),
    AfterValidator(_single_line),
    Field(description="Province code ('24' or 24), current or former name"),
]
"""A province given by code (string or number), current name or former name."""

Url = Annotated[
    str,
    BeforeValidator(_nfc),
    StringConstraints(max_length=500, pattern=r"^https?://\S+$"),
]

"""Reference data: provincial units (current and former), search aliases, VSIC 2018
sectors and past Meet-X editions.

The current units come from the `vietnam-provinces` package at run time, so a package
update with corrected names reaches the service without touching this repository. The
rest is read from the JSON files in `seeds/data/`. Every record is a frozen dataclass
and every text is precomposed (NFC) Unicode.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal

from vietnam_provinces import Province

__all__ = [
    "DATA_DIR",
    "EditionRecord",
    "FormerUnitRecord",
    "ProvinceRecord",
    "SectorRecord",
    "current_provinces",
    "former_units",
    "former_units_by_current",
    "name_key",
    "past_editions",
    "province_aliases",
    "resolve_province_code",
    "vsic_sectors",
]

DATA_DIR = Path(__file__).resolve().parent / "data"

DivisionType = Literal["tỉnh", "thành phố trung ương"]

CITY_PREFIX = "Thành phố "

# English usage for the six centrally governed cities differs from a plain ASCII
# transliteration ("Hanoi", "Ho Chi Minh City"); provinces are simply transliterated.
_CITY_NAMES_EN: dict[str, str] = {
    "01": "Hanoi",
    "31": "Hai Phong",
    "46": "Hue",
    "48": "Da Nang",
    "79": "Ho Chi Minh City",
    "92": "Can Tho",
}


@dataclass(frozen=True, slots=True)
class ProvinceRecord:
    """A provincial-level unit in force since 1 July 2025 (Resolution 202/2025/QH15)."""

    code: str
    """Official two-digit code, zero-padded: "01", "79"."""
    name: str
    """Official name: "Thành phố Hồ Chí Minh", "Bắc Ninh"."""
    short_name: str
    """Display name: "TP. Hồ Chí Minh" for cities, the name itself for provinces."""
    name_en: str
    """English name without diacritics: "Ho Chi Minh City", "Bac Ninh"."""
    division_type: DivisionType
    codename: str
    """ASCII identifier from the package: "ho_chi_minh"."""


@dataclass(frozen=True, slots=True)
class FormerUnitRecord:
    """One of the 63 provincial units in use until 30 June 2025."""

    code: str
    """Its own pre-2025 statistics code. Codes were reused by the 2025 units with another
    meaning (24 was Bắc Giang, is now Bắc Ninh), so never read it as a current code."""
    name: str
    """Official name before the merger: "Bình Dương", "Thành phố Hồ Chí Minh"."""
    division_type: DivisionType
    current_code: str
    """Code of the 2025 unit it became, or became part of."""
    kept_name: bool
    """True when the 2025 unit carries on this unit's name (34 of the 63)."""
    note: str | None = None


@dataclass(frozen=True, slots=True)
class SectorRecord:
    """A VSIC 2018 section (level 1, "C") or division (level 2, "C26")."""

    code: str
    name_vi: str
    name_en: str
    parent: str | None
    level: Literal[1, 2]


@dataclass(frozen=True, slots=True)
class EditionRecord:
    """A past Meet-X event from the public record."""

    key: str
    name: str
    name_en: str
    partner_country: str | None
    """ISO 3166-1 alpha-2 ("KR", "JP", "TH", "CA"), "EU" for Europe, None for showcases."""
    host_province: str | None
    """Current code of the unit covering the host (Bình Dương's edition -> "79")."""
    host_name_at_the_time: str | None
    featured_province: str | None
    """Current code of the province a showcase presented ("Giới thiệu Cao Bằng" -> "04")."""
    start_date: date
    end_date: date


# ---------------------------------------------------------------- text


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _strip_marks(text: str) -> str:
    # Canonical decomposition separates tone and vowel marks from their letters, but đ/Đ
    # is a letter of its own with no decomposition, so it is mapped by hand.
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.replace("đ", "d").replace("Đ", "D")


_SEPARATORS = re.compile(r"[\s.,;:/()\-\u2010-\u2015]+")


def name_key(text: str) -> str:
    """The form under which place names are compared: without diacritics, lower case,
    punctuation and dashes as single spaces. "TP. Hồ Chí Minh" and "tp ho chi minh" share a
    key, as do "Bà Rịa - Vũng Tàu" and "Bà Rịa – Vũng Tàu", and "Khánh Hoà" and "Khánh Hòa"."""
    return _SEPARATORS.sub(" ", _strip_marks(_nfc(text)).casefold()).strip()


def _load(name: str) -> Any:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return json.load(handle)


# ---------------------------------------------------------------- provinces


@cache
def _current_provinces() -> tuple[ProvinceRecord, ...]:
    records = []
    for province in Province.iter_all():
        code = f"{int(province.code):02d}"
        name = _nfc(province.name)
        is_city = name.startswith(CITY_PREFIX)
        base = name.removeprefix(CITY_PREFIX)
        records.append(
            ProvinceRecord(
                code=code,
                name=name,
                short_name=f"TP. {base}" if is_city else base,
                name_en=_CITY_NAMES_EN.get(code, _strip_marks(base)),
                division_type=province.division_type.value,  # type: ignore[arg-type]
                codename=province.codename,
            )
        )
    return tuple(sorted(records, key=lambda r: r.code))


def current_provinces() -> list[ProvinceRecord]:
    """The 34 provincial units in force since 1 July 2025, ordered by code."""
    return list(_current_provinces())


@cache
def _former_units() -> tuple[FormerUnitRecord, ...]:
    return tuple(
        FormerUnitRecord(
            code=row["code"],
            name=_nfc(row["name"]),
            division_type=row["division_type"],
            current_code=row["current_code"],
            kept_name=bool(row["kept_name"]),
            note=row.get("note"),
        )
        for row in _load("former_provinces.json")["units"]
    )


def former_units() -> list[FormerUnitRecord]:
    """The 63 provincial units in use until 30 June 2025, ordered by their old code."""
    return list(_former_units())


def former_units_by_current() -> dict[str, list[FormerUnitRecord]]:
    """Current code -> the former units it covers (one to three each)."""
    grouped: dict[str, list[FormerUnitRecord]] = {}
    for unit in _former_units():
        grouped.setdefault(unit.current_code, []).append(unit)
    return grouped


@cache
def _aliases() -> dict[str, str]:
    return {_nfc(alias): code for alias, code in _load("province_aliases.json")["aliases"].items()}


def province_aliases() -> dict[str, str]:
    """Informal, abbreviated, English and historical names -> current code:
    "TP HCM", "Sài Gòn", "HCMC" -> "79"; "Huế", "Thừa Thiên - Huế" -> "46"."""
    return dict(_aliases())


@cache
def _name_index() -> dict[str, frozenset[str]]:
    # Every name a unit has been known by, keyed by name_key, with the current codes it
    # may mean; more than one code marks an ambiguous name.
    index: dict[str, set[str]] = {}

    def add(text: str, code: str) -> None:
        index.setdefault(name_key(text), set()).add(code)

    for province in _current_provinces():
        for text in (
            province.name,
            province.short_name,
            province.name_en,
            province.name.removeprefix(CITY_PREFIX),
            province.codename.replace("_", " "),
        ):
            add(text, province.code)
    for unit in _former_units():
        add(unit.name, unit.current_code)
        add(unit.name.removeprefix(CITY_PREFIX), unit.current_code)
    for alias, code in _aliases().items():
        add(alias, code)
    return {key: frozenset(codes) for key, codes in index.items()}


_UNIT_PREFIX = re.compile(r"^(tinh|thanh pho|tp)\s+")
_UNIT_SUFFIX = re.compile(r"\s+(province|city)$")


def resolve_province_code(value: str) -> str | None:
    """The current code a province reference means, or None when unknown or ambiguous.

    Accepts a current code ("79", "1"), a current, former or alias name in any accent,
    case and punctuation ("Bình Dương", "binh duong", "TP.HCM", "Tỉnh Bắc Giang",
    "Bac Ninh Province"). Digits are
    always read as current codes: old statistics codes were reused with other meanings.
    """
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        code = text.zfill(2)
        return code if any(p.code == code for p in _current_provinces()) else None
    index = _name_index()
    key = name_key(text)
    codes = index.get(key)
    if codes is None:
        stripped = _UNIT_SUFFIX.sub("", _UNIT_PREFIX.sub("", key))
        codes = index.get(stripped) or index.get(stripped.replace(" ", ""))
    if codes is None or len(codes) != 1:
        return None
    return next(iter(codes))


# ---------------------------------------------------------------- sectors


@cache
def _sectors() -> tuple[SectorRecord, ...]:
    return tuple(
        SectorRecord(
            code=row["code"],
            name_vi=_nfc(row["name_vi"]),
            name_en=row["name_en"],
            parent=row["parent"],
            level=row["level"],
        )
        for row in _load("vsic2018.json")["sectors"]
    )


def vsic_sectors() -> list[SectorRecord]:
    """The 21 VSIC 2018 sections (A-U) and 88 divisions ("C26" under "C"), each section
    followed by its divisions."""
    return list(_sectors())


# ---------------------------------------------------------------- editions


@cache
def _editions() -> tuple[EditionRecord, ...]:
    return tuple(
        EditionRecord(
            key=row["key"],
            name=_nfc(row["name"]),
            name_en=row["name_en"],
            partner_country=row["partner_country"],
            host_province=row["host_province"],
            host_name_at_the_time=(
                _nfc(row["host_name_at_the_time"]) if row["host_name_at_the_time"] else None
            ),
            featured_province=row["featured_province"],
            start_date=date.fromisoformat(row["start_date"]),
            end_date=date.fromisoformat(row["end_date"]),
        )
        for row in _load("editions.json")["editions"]
    )


def past_editions() -> list[EditionRecord]:
    """Past Meet-X editions in date order."""
    return sorted(_editions(), key=lambda e: (e.start_date, e.key))

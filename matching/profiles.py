"""What the matcher knows about an event: participants' profiles, weights and pair wishes.

The service fills these from the database; the matching code never touches the database.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "COMPONENTS",
    "KINDS",
    "SIDES",
    "MatchConfig",
    "PairPreferences",
    "Profile",
]

Side = Literal["host", "guest"]
Kind = Literal["province", "company", "association", "locality", "agency"]

SIDES: tuple[str, ...] = ("host", "guest")
KINDS: tuple[str, ...] = ("province", "company", "association", "locality", "agency")
# The score's components, in the order reasons are reported when they tie.
COMPONENTS: tuple[str, ...] = ("preference", "sector", "text", "potential", "language")

# VSIC 2018: a section letter A-U, or a division: the section letter and two digits.
_SECTOR_CODE = re.compile(r"[A-U](\d{2})?")
_COUNTRY_CODE = re.compile(r"[A-Z]{2}")
_LANGUAGE_CODE = re.compile(r"[a-z]{2}")


def _non_negative_or_none(value: float | None, name: str) -> None:
    if value is not None and not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")


@dataclass(frozen=True)
class Profile:
    """One participant of one event, as the matcher sees it.

    ``investment_usd`` is the planned investment for a guest and the capital its projects seek
    for a host; ``fdi_target_usd`` and ``industrial_land_ha`` describe a province's capacity to
    receive investment, and ``projects`` counts its projects calling for investment.
    """

    id: str
    side: Side
    organization_id: str
    kind: Kind
    name: str
    country: str
    province_code: str | None = None
    sectors: tuple[str, ...] = ()
    offers: str = ""
    needs: str = ""
    languages: tuple[str, ...] = ()
    investment_usd: float | None = None
    fdi_target_usd: float | None = None
    industrial_land_ha: float | None = None
    projects: int = 0

    def __post_init__(self) -> None:
        # Lists from JSON or ORM rows are accepted and stored as tuples, so profiles hash.
        object.__setattr__(self, "sectors", tuple(self.sectors))
        object.__setattr__(self, "languages", tuple(self.languages))
        if not self.id:
            raise ValueError("profile id must not be empty")
        if self.side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}, got {self.side!r}")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if not _COUNTRY_CODE.fullmatch(self.country):
            raise ValueError(f"country must be ISO 3166 alpha-2 like 'VN', got {self.country!r}")
        for code in self.sectors:
            if not _SECTOR_CODE.fullmatch(code):
                raise ValueError(f"sector must be a VSIC code like 'C' or 'C26', got {code!r}")
        for code in self.languages:
            if not _LANGUAGE_CODE.fullmatch(code):
                raise ValueError(f"language must be ISO 639-1 like 'vi', got {code!r}")
        _non_negative_or_none(self.investment_usd, "investment_usd")
        _non_negative_or_none(self.fdi_target_usd, "fdi_target_usd")
        _non_negative_or_none(self.industrial_land_ha, "industrial_land_ha")
        if self.projects < 0:
            raise ValueError(f"projects must be >= 0, got {self.projects!r}")


@dataclass(frozen=True)
class MatchConfig:
    """An event's weights for the score's components, and which pairs may be suggested.

    The score of a pair is the weighted mean of its components, each in [0, 1]; weights are
    divided by their sum, so they need not add up to 1. The defaults do, and put what the two
    sides say they offer and need (text, 0.35) and their sectors (0.30) first, the size of the
    opportunity next (potential, 0.15), then the practical matters: a common working language
    (0.10) and the wishes participants or organisers recorded (preference, 0.10).

    ``allow_same_side`` lets hosts meet hosts and guests meet guests; ``min_score`` drops
    suggestions below it.
    """

    sector: float = 0.30
    text: float = 0.35
    potential: float = 0.15
    language: float = 0.10
    preference: float = 0.10
    allow_same_side: bool = False
    min_score: float = 0.0

    def __post_init__(self) -> None:
        weights = self.raw_weights()
        for name, weight in weights.items():
            if not (math.isfinite(weight) and weight >= 0):
                raise ValueError(f"weight {name} must be a finite number >= 0, got {weight!r}")
        if sum(weights.values()) <= 0:
            raise ValueError("at least one weight must be positive")
        if not (0.0 <= self.min_score <= 1.0):
            raise ValueError(f"min_score must be in [0, 1], got {self.min_score!r}")

    def raw_weights(self) -> dict[str, float]:
        """The weights as given, by component name."""
        return {name: float(getattr(self, name)) for name in COMPONENTS}

    def weights(self) -> dict[str, float]:
        """The weights divided by their sum, by component name."""
        raw = self.raw_weights()
        total = sum(raw.values())
        return {name: weight / total for name, weight in raw.items()}


def _pair(a: str, b: str) -> frozenset[str]:
    return frozenset((a, b))


@dataclass(frozen=True)
class PairPreferences:
    """Wishes to meet and pairs that must never be suggested.

    ``wishes`` holds one-sided wishes ``(from_id, to_id)``; a wish in both directions is mutual.
    ``blocked`` holds unordered pairs, for instance a firm that asked not to meet a competitor.
    """

    wishes: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    blocked: frozenset[frozenset[str]] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        object.__setattr__(self, "wishes", frozenset(tuple(w) for w in self.wishes))
        object.__setattr__(self, "blocked", frozenset(frozenset(b) for b in self.blocked))
        for wish in self.wishes:
            if len(wish) != 2 or wish[0] == wish[1]:
                raise ValueError(f"a wish is (from_id, to_id) of two participants: {wish!r}")
        for pair in self.blocked:
            if len(pair) != 2:
                raise ValueError(f"a blocked pair names two participants: {sorted(pair)!r}")

    @classmethod
    def of(
        cls,
        wishes: Iterable[tuple[str, str]] = (),
        blocked: Iterable[Iterable[str]] = (),
    ) -> PairPreferences:
        """Preferences from plain iterables, e.g. rows of meeting requests."""
        return cls(frozenset(wishes), frozenset(frozenset(b) for b in blocked))

    def wished_by(self, a: str, b: str) -> tuple[bool, bool]:
        """Whether ``a`` asked to meet ``b``, and whether ``b`` asked to meet ``a``."""
        return (a, b) in self.wishes, (b, a) in self.wishes

    def is_blocked(self, a: str, b: str) -> bool:
        return _pair(a, b) in self.blocked

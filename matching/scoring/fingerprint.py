"""A cheap cache key for an event's suggestions.

Suggestions are a pure function of the profiles, the configuration, the pair preferences, the
sector names and the matcher's own data and version; the key is a SHA-256 over all of them in a
canonical order, so the service can recompute only when one of them changes.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from operator import attrgetter

from matching.profiles import MatchConfig, PairPreferences, Profile

__all__ = ["SCORING_VERSION", "fingerprint"]

# Raised whenever a change to the scoring changes results for the same inputs.
SCORING_VERSION = "1"


@cache
def _data_digest() -> str:
    digest = hashlib.sha256()
    for name in ("glossary.json", "stopwords.json"):
        digest.update(resources.files("matching.data").joinpath(name).read_bytes())
    return digest.hexdigest()


_PROFILE_FIELDS = attrgetter(*(f.name for f in dataclasses.fields(Profile)))
_CONFIG_FIELDS = attrgetter(*(f.name for f in dataclasses.fields(MatchConfig)))


def fingerprint(
    profiles: Iterable[Profile],
    config: MatchConfig,
    preferences: PairPreferences,
    sector_names: Mapping[str, tuple[str, str]] | None = None,
) -> str:
    """A hex digest that changes whenever any input of the suggestions changes.

    Profiles count in id order, so the order they are given in does not change the key.
    """
    digest = hashlib.sha256()
    # repr() of tuples of strings, numbers and None is exact and stable across runs.
    digest.update(repr((SCORING_VERSION, _data_digest(), _CONFIG_FIELDS(config))).encode())
    for row in sorted(map(_PROFILE_FIELDS, profiles), key=lambda fields: fields[0]):
        digest.update(repr(row).encode("utf-8"))
    digest.update(repr(sorted(preferences.wishes)).encode("utf-8"))
    digest.update(repr(sorted(sorted(pair) for pair in preferences.blocked)).encode("utf-8"))
    digest.update(repr(sorted((sector_names or {}).items())).encode("utf-8"))
    return digest.hexdigest()

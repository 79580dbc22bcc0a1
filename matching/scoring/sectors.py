"""The sector component: how much two profiles' VSIC 2018 codes overlap.

A profile lists sections ("C", manufacturing) and divisions ("C26", electronics). Both levels
are compared with the Ochiai coefficient, the cosine form of Jaccard's index,
``|A ∩ B| / sqrt(|A| |B|)``; a division implies its section. The component is

    DIVISION_SHARE * ochiai(divisions) + (1 - DIVISION_SHARE) * ochiai(sections)

so the same division scores far more than the same section only: {C26} and {C26} give 1,
{C26} and {C27} give 0.3, {C26, C27} and {C26} give 0.7 / sqrt(2) + 0.3 = 0.79. The cosine
form, unlike Jaccard's ratio, is an inner product of per-profile vectors, so a whole event's
pairs come out of one matrix product.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from matching.profiles import Profile

__all__ = [
    "DIVISION_SHARE",
    "SectorCodes",
    "sector_codes",
    "sector_similarity",
    "sector_vectors",
]

DIVISION_SHARE = 0.7


class SectorCodes:
    """A profile's divisions and sections (including the sections of its divisions)."""

    __slots__ = ("divisions", "sections")

    def __init__(self, codes: Sequence[str]) -> None:
        self.divisions = frozenset(code for code in codes if len(code) == 3)
        self.sections = frozenset(code[0] for code in codes)


def sector_codes(profile: Profile) -> SectorCodes:
    return SectorCodes(profile.sectors)


def _ochiai(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


def sector_similarity(a: SectorCodes, b: SectorCodes) -> float:
    """The sector component of a pair, in [0, 1]."""
    by_division = _ochiai(a.divisions, b.divisions)
    by_section = _ochiai(a.sections, b.sections)
    return DIVISION_SHARE * by_division + (1.0 - DIVISION_SHARE) * by_section


def sector_vectors(codes: Sequence[SectorCodes]) -> np.ndarray:
    """One row per profile such that ``rows @ rows.T`` is the sector component of each pair."""
    divisions = sorted({d for c in codes for d in c.divisions})
    sections = sorted({s for c in codes for s in c.sections})
    column = {code: i for i, code in enumerate(divisions)}
    column.update({code: len(divisions) + i for i, code in enumerate(sections)})
    vectors = np.zeros((len(codes), max(1, len(column))), dtype=np.float32)
    division_weight, section_weight = math.sqrt(DIVISION_SHARE), math.sqrt(1 - DIVISION_SHARE)
    for row, profile_codes in enumerate(codes):
        if profile_codes.divisions:
            value = division_weight / math.sqrt(len(profile_codes.divisions))
            for code in profile_codes.divisions:
                vectors[row, column[code]] = value
        if profile_codes.sections:
            value = section_weight / math.sqrt(len(profile_codes.sections))
            for code in profile_codes.sections:
                vectors[row, column[code]] = value
    return vectors

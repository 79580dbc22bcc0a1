"""The potential component: how large the opportunity of a host-guest pair could be.

Every profile gets a size in [0, 1] on a log scale, since investments span four orders of
magnitude and a tenfold larger one should add a step, not dwarf the rest:

* a guest, from its planned investment: ``log10(usd / 10^4) / 5`` (USD 10 thousand -> 0,
  1 million -> 0.4, 100 million -> 0.8, 1 billion -> 1);
* a host, the mean of what it declares of its capacity to receive investment: the capital its
  projects seek (same scale as a guest's investment), its annual FDI target
  (``log10(usd / 10^7) / 3``: USD 10 million -> 0, 10 billion -> 1), its industrial land
  (``log10(1 + ha) / log10(1 + 5000)``) and its projects calling for investment
  (``log10(1 + n) / log10(1 + 100)``), each clipped to [0, 1].

For a host and a guest whose sizes are both known, the potential is

    sqrt(size_guest * size_host) * (1/2 + sector / 2)

The geometric mean is high only when both sides are large, so a big investor meeting a province
with room for it ranks above a small one; the sector factor asks that the guest's sectors be
among the host's priority sectors (its own sectors), halving the potential when they share
none. Pairs of the same side, and pairs with a size missing, get the neutral ``NEUTRAL``.
"""

from __future__ import annotations

import math

from matching.profiles import Profile

__all__ = [
    "NEUTRAL",
    "capacity_parts",
    "investment_scale",
    "pair_potential",
    "profile_size",
]

NEUTRAL = 0.5


def _clip(value: float) -> float:
    return min(1.0, max(0.0, value))


def investment_scale(usd: float) -> float:
    """USD 10 thousand -> 0, 1 million -> 0.4, 100 million -> 0.8, 1 billion and more -> 1."""
    if usd <= 0:
        return 0.0
    return _clip(math.log10(usd / 1e4) / 5.0)


def capacity_parts(profile: Profile) -> dict[str, float]:
    """A host's capacity indicators it declared, each scaled to [0, 1]."""
    parts: dict[str, float] = {}
    if profile.investment_usd is not None:
        parts["capital_sought"] = investment_scale(profile.investment_usd)
    if profile.fdi_target_usd is not None:
        target = profile.fdi_target_usd
        parts["fdi_target"] = _clip(math.log10(target / 1e7) / 3.0) if target > 0 else 0.0
    if profile.industrial_land_ha is not None:
        parts["industrial_land"] = _clip(
            math.log10(1 + profile.industrial_land_ha) / math.log10(5001)
        )
    # Zero projects is what a profile without the field says, so it is no evidence.
    if profile.projects > 0:
        parts["projects"] = _clip(math.log10(1 + profile.projects) / math.log10(101))
    return parts


def profile_size(profile: Profile) -> float | None:
    """The profile's size in [0, 1], or None when it declares nothing to judge it by."""
    if profile.side == "guest":
        if profile.investment_usd is None:
            return None
        return investment_scale(profile.investment_usd)
    parts = capacity_parts(profile)
    if not parts:
        return None
    return sum(parts.values()) / len(parts)


def pair_potential(
    a_side: str, a_size: float | None, b_side: str, b_size: float | None, sector: float
) -> float:
    """The potential component of a pair, in [0, 1]."""
    if a_side == b_side or a_size is None or b_size is None:
        return NEUTRAL
    return math.sqrt(a_size * b_size) * (0.5 + 0.5 * sector)

"""An event's profiles turned into arrays, and the score of any block of pairs from them.

Rows of every array follow the profiles sorted by id, so results do not depend on the order the
profiles were given in. ``EventArrays.block`` scores many pairs at once in float32 for ranking;
``EventArrays.components`` recomputes chosen pairs' components in float64, and the two agree
to float32 rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from matching.profiles import MatchConfig, PairPreferences, Profile
from matching.scoring import languages
from matching.scoring.potential import NEUTRAL, profile_size
from matching.scoring.sectors import SectorCodes, sector_codes, sector_vectors
from matching.scoring.textspace import TextSpace, build_text_space
from matching.scoring.wording import Glossary

__all__ = [
    "PREFERENCE_MUTUAL",
    "PREFERENCE_ONE_SIDED",
    "Columns",
    "EventArrays",
    "build_event_arrays",
]

PREFERENCE_ONE_SIDED = 0.6
PREFERENCE_MUTUAL = 1.0
# Pairs whose components are computed at once, which bounds the memory of the gathered rows.
_PAIRS_AT_ONCE = 16384


@dataclass(frozen=True)
class Columns:
    """The column side of score blocks: the candidate partners, with their arrays gathered."""

    which: np.ndarray
    at: np.ndarray  # a profile's row number -> its position among the columns, or -1
    text: np.ndarray  # [offers | needs], to meet the rows' [needs | offers]
    rest: np.ndarray  # right factors of the sector, potential and language terms
    has_needs: np.ndarray
    has_offers: np.ndarray
    text_weight: np.ndarray  # the text weight over the directions a full row has with each,
    # already multiplied into ``text``


@dataclass(frozen=True)
class EventArrays:
    """An event's profiles as arrays whose row ``i`` is the ``i``-th profile by id."""

    profiles: tuple[Profile, ...]
    position: dict[str, int]
    weights: dict[str, float]
    is_host: np.ndarray
    sector_codes: list[SectorCodes]
    sectors: np.ndarray  # rows whose inner products are the sector component
    size: np.ndarray  # sqrt of the potential size, 0 where unknown
    size_known: np.ndarray
    language_group: np.ndarray
    language_table: np.ndarray  # language component by pair of language groups
    rest_left: np.ndarray  # see _rest_factors
    rest_right: np.ndarray
    text: TextSpace  # rows 0..n-1 are the needs, n..2n-1 the offers
    needs: np.ndarray
    offers: np.ndarray
    has_needs: np.ndarray
    has_offers: np.ndarray
    wishes: frozenset[tuple[int, int]]
    excluded: sp.csr_matrix  # blocked and same-organisation pairs, both orders
    preference: sp.csr_matrix  # the preference component where it is not 0, both orders
    allow_same_side: bool

    @property
    def size_of_event(self) -> int:
        return len(self.profiles)

    # -- ranking: blocks of pairs in float32 -------------------------------------------------

    def columns(self, which: np.ndarray) -> Columns:
        """The column side of blocks against the profiles ``which``, prepared once."""
        has_needs, has_offers = self.has_needs[which], self.has_offers[which]
        column_at = np.full(self.size_of_event, -1, dtype=np.int64)
        column_at[which] = np.arange(len(which))
        # For a row with both texts, a pair has text in as many directions as the column has
        # texts; rows missing one are corrected on their own.
        directions = has_needs.astype(np.float32) + has_offers
        text_weight = (self.weights["text"] / np.maximum(directions, 1.0)).astype(np.float32)
        # The weight is folded into the columns' vectors, which spares a pass over each block.
        text = np.hstack([self.offers[which], self.needs[which]]) * text_weight[:, None]
        return Columns(
            which=which,
            at=column_at,
            text=np.ascontiguousarray(text, dtype=np.float32),
            rest=np.ascontiguousarray(self.rest_right[which]),
            has_needs=has_needs,
            has_offers=has_offers,
            text_weight=text_weight,
        )

    def block(self, rows: np.ndarray, columns: Columns) -> np.ndarray:
        """Scores of ``rows`` x ``columns`` (float32); excluded pairs and self-pairs are -inf."""
        total = np.hstack([self.needs[rows], self.offers[rows]]) @ columns.text.T
        partial = np.flatnonzero(~(self.has_needs[rows] & self.has_offers[rows]))
        if len(partial):
            directions = np.multiply.outer(self.has_needs[rows[partial]], columns.has_offers)
            directions = directions.astype(np.float32)
            directions += np.multiply.outer(self.has_offers[rows[partial]], columns.has_needs)
            fix = self.weights["text"] / np.maximum(directions, 1.0) / columns.text_weight
            total[partial] *= fix
        np.maximum(total, 0.0, out=total)
        total += self.rest_left[rows] @ columns.rest.T
        self._apply_pairs(total, rows, columns.at)
        return total

    def _apply_pairs(self, total: np.ndarray, rows: np.ndarray, column_at: np.ndarray) -> None:
        preference = self.preference[rows].tocoo()
        at = column_at[preference.col]
        keep = at >= 0
        total[preference.row[keep], at[keep]] += self.weights["preference"] * preference.data[keep]
        excluded = self.excluded[rows].tocoo()
        at = column_at[excluded.col]
        keep = at >= 0
        total[excluded.row[keep], at[keep]] = -np.inf
        itself = column_at[rows]
        keep = itself >= 0
        total[np.flatnonzero(keep), itself[keep]] = -np.inf

    # -- chosen pairs: components in float64 -------------------------------------------------

    def components(self, a: np.ndarray, b: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """The components and score of pairs ``(a[i], b[i])``, in float64.

        Each value depends on its own pair only, not on which other pairs are computed with it.
        """
        if len(a) == 0:
            # No pair at all (every pair blocked, say): sparse fancy indexing with empty
            # arrays would return a matrix rather than an empty vector.
            empty = np.zeros(0, dtype=np.float64)
            return {
                name: empty for name in ("sector", "text", "potential", "language", "preference")
            }, empty
        sector = _row_dots(self.sectors, a, self.sectors, b)
        sector = np.clip(sector, 0.0, 1.0)
        text = _row_dots(self.needs, a, self.offers, b) + _row_dots(self.offers, a, self.needs, b)
        available = (self.has_needs[a] & self.has_offers[b]).astype(np.float64)
        available += self.has_offers[a] & self.has_needs[b]
        text = np.clip(text / np.maximum(available, 1.0), 0.0, 1.0)
        known = self.size_known[a] & self.size_known[b] & (self.is_host[a] != self.is_host[b])
        size = self.size[a].astype(np.float64) * self.size[b].astype(np.float64)
        potential = np.where(known, size * (0.5 + 0.5 * sector), NEUTRAL)
        language = self.language_table[self.language_group[a], self.language_group[b]]
        preference = np.asarray(self.preference[a, b], dtype=np.float64).ravel()
        components = {
            "sector": sector,
            "text": text,
            "potential": potential,
            "language": language.astype(np.float64),
            "preference": preference,
        }
        score = np.zeros(len(a), dtype=np.float64)
        for name, values in components.items():
            score += self.weights[name] * values
        return components, np.clip(score, 0.0, 1.0)

    def is_excluded(self, a: int, b: int) -> bool:
        if a == b or self.excluded[a, b]:
            return True
        return not self.allow_same_side and bool(self.is_host[a] == self.is_host[b])

    def candidates_of(self, row: int) -> np.ndarray:
        """The profiles a profile may be paired with, before exclusions."""
        if self.allow_same_side:
            return np.arange(self.size_of_event)
        return np.flatnonzero(self.is_host != self.is_host[row])


def _row_dots(left: np.ndarray, a: np.ndarray, right: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``left[a[i]] . right[b[i]]`` for each i, with float64 products and sums."""
    out = np.empty(len(a), dtype=np.float64)
    for start in range(0, len(a), _PAIRS_AT_ONCE):
        part = slice(start, start + _PAIRS_AT_ONCE)
        out[part] = np.einsum("ij,ij->i", left[a[part]], right[b[part]], dtype=np.float64)
    return out


def _rest_factors(
    sectors: np.ndarray,
    size: np.ndarray,
    size_known: np.ndarray,
    is_host: np.ndarray,
    language_group: np.ndarray,
    language_table: np.ndarray,
    weights: dict[str, float],
    allow_same_side: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Left and right factors whose product is the weighted sector, potential and language sum.

    With ``u`` the sector rows, ``a`` the square roots of the sizes (0 when unknown) and ``k``
    whether the size is known, the potential of a host-guest pair is
    ``a a' (1 + u.u') / 2 + (1 - k k') / 2`` (see ``potential``), a sum of products of one
    factor per side; pairs of the same side are kept apart by giving each side its own
    factors. The language component is a lookup in a small table by language group, the
    product of the row's table row and the column's one-hot group.
    """
    w_sector, w_potential, w_language = weights["sector"], weights["potential"], weights["language"]
    half = 0.5 * w_potential
    n = len(size)
    known = size_known.astype(np.float32)
    left = [w_sector * sectors]
    right = [sectors]
    if allow_same_side:
        pairings = [(is_host, ~is_host), (~is_host, is_host)]
    else:
        everyone = np.ones(n, dtype=bool)
        pairings = [(everyone, everyone)]
    for row_side, column_side in pairings:
        row_on, column_on = row_side.astype(np.float32), column_side.astype(np.float32)
        left += [
            (half * size * row_on)[:, None] * sectors,
            (half * size * row_on)[:, None],
            (-half * known * row_on)[:, None],
        ]
        right += [
            (size * column_on)[:, None] * sectors,
            (size * column_on)[:, None],
            (known * column_on)[:, None],
        ]
    groups = len(language_table)
    left.append(w_language * language_table[language_group] + half)
    right.append(np.eye(groups, dtype=np.float32)[language_group])
    return (
        np.ascontiguousarray(np.hstack(left), dtype=np.float32),
        np.ascontiguousarray(np.hstack(right), dtype=np.float32),
    )


def _language_groups(profiles: Sequence[Profile]) -> tuple[np.ndarray, np.ndarray]:
    """Profiles grouped by their set of languages, and the component for each pair of groups."""
    keys = [tuple(sorted(set(p.languages))) for p in profiles]
    distinct = sorted(set(keys))
    group_of = {key: i for i, key in enumerate(distinct)}
    table = np.array(
        [[languages.language_score(a, b) for b in distinct] for a in distinct], dtype=np.float64
    ).reshape(len(distinct), len(distinct))  # an event with nobody yet is 0 x 0, not 1-D
    return np.array([group_of[k] for k in keys], dtype=np.int32), table


def _pair_matrix(n: int, pairs: dict[tuple[int, int], float]) -> sp.csr_matrix:
    if not pairs:
        return sp.csr_matrix((n, n), dtype=np.float32)
    rows, cols = zip(*pairs, strict=True)
    data = np.fromiter(pairs.values(), dtype=np.float32, count=len(pairs))
    return sp.csr_matrix((data, (rows, cols)), shape=(n, n), dtype=np.float32)


def _pairs_of_event(
    profiles: Sequence[Profile], position: dict[str, int], preferences: PairPreferences
) -> tuple[frozenset[tuple[int, int]], sp.csr_matrix, sp.csr_matrix]:
    n = len(profiles)
    # Wishes and blocks naming someone not in the event (a withdrawn participant) are ignored.
    wishes = frozenset(
        (position[a], position[b]) for a, b in preferences.wishes if a in position and b in position
    )
    preference: dict[tuple[int, int], float] = {}
    for a, b in wishes:
        value = PREFERENCE_MUTUAL if (b, a) in wishes else PREFERENCE_ONE_SIDED
        preference[(a, b)] = preference[(b, a)] = value
    excluded: dict[tuple[int, int], float] = {}
    for pair in preferences.blocked:
        a, b = sorted(pair)
        if a in position and b in position:
            excluded[(position[a], position[b])] = excluded[(position[b], position[a])] = 1.0
    by_organization: dict[str, list[int]] = {}
    for row, profile in enumerate(profiles):
        by_organization.setdefault(profile.organization_id, []).append(row)
    for members in by_organization.values():
        for a in members:
            for b in members:
                if a != b:
                    excluded[(a, b)] = 1.0
    return wishes, _pair_matrix(n, excluded), _pair_matrix(n, preference)


def build_event_arrays(
    profiles: Sequence[Profile],
    config: MatchConfig,
    preferences: PairPreferences,
    glossary: Glossary,
    text_dimensions: int,
) -> EventArrays:
    ordered = tuple(sorted(profiles, key=lambda p: p.id))
    position = {p.id: i for i, p in enumerate(ordered)}
    if len(position) != len(ordered):
        raise ValueError("profile ids must be unique within an event")
    n = len(ordered)
    codes = [sector_codes(p) for p in ordered]
    sizes = [profile_size(p) for p in ordered]
    size_known = np.array([s is not None for s in sizes], dtype=bool)
    size = np.sqrt(np.array([s or 0.0 for s in sizes], dtype=np.float32))
    language_group, language_table = _language_groups(ordered)
    text = build_text_space(
        [p.needs for p in ordered] + [p.offers for p in ordered],
        glossary,
        dimensions=text_dimensions,
    )
    has_text = text.has_text()
    wishes, excluded, preference = _pairs_of_event(ordered, position, preferences)
    is_host = np.array([p.side == "host" for p in ordered], dtype=bool)
    sectors = sector_vectors(codes)
    weights = config.weights()
    rest_left, rest_right = _rest_factors(
        sectors,
        size,
        size_known,
        is_host,
        language_group,
        language_table,
        weights,
        config.allow_same_side,
    )
    return EventArrays(
        profiles=ordered,
        position=position,
        weights=weights,
        is_host=is_host,
        sector_codes=codes,
        sectors=sectors,
        size=size,
        size_known=size_known,
        language_group=language_group,
        language_table=language_table,
        rest_left=rest_left,
        rest_right=rest_right,
        text=text,
        needs=np.ascontiguousarray(text.embeddings[:n]),
        offers=np.ascontiguousarray(text.embeddings[n:]),
        has_needs=has_text[:n],
        has_offers=has_text[n:],
        wishes=wishes,
        excluded=excluded,
        preference=preference,
        allow_same_side=config.allow_same_side,
    )

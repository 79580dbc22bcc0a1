"""Partner suggestions for an event: the index, its queries and the suggestions it returns.

Ranking never holds the event's full pair matrix: a chunk of rows is scored against every
candidate partner at a time (float32 matrix products, see ``event``), each chunk keeps its
rows' and its columns' best candidates (see ``selection``), and the candidates kept are then
rescored exactly, component by component, in float64. Equal scores are ordered by partner id;
scores are equal when they agree to ``SCORE_DIGITS`` decimals (two alike profiles reach the
same score by sums in a different order, a few units in the last place apart).
Reasons are written only when a suggestion's ``reasons`` are first read.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property

import numpy as np

from matching.profiles import COMPONENTS, MatchConfig, PairPreferences, Profile
from matching.scoring import reasons as why
from matching.scoring.event import EventArrays, build_event_arrays
from matching.scoring.fingerprint import fingerprint
from matching.scoring.potential import NEUTRAL
from matching.scoring.reasons import Reason
from matching.scoring.selection import RunningBest, rank_within_groups, row_candidates, with_ties
from matching.scoring.wording import Glossary, default_glossary

__all__ = ["MatchIndex", "Suggestion", "build_index"]

# Candidates kept per row beyond those asked for, so that float32 ranking noise cannot push a
# pair that the exact rescoring would rank in out of the candidates.
_MARGIN = 1
# Cells of a chunk's score block, which bounds the memory a chunk takes (about 4 bytes each,
# a few blocks at once).
_BLOCK_CELLS = 8_000_000
# Scores that agree to this many decimals are equal (ordered by partner id).
SCORE_DIGITS = 9
_COMPONENT_ORDER = ("sector", "text", "potential", "language", "preference")


class Suggestion:
    """A suggested partner for a participant, with the score's components and reasons.

    ``components`` maps each component name to its value in [0, 1]; ``score`` is their
    weighted mean under the event's configuration. ``reasons`` are written when first read.
    """

    __slots__ = ("_pair", "_reasons", "_values", "participant_id", "partner_id", "score")

    def __init__(
        self,
        participant_id: str,
        partner_id: str,
        score: float,
        values: tuple[float, ...],
        pair: tuple[MatchIndex, int, int],
    ) -> None:
        self.participant_id = participant_id
        self.partner_id = partner_id
        self.score = score
        self._values = values
        self._pair = pair
        self._reasons: list[Reason] | None = None

    @property
    def components(self) -> dict[str, float]:
        return dict(zip(_COMPONENT_ORDER, self._values, strict=True))

    @property
    def reasons(self) -> list[Reason]:
        """Bilingual reasons, strongest evidence first, then gaps in either profile."""
        if self._reasons is None:
            index, row, column = self._pair
            self._reasons = index._reasons(row, column, self.components)
        return list(self._reasons)

    def as_dict(self) -> dict[str, object]:
        return {
            "participant_id": self.participant_id,
            "partner_id": self.partner_id,
            "score": self.score,
            "components": self.components,
            "reasons": [reason.as_dict() for reason in self.reasons],
        }

    def _key(self) -> tuple[str, str, float, tuple[float, ...]]:
        return (self.participant_id, self.partner_id, self.score, self._values)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Suggestion):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"Suggestion(participant_id={self.participant_id!r}, "
            f"partner_id={self.partner_id!r}, score={self.score:.4f})"
        )


def _chunk_rows(n_columns: int, chunk_size: int | None) -> int:
    if chunk_size is not None:
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {chunk_size!r}")
        return chunk_size
    return max(16, min(4096, _BLOCK_CELLS // max(1, n_columns)))


def _check_limit(limit: int) -> None:
    if limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit!r}")


class MatchIndex:
    """Everything needed to rank partners for the participants of one event."""

    def __init__(
        self,
        arrays: EventArrays,
        config: MatchConfig,
        preferences: PairPreferences,
        sector_names: Mapping[str, tuple[str, str]],
        glossary: Glossary,
    ) -> None:
        self._arrays = arrays
        self.config = config
        self.preferences = preferences
        self.sector_names = dict(sector_names)
        self._glossary = glossary

    @property
    def profiles(self) -> tuple[Profile, ...]:
        """The event's profiles, sorted by id."""
        return self._arrays.profiles

    @property
    def text_is_exact(self) -> bool:
        """Whether text cosines are exact TF-IDF ones, not their latent-space approximation."""
        return self._arrays.text.exact

    @cached_property
    def fingerprint(self) -> str:
        """The cache key of this index's inputs; see :func:`matching.scoring.fingerprint`."""
        return fingerprint(self.profiles, self.config, self.preferences, self.sector_names)

    def _row(self, participant_id: str) -> int:
        try:
            return self._arrays.position[participant_id]
        except KeyError:
            raise KeyError(f"unknown participant {participant_id!r}") from None

    # -- queries -----------------------------------------------------------------------------

    def suggest(self, participant_id: str, *, limit: int = 10) -> list[Suggestion]:
        """The participant's best partners, best first; KeyError for an unknown id."""
        _check_limit(limit)
        row = self._row(participant_id)
        if limit == 0:
            return []
        columns = self._arrays.candidates_of(row)
        return self._ranked(np.array([row]), columns, limit, chunk_size=1).get(row, [])

    def top_k_all(
        self, *, k: int = 10, chunk_size: int | None = None
    ) -> dict[str, list[Suggestion]]:
        """Every participant's best ``k`` partners, by participant id."""
        return dict(self.iter_top_k(k=k, chunk_size=chunk_size))

    def iter_top_k(
        self, *, k: int = 10, chunk_size: int | None = None
    ) -> Iterator[tuple[str, list[Suggestion]]]:
        """Every participant's best ``k`` partners, in participant id order.

        Host-guest events are ranked in one pass over hosts x guests: each chunk of hosts keeps
        its rows' best guests and, for every guest, its best hosts among the chunk.
        """
        _check_limit(k)
        arrays = self._arrays
        everyone = np.arange(arrays.size_of_event)
        if arrays.allow_same_side:
            found = self._ranked(everyone, everyone, k, chunk_size=chunk_size)
        else:
            hosts, guests = np.flatnonzero(arrays.is_host), np.flatnonzero(~arrays.is_host)
            found = self._ranked(hosts, guests, k, chunk_size=chunk_size, both_sides=True)
        for row in everyone:
            yield arrays.profiles[row].id, found.get(row, [])

    def top_pairs(self, *, limit: int = 100, chunk_size: int | None = None) -> list[Suggestion]:
        """The event's best pairs, each unordered pair once, best first.

        A pair's ``participant_id`` is its host (or, between two of the same side, the
        smaller id).
        """
        _check_limit(limit)
        arrays = self._arrays
        if limit == 0 or arrays.size_of_event < 2:
            return []
        if arrays.allow_same_side:
            rows = columns = np.arange(arrays.size_of_event)
        else:
            rows, columns = np.flatnonzero(arrays.is_host), np.flatnonzero(~arrays.is_host)
        if len(rows) == 0 or len(columns) == 0:
            return []
        context = arrays.columns(columns)
        keep = limit + _MARGIN
        best_scores = np.empty(0, dtype=np.float32)
        best_a = np.empty(0, dtype=np.int64)
        best_b = np.empty(0, dtype=np.int64)
        step = _chunk_rows(len(columns), chunk_size)
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            block = arrays.block(chunk, context)
            if arrays.allow_same_side:
                # Each unordered pair once: only partners after the row.
                block[np.greater_equal.outer(chunk, columns)] = -np.inf
            flat = block.ravel()
            take = min(keep, flat.size)
            top = np.argpartition(-flat, take - 1)[:take]
            top = with_ties(flat, top)
            top = top[np.isfinite(flat[top])]
            best_scores = np.concatenate([best_scores, flat[top]])
            best_a = np.concatenate([best_a, chunk[top // len(columns)]])
            best_b = np.concatenate([best_b, columns[top % len(columns)]])
            if len(best_scores) > keep:
                top = with_ties(best_scores, np.argpartition(-best_scores, keep - 1)[:keep])
                best_scores, best_a, best_b = best_scores[top], best_a[top], best_b[top]
        # The host speaks first; between two of the same side, the smaller id.
        swap = ~arrays.is_host[best_a] & arrays.is_host[best_b]
        best_a, best_b = np.where(swap, best_b, best_a), np.where(swap, best_a, best_b)
        suggestions = self._suggestions(best_a, best_b)
        suggestions.sort(
            key=lambda s: (-round(s.score, SCORE_DIGITS), s.participant_id, s.partner_id)
        )
        return suggestions[:limit]

    def explain(self, participant_id: str, partner_id: str) -> Suggestion | None:
        """The score, components and reasons of one pair; None for a pair never suggested.

        KeyError for an unknown id. A pair below ``min_score`` is still explained.
        """
        a, b = self._row(participant_id), self._row(partner_id)
        if self._arrays.is_excluded(a, b):
            return None
        return self._suggestions(np.array([a]), np.array([b]), apply_min_score=False)[0]

    # -- ranking -----------------------------------------------------------------------------

    def _ranked(
        self,
        rows: np.ndarray,
        columns: np.ndarray,
        limit: int,
        *,
        chunk_size: int | None,
        both_sides: bool = False,
    ) -> dict[int, list[Suggestion]]:
        """Best partners of ``rows`` among ``columns`` and, with ``both_sides``, the reverse."""
        arrays = self._arrays
        if limit == 0 or len(rows) == 0 or len(columns) == 0:
            return {}
        context = arrays.columns(columns)
        step = _chunk_rows(len(columns), chunk_size)
        keep = limit + _MARGIN
        found_a: list[np.ndarray] = []
        found_b: list[np.ndarray] = []
        by_column = RunningBest(arrays.size_of_event, keep)
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            block = arrays.block(chunk, context)
            at_row, at_column = row_candidates(block, keep)
            found_a.append(chunk[at_row])
            found_b.append(columns[at_column])
            if both_sides:
                by_column.add_block(block, columns, chunk)
        if both_sides:
            participants, partners = by_column.result()
            found_a.append(participants)
            found_b.append(partners)
        return self._best_per_participant(np.concatenate(found_a), np.concatenate(found_b), limit)

    def _best_per_participant(
        self, a: np.ndarray, b: np.ndarray, limit: int
    ) -> dict[int, list[Suggestion]]:
        arrays = self._arrays
        # Components are symmetric, so each unordered pair is computed once.
        low, high = np.minimum(a, b), np.maximum(a, b)
        keys, inverse = np.unique(low * arrays.size_of_event + high, return_inverse=True)
        components, scores = arrays.components(
            keys // arrays.size_of_event, keys % arrays.size_of_event
        )
        scores = scores[inverse]
        passed = scores >= self.config.min_score
        # Best first within each participant; equal scores by partner id (rows follow ids).
        order = np.lexsort((b, -np.round(scores, SCORE_DIGITS), a))
        order = order[passed[order]]
        order = order[rank_within_groups(a[order]) < limit]
        by_row: dict[int, list[Suggestion]] = {}
        made = self._make(a[order], b[order], scores[order], components, inverse[order])
        for row, suggestion in zip(a[order].tolist(), made, strict=True):
            by_row.setdefault(row, []).append(suggestion)
        return by_row

    def _suggestions(
        self, a: np.ndarray, b: np.ndarray, *, apply_min_score: bool = True
    ) -> list[Suggestion]:
        components, scores = self._arrays.components(a, b)
        minimum = self.config.min_score if apply_min_score else 0.0
        which = np.flatnonzero(scores >= minimum)
        return self._make(a[which], b[which], scores[which], components, which)

    def _make(
        self,
        a: np.ndarray,
        b: np.ndarray,
        scores: np.ndarray,
        components: dict[str, np.ndarray],
        which: np.ndarray,
    ) -> list[Suggestion]:
        """Suggestions for pairs ``(a[i], b[i])``, whose components are at ``which[i]``."""
        ids = [profile.id for profile in self._arrays.profiles]
        values = np.column_stack([components[name][which] for name in _COMPONENT_ORDER])
        # Hundreds of thousands of small objects would set the cycle collector off over and
        # over; they make no cycles, so it is paused while they are made.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return [
                Suggestion(ids[row], ids[column], score, tuple(row_values), (self, row, column))
                for row, column, score, row_values in zip(
                    a.tolist(), b.tolist(), scores.tolist(), values.tolist(), strict=True
                )
            ]
        finally:
            if collecting:
                gc.enable()

    # -- reasons -----------------------------------------------------------------------------

    def _reasons(self, row: int, column: int, components: dict[str, float]) -> list[Reason]:
        arrays = self._arrays
        you, they = arrays.profiles[row], arrays.profiles[column]
        groups: dict[str, list[Reason]] = {name: [] for name in COMPONENTS}
        preference = why.preference_reason(
            (row, column) in arrays.wishes, (column, row) in arrays.wishes, they
        )
        if preference is not None:
            groups["preference"].append(preference)
        groups["sector"] = why.sector_reasons(
            arrays.sector_codes[row], arrays.sector_codes[column], self.sector_names
        )
        groups["text"] = why.text_reasons(
            self._direction(needs_of=column, offers_of=row, reader=row),
            self._direction(needs_of=row, offers_of=column, reader=row),
            components["text"],
        )
        neutral = not (
            arrays.size_known[row] and arrays.size_known[column] and you.side != they.side
        )
        if not neutral or components["potential"] == NEUTRAL:
            groups["potential"].append(why.potential_reason(you, they, neutral))
        groups["language"].append(why.language_reason(you, they))
        weights = arrays.weights
        order = sorted(
            COMPONENTS,
            key=lambda name: (-weights[name] * components[name], COMPONENTS.index(name)),
        )
        reasons = [reason for name in order for reason in groups[name]]
        return reasons + why.gap_reasons(they) + why.gap_reasons(you)

    def _direction(self, *, needs_of: int, offers_of: int, reader: int) -> tuple[float, list]:
        """How well one profile's offers answer another's needs: cosine and shared terms, as
        ``reader`` (one of the two) is to read them."""
        arrays = self._arrays
        cosine = float(np.dot(arrays.needs[needs_of], arrays.offers[offers_of]))
        if cosine <= 0.0:
            return 0.0, []
        n = arrays.size_of_event
        word = arrays.text.word_tfidf
        needs = (arrays.profiles[needs_of].needs, word[needs_of])
        offers = (arrays.profiles[offers_of].offers, word[n + offers_of])
        (reader_text, reader_row), (partner_text, partner_row) = (
            (needs, offers) if reader == needs_of else (offers, needs)
        )
        terms = why.matched_terms(
            reader_text,
            partner_text,
            reader_row,
            partner_row,
            arrays.text.feature_names,
            self._glossary,
            names=(arrays.profiles[needs_of].name, arrays.profiles[offers_of].name),
        )
        return cosine, terms


def build_index(
    profiles: Sequence[Profile],
    *,
    config: MatchConfig | None = None,
    preferences: PairPreferences | None = None,
    sector_names: Mapping[str, tuple[str, str]] | None = None,
    glossary: Glossary | None = None,
    text_dimensions: int = 256,
) -> MatchIndex:
    """Index an event's profiles for suggestions.

    ``sector_names`` maps VSIC codes to (Vietnamese, English) names for the reasons; a code
    without a name is shown bare. ``text_dimensions`` bounds the latent space used for text on
    events with more than ``textspace.EXACT_LIMIT`` non-empty texts.
    """
    config = config or MatchConfig()
    preferences = preferences or PairPreferences()
    glossary = glossary or default_glossary()
    arrays = build_event_arrays(profiles, config, preferences, glossary, text_dimensions)
    return MatchIndex(arrays, config, preferences, sector_names or {}, glossary)

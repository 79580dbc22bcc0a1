"""Picking each row's and each column's best scores out of blocks, without sorting them.

A block's rows are ranked against a threshold first: the ``keep``-th best of an evenly spread
sample of the row can only be lower than the row's own ``keep``-th best, so every score at or
above it is a candidate and the rest are dropped in one comparison. Columns keep a running
threshold across the blocks of a pass. Candidates within ``TIE`` of a group's last kept score
are kept too, so that equal scores are later ordered by id whichever block they came from:
the smallest ids first, at most ``TIE_ROOM`` times ``keep`` of them. The bound matters when
many profiles are alike (a large event whose firms registered only a name and a sector): all
their scores tie, and keeping every tie held every pair of the event (1.9 GB for 5,000
participants).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "TIE",
    "TIE_ROOM",
    "RunningBest",
    "best_of_groups",
    "rank_within_groups",
    "row_candidates",
    "with_ties",
]

# Float32 ranking noise is about 1e-7; scores this close to the last kept one are kept too.
TIE = 1e-5
# Ties kept beyond a group's ``keep`` best: at most this many times ``keep``, smallest ids
# (members) first. Equal scores are ordered by id, so the smallest ``keep`` of them are all
# the tie can contribute to a group's best.
TIE_ROOM = 3
# A row with more candidates than this many times ``keep`` is trimmed before sorting
# (_trim_crowded); rows with fewer are cheaper to sort as they are.
CROWDED_PER_KEPT = 32
# Columns sampled per kept candidate to set a row's threshold; more means fewer candidates
# past the threshold but a larger partial sort.
_SAMPLE_PER_KEPT = 48


def best_of_groups(
    groups: np.ndarray, members: np.ndarray, scores: np.ndarray, keep: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each group's ``keep`` best candidates and ties to the last of them.

    Returns the kept groups, members and scores, then the groups that have ``keep``
    candidates and their ``keep``-th best score.
    """
    order = np.lexsort((-scores, groups))
    groups, members, scores = groups[order], members[order], scores[order]
    if len(groups) == 0:
        empty = np.empty(0, dtype=np.int64)
        return groups, members, scores, empty, np.empty(0, dtype=np.float32)
    first = np.searchsorted(groups, groups, side="left")
    rank = np.arange(len(groups)) - first
    last = np.minimum(first + keep - 1, len(groups) - 1)
    full = groups[last] == groups
    threshold = np.where(full, scores[last], -np.inf)
    tied = np.flatnonzero((rank >= keep) & (scores >= threshold - TIE))
    kept = rank < keep
    if len(tied):
        kept[tied[_smallest_per_group(groups[tied], members[tied], keep * TIE_ROOM)]] = True
    at_last = rank == keep - 1
    return groups[kept], members[kept], scores[kept], groups[at_last], scores[at_last]


def rank_within_groups(sorted_groups: np.ndarray) -> np.ndarray:
    """Each element's place within its group (0 for the first), groups sorted."""
    return np.arange(len(sorted_groups)) - np.searchsorted(
        sorted_groups, sorted_groups, side="left"
    )


def _smallest_per_group(groups: np.ndarray, members: np.ndarray, room: int) -> np.ndarray:
    """Positions of each group's ``room`` smallest members."""
    order = np.lexsort((members, groups))
    return order[rank_within_groups(groups[order]) < room]


def row_candidates(block: np.ndarray, keep: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) positions of each row's ``keep`` best finite scores, ties included."""
    n_columns = block.shape[1]
    if keep == 0 or n_columns == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if n_columns > keep * _SAMPLE_PER_KEPT:
        # A wider sample costs a larger partial sort but lets fewer candidates through.
        width = max(keep * _SAMPLE_PER_KEPT, n_columns // 8)
        sample = block[:, :: n_columns // width]
        threshold = np.partition(sample, sample.shape[1] - keep, axis=1)[:, -keep] - TIE
        passed = block >= threshold[:, None]
    else:
        passed = np.isfinite(block)
    _trim_crowded(block, passed, keep)
    rows, columns = np.nonzero(passed)
    scores = block[rows, columns]
    finite = np.isfinite(scores)
    rows, columns, _, _, _ = best_of_groups(rows[finite], columns[finite], scores[finite], keep)
    return rows, columns


def _trim_crowded(values: np.ndarray, passed: np.ndarray, keep: int) -> None:
    """Trim, in place, the rows of ``passed`` (candidates of ``values``' rows) that ties have
    crowded (more than ``CROWDED_PER_KEPT * keep`` candidates) to those best_of_groups could
    keep of them: the scores above the row's ``keep``-th best, the first ``keep`` positions
    holding it, and the first ``(TIE_ROOM + 1) * keep`` positions within ``TIE`` of it.

    Positions follow ids, so this is what best_of_groups keeps of the row on its own; merged
    with other blocks' candidates, a group keeps the same but when more than that many of
    its scores lie within ``TIE`` of each other without being equal."""
    crowded = np.flatnonzero(np.count_nonzero(passed, axis=1) > CROWDED_PER_KEPT * keep)
    if len(crowded) == 0:
        return
    rows = values[crowded]
    kth = np.partition(rows, rows.shape[1] - keep, axis=1)[:, -keep][:, None]
    at = rows == kth
    band = rows >= kth - TIE
    passed[crowded] = (
        (rows > kth)
        | (at & (np.cumsum(at, axis=1, dtype=np.int32) <= keep))
        | (band & (np.cumsum(band, axis=1, dtype=np.int32) <= (TIE_ROOM + 1) * keep))
    )


class RunningBest:
    """Each group's ``keep`` best candidates over many blocks, with ties to the last.

    New candidates below a group's current ``keep``-th best are dropped at once; the others
    are merged in batches.
    """

    def __init__(self, n_groups: int, keep: int) -> None:
        self.keep = keep
        self.threshold = np.full(n_groups, -np.inf, dtype=np.float32)
        self._kept: list[np.ndarray] = [np.empty(0, np.int64), np.empty(0, np.int64)]
        self._kept_scores = np.empty(0, dtype=np.float32)
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._pending_size = 0

    def add_block(
        self, block: np.ndarray, group_of_column: np.ndarray, member_of_row: np.ndarray
    ) -> None:
        """Offer every cell of a block: column ``j`` is group ``group_of_column[j]``."""
        threshold = self.threshold[group_of_column]
        if np.isneginf(threshold).any() and block.shape[0] > self.keep:
            # Columns without ``keep`` candidates yet take the block's own keep-th best.
            own = np.partition(block, block.shape[0] - self.keep, axis=0)[-self.keep]
            threshold = np.maximum(threshold, own)
        passed = block >= threshold - TIE
        _trim_crowded(block.T, passed.T, self.keep)
        rows, columns = np.nonzero(passed)
        scores = block[rows, columns]
        finite = np.isfinite(scores)
        self._add(group_of_column[columns[finite]], member_of_row[rows[finite]], scores[finite])

    def _add(self, groups: np.ndarray, members: np.ndarray, scores: np.ndarray) -> None:
        self._pending.append((groups, members, scores))
        self._pending_size += len(groups)
        if self._pending_size > max(65536, 2 * len(self._kept_scores)):
            self._merge()

    def _merge(self) -> None:
        if not self._pending:
            return
        groups = np.concatenate([self._kept[0], *(p[0] for p in self._pending)])
        members = np.concatenate([self._kept[1], *(p[1] for p in self._pending)])
        scores = np.concatenate([self._kept_scores, *(p[2] for p in self._pending)])
        self._pending, self._pending_size = [], 0
        groups, members, scores, full, last = best_of_groups(groups, members, scores, self.keep)
        self._kept, self._kept_scores = [groups, members], scores
        self.threshold[full] = last

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        """The groups and members kept."""
        self._merge()
        return self._kept[0], self._kept[1]


def with_ties(scores: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """``chosen`` plus the other scores within ``TIE`` of the lowest finite chosen one: at
    most ``TIE_ROOM`` times as many, the smallest positions first."""
    finite = scores[chosen][np.isfinite(scores[chosen])]
    if len(finite) == 0:
        return chosen
    threshold = finite.min() - TIE
    if np.count_nonzero(scores >= threshold) <= len(finite):
        return chosen
    tied = np.setdiff1d(np.flatnonzero(scores >= threshold), chosen)
    return np.union1d(chosen, tied[: len(chosen) * TIE_ROOM])  # the smallest positions

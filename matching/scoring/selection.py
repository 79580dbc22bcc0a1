"""Picking each row's and each column's best scores out of blocks, without sorting them.

A block's rows are ranked against a threshold first: the ``keep``-th best of an evenly spread
sample of the row can only be lower than the row's own ``keep``-th best, so every score at or
above it is a candidate and the rest are dropped in one comparison. Columns keep a running
threshold across the blocks of a pass. Candidates within ``TIE`` of a group's last kept score
are kept too, so that equal scores are later ordered by id whichever block they came from.
"""

from __future__ import annotations

import numpy as np

__all__ = ["TIE", "RunningBest", "best_of_groups", "row_candidates", "with_ties"]

# Float32 ranking noise is about 1e-7; scores this close to the last kept one are kept too.
TIE = 1e-5
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
    kept = (rank < keep) | (scores >= threshold - TIE)
    at_last = rank == keep - 1
    return groups[kept], members[kept], scores[kept], groups[at_last], scores[at_last]


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
        rows, columns = np.nonzero(block >= threshold[:, None])
    else:
        rows, columns = np.nonzero(np.isfinite(block))
    scores = block[rows, columns]
    finite = np.isfinite(scores)
    rows, columns, _, _, _ = best_of_groups(rows[finite], columns[finite], scores[finite], keep)
    return rows, columns


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
        rows, columns = np.nonzero(block >= threshold - TIE)
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
    """``chosen`` plus every other score within ``TIE`` of the lowest finite chosen one."""
    finite = scores[chosen][np.isfinite(scores[chosen])]
    if len(finite) == 0:
        return chosen
    threshold = finite.min() - TIE
    if np.count_nonzero(scores >= threshold) <= len(finite):
        return chosen
    return np.union1d(chosen, np.flatnonzero(scores >= threshold))

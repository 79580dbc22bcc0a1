"""A mutable slot assignment that checks every hard rule incrementally."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

from matching.scheduler.compiled import Compiled

UNPLACED = 0


class SlotState:
    """Which slot each meeting holds, with the per-slot and per-participant loads."""

    def __init__(self, compiled: Compiled) -> None:
        self.c = compiled
        self.slot_of = [UNPLACED] * compiled.n_meetings
        self.busy: list[dict[int, int]] = [{} for _ in range(compiled.n_participants)]
        self.load = [0] * (compiled.slots + 1)
        self.resource_load = [[0] * (compiled.slots + 1) for _ in compiled.capacity]
        self.fixed_tables: set[tuple[int, int]] = set()
        # Set by the searches that produce this state.
        self.proven = False
        self.break_free = False
        self.successors: list[list[int]] = [[] for _ in range(compiled.n_meetings)]
        for k, before in enumerate(compiled.after):
            for j in before:
                self.successors[j].append(k)

    def count(self, participant: int) -> int:
        return len(self.busy[participant])

    def breaks(self, participant: int) -> int:
        return participant_breaks(self.busy[participant], self.c.session_of)

    def precedence_window(self, k: int) -> tuple[int, int]:
        """Slots strictly after placed predecessors and before placed successors."""
        low, high = 1, self.c.slots
        for j in self.c.after[k]:
            if self.slot_of[j] != UNPLACED:
                low = max(low, self.slot_of[j] + 1)
        for j in self.successors[k]:
            if self.slot_of[j] != UNPLACED:
                high = min(high, self.slot_of[j] - 1)
        return low, high

    def can_place(self, k: int, s: int) -> bool:
        c = self.c
        a, b = c.pair[k]
        if s in self.busy[a] or s in self.busy[b] or self.load[s] >= c.tables:
            return False
        for r, units in c.needs[k]:
            if self.resource_load[r][s] + units > c.capacity[r]:
                return False
        table = c.fixed_table[k]
        if table is not None and (table, s) in self.fixed_tables:
            return False
        low, high = self.precedence_window(k)
        return low <= s <= high

    def has_room(self, k: int) -> bool:
        """Whether both participants are still under their max_meetings."""
        for p in self.c.pair[k]:
            limit = self.c.max_meetings[p]
            if limit is not None and self.count(p) >= limit:
                return False
        return True

    def place(self, k: int, s: int) -> None:
        c = self.c
        self.slot_of[k] = s
        for p in c.pair[k]:
            self.busy[p][s] = k
        self.load[s] += 1
        for r, units in c.needs[k]:
            self.resource_load[r][s] += units
        if c.fixed_table[k] is not None:
            self.fixed_tables.add((c.fixed_table[k], s))

    def remove(self, k: int) -> None:
        c = self.c
        s = self.slot_of[k]
        if s == UNPLACED:
            return
        self.slot_of[k] = UNPLACED
        for p in c.pair[k]:
            del self.busy[p][s]
        self.load[s] -= 1
        for r, units in c.needs[k]:
            self.resource_load[r][s] -= units
        if c.fixed_table[k] is not None:
            self.fixed_tables.discard((c.fixed_table[k], s))

    def feasible_slots(self, k: int) -> list[int]:
        if not self.has_room(k):
            return []
        return [s for s in self.c.domain[k] if self.can_place(k, s)]

    def gap_cost(self, k: int, s: int) -> int:
        """How many of the two participants would sit apart from their other meetings."""
        cost = 0
        for p in self.c.pair[k]:
            busy = self.busy[p]
            if busy and (s - 1) not in busy and (s + 1) not in busy:
                cost += 1
        return cost


def participant_breaks(slots: Iterable[int], session_of: Sequence[int] | None = None) -> int:
    """Gaps between consecutive meetings of one participant (JAIR 2022 def. 2.3).

    With `session_of` (session of each slot), a gap between meetings of two different
    sessions is the pause between them, not a break.
    """
    return len(participant_gaps(slots, session_of))


def participant_gaps(slots: Iterable[int], session_of: Sequence[int] | None = None) -> list[int]:
    """Idle slots of each break of one participant, in order (see `participant_breaks`)."""
    ordered = sorted(slots)
    return [
        y - x - 1
        for x, y in itertools.pairwise(ordered)
        if y > x + 1 and (session_of is None or session_of[x] == session_of[y])
    ]

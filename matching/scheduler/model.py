"""CP-SAT model of slot assignment for a set of free meetings around a fixed remainder.

Tables do not enter the model beyond a count per slot: any set of at most `tables`
meetings in a slot can be seated, and meetings with a fixed table only need that table
to be free in their slot. Tables are assigned after the slots (see `tables.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ortools.sat.python import cp_model

from matching.scheduler.compiled import Compiled
from matching.scheduler.state import UNPLACED, SlotState

LinearExpr = cp_model.LinearExprT


class SlotModel:
    """Boolean x[k, s]: free meeting k is held in slot s. The rest of `context` is fixed."""

    def __init__(
        self,
        compiled: Compiled,
        free: Iterable[int],
        context: SlotState,
        *,
        must_place: bool = False,
    ) -> None:
        self.c = compiled
        self.context = context
        self.free = sorted(free)
        self.model = cp_model.CpModel()
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        self.by_meeting: dict[int, list[tuple[int, cp_model.IntVar]]] = {}
        self.placed: dict[int, LinearExpr] = {}
        self._variables()
        self._exactly_once(must_place)
        self._participants()
        self._slot_capacities()
        self._precedences()
        self.keep = self._keeps()

    # -- construction -------------------------------------------------------------------
    def _variables(self) -> None:
        c, context = self.c, self.context
        free_set = set(self.free)
        for k in self.free:
            a, b = c.pair[k]
            low, high = _window(c, context, k, free_set)
            options = []
            for s in c.domain[k]:
                if not low <= s <= high:
                    continue
                if s in context.busy[a] or s in context.busy[b]:
                    continue
                if context.load[s] >= c.tables:
                    continue
                if any(
                    context.resource_load[r][s] + units > c.capacity[r] for r, units in c.needs[k]
                ):
                    continue
                table = c.fixed_table[k]
                if table is not None and (table, s) in context.fixed_tables:
                    continue
                var = self.model.new_bool_var("")
                self.x[k, s] = var
                options.append((s, var))
            self.by_meeting[k] = options

    def _exactly_once(self, must_place: bool) -> None:
        for k in self.free:
            literals = [v for _, v in self.by_meeting[k]]
            if must_place:
                self.model.add_exactly_one(literals)
                self.placed[k] = 1
            elif literals:
                self.model.add_at_most_one(literals)
                self.placed[k] = cp_model.LinearExpr.sum(literals)
            else:
                self.placed[k] = 0

    def _participants(self) -> None:
        c = self.c
        touched: dict[int, list[int]] = {}
        for k in self.free:
            for p in c.pair[k]:
                touched.setdefault(p, []).append(k)
        self.touched = touched
        for p, meetings in touched.items():
            per_slot: dict[int, list[cp_model.IntVar]] = {}
            for k in meetings:
                for s, var in self.by_meeting[k]:
                    per_slot.setdefault(s, []).append(var)
            for literals in per_slot.values():
                if len(literals) > 1:
                    self.model.add_at_most_one(literals)
            limit = c.max_meetings[p]
            if limit is not None:
                room = limit - self.context.count(p)
                if room < len(meetings):
                    self.model.add(_sum(self.placed[k] for k in meetings) <= room)

    def _slot_capacities(self) -> None:
        c, context = self.c, self.context
        in_slot: dict[int, list[int]] = {}
        for k, s in self.x:
            in_slot.setdefault(s, []).append(k)
        for s, meetings in in_slot.items():
            room = c.tables - context.load[s]
            if len(meetings) > room:
                self.model.add(cp_model.LinearExpr.sum([self.x[k, s] for k in meetings]) <= room)
            for r, capacity in enumerate(c.capacity):
                users = [(k, units) for k in meetings for rr, units in c.needs[k] if rr == r]
                room_r = capacity - context.resource_load[r][s]
                if sum(units for _, units in users) > room_r:
                    self.model.add(
                        cp_model.LinearExpr.weighted_sum(
                            [self.x[k, s] for k, _ in users], [units for _, units in users]
                        )
                        <= room_r
                    )
            by_table: dict[int, list[cp_model.IntVar]] = {}
            for k in meetings:
                table = c.fixed_table[k]
                if table is not None:
                    by_table.setdefault(table, []).append(self.x[k, s])
            for literals in by_table.values():
                if len(literals) > 1:
                    self.model.add_at_most_one(literals)

    def _precedences(self) -> None:
        free_set = set(self.free)
        for k in self.free:
            for j in self.c.after[k]:
                if j not in free_set:
                    continue  # handled by the domain window
                for s, xk in self.by_meeting[k]:
                    for r, xj in self.by_meeting[j]:
                        if r >= s:
                            self.model.add_bool_or([xk.Not(), xj.Not()])

    def _keeps(self) -> dict[int, cp_model.IntVar]:
        """keep[k]: meeting k stays at its current slot and table."""
        c = self.c
        keep = {}
        by_table_slot: dict[tuple[int, int], list[cp_model.IntVar]] = {}
        for k in self.free:
            table = c.fixed_table[k]
            if table is None:
                continue
            for s, var in self.by_meeting[k]:
                by_table_slot.setdefault((table, s), []).append(var)
        for k in self.free:
            current = c.current[k]
            if current is None:
                continue
            var = self.x.get((k, current.slot))
            own_table = c.fixed_table[k]
            blocked = (current.table, current.slot) in self.context.fixed_tables
            if var is None or blocked or (own_table is not None and own_table != current.table):
                continue
            kept = self.model.new_bool_var(f"keep{k}")
            self.model.add_implication(kept, var)
            for other in by_table_slot.get((current.table, current.slot), []):
                if other is not var:
                    self.model.add_bool_or([kept.Not(), other.Not()])
            keep[k] = kept
        return keep

    # -- objective terms ----------------------------------------------------------------
    def required_placed(self) -> LinearExpr:
        return _sum(self.placed[k] for k in self.free if self.c.required[k])

    def moves(self) -> LinearExpr:
        movable = [k for k in self.free if self.c.current[k] is not None]
        return len(movable) - cp_model.LinearExpr.sum(list(self.keep.values()))

    def score(self) -> LinearExpr:
        terms = [(var, self.c.score[k]) for (k, _), var in self.x.items() if self.c.score[k]]
        return cp_model.LinearExpr.weighted_sum([v for v, _ in terms], [w for _, w in terms])

    def hint(self, state: SlotState) -> None:
        for (k, s), var in self.x.items():
            self.model.add_hint(var, state.slot_of[k] == s)
        for k, var in self.keep.items():
            current = self.c.current[k]
            assert current is not None
            self.model.add_hint(var, state.slot_of[k] == current.slot)

    def read(self, solver: cp_model.CpSolver, into: SlotState) -> None:
        """Write the solver's slots of the free meetings into `into`."""
        for k in self.free:
            into.remove(k)
        for k in self.free:
            for s, var in self.by_meeting[k]:
                if solver.boolean_value(var):
                    into.place(k, s)
                    break

    def busy_literals(self, participant: int) -> list[LinearExpr]:
        """busy[s] for s = 1..slots: 1, 0 or a Boolean expression."""
        fixed = self.context.busy[participant]
        per_slot: dict[int, list[cp_model.IntVar]] = {}
        for k in self.touched.get(participant, []):
            for s, var in self.by_meeting[k]:
                per_slot.setdefault(s, []).append(var)
        busy: list[LinearExpr] = []
        for s in range(1, self.c.slots + 1):
            if s in fixed:
                busy.append(1)
            elif s in per_slot:
                literals = per_slot[s]
                if len(literals) == 1:
                    busy.append(literals[0])
                else:
                    # Clauses rather than a linear equality: the meetings of a participant
                    # in a slot are already at-most-one, and clauses propagate and learn
                    # better in the SAT core.
                    var = self.model.new_bool_var("")
                    self.model.add_bool_or([var.Not(), *literals])
                    for literal in literals:
                        self.model.add_implication(literal, var)
                    busy.append(var)
            else:
                busy.append(0)
        return busy


def _sum(terms: Iterable[LinearExpr]) -> LinearExpr:
    """Sum of variables and constants, built in one call (much faster than sum())."""
    items = list(terms)
    variables = [t for t in items if not isinstance(t, int)]
    constant = sum(t for t in items if isinstance(t, int))
    return cp_model.LinearExpr.sum(variables) + constant


def _window(compiled: Compiled, context: SlotState, k: int, free: set[int]) -> tuple[int, int]:
    low, high = 1, compiled.slots
    for j in compiled.after[k]:
        if j not in free and context.slot_of[j] != UNPLACED:
            low = max(low, context.slot_of[j] + 1)
    for j in context.successors[k]:
        if j not in free and context.slot_of[j] != UNPLACED:
            high = min(high, context.slot_of[j] - 1)
    return low, high


def count_breaks(
    model: cp_model.CpModel, busy: Sequence[LinearExpr], session_of: Sequence[int]
) -> LinearExpr | int:
    """Breaks of one participant from busy[1..slots]: block starts minus one per session
    with a meeting (`session_of[s]` is slot s's session; one session = the whole day)."""
    total: LinearExpr | int = 0
    first = 0
    for s in range(1, len(busy) + 1):
        if s == len(busy) or session_of[s + 1] != session_of[s]:
            total += _session_breaks(model, busy[first:s])
            first = s
    return total


def _session_breaks(model: cp_model.CpModel, busy: Sequence[LinearExpr]) -> LinearExpr | int:
    starts: list[LinearExpr] = []
    for i in range(len(busy)):
        current, previous = busy[i], busy[i - 1] if i else 0
        if isinstance(current, int):
            if current == 1 and isinstance(previous, int):
                starts.append(1 if previous == 0 else 0)
            elif current == 1:
                starts.append(previous.Not())  # type: ignore[union-attr]
            continue
        start = model.new_bool_var("")
        model.add_implication(start, current)
        if isinstance(previous, int):
            if previous == 0:
                model.add(start == current)
            else:
                model.add(start == 0)
        else:
            model.add_implication(start, previous.Not())  # type: ignore[union-attr]
            model.add_bool_or([current.Not(), previous, start])  # type: ignore[union-attr, list-item]
        starts.append(start)
    any_busy = [b for b in busy if not isinstance(b, int)]
    if any(isinstance(b, int) and b == 1 for b in busy):
        return sum(starts) - 1
    if not any_busy:
        return 0
    has_meeting = model.new_bool_var("")
    model.add_max_equality(has_meeting, any_busy)
    return sum(starts) - has_meeting

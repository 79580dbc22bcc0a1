"""Break-free schedules: every participant's meetings in one run of consecutive slots.

When it exists, a break-free schedule is optimal for the break objective, and looking for
it with a dedicated model is much faster than minimising breaks directly: a participant
with n meetings then holds exactly the slots [f, f + n - 1] for some start f, which is
order-encoded (ge[f] = "start >= f") so that unit propagation ties slot choices across
participants, and the starts feed a cumulative constraint (two participants per table)
that reasons about crowded slots as a whole rather than meeting by meeting.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from matching.scheduler.compiled import Compiled
from matching.scheduler.model import LinearExpr, SlotModel
from matching.scheduler.state import SlotState


def build_contiguous_model(compiled: Compiled, placed: list[int]) -> SlotModel:
    """SlotModel of `placed` (all must be placed) where nobody may have a break."""
    slot_model = SlotModel(compiled, placed, SlotState(compiled), must_place=True)
    model = slot_model.model
    slots = compiled.slots
    runs: dict[int, tuple[cp_model.IntVar, int]] = {}
    for p, meetings in slot_model.touched.items():
        n = len(meetings)
        if n < 2:
            continue
        busy = slot_model.busy_literals(p)
        start = contiguous_run(model, busy, n, slots)
        if start is None:
            model.add_bool_or([])  # no run of n free slots: no break-free schedule
            return slot_model
        runs[p] = (start, n)
    intervals = [model.new_fixed_size_interval_var(s, n, "") for s, n in runs.values()]
    if intervals:
        model.add_cumulative(intervals, [1] * len(intervals), 2 * compiled.tables)
    # Redundant but strong: the runs of two participants who meet must overlap, and a
    # meeting's slot range bounds its participants' runs. These link the run starts
    # directly, without going through the slot literals.
    for k in placed:
        options = [s for s, _ in slot_model.by_meeting[k]]
        if not options:
            continue
        ends = [runs[p] for p in compiled.pair[k] if p in runs]
        for start, n in ends:
            model.add(start <= max(options))
            model.add(start + n - 1 >= min(options))
        if len(ends) == 2:
            (start_a, n_a), (start_b, n_b) = ends
            model.add(start_a <= start_b + n_b - 1)
            model.add(start_b <= start_a + n_a - 1)
    return slot_model


def contiguous_run(
    model: cp_model.CpModel,
    busy: list[LinearExpr],
    n: int,
    slots: int,
    enforce: cp_model.IntVar | None = None,
) -> cp_model.IntVar | None:
    """Constrain busy[] to one run of n slots; return its start, None when impossible.

    With `enforce`, the run is required only when that literal is true (and the literal
    is set false when no run fits).
    """
    starts = run_starts(busy, n, slots)
    if not starts:
        if enforce is not None:
            model.add_bool_or([enforce.Not()])
        return None
    first, last = starts[0], starts[-1]
    start = model.new_int_var_from_domain(cp_model.Domain.from_values(starts), "")
    ge: dict[int, cp_model.IntVar] = {}
    for f in range(first + 1, last + 1):
        literal = model.new_bool_var("")
        model.add(start >= f).only_enforce_if(literal)
        model.add(start < f).only_enforce_if(literal.Not())
        if f - 1 in ge:
            model.add_implication(literal, ge[f - 1])
        ge[f] = literal

    def at_least(f: int) -> bool | cp_model.IntVar:
        if f <= first:
            return True
        if f > last:
            return False
        return ge[f]

    unless = [] if enforce is None else [enforce.Not()]
    for s in range(1, slots + 1):
        lower, upper = at_least(s - n + 1), at_least(s + 1)
        inside: list[cp_model.IntVar] | None = []
        if lower is False or upper is True:
            inside = None
        else:
            if lower is not True:
                inside.append(lower)  # type: ignore[union-attr]
            if upper is not False:
                inside.append(upper.Not())  # type: ignore[union-attr]
        cell = busy[s - 1]
        if inside is None:
            if not isinstance(cell, int):
                model.add_bool_or([*unless, cell.Not()])  # type: ignore[union-attr]
            elif cell == 1:
                model.add_bool_or(unless)
            continue
        if isinstance(cell, int):
            if cell == 0:
                model.add_bool_or([*unless, *[lit.Not() for lit in inside]])
            else:
                for lit in inside:
                    model.add_bool_or([*unless, lit])
            continue
        model.add_bool_or([*unless, cell, *[lit.Not() for lit in inside]])
        for lit in inside:
            model.add_bool_or([*unless, cell.Not(), lit])  # type: ignore[union-attr]
    return start


def run_starts(busy: list[LinearExpr], n: int, slots: int) -> list[int]:
    """Starts f such that slots f..f+n-1 can all be busy and no other slot must be."""
    return [
        f
        for f in range(1, slots - n + 2)
        if all(not (isinstance(busy[s - 1], int) and busy[s - 1] == 0) for s in range(f, f + n))
        and all(
            not (isinstance(busy[s - 1], int) and busy[s - 1] == 1)
            for s in range(1, slots + 1)
            if not f <= s < f + n
        )
    ]

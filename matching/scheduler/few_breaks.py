"""Schedules with few breaks, for days where a break-free schedule does not exist.

Breaks are counted exactly (block starts per participant) and each participant's count is
spread over literals "at least j breaks", whose sum is the objective: a core-guided search
(MaxSAT style) then proves lower bounds by finding small sets of participants that cannot
all be break-free. Three kinds of redundant constraints make those sets easy to find:

- each participant is busy in exactly as many slots as she has meetings, and a slot holds
  at most two participants per table;
- a participant with no break holds one run of consecutive slots: the run of
  `contiguous.py`, required only when her "contiguous" literal is true;
- energy per window of slots: whatever the schedule, a participant is busy in at least
  lo1(W) slots of window W; without a break, in at least lo0(W) >= lo1(W). The sum over
  participants cannot exceed two per table and slot, a knapsack over the contiguous
  literals. On the tightest published instances this is what forces the breaks (a run of
  five slots in a day of ten always crosses the two middle slots).

The model counts breaks over the whole day (one session): runs and windows ignore pauses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from matching.scheduler.compiled import Compiled
from matching.scheduler.contiguous import contiguous_run, run_starts
from matching.scheduler.model import LinearExpr, SlotModel, count_breaks
from matching.scheduler.state import SlotState


@dataclass
class FewBreaksModel:
    slot_model: SlotModel
    contiguous: dict[int, cp_model.IntVar] = field(default_factory=dict)
    """Participant -> literal "no break" (participants with two or more meetings)."""
    levels: list[cp_model.IntVar] = field(default_factory=list)
    """Literals "participant p has at least j breaks"; their sum is the break count."""
    levels_of: dict[int, list[cp_model.IntVar]] = field(default_factory=dict)
    """The same literals by participant, j = 1, 2, ... in order."""


@dataclass(frozen=True)
class _Profile:
    meetings: int
    usable: frozenset[int]
    groups: tuple[tuple[frozenset[int], int], ...]
    """(slot set D, meetings whose slots all lie in D): at least that many busy in D."""
    run_starts: tuple[int, ...]
    """Starts of a run of consecutive slots that can hold all her meetings."""


def build_few_breaks_model(
    compiled: Compiled, placed: list[int], cap: int | None
) -> FewBreaksModel:
    """All of `placed` placed; break count minimised; at most `cap` breaks per participant."""
    slot_model = SlotModel(compiled, placed, SlotState(compiled), must_place=True)
    model = slot_model.model
    slots = compiled.slots
    result = FewBreaksModel(slot_model)
    busy_of: dict[int, list[LinearExpr]] = {}
    profiles: dict[int, _Profile] = {}
    for p, meetings in slot_model.touched.items():
        busy = slot_model.busy_literals(p)
        busy_of[p] = busy
        n = len(meetings)
        model.add(sum(busy) == n)
        profiles[p] = _profile(slot_model, meetings, busy, slots)
        if n < 2:
            continue
        most = min(n - 1, (slots + 1) // 2 - 1)
        if cap is not None:
            most = min(most, cap)
        no_break = model.new_bool_var(f"contiguous{p}")
        result.contiguous[p] = no_break
        contiguous_run(model, busy, n, slots, enforce=no_break)
        count = count_breaks(model, busy, compiled.session_of)
        levels = [model.new_bool_var("") for _ in range(most)]
        for higher, lower in zip(levels[1:], levels, strict=False):
            model.add_implication(higher, lower)
        model.add(count == sum(levels))
        if levels:
            model.add(no_break == levels[0].Not())
        else:
            model.add(no_break == 1)
        result.levels.extend(levels)
        result.levels_of[p] = levels
    for s in range(1, slots + 1):
        terms = [busy[s - 1] for busy in busy_of.values() if not isinstance(busy[s - 1], int)]
        if len(terms) > 2 * compiled.tables:
            model.add(sum(terms) <= 2 * compiled.tables)
    _window_energy(model, compiled, profiles, result.contiguous)
    model.minimize(sum(result.levels))
    return result


def _profile(
    slot_model: SlotModel, meetings: list[int], busy: list[LinearExpr], slots: int
) -> _Profile:
    domains = [frozenset(s for s, _ in slot_model.by_meeting[k]) for k in meetings]
    usable = frozenset(s for s in range(1, slots + 1) if not _is_zero(busy[s - 1]))
    groups = tuple((d, sum(1 for other in domains if other <= d)) for d in set(domains))
    n = len(meetings)
    starts = tuple(
        f
        for f in run_starts(busy, n, slots)
        if all(len(d & set(range(f, f + n))) >= count for d, count in groups)
    )
    return _Profile(n, usable, groups, starts)


def _is_zero(value: LinearExpr) -> bool:
    return isinstance(value, int) and value == 0


def _window_energy(
    model: cp_model.CpModel,
    compiled: Compiled,
    profiles: dict[int, _Profile],
    contiguous: dict[int, cp_model.IntVar],
) -> None:
    """For each window of consecutive slots: sum of the least busy slots in it <= room."""
    slots = compiled.slots
    for first in range(1, slots + 1):
        for last in range(first, slots + 1):
            window = frozenset(range(first, last + 1))
            base = 0
            terms: list[tuple[cp_model.IntVar, int]] = []
            for p, profile in profiles.items():
                low_any = max(
                    [0, profile.meetings - len(profile.usable - window)]
                    + [count - len(d - window) for d, count in profile.groups]
                )
                base += low_any
                if p in contiguous and profile.run_starts:
                    n = profile.meetings
                    low_run = min(len(window & set(range(f, f + n))) for f in profile.run_starts)
                    if low_run > low_any:
                        terms.append((contiguous[p], low_run - low_any))
            room = 2 * compiled.tables * len(window) - base
            if sum(weight for _, weight in terms) > room:
                model.add(
                    cp_model.LinearExpr.weighted_sum(
                        [literal for literal, _ in terms], [weight for _, weight in terms]
                    )
                    <= room
                )

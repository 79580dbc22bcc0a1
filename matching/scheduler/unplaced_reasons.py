"""Human-readable reasons why a meeting is not in the final schedule."""

from __future__ import annotations

from collections import Counter

from matching.scheduler.compiled import Compiled
from matching.scheduler.state import SlotState


def unplaced_reason(compiled: Compiled, state: SlotState, k: int) -> str:
    if k in compiled.static_reason:
        return compiled.static_reason[k]
    participants = compiled.problem.participants
    for p in compiled.pair[k]:
        limit = compiled.max_meetings[p]
        if limit is not None and state.count(p) >= limit:
            if compiled.required[k]:
                return f"participant {participants[p].id} is at max_meetings ({limit})"
            return (
                f"not selected: participant {participants[p].id} is at max_meetings "
                f"({limit}) with higher-scored meetings"
            )
    causes: Counter[str] = Counter()
    low, high = state.precedence_window(k)
    for s in compiled.domain[k]:
        causes[_slot_blocker(compiled, state, k, s, low, high)] += 1
    if not compiled.required[k]:
        return "not selected: lower score than placed meetings"
    if len(causes) == 1:
        return next(iter(causes))
    if all(cause.startswith("participant") for cause in causes):
        return "no free slot shared by both participants"
    return "every possible slot is taken: " + "; ".join(
        f"{cause} ({count})" for cause, count in sorted(causes.items())
    )


def _slot_blocker(compiled: Compiled, state: SlotState, k: int, s: int, low: int, high: int) -> str:
    participants = compiled.problem.participants
    a, b = compiled.pair[k]
    if s in state.busy[a] and s in state.busy[b]:
        return f"participant {participants[a].id} and {participants[b].id} are busy"
    for p in (a, b):
        if s in state.busy[p]:
            return f"participant {participants[p].id} is busy"
    for r, units in compiled.needs[k]:
        if state.resource_load[r][s] + units > compiled.capacity[r]:
            return f"{compiled.resource_names[r]} capacity exhausted"
    if state.load[s] >= compiled.tables:
        return "all tables taken"
    table = compiled.fixed_table[k]
    if table is not None and (table, s) in state.fixed_tables:
        return f"table {table} taken"
    if not low <= s <= high:
        return "precedence (after) leaves no slot"
    return "crowded out by the other meetings"

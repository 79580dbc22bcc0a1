"""Integer-indexed view of a problem, with the slots each meeting can take on its own."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from matching.scheduler.problem import Meeting, Place, Problem

# Scores are compared as integers in thousandths.
SCORE_UNITS = 1000


@dataclass(frozen=True)
class Compiled:
    problem: Problem
    slots: int
    tables: int
    pair: tuple[tuple[int, int], ...]
    domain: tuple[tuple[int, ...], ...]
    """Slots a meeting may take, considering only its own data (empty: unplaceable)."""
    required: tuple[bool, ...]
    score: tuple[int, ...]
    """Score in thousandths; 0 for required meetings, whose score is not an objective."""
    needs: tuple[tuple[tuple[int, int], ...], ...]
    """(resource index, units) per meeting."""
    capacity: tuple[int, ...]
    resource_names: tuple[str, ...]
    after: tuple[tuple[int, ...], ...]
    """Meetings that must come earlier than this one."""
    fixed_table: tuple[int | None, ...]
    current: tuple[Place | None, ...]
    max_meetings: tuple[int | None, ...]
    meetings_of: tuple[tuple[int, ...], ...]
    static_reason: dict[int, str]
    """Why a meeting with an empty domain can never be placed."""
    session_of: tuple[int, ...]
    """Session of each slot (index 0 unused); only gaps inside a session are breaks."""

    @property
    def whole_day(self) -> bool:
        """One session: every gap between two meetings is a break (the JAIR definition)."""
        return len(self.problem.session_starts) <= 1

    @property
    def n_meetings(self) -> int:
        return len(self.pair)

    @property
    def n_participants(self) -> int:
        return len(self.meetings_of)


def compile_problem(problem: Problem) -> Compiled:
    pindex = problem.participant_index()
    mindex = problem.meeting_index()
    names = tuple(sorted(problem.resources))
    rindex = {name: i for i, name in enumerate(names)}
    capacity = tuple(problem.resources[name] for name in names)
    all_slots = range(1, problem.slots + 1)
    meetings_of: list[list[int]] = [[] for _ in problem.participants]
    pairs, domains, needs, reasons = [], [], [], {}
    for k, meeting in enumerate(problem.meetings):
        a, b = (pindex[pid] for pid in meeting.participants)
        pairs.append((a, b))
        meetings_of[a].append(k)
        meetings_of[b].append(k)
        units = Counter(rindex[name] for name in meeting.needs)
        needs.append(tuple(sorted(units.items())))
        domain, reason = _own_domain(problem, meeting, a, b, units, capacity, names, all_slots)
        domains.append(domain)
        if reason:
            reasons[k] = reason
    return Compiled(
        problem=problem,
        slots=problem.slots,
        tables=problem.tables,
        pair=tuple(pairs),
        domain=tuple(domains),
        required=tuple(m.required for m in problem.meetings),
        score=tuple(0 if m.required else round(m.score * SCORE_UNITS) for m in problem.meetings),
        needs=tuple(needs),
        capacity=capacity,
        resource_names=names,
        after=tuple(tuple(mindex[o] for o in m.after) for m in problem.meetings),
        fixed_table=tuple(m.table for m in problem.meetings),
        current=tuple(m.current for m in problem.meetings),
        max_meetings=tuple(p.max_meetings for p in problem.participants),
        meetings_of=tuple(tuple(ms) for ms in meetings_of),
        static_reason=reasons,
        session_of=problem.session_of_slot(),
    )


def _own_domain(
    problem: Problem,
    meeting: Meeting,
    a: int,
    b: int,
    units: Counter[int],
    capacity: tuple[int, ...],
    names: tuple[str, ...],
    all_slots: range,
) -> tuple[tuple[int, ...], str]:
    """The meeting's possible slots and, when there are none, the reason in words."""
    pa, pb = problem.participants[a], problem.participants[b]
    for resource, count in units.items():
        if count > capacity[resource]:
            return (), f"{names[resource]} capacity ({capacity[resource]} per slot) too small"
    for participant in (pa, pb):
        if participant.max_meetings == 0:
            return (), f"participant {participant.id} accepts no meetings (max_meetings 0)"
    candidates = set(all_slots)
    if meeting.allowed_slots is not None:
        candidates &= meeting.allowed_slots
        if not candidates:
            return (), "no allowed slot"
    if meeting.fixed_slot is not None:
        if meeting.fixed_slot not in candidates:
            return (), f"fixed slot {meeting.fixed_slot} is not among its allowed slots"
        candidates = {meeting.fixed_slot}
    for participant in (pa, pb):
        if candidates <= participant.unavailable:
            where = "its fixed slot" if meeting.fixed_slot is not None else "every allowed slot"
            return (), f"participant {participant.id} is unavailable in {where}"
    candidates -= pa.unavailable | pb.unavailable
    if not candidates:
        return (), "no free slot shared by both participants"
    return tuple(sorted(candidates)), ""

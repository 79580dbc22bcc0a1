"""The scheduler problem of an event, built from its rows.

Problem (the scheduler's JSON, see matching/scheduler/problem.py):
- slots: the event's b2b sessions' slots numbered across sessions in time order, with
  ``session_starts`` so the pause between sessions is no participant's break;
- tables and interpreter pools: the largest of the sessions'. Where a session has fewer
  tables or interpreters, placeholder meetings ("hold-...", between placeholder
  participants) are fixed on the missing tables and use up the missing interpreters,
  so each slot offers exactly its own session's capacity. When only the interpreters
  differ, the placeholders sit on one extra table that exists in no session;
- participants: unavailable in every slot that overlaps one of their unavailable
  intervals or, if they attend the plenary, a plenary session; ``max_meetings``;
- meetings:
  * existing live meetings, with ``current`` (their place) when it is still valid; a
    locked one is fixed there (``fixed_slot`` and ``table``). Meetings from requests
    and from organisers are required, suggested ones optional;
  * accepted requests without a meeting yet: required;
  * with ``fill``, the best suggested pairs (service/meetings/candidates.py) as optional
    meetings scored in [0, 1]. Blocked and declined pairs, pairs that already have a
    meeting or an accepted request, and pairs whose meeting was cancelled are left out;
  * a meeting whose sides share no working language needs ``interpreter-<lang>`` when a
    session declares a pool for that language; a language no session declares is no
    limit (a pool never declared is not a pool of zero): the meeting is placed, keeps its
    ``interpreter_language`` and the report lists the need per language and slot.
- objective: required meetings first, then (unless ``replan``) as few moves of existing
  meetings as possible, then the suggestions' score, then fewer breaks.

Blocked pairs are never scheduled: their unlocked meetings are cancelled, and a required
one is reported. A meeting an organiser cancelled is not brought back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlmodel import Session, select

from service.core.i18n import vi_en
from service.events.models import Event, EventSession, SessionKind
from service.events.service import list_sessions
from service.meeting_requests.models import PreferenceKind, pair_key
from service.meeting_requests.service import accepted_requests, declined_pairs, preferences_of_event
from service.meetings import service as booking
from service.meetings.interpreters import interpreter_needed
from service.meetings.models import Meeting, MeetingSource, MeetingStatus
from service.organizations.models import Organization
from service.participants.models import Participant
from service.scheduling.candidates import Candidate, candidate_pairs
from service.scheduling.grid import Grid, build_grid, unavailable_slots
from service.scheduling.models import ScheduleOptions
from service.scheduling.placements import Place, Planned
from service.suggestions.service import IndexCache

BLOCKED = vi_en("sched.reason.blocked")


@dataclass
class Plan:
    event: Event
    grid: Grid
    items: list[Planned]
    people: dict[int, Participant]
    unavailable: dict[int, set[int]]
    limits: dict[int, int | None]
    problem: dict
    # Existing meetings of blocked pairs: cancelled, not given to the solver.
    blocked_meetings: list[Planned] = field(default_factory=list)
    # Required meetings left out before solving, with the reason.
    left_out: list[tuple[Planned, str]] = field(default_factory=list)


def _participants(session: Session, event_id: int) -> dict[int, tuple[Participant, list[str]]]:
    rows = session.exec(
        select(Participant, Organization)
        .join(Organization, Organization.id == Participant.organization_id)  # type: ignore[arg-type]
        .where(Participant.event_id == event_id)
        .order_by(Participant.id)  # type: ignore[arg-type]
    ).all()
    return {p.id: (p, list(o.languages or [])) for p, o in rows}  # type: ignore[misc]


def _unavailable(grid: Grid, participant: Participant, plenaries: list[EventSession]) -> set[int]:
    return unavailable_slots(
        grid, participant.unavailable or [], participant.attends_plenary, plenaries
    )


def _pairs_of(rows: Iterable[tuple[int, int]]) -> set[str]:
    return {pair_key(a, b) for a, b in rows}


def build_plan(
    *, session: Session, event: Event, options: ScheduleOptions, cache: IndexCache | None = None
) -> Plan:
    sessions = list_sessions(session=session, event_id=event.id)  # type: ignore[arg-type]
    grid = build_grid(sessions)
    plenaries = [s for s in sessions if s.kind is SessionKind.plenary]
    participants = _participants(session, event.id)  # type: ignore[arg-type]
    people = {pid: p for pid, (p, _) in participants.items()}
    languages = {pid: langs for pid, (_, langs) in participants.items()}
    pools = list(grid.pools)

    def language(a: int, b: int) -> str | None:
        return interpreter_needed(languages[a], languages[b], pools)

    plan = Plan(
        event=event,
        grid=grid,
        items=[],
        people=people,
        unavailable={pid: _unavailable(grid, p, plenaries) for pid, p in people.items()},
        limits={pid: p.max_meetings for pid, p in people.items()},
        problem={},
    )
    blocked = _pairs_of(
        (p.from_participant_id, p.to_participant_id)
        for p in preferences_of_event(session=session, event_id=event.id)  # type: ignore[arg-type]
        if p.kind is PreferenceKind.block
    )
    by_pair: dict[str, Planned] = {}
    _add_existing(session, plan, blocked, by_pair, language)
    cancelled = session.exec(
        select(Meeting.participant_a_id, Meeting.participant_b_id, Meeting.request_id).where(
            Meeting.event_id == event.id, Meeting.status == MeetingStatus.cancelled
        )
    ).all()
    cancelled_requests = {r for _, _, r in cancelled if r is not None}
    _add_requests(session, plan, blocked, by_pair, language, cancelled_requests)
    if options.fill:
        excluded = (
            blocked
            | _pairs_of((a, b) for a, b, _ in cancelled)
            | declined_pairs(session=session, event_id=event.id)  # type: ignore[arg-type]
        )
        candidates = candidate_pairs(session, event, options.max_suggestions_per_participant, cache)
        _add_suggestions(plan, candidates, excluded, by_pair, language)
    plan.problem = problem_json(plan, options)
    return plan


Language = Callable[[int, int], str | None]


def _add_existing(
    session: Session, plan: Plan, blocked: set[str], by_pair: dict[str, Planned], language: Language
) -> None:
    """Live meetings; those of a blocked pair (unless locked) are set aside to cancel."""
    live = booking.list_meetings(
        session=session,
        event_id=plan.event.id,  # type: ignore[arg-type]
        include_cancelled=False,
    )
    for meeting in live:
        item = _existing_item(meeting, plan.grid, plan.unavailable, language)
        pair = pair_key(item.a, item.b)
        if pair in blocked and not item.locked:
            plan.blocked_meetings.append(item)
            continue
        plan.items.append(item)
        by_pair.setdefault(pair, item)


def _add_requests(
    session: Session,
    plan: Plan,
    blocked: set[str],
    by_pair: dict[str, Planned],
    language: Language,
    cancelled_requests: set[int],
) -> None:
    """Accepted requests: a live meeting of the pair stands for the request (and becomes
    required); otherwise a new required meeting, unless an organiser cancelled its
    meeting or the pair is blocked."""
    reported_blocked = {pair_key(i.a, i.b) for i in plan.blocked_meetings if i.required}
    for request in accepted_requests(session=session, event_id=plan.event.id):  # type: ignore[arg-type]
        a, b = request.from_participant_id, request.to_participant_id
        pair = pair_key(a, b)
        if pair in by_pair:
            linked = by_pair[pair]
            linked.required = True
            if linked.request_id is None:
                linked.request_id = request.id
            continue
        if request.id in cancelled_requests:
            continue
        item = Planned(
            key=f"r{request.id}",
            a=a,
            b=b,
            required=True,
            source=MeetingSource.request,
            request_id=request.id,
            language=language(a, b),
        )
        if pair in blocked:
            if pair not in reported_blocked:
                plan.left_out.append((item, BLOCKED))
            continue
        plan.items.append(item)
        by_pair[pair] = item


def _add_suggestions(
    plan: Plan,
    candidates: list[Candidate],
    excluded: set[str],
    by_pair: dict[str, Planned],
    language: Language,
) -> None:
    """Suggested pairs as optional meetings; existing suggested meetings take their
    current score."""
    scores = {c.key: c.score for c in candidates}
    for item in plan.items:
        if item.source is MeetingSource.suggestion and not item.required:
            item.score = scores.get(pair_key(item.a, item.b), item.score)
    for candidate in candidates:
        if candidate.key in by_pair or candidate.key in excluded:
            continue
        item = Planned(
            key=f"s{candidate.a}-{candidate.b}",
            a=candidate.a,
            b=candidate.b,
            required=False,
            source=MeetingSource.suggestion,
            score=candidate.score,
            language=language(candidate.a, candidate.b),
        )
        plan.items.append(item)
        by_pair[candidate.key] = item


def _existing_item(
    meeting: Meeting,
    grid: Grid,
    unavailable: dict[int, set[int]],
    language: Language,
) -> Planned:
    number = grid.number(meeting.session_id, meeting.slot)
    a, b = meeting.participant_a_id, meeting.participant_b_id
    current: Place | None = None
    if number is not None and meeting.table_no <= grid.at(number).tables:
        free = all(number not in unavailable.get(p, set()) for p in (a, b))
        if free or meeting.locked:
            current = (number, meeting.table_no)
    return Planned(
        key=f"m{meeting.id}",
        a=a,
        b=b,
        required=meeting.locked or meeting.source is not MeetingSource.suggestion,
        source=meeting.source,
        score=meeting.score or 0.0,
        language=language(a, b),
        request_id=meeting.request_id,
        existing=meeting,
        current=current,
        locked=meeting.locked,
    )


def problem_json(plan: Plan, options: ScheduleOptions) -> dict:
    """The scheduler problem of the plan (see the module docstring)."""
    grid = plan.grid
    locked_slots: dict[int, set[int]] = {}
    for item in plan.items:
        if item.locked and item.current is not None:
            for participant in item.participants:
                locked_slots.setdefault(participant, set()).add(item.current[0])
    involved = sorted({p for item in plan.items for p in item.participants})
    participants = []
    for pid in involved:
        record: dict = {
            "id": f"p{pid}",
            "unavailable": sorted(plan.unavailable[pid] - locked_slots.get(pid, set())),
        }
        limit = plan.limits.get(pid)
        if limit is not None:
            record["max_meetings"] = max(limit, len(locked_slots.get(pid, ())))
        participants.append(record)

    # Only declared pools are limits; a language no session declares is no resource of
    # the problem (its meetings are placed and reported as needing an interpreter).
    needed = sorted({item.language for item in plan.items if item.language in grid.pools})
    resources = {f"interpreter-{lang}": grid.pools[lang] for lang in needed}
    meetings = []
    for item in plan.items:
        record = {"id": item.key, "participants": [f"p{item.a}", f"p{item.b}"]}
        if item.required:
            record["required"] = True
        else:
            record["score"] = round(item.score, 3)
        if item.language in grid.pools:
            record["needs"] = [f"interpreter-{item.language}"]
        if item.current is not None:
            record["current"] = {"slot": item.current[0], "table": item.current[1]}
            if item.locked:
                record["fixed_slot"], record["table"] = item.current
        meetings.append(record)

    tables, holds, hold_people = _placeholders(grid, needed)
    return {
        "slots": len(grid),
        "tables": tables,
        "participants": participants + hold_people,
        "meetings": meetings + holds,
        "resources": resources,
        "objective": {"minimize_breaks": True, "minimize_moves": not options.replan},
        "session_starts": grid.session_starts,
    }


def _placeholders(grid: Grid, languages: list[str]) -> tuple[int, list[dict], list[dict]]:
    """Tables in the problem, and the placeholder meetings and participants that take up
    what a slot's session lacks compared with the largest session."""
    missing = {
        s.number: [
            lang for lang in languages for _ in range(grid.pools.get(lang, 0) - s.pool(lang))
        ]
        if languages
        else []
        for s in grid.slots
    }
    extra_table = any(missing[s.number] and s.tables >= grid.tables for s in grid.slots)
    tables = grid.tables + (1 if extra_table else 0)
    holds: list[dict] = []
    used_tables: set[int] = set()
    for slot in grid.slots:
        empty_tables = list(range(slot.tables + 1, tables + 1))
        interpreters = [f"interpreter-{lang}" for lang in missing[slot.number]]
        for position, table in enumerate(empty_tables):
            hold = {
                "id": f"hold-{slot.number}-{table}",
                "participants": [f"hold-{table}-a", f"hold-{table}-b"],
                "required": True,
                "fixed_slot": slot.number,
                "table": table,
            }
            if position == 0 and interpreters:
                hold["needs"] = interpreters
            holds.append(hold)
            used_tables.add(table)
    people = [
        {"id": f"hold-{table}-{side}"} for table in sorted(used_tables) for side in ("a", "b")
    ]
    return tables, holds, people

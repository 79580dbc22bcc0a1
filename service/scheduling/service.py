"""The scheduler run of an event: build the problem (planning.py), solve it, check the
answer (placements.py), store it.

The database is read, then released while the solver works (on SQLite a transaction holds
the write lock). Before storing, the run checks that no meeting or accepted request changed
meanwhile (else 409: run it again), then applies everything in one transaction: the
cancellations, then every moved meeting's old place is freed before any takes its new
one (so two meetings may swap), then the new meetings. The database's UNIQUE
constraints remain the final guard: any collision rolls the whole run back with 409.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import sqlalchemy as sa
from sqlmodel import Session, select

from service.core.database import utcnow
from service.core.errors import conflict
from service.core.i18n import vi_en
from service.events.models import Event, EventSession
from service.jobs.engine import JobEngine
from service.jobs.models import Job
from service.meeting_requests.models import pair_key
from service.meeting_requests.service import (
    accepted_requests,
    clear_unplaced_reasons,
    expire_stale_requests,
)
from service.meetings import service as booking
from service.meetings.models import Meeting, MeetingSeat, MeetingSource
from service.notifications.service import MeetingChange, meeting_place, notify_meeting_changes
from service.participants.service import lock_event_participants
from service.scheduling.grid import Grid
from service.scheduling.models import (
    InterpreterNeed,
    ScheduleChange,
    ScheduleOptions,
    SchedulePlace,
    ScheduleReport,
    UnplacedMeeting,
)
from service.scheduling.placements import Place, Planned, Settled, count_breaks, settle
from service.scheduling.planning import BLOCKED, Plan, build_plan
from service.scheduling.runs import record_run
from service.scheduling.solver_bridge import Progress, SolverAnswer, solve_problem
from service.suggestions.service import IndexCache


def _fingerprint(session: Session, event_id: int) -> tuple:
    """What the run relies on: the event's meetings and accepted requests."""
    meetings = session.exec(
        select(
            Meeting.id,
            Meeting.status,
            Meeting.session_id,
            Meeting.active_slot,
            Meeting.table_no,
            Meeting.sequence,
            Meeting.locked,
        )
        .where(Meeting.event_id == event_id)
        .order_by(Meeting.id)  # type: ignore[arg-type]
    ).all()
    requests = [r.id for r in accepted_requests(session=session, event_id=event_id)]
    return tuple(tuple(m) for m in meetings), tuple(requests)


def run_schedule(
    *,
    session: Session,
    event: Event,
    options: ScheduleOptions,
    cache: IndexCache | None = None,
    phase: Callable[[str], None] | None = None,
    progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    before_commit: Callable[[Session, ScheduleReport], None] | None = None,
    public_url: str | None = None,
    solver_threads: int = 1,
) -> ScheduleReport:
    """Runs the scheduler on the event; `cache` is the app's suggestion index cache.
    Applied changes queue their invitations in the same transaction (links and calendar
    UIDs on `public_url`). `solver_threads` is MEETX_SOLVER_THREADS.

    A background job passes the rest: `phase` hears "building" and "storing", `progress`
    and `should_stop` go to the solver (a stop raises SolveStopped, nothing stored), and
    `before_commit` is called with the report in the transaction that stores the
    schedule, just before its commit (raising there stores nothing)."""
    started = time.perf_counter()
    if phase is not None:
        phase("building")
    expire_stale_requests(session=session, event=event)
    plan = build_plan(session=session, event=event, options=options, cache=cache)
    fingerprint = _fingerprint(session, event.id)  # type: ignore[arg-type]
    # Release the database while the solver works: on SQLite an open transaction holds
    # the write lock and would stall every other writer for the whole run.
    session.commit()
    watch = {"progress": progress, "should_stop": should_stop} if progress or should_stop else {}
    answer = solve_problem(
        plan.problem,
        options.time_limit_s,
        threads=solver_threads,
        **watch,  # type: ignore[arg-type]
    )
    if phase is not None:
        phase("storing")
    settled = settle(
        grid=plan.grid,
        items=plan.items,
        proposed=answer.places,
        solver_reasons=answer.reasons,
        unavailable=plan.unavailable,
        limits=plan.limits,
        keep_in_place=not options.replan,
    )
    changes, unplaced = _outcome(plan, settled)

    def report() -> ScheduleReport:
        return _report(plan, settled, answer, changes, unplaced, options, started)

    def last_step() -> None:
        if before_commit is not None:
            before_commit(session, report())

    if not options.dry_run:
        _apply(session, plan, settled, changes, fingerprint, last_step, public_url)
    elif before_commit is not None:
        if last_step is not None:
            last_step()
        session.commit()
    final = report()
    record_run(session=session, event_id=event.id, report=final)  # type: ignore[arg-type]
    return final


def _place(grid: Grid, place: Place) -> SchedulePlace:
    slot = grid.at(place[0])
    return SchedulePlace(
        session_id=slot.session.id,  # type: ignore[arg-type]
        slot=slot.slot,
        table=place[1],
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
    )


def _stored_place(meeting: Meeting) -> SchedulePlace:
    return SchedulePlace(
        session_id=meeting.session_id,
        slot=meeting.slot,
        table=meeting.table_no,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
    )


@dataclass
class _Change:
    item: Planned
    public: ScheduleChange


def _outcome(plan: Plan, settled: Settled) -> tuple[list[_Change], list[UnplacedMeeting]]:
    changes: list[_Change] = []
    unplaced: list[UnplacedMeeting] = []

    def change(item: Planned, action: str, to: Place | None) -> None:
        public = ScheduleChange(
            meeting_id=item.existing.id if item.existing else None,
            participants=[item.a, item.b],
            action=action,  # type: ignore[arg-type]
            from_=_stored_place(item.existing) if item.existing else None,
            to=_place(plan.grid, to) if to else None,
            required=item.required,
            source=MeetingSource.request if item.request_id else item.source,
            request_id=item.request_id,
            score=None if item.required else round(item.score, 3),
            interpreter_language=item.language,
        )
        changes.append(_Change(item, public))

    def report(item: Planned, reason: str) -> None:
        unplaced.append(
            UnplacedMeeting(
                request_id=item.request_id,
                meeting_id=item.existing.id if item.existing else None,
                pair=pair_key(item.a, item.b),
                participants=[item.a, item.b],
                reason=reason,
            )
        )

    for item in plan.blocked_meetings:
        change(item, "cancel", None)
        if item.required:
            report(item, BLOCKED)
    for item, reason in plan.left_out:
        report(item, reason)
    for item in plan.items:
        place = settled.places.get(item.key)
        if item.existing is not None:
            stored = item.existing
            number = plan.grid.number(stored.session_id, stored.slot)
            if place is None:
                change(item, "cancel", None)
            elif place == (number, stored.table_no):
                change(item, "keep", place)
            else:
                change(item, "move", place)
        elif place is not None:
            change(item, "add", place)
        if place is None and item.required:
            report(item, settled.reasons.get(item.key, vi_en("sched.reason.not_placed")))
    return changes, unplaced


def _apply(
    session: Session,
    plan: Plan,
    settled: Settled,
    changes: list[_Change],
    fingerprint: tuple,
    last_step: Callable[[], None] | None = None,
    public_url: str | None = None,
) -> None:
    session.expire_all()
    # Live bookings lock their two participants (service/booking): with all of the
    # event's locked, none commits between this check and the schedule's commit.
    lock_event_participants(session=session, event_id=plan.event.id)  # type: ignore[arg-type]
    if _fingerprint(session, plan.event.id) != fingerprint:  # type: ignore[arg-type]
        session.rollback()
        raise conflict("the meetings changed while the scheduler ran; run it again")
    grid = plan.grid

    def placement(place: Place) -> booking.Placement:
        slot = grid.at(place[0])
        return booking.Placement(slot.session, slot.slot, place[1])

    notices: list[MeetingChange] = []
    try:
        for entry in changes:
            if entry.public.action == "cancel":
                notices.append(MeetingChange(entry.item.existing, "cancelled"))  # type: ignore[arg-type]
                booking.cancel_meeting(session=session, meeting=entry.item.existing, commit=False)  # type: ignore[arg-type]
        moves = [e for e in changes if e.public.action == "move"]
        before = {
            id(e): meeting_place(session, plan.event, e.item.existing)  # type: ignore[arg-type]
            for e in moves
        }
        # Free every moved meeting's old place first, so meetings can trade places.
        for entry in moves:
            meeting = entry.item.existing
            assert meeting is not None
            meeting.active_slot = None
            session.add(meeting)
            booking.release_interpreter(session=session, meeting=meeting)
            for seat in session.exec(
                select(MeetingSeat).where(MeetingSeat.meeting_id == meeting.id)
            ).all():
                seat.active_slot = None
                session.add(seat)
        session.flush()
        for entry in moves:
            booking.move_meeting(
                session=session,
                meeting=entry.item.existing,  # type: ignore[arg-type]
                placement=placement(settled.places[entry.item.key]),
                commit=False,
            )
            notices.append(MeetingChange(entry.item.existing, "moved", before[id(entry)]))  # type: ignore[arg-type]
        for entry in changes:
            if entry.public.action in ("keep", "move"):
                _refresh_details(session, entry.item)
        for entry in changes:
            if entry.public.action == "add":
                item = entry.item
                meeting = booking.place_meeting(
                    session=session,
                    event_id=plan.event.id,  # type: ignore[arg-type]
                    a=plan.people[item.a],
                    b=plan.people[item.b],
                    placement=placement(settled.places[item.key]),
                    source=item.source,
                    request_id=item.request_id,
                    score=None if item.required else round(item.score, 3),
                    interpreter_language=item.language,
                    commit=False,
                )
                entry.public.meeting_id = meeting.id
                notices.append(MeetingChange(meeting, "new"))
        notify_meeting_changes(
            session=session, event=plan.event, changes=notices, public_url=public_url
        )
        clear_unplaced_reasons(
            session=session,
            request_ids=[
                e.item.request_id
                for e in changes
                if e.public.action == "add" and e.item.request_id is not None
            ],
        )
        if last_step is not None:
            last_step()
        session.commit()
    except sa.exc.IntegrityError as exc:
        session.rollback()
        raise conflict("the schedule collides with a booking made meanwhile; run it again") from exc


def _refresh_details(session: Session, item: Planned) -> None:
    """An existing meeting takes on the request it now stands for and the interpreter its
    sides need today; a changed interpreter raises the sequence so calendars update."""
    meeting = item.existing
    assert meeting is not None
    changed = False
    if item.request_id is not None and meeting.request_id != item.request_id:
        meeting.request_id = item.request_id
        meeting.source = MeetingSource.request
        changed = True
    if meeting.interpreter_language != item.language:
        meeting.interpreter_language = item.language
        meeting.sequence += 1
        changed = True
    if changed:
        meeting.updated_at = utcnow()
        session.add(meeting)
        if meeting.active_slot is not None:
            event_session = session.get(EventSession, meeting.session_id)
            assert event_session is not None
            booking.reclaim_interpreter(
                session=session, meeting=meeting, event_session=event_session
            )


def _report(
    plan: Plan,
    settled: Settled,
    answer: SolverAnswer,
    changes: list[_Change],
    unplaced: list[UnplacedMeeting],
    options: ScheduleOptions,
    started: float,
) -> ScheduleReport:
    placed = [i for i in plan.items if i.key in settled.places]
    actions = [c.public.action for c in changes]
    status = answer.status
    if settled.adjusted and status == "optimal":
        status = "feasible"
    required_left_out = sum(1 for i in plan.blocked_meetings if i.required) + len(plan.left_out)
    return ScheduleReport(
        status=status,
        dry_run=options.dry_run,
        placed=len(placed),
        added=actions.count("add"),
        moved=actions.count("move"),
        kept=actions.count("keep"),
        cancelled=actions.count("cancel"),
        unplaced=unplaced,
        required_total=sum(1 for i in plan.items if i.required) + required_left_out,
        required_placed=sum(1 for i in placed if i.required),
        optional_placed=sum(1 for i in placed if not i.required),
        score=round(sum(i.score for i in placed if not i.required), 3),
        breaks=count_breaks(plan.grid, settled.places, plan.items),
        elapsed_s=round(time.perf_counter() - started, 3),
        solver_elapsed_s=round(answer.elapsed_s, 3),
        changes=[c.public for c in changes],
        interpreter_needs=interpreter_needs(plan, settled),
    )


# ---------------------------------------------------------------- as a background job

SCHEDULE_TASK: Final = "schedule"


def schedule_lock(event_id: int) -> str:
    """One scheduler job per event at a time (the job table's partial UNIQUE index)."""
    return f"schedule:{event_id}"


def start_schedule_job(
    *, session: Session, jobs: JobEngine, event_id: int, options: ScheduleOptions
) -> tuple[Job, bool]:
    """Queues the run as a job (tasks.py runs it); while the event has a run queued or
    running, that job is returned instead (and False): a second click never starts a
    second solve."""
    return jobs.enqueue(
        session=session,
        kind=SCHEDULE_TASK,
        params={"options": options.model_dump(mode="json")},
        event_id=event_id,
        lock_key=schedule_lock(event_id),
    )


def interpreter_needs(plan: Plan, settled: Settled) -> list[InterpreterNeed]:
    """Placed meetings needing an interpreter of an undeclared language, per slot."""
    counts: Counter[tuple[str, int]] = Counter()
    for item in plan.items:
        place = settled.places.get(item.key)
        if place is not None and item.language and item.language not in plan.grid.pools:
            counts[(item.language, place[0])] += 1
    needs = []
    for (language, number), meetings in sorted(counts.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        slot = plan.grid.at(number)
        needs.append(
            InterpreterNeed(
                language=language,
                session_id=slot.session.id,  # type: ignore[arg-type]
                slot=slot.slot,
                starts_at=slot.starts_at,
                meetings=meetings,
                message_vi=f"{meetings} cuộc gặp cần phiên dịch tiếng {language} "
                "(chưa khai báo nhóm phiên dịch)",
                message_en=f"{meetings} meeting(s) need a {language} interpreter "
                "(no pool declared)",
            )
        )
    return needs

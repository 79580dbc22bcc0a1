"""Scheduler reports on record: every process (and a restarted one) sees the last run."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.changes.service import current_version
from service.core.settings import Settings
from service.main import create_app
from service.scheduling.models import ScheduleRun
from service.scheduling.runs import RUNS_KEPT, last_run, record_run
from tests.service.builders import EventBuilder


def test_runs_are_recorded_and_the_oldest_dropped(
    client: TestClient, admin_headers: dict[str, str], db: Session
) -> None:
    event = EventBuilder.new(client, admin_headers)
    event.session(tables=3)
    host, guest = event.host(), event.guest()
    event.accepted(host, guest)
    assert last_run(session=db, event_id=event.id) is None

    preview = event.schedule(dry_run=True)
    recorded = last_run(session=db, event_id=event.id)
    assert recorded is not None
    assert recorded.report.dry_run is True
    assert recorded.report.model_dump(mode="json", by_alias=True) == preview
    applied = event.schedule()
    recorded = last_run(session=db, event_id=event.id)
    assert recorded is not None and recorded.report.dry_run is False
    assert recorded.report.required_placed == applied["required_placed"] == 1

    for _ in range(RUNS_KEPT + 2):
        record_run(session=db, event_id=event.id, report=recorded.report)
    rows = db.exec(select(ScheduleRun).where(ScheduleRun.event_id == event.id)).all()
    assert len(rows) == RUNS_KEPT


def test_a_preview_leaves_the_cached_agendas_and_feeds_valid(
    client: TestClient, admin_headers: dict[str, str], db: Session
) -> None:
    """A dry run changes no meeting: the data version the agenda and feed caches check
    stays, though its report is recorded; a run that stores meetings raises it."""
    event = EventBuilder.new(client, admin_headers)
    event.session(tables=3)
    event.accepted(event.host(), event.guest())
    before = current_version(session=db)
    db.rollback()  # a new snapshot for the next read
    event.schedule(dry_run=True)
    assert last_run(session=db, event_id=event.id) is not None
    assert current_version(session=db) == before
    db.rollback()
    event.schedule()
    assert current_version(session=db) > before


def test_another_process_shows_the_last_run_on_the_dashboard(
    client: TestClient, admin_headers: dict[str, str], app: FastAPI, settings: Settings
) -> None:
    event = EventBuilder.new(client, admin_headers)
    event.session(tables=3)
    event.accepted(event.host(), event.guest())
    event.schedule(dry_run=True)
    # A second app on the same database stands for another worker, or a restart.
    other = create_app(settings, engine=app.state.engine)
    other.dependency_overrides.update(app.dependency_overrides)
    with TestClient(other) as second:
        login = second.post(
            "/admin/login",
            data={"token": admin_headers["Authorization"].removeprefix("Bearer ")},
            follow_redirects=False,
        )
        assert login.status_code == 303, login.text
        page = second.get(f"/admin/events/{event.id}?lang=en")
    assert page.status_code == 200
    assert "Last scheduling run" in page.text
    assert "Preview at" in page.text

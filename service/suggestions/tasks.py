"""Building an event's suggestion index as a background job.

The index (text analysis, TF-IDF and the latent space of every profile; seconds for
thousands of firms) is rebuilt after any change to the event's profiles, wishes or
requests, on the first read that needs it. An organiser who has just imported a large
event can have it built ahead (``POST /events/{id}/suggestions/index`` with
``Prefer: respond-async``) instead of making the first participant who asks wait.

The index lives in the memory of the process that builds it (service.py): under
``meetx serve`` on the embedded engine that is the server itself, whose API and pages
then answer at once; a ``meetx worker`` process builds it for the scheduler runs it
takes next, while each web process still builds its own on first use.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from service.events.service import get_event
from service.jobs.registry import JobContext, task
from service.suggestions.service import prepare_index

INDEX_TASK = "suggestions.index"

PHASES: dict[str, tuple[str, str]] = {
    "running": ("Đang bắt đầu", "Starting"),
    "loading": ("Đang đọc hồ sơ người tham dự", "Reading the participants' profiles"),
    "building": ("Đang dựng chỉ mục gợi ý đối tác", "Building the partner suggestion index"),
}


def index_lock(event_id: int) -> str:
    """One index build per event at a time."""
    return f"{INDEX_TASK}:{event_id}"


@task(INDEX_TASK, queue="default", max_attempts=2, phases=PHASES)
def build_index(context: JobContext) -> dict[str, Any]:
    with Session(context.engine, expire_on_commit=False) as session:
        event = get_event(session=session, event_id=context.event_id)  # type: ignore[arg-type]
        report = prepare_index(
            session=session,
            event=event,
            cache=context.services["suggestion_cache"],
            phase=context.progress,
        )
    return report.model_dump(mode="json")

"""A participant import as a background job (the dashboard's import with
``Prefer: respond-async``): a province's sheet of thousands of delegates leaves the request.

The job runs the same import as the request (importer.py): every row checked first,
then one transaction that writes everything and marks the job succeeded together, so a
cancel or a killed worker writes nothing and a retry cannot import twice. Its result
says how many were imported, or lists the problems by row. The participants' personal
links (their tokens, stored only hashed) exist nowhere else: the result keeps them
sealed (encrypted, as the queued welcome e-mails keep theirs) under ``_links``, which the
API does not show and the import page hands out once. The uploaded file, personal data,
is dropped from the job once it ended (``private_params``).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlmodel import Session

from service.core.settings import Settings
from service.events.service import get_event
from service.jobs.registry import JobCancelled, JobContext, task
from service.notifications.service import seal
from service.participants.importer import (
    IMPORT_TASK,
    LINKS_KEY,
    ImportOutcome,
    import_participants,
)

PHASES: dict[str, tuple[str, str]] = {
    "running": ("Đang bắt đầu", "Starting"),
    "reading": ("Đang đọc tệp", "Reading the file"),
    "checking": ("Đang kiểm tra từng dòng", "Checking every row"),
    "writing": ("Đang ghi danh sách người tham dự", "Writing the participants"),
}


def import_result(outcome: ImportOutcome, settings: Settings) -> dict[str, Any]:
    result: dict[str, Any] = {
        "imported": len(outcome.imported),
        "errors": [
            {"row": e.row, "column": e.column, "message": e.message} for e in outcome.errors
        ],
        "participants": [
            {
                "participant_id": p.participant_id,
                "organization_name": p.organization_name,
                "new_organization": p.new_organization,
            }
            for p in outcome.imported
        ],
    }
    if outcome.imported:
        links = [[p.organization_name, p.page_url, p.calendar_url] for p in outcome.imported]
        result[LINKS_KEY] = seal(settings, json.dumps(links, ensure_ascii=False))
    return result


@task(IMPORT_TASK, queue="default", max_attempts=2, phases=PHASES, private_params=True)
def import_file(context: JobContext) -> dict[str, Any]:
    settings: Settings = context.services["settings"]
    content = base64.b64decode(context.params["content"])

    def progress(phase: str, fraction: float | None) -> None:
        if context.stopping():
            raise JobCancelled
        context.progress(phase, fraction)

    def before_commit(session: Session, outcome: ImportOutcome) -> None:
        progress("writing", 1.0)
        context.finish_in(session, import_result(outcome, settings))

    with Session(context.engine, expire_on_commit=False) as session:
        event = get_event(session=session, event_id=context.event_id)  # type: ignore[arg-type]
        outcome = import_participants(
            session=session,
            event=event,
            filename=context.params["filename"],
            content=content,
            public_url=settings.public_base,
            progress=progress,
            before_commit=before_commit,
        )
    return import_result(outcome, settings)

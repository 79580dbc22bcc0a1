"""The organisers' daily digest of commitments whose review is due: queued from 07:00 in
the event's time zone, once a day, to the addresses in MEETX_ORGANISER_EMAILS."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

import service.commitments.tasks  # noqa: F401  (connects the digest's receiver)
from service.core.settings import get_settings
from service.notifications.models import OutboxMessage
from service.notifications.service import enqueue_due
from tests.service.commitments.test_commitments import _create, _mou
from tests.service.outcomes import past_edition

ORGANISERS = "Sở Ngoại vụ Bắc Ninh <songoaivu@bacninh.example>, cuc.ngoaivu@mofa.example"


@pytest.fixture
def organiser_emails(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MEETX_ORGANISER_EMAILS", ORGANISERS)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _digests(db: Session) -> list[OutboxMessage]:
    db.expire_all()
    return list(
        db.exec(select(OutboxMessage).where(OutboxMessage.kind == "commitments_digest")).all()
    )


def test_the_digest_lists_due_commitments_once_a_day_from_seven(
    client: TestClient, admin_headers: dict[str, str], db: Session, organiser_emails: None
) -> None:
    e = past_edition(client, admin_headers)
    due = _create(client, admin_headers, _mou(e, next_review_on="2026-09-10"))
    _create(client, admin_headers, _mou(e, next_review_on="2099-01-01", title="Chưa đến hạn"))

    # 06:30 in Hà Nội (23:30 UTC the day before): too early.
    enqueue_due(session=db, now=datetime(2026, 12, 6, 23, 30, tzinfo=UTC))
    assert _digests(db) == []

    eight = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội
    enqueue_due(session=db, now=eight)
    enqueue_due(session=db, now=eight)  # a second run the same day queues nothing
    digests = _digests(db)
    assert len(digests) == 1
    sent = digests[0]
    assert sent.event_id == e.builder.id
    assert [address for _, address in sent.to_addresses] == [
        "songoaivu@bacninh.example",
        "cuc.ngoaivu@mofa.example",
    ]
    assert [row["title"] for row in sent.context["rows"]] == [due["title"]]


def test_no_digest_without_organiser_addresses(
    client: TestClient, admin_headers: dict[str, str], db: Session
) -> None:
    get_settings.cache_clear()
    e = past_edition(client, admin_headers)
    _create(client, admin_headers, _mou(e, next_review_on="2026-09-10"))
    enqueue_due(session=db, now=datetime(2026, 12, 7, 1, 0, tzinfo=UTC))
    assert _digests(db) == []

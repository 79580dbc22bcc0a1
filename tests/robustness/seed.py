"""Builds an event: sessions, organisations, participants.

Through the public API (any httpx.Client: an in-process TestClient or a real server on
loopback), or, for the hundreds of participants a load needs, through the same service
functions the API calls, straight into the server's database.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
from sqlmodel import Session

from service.core.database import make_engine
from service.events.models import Event
from service.organizations.models import OrganizationCreate
from service.organizations.service import create_organization
from service.participants.models import ParticipantCreate
from service.participants.service import create_participant

API = "/api/v1"


@dataclass(frozen=True)
class Registered:
    """A participant as the organiser saw it at registration: its id and its token."""

    participant_id: int
    organization_id: int
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def created(response: httpx.Response) -> dict[str, Any]:
    if response.status_code != 201:
        raise AssertionError(f"{response.request.method} {response.request.url}: {response.text}")
    return dict(response.json())


def create_event(client: httpx.Client, headers: dict[str, str], **overrides: Any) -> int:
    payload = {
        "name": "Gặp gỡ Hàn Quốc 2026",
        "name_en": "Meet Korea 2026",
        "partner_country": "KR",
        "host_province": "24",
        "venue": "Trung tâm Hội nghị tỉnh Bắc Ninh",
        "start_date": "2026-12-10",
        "end_date": "2026-12-11",
        **overrides,
    }
    return int(created(client.post(f"{API}/events", json=payload, headers=headers))["id"])


def create_b2b_session(
    client: httpx.Client,
    headers: dict[str, str],
    event_id: int,
    *,
    tables: int = 14,
    starts_at: str = "2026-12-10T09:00:00+07:00",
    ends_at: str = "2026-12-10T12:00:00+07:00",
    slot_minutes: int = 20,
) -> int:
    payload = {
        "title": "Kết nối doanh nghiệp",
        "title_en": "B2B meetings",
        "kind": "b2b",
        "starts_at": starts_at,
        "ends_at": ends_at,
        "slot_minutes": slot_minutes,
        "break_minutes": 0,
        "tables": tables,
    }
    response = client.post(f"{API}/events/{event_id}/sessions", json=payload, headers=headers)
    return int(created(response)["id"])


def organization_payload(index: int, *, guest: bool, label: str = "") -> dict[str, Any]:
    if guest:
        return {
            "kind": "company",
            "name": f"Hanbit Semicon {label}{index} Co., Ltd.",
            "country": "KR",
            "sectors": ["C26"],
            "offers": "Dây chuyền đóng gói bán dẫn / semiconductor packaging lines",
            "needs": "Nhà cung cấp linh kiện điện tử",
            "languages": ["ko", "en"],
            "investment_usd": 1_000_000 + index,
        }
    return {
        "kind": "company",
        "name": f"Công ty TNHH Điện tử Bắc Ninh {label}{index}",
        "country": "VN",
        "province_code": "24",
        "sectors": ["C27"],
        "offers": "Linh kiện điện tử, gia công cơ khí",
        "needs": "Đối tác công nghệ Hàn Quốc",
        "languages": ["vi", "en"],
    }


def register_participant(
    client: httpx.Client, headers: dict[str, str], event_id: int, index: int, *, label: str = ""
) -> Registered:
    org = created(
        client.post(
            f"{API}/organizations",
            json=organization_payload(index, guest=index % 2 == 0, label=label),
            headers=headers,
        )
    )
    participant = created(
        client.post(
            f"{API}/events/{event_id}/participants",
            json={
                "organization_id": org["id"],
                "delegates": [
                    {
                        "name": f"Nguyễn Văn {label}{index}",
                        "email": f"delegate{index}@firm{index}.example",
                    }
                ],
            },
            headers=headers,
        )
    )
    return Registered(int(participant["id"]), int(org["id"]), str(participant["token"]))


def register_participants(
    base_url: str,
    headers: dict[str, str],
    event_id: int,
    count: int,
    *,
    label: str = "",
    threads: int = 8,
) -> list[Registered]:
    """`count` participants, registered by a few concurrent organiser clients."""

    def chunk(indices: range) -> list[Registered]:
        with httpx.Client(base_url=base_url, timeout=60) as client:
            return [
                register_participant(client, headers, event_id, i, label=label) for i in indices
            ]

    chunks = [range(start, count, threads) for start in range(min(threads, count))]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        registered = [r for part in pool.map(chunk, chunks) for r in part]
    return sorted(registered, key=lambda r: r.participant_id)


def register_participants_in_database(
    database_url: str,
    event_id: int,
    count: int,
    *,
    label: str = "",
    payload: Callable[..., dict[str, Any]] = organization_payload,
) -> list[Registered]:
    """`count` participants written by the service layer into the database a running
    server uses: the same rows and tokens as through the API, in a fraction of the time.
    `payload(index, guest=..., label=...)` gives each one's organisation."""
    engine = make_engine(database_url)
    registered = []
    try:
        with Session(engine, expire_on_commit=False) as session:
            event = session.get(Event, event_id)
            assert event is not None, f"no event {event_id}"
            for index in range(count):
                org = create_organization(
                    session=session,
                    data=OrganizationCreate.model_validate(
                        payload(index, guest=index % 2 == 0, label=label)
                    ),
                )
                participant, token = create_participant(
                    session=session,
                    event=event,
                    data=ParticipantCreate(
                        organization_id=org.id,  # type: ignore[arg-type]
                        delegates=[{"name": f"Nguyễn Văn {label}{index}"}],  # type: ignore[list-item]
                    ),
                )
                registered.append(
                    Registered(participant.id, org.id, token)  # type: ignore[arg-type]
                )
    finally:
        engine.dispose()
    return registered

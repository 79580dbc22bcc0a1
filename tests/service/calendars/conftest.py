"""A small "Gặp gỡ Hàn Quốc 2026" built through the API, and the real calendar clients.

The programme, in Bắc Ninh (Asia/Ho_Chi_Minh, UTC+7) on 10 December 2026:
plenary 08:00-09:30, B2B 09:45-11:45 (20-minute slots, 5-minute breaks: 09:45, 10:10,
10:35, 11:00, 11:25; 14 tables, 4 Korean interpreters), a networking lunch, and a site
visit the next day. Four participants and four meetings:

| meeting | sides (working languages) | slot | table | interpreter |
|---|---|---|---|---|
| korean | Sở Ngoại vụ Bắc Ninh (vi) - Hanbit Semicon (ko) | 1 (09:45) | 12 | ko |
| logistics | Sở Ngoại vụ Bắc Ninh (vi) - Daehan Logistics (ko, en) | 2 (10:10) | 3 | ko |
| electronics | Đông Á Electronics (vi, en) - Hanbit Semicon (ko) | 2 (10:10) | 5 | ko |
| energy | Đông Á Electronics (vi, en) - Daehan Logistics (ko, en) | 3 (10:35) | 12 | - |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

# The session-wide ical.js and Radicale fixtures of the feed builder's tests.
from tests.calendars.conftest import (  # noqa: F401
    caldav_calendar,
    caldav_principal,
    icaljs,
    radicale,
)
from tests.service.factories import b2b_session_payload, create, event_payload, organization_payload

VENUE = "Trung tâm Hội nghị tỉnh Bắc Ninh"


@dataclass
class Programme:
    event_id: int
    b2b_session_id: int
    plenary_session_id: int
    participants: dict[str, dict[str, Any]]  # registration responses (with token) by name
    meetings: dict[str, dict[str, Any]]  # meeting responses by name

    def token(self, name: str) -> str:
        return str(self.participants[name]["token"])

    def feed_path(self, name: str) -> str:
        return f"/api/v1/calendars/{self.token(name)}.ics"

    @property
    def base(self) -> str:
        return f"/api/v1/events/{self.event_id}"


def _organization(client: TestClient, headers: dict[str, str], **fields: Any) -> int:
    created = create(client, "/api/v1/organizations", organization_payload(**fields), headers)
    return int(created["id"])


def build_programme(client: TestClient, headers: dict[str, str]) -> Programme:
    event = create(client, "/api/v1/events", event_payload(venue=VENUE), headers)
    base = f"/api/v1/events/{event['id']}"
    b2b = create(client, f"{base}/sessions", b2b_session_payload(location="Sảnh B"), headers)
    plenary = create(
        client,
        f"{base}/sessions",
        {
            "title": "Phiên toàn thể",
            "title_en": "Plenary session",
            "kind": "plenary",
            "starts_at": "2026-12-10T08:00:00+07:00",
            "ends_at": "2026-12-10T09:30:00+07:00",
            "location": "Hội trường A",
        },
        headers,
    )
    for payload in (
        {
            "title": "Tiệc trưa giao lưu",
            "title_en": "Networking lunch",
            "kind": "networking",
            "starts_at": "2026-12-10T12:00:00+07:00",
            "ends_at": "2026-12-10T13:30:00+07:00",
        },
        {
            "title": "Khảo sát KCN Yên Phong II-C",
            "title_en": "Visit to Yen Phong II-C industrial park",
            "kind": "visit",
            "starts_at": "2026-12-11T08:30:00+07:00",
            "ends_at": "2026-12-11T11:00:00+07:00",
        },
    ):
        create(client, f"{base}/sessions", payload, headers)

    orgs = {
        "bacninh": _organization(
            client,
            headers,
            kind="province",
            name="Sở Ngoại vụ tỉnh Bắc Ninh",
            name_en="Bac Ninh Department of Foreign Affairs",
            country="VN",
            province_code="24",
            languages=["vi"],
        ),
        "hanbit": _organization(client, headers, name="Hanbit Semicon Co., Ltd.", languages=["ko"]),
        "daehan": _organization(
            client, headers, name="Daehan Logistics", sectors=["H52"], languages=["ko", "en"]
        ),
        "donga": _organization(
            client,
            headers,
            name="Công ty CP Điện tử Đông Á",
            name_en="Dong A Electronics JSC",
            country="VN",
            languages=["vi", "en"],
        ),
    }
    delegates = {
        "bacninh": [
            {
                "name": "Nguyễn Thị Thu Hương",
                "title": "Phó Giám đốc Sở",
                "email": "huong.nguyen@bacninh.example",
            },
            {"name": "Trần Đức Anh", "title": "Chuyên viên"},
        ],
        "hanbit": [
            {"name": "김민준 (Kim Min-jun)", "title": "CEO", "email": "minjun.kim@hanbit.example"}
        ],
        "daehan": [{"name": "Park Ji-hoon", "title": "Director"}],
        "donga": [{"name": "Lê Văn Bình", "email": "binh.le@donga.example"}],
    }
    participants = {
        name: create(
            client,
            f"{base}/participants",
            {"organization_id": org_id, "delegates": delegates[name]},
            headers,
        )
        for name, org_id in orgs.items()
    }
    plan = {
        "korean": ("bacninh", "hanbit", 1, 12),
        "logistics": ("bacninh", "daehan", 2, 3),
        "electronics": ("donga", "hanbit", 2, 5),
        "energy": ("donga", "daehan", 3, 12),
    }
    meetings = {
        name: create(
            client,
            f"{base}/meetings",
            {
                "participants": [participants[a]["id"], participants[b]["id"]],
                "session_id": b2b["id"],
                "slot": slot,
                "table": table,
            },
            headers,
        )
        for name, (a, b, slot, table) in plan.items()
    }
    return Programme(
        event_id=int(event["id"]),
        b2b_session_id=int(b2b["id"]),
        plenary_session_id=int(plenary["id"]),
        participants=participants,
        meetings=meetings,
    )


@pytest.fixture
def programme(client: TestClient, admin_headers: dict[str, str]) -> Programme:
    return build_programme(client, admin_headers)

"""The demo event "Gặp gỡ Hàn Quốc 2026": consistency of its references, times and text."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from seeds.demo import DemoData, demo_event, validate_demo
from seeds.reference import current_provinces, vsic_sectors


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return demo_event()


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _slot_starts(session: dict[str, Any]) -> list[datetime]:
    start = datetime.fromisoformat(session["starts_at"])
    end = datetime.fromisoformat(session["ends_at"])
    slot = timedelta(minutes=session["slot_minutes"])
    step = slot + timedelta(minutes=session["break_minutes"])
    starts = []
    while start + slot <= end:
        starts.append(start)
        start += step
    return starts


def test_demo_data_is_consistent(demo: DemoData) -> None:
    assert validate_demo(demo) == []


def test_every_text_is_nfc(demo: DemoData) -> None:
    for text in _strings(demo):
        assert unicodedata.normalize("NFC", text) == text, text


def test_notice_says_the_organisations_are_fictional(demo: DemoData) -> None:
    assert "All organisations are fictional." in demo["notice"]


def test_event(demo: DemoData) -> None:
    event = demo["event"]
    assert event["name_vi"] == "Gặp gỡ Hàn Quốc 2026"
    assert event["name_en"] == "Meet Korea 2026"
    assert event["partner_country"] == "KR"
    assert event["host_province"] == "24"
    assert "Bắc Ninh" in event["venue"]
    assert ZoneInfo(event["timezone"]) == ZoneInfo("Asia/Ho_Chi_Minh")
    assert (event["start_date"], event["end_date"]) == ("2026-12-10", "2026-12-11")


def test_sessions(demo: DemoData) -> None:
    sessions = {s["key"]: s for s in demo["sessions"]}
    plenary = sessions["plenary"]
    assert plenary["kind"] == "plenary"
    assert (plenary["starts_at"], plenary["ends_at"]) == (
        "2026-12-10T08:00:00+07:00",
        "2026-12-10T09:30:00+07:00",
    )
    b2b = [s for s in demo["sessions"] if s["kind"] == "b2b"]
    assert len(b2b) == 2
    for session in b2b:
        assert (session["slot_minutes"], session["break_minutes"], session["tables"]) == (20, 5, 14)
        assert session["table_names"] == [f"Bàn {i}" for i in range(1, 15)]
        assert session["interpreters"] == {"ko": 4}
        # No B2B slot may clash with the plenary.
        assert datetime.fromisoformat(session["starts_at"]) >= datetime.fromisoformat(
            plenary["ends_at"]
        )
    assert len(_slot_starts(sessions["b2b-morning"])) == 5
    assert len(_slot_starts(sessions["b2b-afternoon"])) == 7
    visit = sessions["site-visit"]
    assert visit["kind"] == "visit"
    assert datetime.fromisoformat(visit["starts_at"]).date() == date(2026, 12, 11)
    for session in demo["sessions"]:
        for field in ("starts_at", "ends_at"):
            moment = datetime.fromisoformat(session[field])  # type: ignore[literal-required]
            assert moment.utcoffset() == timedelta(hours=7)


def test_organisation_counts(demo: DemoData) -> None:
    orgs = demo["organizations"]
    vietnamese = [o for o in orgs if o["country"] == "VN"]
    korean = [o for o in orgs if o["country"] == "KR"]
    assert len(vietnamese) + len(korean) == len(orgs)
    assert 25 <= len(vietnamese) <= 35
    assert 55 <= len(korean) <= 65
    assert any(o["kind"] == "association" for o in korean)
    assert {o["kind"] for o in vietnamese} == {"province", "company"}


def test_references_are_valid(demo: DemoData) -> None:
    provinces = {p.code for p in current_provinces()}
    sectors = {s.code for s in vsic_sectors()}
    keys = {o["key"] for o in demo["organizations"]}
    assert len(keys) == len(demo["organizations"])
    for org in demo["organizations"]:
        assert set(org["sectors"]) <= sectors, org["key"]
        if org["country"] == "VN":
            assert org["province_code"] in provinces, org["key"]
    assert demo["event"]["host_province"] in provinces
    assert [p["organization"] for p in demo["participants"]] == [
        o["key"] for o in demo["organizations"]
    ]
    for request in demo["meeting_requests"]:
        assert {request["from"], request["to"]} <= keys
    for wish in demo["wishes"]:
        assert {wish["from"], wish["to"]} <= keys


def test_expected_provinces_take_part(demo: DemoData) -> None:
    provinces = {o["province_code"] for o in demo["organizations"] if o["kind"] == "province"}
    # Bắc Ninh (host), Hải Phòng, Hà Nội, TP. HCM, Thái Nguyên, Phú Thọ, Hưng Yên, Quảng
    # Ninh, Thanh Hóa, Đà Nẵng, Gia Lai, Cần Thơ, Cà Mau.
    assert {"24", "31", "01", "79", "19", "25", "33", "22", "38", "48", "52", "92", "96"} <= (
        provinces
    )


def test_province_profiles(demo: DemoData) -> None:
    participants = {p["organization"]: p for p in demo["participants"]}
    for org in demo["organizations"]:
        if org["kind"] != "province":
            continue
        assert org["fdi_target_usd"] > 0
        assert org["industrial_land_ha"] > 0
        assert org["projects"] > 0
        assert set(org["languages"]) <= {"vi", "en"} and "vi" in org["languages"]
        leader = participants[org["key"]]["delegates"][0]
        assert leader["title"].startswith("Phó Chủ tịch UBND"), org["key"]


def test_korean_guests(demo: DemoData) -> None:
    korean = [o for o in demo["organizations"] if o["country"] == "KR"]
    assert all("ko" in o["languages"] for o in korean)
    assert sum(o["languages"] == ["ko", "en"] for o in korean) > len(korean) // 2
    assert any(o["languages"] == ["ko"] for o in korean)
    amounts = [o["investment_usd"] for o in korean if o["investment_usd"] is not None]
    assert min(amounts) >= 1e6 and max(amounts) <= 5e8
    assert math.log10(max(amounts)) - math.log10(min(amounts)) >= 2
    sectors = {code for o in korean for code in o["sectors"]}
    assert {"C26", "C27", "C29", "C20", "C22", "C13", "H52", "J62", "D35", "A01", "C10"} <= sectors


def test_semiconductor_guests_look_for_northern_partners(demo: DemoData) -> None:
    # The matchmaking tests rely on these guests having Bắc Ninh, Hải Phòng and the local
    # component suppliers as their obvious partners.
    guests = [
        o
        for o in demo["organizations"]
        if o["country"] == "KR"
        and "C26" in o["sectors"]
        and ("Bac Ninh" in o["needs"] or "Hai Phong" in o["needs"])
        and "supplier" in o["needs"]
    ]
    assert len(guests) >= 3
    suppliers = [
        o
        for o in demo["organizations"]
        if o["country"] == "VN"
        and o["kind"] == "company"
        and {"C26", "C22", "C25"} & set(o["sectors"])
        and o["province_code"] in {"24", "31", "33", "19"}
    ]
    assert len(suppliers) >= 3
    hosts = {o["key"]: o for o in demo["organizations"] if o["kind"] == "province"}
    for key in ("bac-ninh", "hai-phong"):
        assert "C26" in hosts[key]["sectors"]
        assert "electronic" in hosts[key]["offers"]


def test_participants(demo: DemoData) -> None:
    participants = demo["participants"]
    assert all(1 <= len(p["delegates"]) <= 3 for p in participants)
    assert all(p["delegates"][0]["email"].endswith(".example") for p in participants)
    caps = [p["max_meetings"] for p in participants if "max_meetings" in p]
    assert caps and all(6 <= c <= 14 for c in caps)
    morning = next(s for s in demo["sessions"] if s["key"] == "b2b-morning")
    m_start = datetime.fromisoformat(morning["starts_at"])
    m_end = datetime.fromisoformat(morning["ends_at"])
    afternoon_only = [
        p["organization"]
        for p in participants
        if any(
            datetime.fromisoformat(i["start"]) <= m_start
            and datetime.fromisoformat(i["end"]) >= m_end
            for i in p.get("unavailable", [])
        )
    ]
    countries = {o["key"]: o["country"] for o in demo["organizations"]}
    assert any(countries[key] == "KR" for key in afternoon_only)


def test_meeting_requests_and_wishes(demo: DemoData) -> None:
    statuses = {r["status"] for r in demo["meeting_requests"]}
    assert statuses == {"pending", "accepted"}
    assert all(r["from"] != r["to"] for r in demo["meeting_requests"])
    assert demo["wishes"]
    assert all(w["priority"] in (1, 2, 3) for w in demo["wishes"])


def test_each_call_returns_an_independent_copy() -> None:
    first = demo_event()
    first["organizations"].clear()
    first["event"]["name_vi"] = "changed"
    second = demo_event()
    assert second["organizations"]
    assert second["event"]["name_vi"] == "Gặp gỡ Hàn Quốc 2026"


def test_validate_demo_reports_broken_references() -> None:
    data = demo_event()
    data["organizations"][0]["sectors"].append("Z99")
    data["organizations"][1]["province_code"] = "27"
    data["organizations"][2]["name"] = unicodedata.normalize("NFD", "Hưng Yên")
    data["participants"].pop()
    data["meeting_requests"][0]["to"] = "nobody"
    data["sessions"][1]["starts_at"] = "2026-12-10T09:45:00"
    problems = "\n".join(validate_demo(data))
    assert "unknown sector 'Z99'" in problems
    assert "unknown province_code '27'" in problems
    assert "not NFC" in problems
    assert "has no participant record" in problems
    assert "unknown organisation key" in problems
    assert "+07:00" in problems

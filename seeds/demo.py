"""The demo event "Gặp gỡ Hàn Quốc 2026" (Meet Korea 2026), hosted by Bắc Ninh.

`demo_event()` returns the content of `seeds/data/demo_korea_2026.json`, a fresh copy on
every call. All organisations in it are fictional; provinces are real but their figures
are illustrative. Records refer to each other by stable string keys (slugs), never by
database ids, so the file can be loaded into any database.

Schema (`DemoData`):

- ``notice``: str; ``schema_version``: int (1).
- ``event`` (`DemoEventInfo`): ``key``, ``name_vi``, ``name_en``, ``partner_country``
  (ISO 3166-1 alpha-2), ``host_province`` (current province code), ``venue``,
  ``venue_en``, ``address``, ``timezone`` (IANA), ``start_date`` and ``end_date``
  (ISO dates), ``organisers`` (list of names), ``description``.
- ``sessions`` (`DemoSession`): ``key``, ``title``, ``title_en``, ``kind``
  (plenary | b2b | visit | networking), ``starts_at`` / ``ends_at`` (ISO 8601 with the
  +07:00 offset), ``location``; b2b sessions also ``slot_minutes``, ``break_minutes``,
  ``tables`` (count), ``table_names`` (one per table) and ``interpreters`` (language
  code -> interpreters available per slot).
- ``organizations`` (`DemoOrganization`): ``key``, ``kind`` (province | company |
  association), ``name``, ``name_en`` (or null), ``country``, ``province_code`` (current
  code for Vietnamese organisations, null for foreign ones), ``sectors`` (VSIC 2018 codes
  such as "C26"), ``offers`` and ``needs`` (free text, Vietnamese and/or English),
  ``languages`` (ISO 639-1), ``investment_usd`` (guests: planned investment; hosts:
  capital their projects seek; null for associations), ``website``; provinces also
  ``fdi_target_usd``, ``industrial_land_ha``, ``projects`` (number of projects calling
  for investment) and ``description``.
- ``participants`` (`DemoParticipant`): one per organisation: ``organization`` (key),
  ``delegates`` (1-3 of ``{name, title, email}``), optional ``max_meetings`` and
  ``unavailable`` (list of ``{start, end}`` ISO 8601 with offset).
- ``meeting_requests`` (`DemoMeetingRequest`): ``from`` and ``to`` (organisation keys),
  ``status`` (pending | accepted), ``message``.
- ``wishes`` (`DemoWish`): meetings a participant asked the organisers to arrange at
  registration, not sent as requests: ``from``, ``to`` (keys), ``priority`` (1 = most
  wanted, 3 = least), ``note``.

The keys of the organisation records match the fields of the organisation API, so a loader
can pass a record on after dropping ``key``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal, NotRequired, TypedDict, cast

from seeds.reference import DATA_DIR, current_provinces, vsic_sectors

__all__ = [
    "DEMO_PATH",
    "DemoData",
    "DemoDelegate",
    "DemoEventInfo",
    "DemoInterval",
    "DemoMeetingRequest",
    "DemoOrganization",
    "DemoParticipant",
    "DemoSession",
    "DemoWish",
    "demo_event",
    "validate_demo",
]

DEMO_PATH: Path = DATA_DIR / "demo_korea_2026.json"


class DemoEventInfo(TypedDict):
    key: str
    name_vi: str
    name_en: str
    partner_country: str
    host_province: str
    venue: str
    venue_en: str
    address: str
    timezone: str
    start_date: str
    end_date: str
    organisers: list[str]
    description: str


class DemoSession(TypedDict):
    key: str
    title: str
    title_en: str
    kind: Literal["plenary", "b2b", "visit", "networking"]
    starts_at: str
    ends_at: str
    location: str
    slot_minutes: NotRequired[int]
    break_minutes: NotRequired[int]
    tables: NotRequired[int]
    table_names: NotRequired[list[str]]
    interpreters: NotRequired[dict[str, int]]


class DemoOrganization(TypedDict):
    key: str
    kind: Literal["province", "company", "association"]
    name: str
    name_en: str | None
    country: str
    province_code: str | None
    sectors: list[str]
    offers: str
    needs: str
    languages: list[str]
    investment_usd: int | None
    website: str
    fdi_target_usd: NotRequired[int]
    industrial_land_ha: NotRequired[int]
    projects: NotRequired[int]
    description: NotRequired[str]


class DemoDelegate(TypedDict):
    name: str
    title: str
    email: str


class DemoInterval(TypedDict):
    start: str
    end: str


class DemoParticipant(TypedDict):
    organization: str
    delegates: list[DemoDelegate]
    max_meetings: NotRequired[int]
    unavailable: NotRequired[list[DemoInterval]]


DemoMeetingRequest = TypedDict(
    "DemoMeetingRequest",
    {"from": str, "to": str, "status": Literal["pending", "accepted"], "message": str},
)
DemoWish = TypedDict("DemoWish", {"from": str, "to": str, "priority": int, "note": str})


class DemoData(TypedDict):
    notice: str
    schema_version: int
    event: DemoEventInfo
    sessions: list[DemoSession]
    organizations: list[DemoOrganization]
    participants: list[DemoParticipant]
    meeting_requests: list[DemoMeetingRequest]
    wishes: list[DemoWish]


@cache
def _raw() -> str:
    return DEMO_PATH.read_text(encoding="utf-8")


def demo_event() -> DemoData:
    """The demo event with its sessions, organisations, participants, meeting requests and
    wishes. Each call returns a new, independent copy, so callers may mutate it."""
    return cast(DemoData, json.loads(_raw()))


# ---------------------------------------------------------------- validation

_KEY = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_EMAIL = re.compile(r"^[a-z0-9._-]+@[a-z0-9.-]+\.example$")
_WEBSITE = re.compile(r"^https://[a-z0-9.-]+\.example$")
_EVENT_OFFSET = timedelta(hours=7)


def _strings(value: Any, path: str) -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in _strings(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [pair for i, v in enumerate(value) for pair in _strings(v, f"{path}[{i}]")]
    return []


def _local_time(text: str, path: str, problems: list[str]) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        problems.append(f"{path}: not an ISO 8601 date-time: {text!r}")
        return None
    # Times are written in the event's own zone so they read naturally in the file;
    # a missing or different offset would shift a meeting when loaded.
    if moment.utcoffset() != _EVENT_OFFSET:
        problems.append(f"{path}: needs the +07:00 offset: {text!r}")
        return None
    return moment


def validate_demo(data: DemoData) -> list[str]:
    """Every inconsistency in the demo data, as readable messages; empty when sound.

    Checks references (keys, province and sector codes), NFC text, time formats and that
    times fall within the event, session shapes, and that every organisation takes part
    exactly once."""
    problems: list[str] = []
    provinces = {p.code for p in current_provinces()}
    sectors = {s.code for s in vsic_sectors()}

    for path, text in _strings(data, "$"):
        if unicodedata.normalize("NFC", text) != text:
            problems.append(f"{path}: not NFC")

    event = data["event"]
    if event["host_province"] not in provinces:
        problems.append(f"event.host_province: unknown code {event['host_province']!r}")
    first_day = date.fromisoformat(event["start_date"])
    last_day = date.fromisoformat(event["end_date"])
    if last_day < first_day:
        problems.append("event: end_date before start_date")

    def within_event(moment: datetime | None, path: str) -> None:
        if moment is not None and not first_day <= moment.date() <= last_day:
            problems.append(f"{path}: outside the event dates")

    session_keys: set[str] = set()
    for i, session in enumerate(data["sessions"]):
        path = f"sessions[{i}]"
        if session["key"] in session_keys:
            problems.append(f"{path}: duplicate key {session['key']!r}")
        session_keys.add(session["key"])
        start = _local_time(session["starts_at"], f"{path}.starts_at", problems)
        end = _local_time(session["ends_at"], f"{path}.ends_at", problems)
        within_event(start, f"{path}.starts_at")
        if start and end and end <= start:
            problems.append(f"{path}: ends before it starts")
        if session["kind"] == "b2b":
            tables = session.get("tables")
            slot = session.get("slot_minutes")
            if not tables or not slot:
                problems.append(f"{path}: b2b sessions need slot_minutes and tables")
            elif len(session.get("table_names", [])) != tables:
                problems.append(f"{path}: table_names must name each of the {tables} tables")
            if start and end and slot and (end - start) < timedelta(minutes=slot):
                problems.append(f"{path}: shorter than one slot")

    keys: list[str] = [org["key"] for org in data["organizations"]]
    known = set(keys)
    if len(known) != len(keys):
        problems.append("organizations: duplicate keys")
    for i, org in enumerate(data["organizations"]):
        path = f"organizations[{i}] ({org['key']})"
        if not _KEY.match(org["key"]):
            problems.append(f"{path}: key is not a slug")
        if not org["name"].strip() or "\n" in org["name"] or len(org["name"]) > 200:
            problems.append(f"{path}: name must be one non-empty line of at most 200 characters")
        if org["country"] == "VN":
            if org["province_code"] not in provinces:
                problems.append(f"{path}: unknown province_code {org['province_code']!r}")
        elif org["province_code"] is not None:
            problems.append(f"{path}: foreign organisations have no province_code")
        if org["kind"] == "province" and org["country"] != "VN":
            problems.append(f"{path}: a province must be Vietnamese")
        if not org["sectors"]:
            problems.append(f"{path}: no sectors")
        for code in org["sectors"]:
            if code not in sectors:
                problems.append(f"{path}: unknown sector {code!r}")
        if not org["offers"].strip() or not org["needs"].strip():
            problems.append(f"{path}: offers and needs must not be empty")
        if not org["languages"] or any(len(lang) != 2 for lang in org["languages"]):
            problems.append(f"{path}: languages must be two-letter codes")
        amount = org["investment_usd"]
        if amount is not None and not 1e6 <= amount <= 1e10:
            problems.append(f"{path}: investment_usd out of range")
        if not _WEBSITE.match(org["website"]):
            problems.append(f"{path}: website must be on a reserved .example domain")

    seen: set[str] = set()
    for i, participant in enumerate(data["participants"]):
        path = f"participants[{i}]"
        key = participant["organization"]
        if key not in known:
            problems.append(f"{path}: unknown organization {key!r}")
        if key in seen:
            problems.append(f"{path}: {key!r} takes part twice")
        seen.add(key)
        if not 1 <= len(participant["delegates"]) <= 3:
            problems.append(f"{path}: needs one to three delegates")
        for delegate in participant["delegates"]:
            if not _EMAIL.match(delegate["email"]):
                problems.append(f"{path}: email {delegate['email']!r} not on a .example domain")
        for j, interval in enumerate(participant.get("unavailable", [])):
            start = _local_time(interval["start"], f"{path}.unavailable[{j}].start", problems)
            end = _local_time(interval["end"], f"{path}.unavailable[{j}].end", problems)
            within_event(start, f"{path}.unavailable[{j}].start")
            if start and end and end <= start:
                problems.append(f"{path}.unavailable[{j}]: ends before it starts")
    for key in known - seen:
        problems.append(f"organizations: {key!r} has no participant record")

    pairs: set[frozenset[str]] = set()
    for i, request in enumerate(data["meeting_requests"]):
        path = f"meeting_requests[{i}]"
        ends = (request["from"], request["to"])
        if any(key not in known for key in ends):
            problems.append(f"{path}: unknown organisation key in {ends}")
        if request["from"] == request["to"]:
            problems.append(f"{path}: a participant cannot meet itself")
        if request["status"] not in ("pending", "accepted"):
            problems.append(f"{path}: status must be pending or accepted")
        pair = frozenset(ends)
        if pair in pairs:
            problems.append(f"{path}: duplicate request between {ends}")
        pairs.add(pair)
    for i, wish in enumerate(data["wishes"]):
        path = f"wishes[{i}]"
        if wish["from"] not in known or wish["to"] not in known:
            problems.append(f"{path}: unknown organisation key")
        if wish["from"] == wish["to"]:
            problems.append(f"{path}: a participant cannot wish to meet itself")
        if wish["priority"] not in (1, 2, 3):
            problems.append(f"{path}: priority must be 1, 2 or 3")
    return problems

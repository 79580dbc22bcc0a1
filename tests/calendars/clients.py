"""Real calendar clients for the feed tests.

A feed is only correct if real clients read it the same way, so the tests run it through:

* the ``icalendar`` parser, with a strict look at the raw lines first (CRLF, 75-octet
  folding, UTF-8 per physical line) and a VTIMEZONE required for every TZID;
* ical.js under node (the parser of many web calendar clients), which treats a TZID
  without a VTIMEZONE as floating time;
* a Radicale CalDAV server driven by the ``caldav`` client, to replay what a subscribed
  client does on every refresh: replace the event with the same UID, add new ones.

Import from other tests as ``from tests.calendars.clients import ...``; the fixtures in
``tests/calendars/conftest.py`` wrap the slow parts (npm install, server start) per session.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import caldav
from icalendar import Calendar, Event

ICALJS_DIR = Path(__file__).resolve().parent / "icaljs"
MAX_LINE_OCTETS = 75

# --- icalendar ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedEvent:
    """The parts of a VEVENT the tests compare, with the component kept for the rest."""

    uid: str
    summary: str
    description: str
    location: str
    status: str
    sequence: int
    start: datetime
    end: datetime
    tzid: str | None
    component: Event = field(compare=False, repr=False)


def check_lines(body: bytes) -> list[bytes]:
    """Assert RFC 5545 3.1 line rules on raw feed bytes; return the physical lines.

    Every line ends in CRLF, no line exceeds 75 octets, and each physical line is valid
    UTF-8 on its own, which fails when folding splits a multibyte character (Google then
    drops the whole feed).
    """
    assert body.endswith(b"\r\n"), "the document must end with CRLF"
    lines = body[:-2].split(b"\r\n")
    for number, line in enumerate(lines, start=1):
        assert b"\n" not in line and b"\r" not in line, f"line {number}: bare CR or LF"
        assert len(line) <= MAX_LINE_OCTETS, f"line {number}: {len(line)} octets: {line!r}"
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise AssertionError(f"line {number} is not valid UTF-8 on its own: {line!r}") from exc
    return lines


def unfold(body: bytes) -> list[str]:
    """The logical content lines of a document (RFC 5545 3.1 unfolding)."""
    return body.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]


_TZID_PARAM = re.compile(r';TZID=("[^"]*"|[^;:]*)')


def used_tzids(body: bytes) -> set[str]:
    """Every TZID parameter value in the raw document, found textually.

    Read from the text rather than from a parser so a parser that quietly drops or
    resolves an unknown zone cannot hide it.
    """
    found: set[str] = set()
    for line in unfold(body):
        if line.startswith("TZID:"):
            continue
        found.update(m.group(1).strip('"') for m in _TZID_PARAM.finditer(line.split(":", 1)[0]))
    return found


def parse_with_icalendar(body: bytes | str, *, strict_lines: bool = True) -> list[ParsedEvent]:
    """Parse a document with ``icalendar``; assert every TZID has a VTIMEZONE.

    ``strict_lines`` also applies :func:`check_lines`; turn it off for documents written by
    other software (a CalDAV server re-serialises what it stores).
    """
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if strict_lines:
        check_lines(raw)
    calendar = Calendar.from_ical(raw)
    defined = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
    missing = (used_tzids(raw) | calendar.get_used_tzids()) - defined - {"UTC"}
    assert not missing, f"TZID without VTIMEZONE: {sorted(missing)}"
    events = []
    for component in calendar.walk("VEVENT"):
        start = component.decoded("DTSTART")
        end = component.decoded("DTEND")
        assert isinstance(start, datetime) and start.utcoffset() is not None, start
        assert isinstance(end, datetime) and end.utcoffset() is not None, end
        events.append(
            ParsedEvent(
                uid=str(component["UID"]),
                summary=str(component.get("SUMMARY", "")),
                description=str(component.get("DESCRIPTION", "")),
                location=str(component.get("LOCATION", "")),
                status=str(component.get("STATUS", "")),
                sequence=int(component.get("SEQUENCE", 0)),
                start=start,
                end=end,
                tzid=component["DTSTART"].params.get("TZID"),
                component=component,
            )
        )
    return events


# --- ical.js ------------------------------------------------------------------------------


class IcalJsUnavailable(RuntimeError):
    """node, npm or the ical.js package cannot be had on this machine."""


def ensure_icaljs(*, timeout: float = 300.0) -> Path:
    """Install the pinned ical.js into ``icaljs/node_modules`` unless it is there already.

    Uses ``npm ci`` so the version comes from the committed package-lock.json.
    """
    if shutil.which("node") is None:
        raise IcalJsUnavailable("node is not installed")
    if (ICALJS_DIR / "node_modules" / "ical.js" / "package.json").is_file():
        return ICALJS_DIR
    npm = shutil.which("npm")
    if npm is None:
        raise IcalJsUnavailable("npm is not installed")
    try:
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=ICALJS_DIR,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise IcalJsUnavailable(f"npm ci did not finish in {timeout:.0f} s") from exc
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise IcalJsUnavailable("npm ci failed: " + " | ".join(tail))
    return ICALJS_DIR


def parse_with_icaljs(body: bytes) -> list[dict[str, object]]:
    """Parse a document with ical.js; one dict per VEVENT (see ``icaljs/check.mjs``).

    Keys: uid, summary, description, location, status, sequence, start_utc and end_utc (ISO
    instants ending in Z), tzid ("floating" when the TZID did not resolve), end_tzid,
    utc_offset_seconds, method, organizer, attendees. Call :func:`ensure_icaljs` first.
    """
    node = shutil.which("node")
    if node is None:
        raise IcalJsUnavailable("node is not installed")
    # TZ=UTC so any floating time stays visibly wrong instead of matching by luck.
    env = {**os.environ, "TZ": "UTC"}
    result = subprocess.run(
        [node, str(ICALJS_DIR / "check.mjs")],
        input=body,
        capture_output=True,
        cwd=ICALJS_DIR,
        env=env,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError("ical.js rejected the document:\n" + result.stderr.decode())
    parsed = json.loads(result.stdout)
    assert isinstance(parsed, list)
    return parsed


# --- Radicale (CalDAV) --------------------------------------------------------------------

RADICALE_USER = "meetx"


@dataclass(frozen=True)
class RadicaleServer:
    """A running Radicale instance; ``client()`` opens a CalDAV session on it."""

    url: str
    folder: Path
    process: subprocess.Popen[bytes] = field(compare=False, repr=False)

    def client(self, username: str = RADICALE_USER) -> caldav.DAVClient:
        # Radicale with "[auth] type = none" accepts any password; the user name picks the
        # principal's home collection.
        return caldav.DAVClient(url=self.url, username=username, password="unused")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    # No proxy: the server is on the loopback interface of this machine.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url + ".well-known/caldav", timeout=1):
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer means the server is up
    except OSError:
        return False


@contextmanager
def run_radicale(folder: Path, *, startup_timeout: float = 20.0) -> Iterator[RadicaleServer]:
    """Run Radicale 3 on 127.0.0.1 with its storage in ``folder``; stop it on exit."""
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    config = folder / "config"
    config.write_text(
        "\n".join(
            [
                "[server]",
                f"hosts = 127.0.0.1:{port}",
                "[auth]",
                "type = none",
                "[rights]",
                "type = owner_only",
                "[storage]",
                f"filesystem_folder = {folder / 'collections'}",
                "[web]",
                "type = none",
                "[logging]",
                "level = warning",
                "",
            ]
        ),
        encoding="utf-8",
    )
    log = (folder / "radicale.log").open("wb")
    # Only our config file: a user or system Radicale config must not leak into the tests.
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + startup_timeout
        while not _answers(url):
            if process.poll() is not None:
                raise RuntimeError(
                    f"Radicale exited with {process.returncode}: "
                    + (folder / "radicale.log").read_text(errors="replace")[-2000:]
                )
            if time.monotonic() > deadline:
                raise RuntimeError(f"Radicale did not answer within {startup_timeout} s")
            time.sleep(0.1)
        yield RadicaleServer(url=url, folder=folder, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def make_calendar(principal: caldav.Principal, name: str) -> caldav.Calendar:
    """A new, empty calendar collection in the principal's home (a fresh id on every call).

    Get the principal once (``server.client().principal()``) and reuse it: its discovery
    takes the better part of a second.
    """
    return principal.make_calendar(name=name, cal_id=f"cal-{uuid.uuid4().hex}")


@dataclass(frozen=True)
class SyncResult:
    added: tuple[str, ...]
    replaced: tuple[str, ...]


def _objects_with_uid(calendar: caldav.Calendar, uid: str) -> list[caldav.CalendarObjectResource]:
    # The server does a substring match on UID; keep exact matches only.
    return [o for o in calendar.search(event=True, uid=uid) if o.id == uid]


def put_feed(calendar: caldav.Calendar, body: bytes) -> SyncResult:
    """Store each VEVENT of a feed as its own calendar object, keyed by UID.

    This is what a client subscribed to the feed does on refresh: an event whose UID it
    holds replaces the stored copy, a new UID adds an event. Each object carries the
    VTIMEZONEs its times refer to and no METHOD (RFC 4791 4.1 forbids it in stored objects).
    The bytes go to the server as they are, so the server sees exactly what the feed says
    (including its SEQUENCE).
    """
    feed = Calendar.from_ical(body)
    zones = {str(tz["TZID"]): tz for tz in feed.walk("VTIMEZONE")}
    added: list[str] = []
    replaced: list[str] = []
    for event in feed.walk("VEVENT"):
        uid = str(event["UID"])
        single = Calendar()
        single.add("PRODID", str(feed["PRODID"]))
        single.add("VERSION", "2.0")
        for tzid in sorted(used_tzids(event.to_ical())):
            if tzid in zones:
                single.add_component(zones[tzid])
        single.add_component(event)
        payload = single.to_ical()

        existing = _objects_with_uid(calendar, uid)
        assert len(existing) <= 1, f"the server already holds {len(existing)} events {uid}"
        if existing:
            existing[0].save(raw_data=payload, increase_seqno=False)
            replaced.append(uid)
        else:
            obj = caldav.Event(client=calendar.client, parent=calendar)
            obj.save(raw_data=payload, no_overwrite=True, increase_seqno=False)
            added.append(uid)
    return SyncResult(added=tuple(added), replaced=tuple(replaced))


def _parse_objects(objects: list[caldav.CalendarObjectResource]) -> list[ParsedEvent]:
    events: list[ParsedEvent] = []
    for obj in objects:
        events.extend(parse_with_icalendar(obj.data, strict_lines=False))
    return sorted(events, key=lambda e: (e.start, e.uid))


def events_in_range(
    calendar: caldav.Calendar, start: datetime | date, end: datetime | date
) -> list[ParsedEvent]:
    """Events the server itself reports in [start, end) (CalDAV time-range query).

    ``post_filter=False`` keeps the client library from widening or trimming the range, so
    the answer is the server's own reading of DTSTART/DTEND and the VTIMEZONE.
    """
    return _parse_objects(calendar.search(event=True, start=start, end=end, post_filter=False))


def all_events(calendar: caldav.Calendar) -> list[ParsedEvent]:
    """Every event stored in the calendar, one entry per stored VEVENT."""
    return _parse_objects(calendar.search(event=True, post_filter=False))

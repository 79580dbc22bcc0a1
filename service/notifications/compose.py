"""From an outbox row to an e-mail: the templates (files under ``templates/``), the
recipient's language and time zone, headers safe from injection, the one-click
unsubscribe link (RFC 8058) and the calendar invitation part.

Pure apart from reading the template files: the same row gives the same message, so the
organisers' outbox page shows exactly what was (or will be) sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from functools import lru_cache
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES: Final = Path(__file__).parent / "templates"

# Where a guest's own clock is, by country (the event's zone is shown first; this one
# beside it when it differs). Countries spanning zones get their capital's.
COUNTRY_ZONES: Final[dict[str, str]] = {
    "VN": "Asia/Ho_Chi_Minh", "KR": "Asia/Seoul", "JP": "Asia/Tokyo", "CN": "Asia/Shanghai",
    "TW": "Asia/Taipei", "HK": "Asia/Hong_Kong", "SG": "Asia/Singapore",
    "TH": "Asia/Bangkok", "MY": "Asia/Kuala_Lumpur", "ID": "Asia/Jakarta",
    "PH": "Asia/Manila", "IN": "Asia/Kolkata", "AU": "Australia/Sydney",
    "NZ": "Pacific/Auckland", "US": "America/New_York", "CA": "America/Toronto",
    "GB": "Europe/London", "FR": "Europe/Paris", "DE": "Europe/Berlin",
    "IT": "Europe/Rome", "ES": "Europe/Madrid", "NL": "Europe/Amsterdam",
    "BE": "Europe/Brussels", "CH": "Europe/Zurich", "SE": "Europe/Stockholm",
    "FI": "Europe/Helsinki", "DK": "Europe/Copenhagen", "PL": "Europe/Warsaw",
    "CZ": "Europe/Prague", "HU": "Europe/Budapest", "AT": "Europe/Vienna",
    "IE": "Europe/Dublin", "RU": "Europe/Moscow", "IL": "Asia/Jerusalem",
    "AE": "Asia/Dubai", "LA": "Asia/Vientiane", "KH": "Asia/Phnom_Penh",
}  # fmt: skip

_WEEKDAYS_VI: Final = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
_WEEKDAYS_EN: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def language_for(*, country: str, languages: Iterable[str]) -> str:
    """Vietnamese for Vietnamese participants, English otherwise; both where unsure (a
    foreign organisation that works in Vietnamese, or a Vietnamese one that says it
    does not)."""
    langs = {code.lower() for code in languages}
    if country.upper() == "VN":
        return "vi" if not langs or "vi" in langs else "both"
    return "both" if "vi" in langs else "en"


def zone_for(country: str, event_zone: str) -> str | None:
    """The recipient's own zone when it differs from the event's, else None."""
    zone = COUNTRY_ZONES.get(country.upper())
    return zone if zone and zone != event_zone else None


def clean_header(text: str, limit: int = 300) -> str:
    """One line: every control character (CR, LF, NUL...) becomes a space, so a name or a
    subject can never start a new header."""
    return " ".join(_CONTROL.sub(" ", text).split())[:limit]


# ---------------------------------------------------------------- times


def _instant(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _clock(start: datetime, end: datetime | None, zone: str, lang: str) -> str:
    tz = ZoneInfo(zone)
    s = start.astimezone(tz)
    weekday = (_WEEKDAYS_VI if lang == "vi" else _WEEKDAYS_EN)[s.weekday()]
    span = s.strftime("%H:%M")
    if end is not None:
        span += "–" + end.astimezone(tz).strftime("%H:%M")
    return f"{weekday} {s:%d/%m/%Y}, {span}"


def when(start: str | datetime, end: str | datetime | None, ctx: Mapping[str, Any]) -> str:
    """'Thứ Năm 10/12/2026, 09:45–10:05 (Asia/Ho_Chi_Minh) · Thu 10/12/2026, 11:45–12:05
    (Asia/Seoul)': the event's zone, then the recipient's own where it differs."""
    lang = ctx.get("lang", "en")
    event_zone = ctx.get("event_tz") or "Asia/Ho_Chi_Minh"
    s, e = _instant(start), _instant(end) if end else None
    text = f"{_clock(s, e, event_zone, lang)} ({event_zone})"
    own = ctx.get("recipient_tz")
    if own and own != event_zone:
        text += f" · {_clock(s, e, own, lang)} ({own})"
    return text


def day(value: str, ctx: Mapping[str, Any]) -> str:
    d = datetime.fromisoformat(value).date() if "T" in value else datetime.fromisoformat(value)
    weekday = (_WEEKDAYS_VI if ctx.get("lang") == "vi" else _WEEKDAYS_EN)[d.weekday()]
    return f"{weekday} {d:%d/%m/%Y}"


# ---------------------------------------------------------------- templates


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str


def _languages(language: str) -> list[str]:
    return ["vi", "en"] if language == "both" else [language if language == "vi" else "en"]


def _part(kind: str, fmt: str, block: str, ctx: dict[str, Any]) -> str:
    template = environment().get_template(f"{kind}.{fmt}")
    render = template.blocks[block]
    return "".join(render(template.new_context(ctx))).strip()


def subject_for(kind: str, language: str, context: Mapping[str, Any]) -> str:
    parts = []
    for lang in _languages(language):
        ctx = {**context, "lang": lang}
        ctx["when"] = lambda s, e=None, _c=ctx: when(s, e, _c)
        ctx["day"] = lambda v, _c=ctx: day(v, _c)
        parts.append(_part(kind, "txt", "subject", ctx))
    return clean_header(" / ".join(p for p in parts if p), 450)


def render(
    *, kind: str, language: str, context: Mapping[str, Any], unsubscribe_url: str | None
) -> Rendered:
    """Text and HTML of the message in its language(s), Vietnamese first where both."""
    texts, htmls = [], []
    for lang in _languages(language):
        ctx: dict[str, Any] = {**context, "lang": lang}
        ctx["when"] = lambda s, e=None, _c=ctx: when(s, e, _c)
        ctx["day"] = lambda v, _c=ctx: day(v, _c)
        texts.append({"lang": lang, "body": _part(kind, "txt", "body", ctx)})
        htmls.append({"lang": lang, "body": _part(kind, "html", "body", ctx)})
    outer = {
        **context,
        "parts": None,
        "unsubscribe_url": unsubscribe_url,
        "languages": _languages(language),
    }
    env = environment()
    text = env.get_template("_layout.txt").render({**outer, "parts": texts})
    html = env.get_template("_layout.html").render({**outer, "parts": htmls})
    return Rendered(subject=subject_for(kind, language, context), text=text, html=html)


# ---------------------------------------------------------------- unsubscribe


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unsubscribe_token(*, key: bytes, participant_id: int, category: str) -> str:
    """'<participant>.<category>.<signature>': anyone holding the link may turn that one
    category off for that participant, nothing else."""
    body = f"{participant_id}.{category}"
    signature = hmac.new(key, f"unsubscribe\0{body}".encode(), hashlib.sha256).digest()[:18]
    return f"{body}.{_b64(signature)}"


def read_unsubscribe_token(*, key: bytes, token: str) -> tuple[int, str] | None:
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) > 12:
        return None
    expected = unsubscribe_token(key=key, participant_id=int(parts[0]), category=parts[1])
    if not hmac.compare_digest(expected.encode(), token.encode()):
        return None
    return int(parts[0]), parts[1]


# ---------------------------------------------------------------- the e-mail


def _address(name: str, address: str) -> str:
    if _CONTROL.search(address) or " " in address or "@" not in address:
        raise ValueError(f"not an e-mail address: {address!r}")
    return formataddr((clean_header(name), address), charset="utf-8")


def build_email(
    *,
    sender: tuple[str, str],
    to: Iterable[tuple[str, str]],
    rendered: Rendered,
    message_id: str,
    language: str,
    sent_at: datetime,
    unsubscribe_url: str | None,
    calendar: str | None = None,
    attachments: Iterable[tuple[str, str]] = (),
) -> Message:
    """multipart/alternative: text/plain, text/html and, for an invitation, text/calendar
    with the METHOD of the iCalendar body (Outlook shows its accept/decline buttons only
    when the two match). A digest's invitations ride along as .ics attachments.

    Built with the ``email.mime`` classes: the modern ``EmailMessage`` API parses and
    refolds every header it is given, several times slower for the same bytes. Every
    header value passes :func:`clean_header` (or is ours), so none can start another."""
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(rendered.text, "plain", "utf-8"))
    body.attach(MIMEText(rendered.html, "html", "utf-8"))
    if calendar:
        part = MIMEText(calendar, "calendar", "utf-8")
        part.set_param("method", calendar_method(calendar))
        body.attach(part)
    message: Message = body
    attachments = list(attachments)
    if attachments:
        message = MIMEMultipart("mixed")
        message.attach(body)
        for filename, ics in attachments:
            part = MIMEText(ics, "calendar", "utf-8")
            part.set_param("method", calendar_method(ics))
            part.add_header("Content-Disposition", "attachment", filename=filename)
            message.attach(part)
    message["From"] = _address(*sender)
    message["To"] = ", ".join(_address(n, a) for n, a in to)
    subject = clean_header(rendered.subject, 450)
    message["Subject"] = (
        subject if subject.isascii() else Header(subject, "utf-8", header_name="Subject")
    )
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = message_id
    message["Content-Language"] = "vi, en" if language == "both" else language
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe_url:
        # RFC 8058: a POST to this address with "List-Unsubscribe=One-Click" unsubscribes.
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


def calendar_method(ics: str) -> str:
    match = re.search(r"^METHOD:(\w+)\r?$", ics, re.MULTILINE)
    return match.group(1) if match else "PUBLISH"

"""The authorisation matrix: who may call each route, as data.

Five callers, one column each:
- anonymous: no credentials (on token-addressed routes, a token that stands for nobody);
- the participant: the participant the request is about (its ids fill the path and body);
- a peer: another participant of the same event, with its own token;
- an outsider: a participant of another event, with its own token;
- an organiser: the admin token (a signed-in session cookie on the /admin pages).

Each route has one Row: how to call it and the status every caller gets. The test module
turns every (row, caller) into a test, fails on a route without a row (so a new endpoint
needs an expectation before it ships), and prints the table for the README
(`python -m tests.robustness.authorization`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

ANONYMOUS: Final = "anonymous"
PARTICIPANT: Final = "participant"
PEER: Final = "peer"
OUTSIDER: Final = "outsider"
ORGANIZER: Final = "organizer"
ACTORS: Final = (ANONYMOUS, PARTICIPANT, PEER, OUTSIDER, ORGANIZER)

COLUMN_TITLES: Final = {
    ANONYMOUS: "anonymous",
    PARTICIPANT: "the participant itself",
    PEER: "another participant of the event",
    OUTSIDER: "participant of another event",
    ORGANIZER: "organiser",
}

# A redirect to the organisers' sign-in page (the /admin pages' answer to anyone else).
SIGN_IN: Final = "sign-in"
Expect = int | str


@dataclass
class World:
    """The ids and credentials of the fixture event (filled by the test module)."""

    event_id: int = 0
    other_event_id: int = 0
    draft_event_id: int = 0
    b2b_session_id: int = 0
    plenary_session_id: int = 0
    organization_id: int = 0
    spare_organization_id: int = 0
    participant_id: int = 0  # "the participant"
    peer_id: int = 0
    partner_id: int = 0  # meets the participant in `meeting_id`
    requester_id: int = 0  # sent `request_id` to the participant
    requested_id: int = 0  # received `outgoing_request_id` from the participant
    outsider_id: int = 0
    outsider_partner_id: int = 0  # a host of the other event
    meeting_id: int = 0
    request_id: int = 0
    outgoing_request_id: int = 0
    preference_id: int = 0
    job_id: int = 0  # a queued job of the event
    message_id: int = 0  # an outbox message of the event
    unsubscribe_link: str = ""  # the participant's one-click unsubscribe link (mailings)
    feedback_id: int = 0  # the participant's "MoU signed" feedback on `meeting_id`
    commitment_id: int = 0  # binds the participant's organisation (and the partner's)
    tokens: dict[str, str] = field(default_factory=dict)  # actor -> its token
    admin_cookie: str = ""
    csrf_token: str = ""

    def actor_participant_id(self, actor: str) -> int:
        return {
            PARTICIPANT: self.participant_id,
            PEER: self.peer_id,
            OUTSIDER: self.outsider_id,
        }[actor]


Body = Callable[[World, str], Any]


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    who: str
    expect: Mapping[str, Expect]
    query: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)  # path parameter -> World field
    json: Body | None = None
    form: Body | None = None
    files: Body | None = None
    # An /admin form: the organiser's carries the session's CSRF token.
    csrf: bool = False
    # The request path for a mounted app (static files), instead of filling `path`.
    request_path: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)


# ---------------------------------------------------------------- expectation shapes


def anyone(ok: int = 200) -> dict[str, Expect]:
    return dict.fromkeys(ACTORS, ok)


def organizers(ok: int) -> dict[str, Expect]:
    return {ANONYMOUS: 401, PARTICIPANT: 403, PEER: 403, OUTSIDER: 403, ORGANIZER: ok}


def own(ok: int) -> dict[str, Expect]:
    """The participant's private resource: others get the 404 of an unknown id."""
    return {ANONYMOUS: 401, PARTICIPANT: ok, PEER: 404, OUTSIDER: 404, ORGANIZER: ok}


def for_itself(ok: int) -> dict[str, Expect]:
    """A write naming the participant in the body: only it (or an organiser) may."""
    return {ANONYMOUS: 401, PARTICIPANT: ok, PEER: 403, OUTSIDER: 403, ORGANIZER: ok}


def event_members(ok: int) -> dict[str, Expect]:
    return {ANONYMOUS: 401, PARTICIPANT: ok, PEER: ok, OUTSIDER: 404, ORGANIZER: ok}


def token_holder(ok: int) -> dict[str, Expect]:
    """Addressed by a participant token: whoever holds one sees its own; an unknown token
    (or an organiser's) is not a participant's: 404."""
    return {ANONYMOUS: 404, PARTICIPANT: ok, PEER: ok, OUTSIDER: ok, ORGANIZER: 404}


def own_page(ok: int) -> dict[str, Expect]:
    """A token-addressed page about the holder's own resource: any other is not found."""
    return {ANONYMOUS: 404, PARTICIPANT: ok, PEER: 404, OUTSIDER: 404, ORGANIZER: 404}


def organizer_pages(ok: int) -> dict[str, Expect]:
    return {actor: (ok if actor == ORGANIZER else SIGN_IN) for actor in ACTORS}


# ---------------------------------------------------------------- bodies


def _organization(_: World, __: str) -> dict[str, Any]:
    return {"kind": "company", "name": "Công ty Ma Trận Quyền", "country": "VN",
            "province_code": "24", "sectors": ["C26"], "languages": ["vi"]}  # fmt: skip


def _session(_: World, __: str) -> dict[str, Any]:
    return {"title": "Phiên kết nối buổi chiều", "kind": "b2b",
            "starts_at": "2026-12-10T14:00:00+07:00", "ends_at": "2026-12-10T16:00:00+07:00",
            "slot_minutes": 20, "tables": 10}  # fmt: skip


def _new_meeting(w: World, _: str) -> dict[str, Any]:
    return {"participants": [w.participant_id, w.peer_id], "session_id": w.b2b_session_id,
            "slot": 2, "table": 2}  # fmt: skip


def _request_for_participant(w: World, _: str) -> dict[str, Any]:
    return {"from_participant_id": w.participant_id, "to_participant_id": w.peer_id,
            "message": "Xin hẹn gặp / May we meet?"}  # fmt: skip


def _preference_for_participant(w: World, _: str) -> dict[str, Any]:
    return {"from_participant_id": w.participant_id, "to_participant_id": w.partner_id,
            "kind": "wish"}  # fmt: skip


def _page_request(w: World, actor: str) -> dict[str, Any]:
    """From the caller's own page, to someone it may ask."""
    target = {PARTICIPANT: w.peer_id, PEER: w.participant_id, OUTSIDER: w.outsider_partner_id}
    return {"to_participant_id": target.get(actor, w.peer_id), "message": "Xin hẹn gặp"}


def _sign_in(w: World, actor: str) -> dict[str, Any]:
    return {"token": w.tokens.get(actor, "")}


def _move(w: World, _: str) -> dict[str, Any]:
    return {"session_id": w.b2b_session_id, "slot": 3, "table": 3}


def _schedule(_: World, __: str) -> dict[str, Any]:
    return {"time_limit_s": "1"}


def _import_file(_: World, __: str) -> dict[str, Any]:
    sheet = "kind,name,country,delegate_name\ncompany,Công ty Nhập Danh Sách,VN,Trần Thị Bình\n"
    return {"file": ("participants.csv", sheet.encode(), "text/csv")}


def _mailing(_: World, __: str) -> dict[str, Any]:
    return {"subject_vi": "Thông báo", "subject_en": "Notice", "body_vi": "Nội dung",
            "body_en": "Body", "dry_run": True}  # fmt: skip


def _update_event(_: World, __: str) -> dict[str, Any]:
    return {"venue": "Trung tâm Hội nghị Quốc gia"}


def _register(w: World, _: str) -> dict[str, Any]:
    return {"organization_id": w.spare_organization_id,
            "delegates": [{"name": "Lê Văn Cường"}]}  # fmt: skip


def _check_in(w: World, _: str) -> dict[str, Any]:
    return {"participant_id": w.participant_id}


def _slot(w: World, _: str) -> dict[str, Any]:
    return {"session_id": w.b2b_session_id, "slot": 1}


def _feedback(w: World, actor: str) -> dict[str, Any]:
    """Each side for itself; an organiser names the side."""
    body: dict[str, Any] = {"rating": 4, "outcome": "follow_up", "next_step": "Gặp lại"}
    if actor == ORGANIZER:
        body["participant_id"] = w.participant_id
    return body


def _page_feedback(_: World, __: str) -> dict[str, Any]:
    return {"rating": "5", "outcome": "mou_planned", "pledged_usd": "1000000"}


def _commitment(w: World, _: str) -> dict[str, Any]:
    return {"kind": "mou", "title": "Biên bản ghi nhớ hợp tác", "status": "signed",
            "organization_ids": [w.organization_id], "event_id": w.event_id,
            "province_code": "Bắc Giang", "partner_country": "KR", "sectors": ["C27"],
            "signed_on": "2026-12-10", "value_usd": 1000000}  # fmt: skip


def _review(_: World, __: str) -> dict[str, Any]:
    return {"status": "in_progress", "realised_usd": 100000, "note": "Đã khởi công"}


def _page_commitment(w: World, _: str) -> dict[str, Any]:
    """The organisers' commitment form, as a browser sends it (several values per name)."""
    return {"kind": "agreement", "title": "Thỏa thuận đào tạo kỹ sư", "status": "signed",
            "organization_ids": [str(w.organization_id), str(w.spare_organization_id)],
            "event_id": str(w.event_id), "meeting_id": "", "province_code": "Bắc Ninh",
            "partner_country": "KR", "sectors": ["C26", "P85"], "signed_on": "2026-12-10",
            "value_usd": "2,500,000", "jobs": "120", "next_review_on": "2027-06-10"}  # fmt: skip


def _page_review(_: World, __: str) -> dict[str, Any]:
    return {"reviewed_on": "2026-12-20", "status": "in_progress", "realised_usd": "500,000",
            "note": "Đã khởi công nhà xưởng"}  # fmt: skip


def commitment_readers(ok: int) -> dict[str, Expect]:
    """Every participant lists the commitments of its own organisation (maybe none)."""
    return {ANONYMOUS: 401, PARTICIPANT: ok, PEER: ok, OUTSIDER: ok, ORGANIZER: ok}


API = "/api/v1"
_ONE = {"participant_id": "{participant_id}"}  # ?participant_id= the participant (a template)

ROWS: Final[tuple[Row, ...]] = (
    # -- service and documentation
    Row("GET", "/healthz", "anyone", anyone()),
    Row("GET", "/openapi.json", "anyone", anyone()),
    Row("GET", "/docs", "anyone", anyone()),
    Row("GET", "/docs/oauth2-redirect", "anyone", anyone()),
    Row("GET", "/redoc", "anyone", anyone()),
    # -- reference data and events
    Row("GET", f"{API}/provinces", "anyone", anyone()),
    Row("GET", f"{API}/sectors", "anyone", anyone()),
    Row("POST", f"{API}/events", "organisers", organizers(201),
        json=lambda w, a: {"name": "Gặp gỡ châu Âu 2026", "partner_country": "EU",
                           "start_date": "2026-11-28", "end_date": "2026-11-30"}),
    Row("GET", f"{API}/events", "anyone (drafts: organisers)", anyone()),
    Row("GET", f"{API}/events/{{event_id}}", "anyone (drafts: organisers)", anyone()),
    Row("PATCH", f"{API}/events/{{event_id}}", "organisers", organizers(200),
        json=_update_event),
    Row("POST", f"{API}/events/{{event_id}}/sessions", "organisers", organizers(201),
        json=_session),
    Row("GET", f"{API}/events/{{event_id}}/sessions", "anyone (drafts: organisers)", anyone()),
    Row("PATCH", f"{API}/events/{{event_id}}/sessions/{{session_id}}", "organisers",
        organizers(200), json=lambda w, a: {"location": "Hội trường B"}),
    Row("DELETE", f"{API}/events/{{event_id}}/sessions/{{session_id}}", "organisers",
        organizers(204)),
    # -- organisations
    Row("POST", f"{API}/organizations", "organisers", organizers(201), json=_organization),
    Row("GET", f"{API}/organizations", "anyone", anyone()),
    Row("GET", f"{API}/organizations/{{organization_id}}", "anyone", anyone()),
    Row("PATCH", f"{API}/organizations/{{organization_id}}", "organisers", organizers(200),
        json=lambda w, a: {"needs": "Đối tác logistics"}),
    # -- participants
    Row("POST", f"{API}/events/{{event_id}}/participants", "organisers", organizers(201),
        json=_register),
    Row("GET", f"{API}/events/{{event_id}}/participants",
        "the event's participants (no others' e-mails), organisers", event_members(200)),
    Row("GET", f"{API}/events/{{event_id}}/participants/{{participant_id}}",
        "the participant, organisers", own(200)),
    Row("PATCH", f"{API}/events/{{event_id}}/participants/{{participant_id}}",
        "the participant (not its side), organisers", own(200),
        json=lambda w, a: {"max_meetings": 6}),
    Row("POST", f"{API}/events/{{event_id}}/participants/{{participant_id}}/token",
        "the participant, organisers", own(200)),
    # -- meetings
    Row("POST", f"{API}/events/{{event_id}}/meetings", "organisers", organizers(201),
        json=_new_meeting),
    Row("GET", f"{API}/events/{{event_id}}/meetings", "the participant (its own), organisers",
        own(200), query=_ONE),
    Row("GET", f"{API}/events/{{event_id}}/meetings/{{meeting_id}}",
        "the meeting's two participants, organisers", own(200)),
    Row("PATCH", f"{API}/events/{{event_id}}/meetings/{{meeting_id}}", "organisers",
        organizers(200), json=lambda w, a: {"locked": True}),
    Row("POST", f"{API}/events/{{event_id}}/schedule", "organisers", organizers(200),
        json=lambda w, a: {"dry_run": True, "time_limit_s": 1}),
    # -- background jobs
    Row("GET", f"{API}/jobs/{{job_id}}", "organisers", organizers(200)),
    Row("POST", f"{API}/jobs/{{job_id}}/cancel", "organisers", organizers(200)),
    Row("GET", f"{API}/events/{{event_id}}/jobs", "organisers", organizers(200)),
    # -- meeting requests and preferences
    Row("POST", f"{API}/events/{{event_id}}/meeting-requests",
        "the sender itself, organisers", for_itself(201), json=_request_for_participant),
    Row("GET", f"{API}/events/{{event_id}}/meeting-requests",
        "the participant (sent and received), organisers", own(200), query=_ONE),
    Row("GET", f"{API}/meeting-requests/{{request_id}}", "its two sides, organisers",
        own(200)),
    Row("POST", f"{API}/meeting-requests/{{request_id}}/accept",
        "the requested participant, organisers", own(200)),
    Row("POST", f"{API}/meeting-requests/{{request_id}}/decline",
        "the requested participant, organisers", own(200)),
    Row("POST", f"{API}/meeting-requests/{{request_id}}/withdraw", "its sender, organisers",
        own(200), params={"request_id": "outgoing_request_id"}),
    Row("POST", f"{API}/events/{{event_id}}/preferences", "the participant itself, organisers",
        for_itself(201), json=_preference_for_participant),
    Row("GET", f"{API}/events/{{event_id}}/preferences",
        "the participant (its own), organisers", own(200), query=_ONE),
    Row("DELETE", f"{API}/events/{{event_id}}/preferences/{{preference_id}}",
        "the participant that set it, organisers", own(204)),
    # -- suggestions
    Row("GET", f"{API}/events/{{event_id}}/participants/{{participant_id}}/suggestions",
        "the participant, organisers", own(200)),
    Row("GET", f"{API}/events/{{event_id}}/suggestions/pairs", "organisers", organizers(200)),
    Row("POST", f"{API}/events/{{event_id}}/suggestions/index", "organisers", organizers(200)),
    # -- live booking
    Row("GET", f"{API}/events/{{event_id}}/participants/{{participant_id}}/free-times",
        "either of the two participants, organisers",
        {ANONYMOUS: 401, PARTICIPANT: 200, PEER: 403, OUTSIDER: 403, ORGANIZER: 200},
        query={"with": "{partner_id}"}, params={"partner_id": "partner_id"}),
    # -- calendars
    Row("GET", f"{API}/events/{{event_id}}/calendar.ics", "anyone (drafts: organisers)",
        anyone()),
    Row("GET", f"{API}/calendars/{{token}}.ics", "the token's holder", token_holder(200)),
    Row("GET", f"{API}/calendars/{{token}}", "the token's holder", token_holder(200)),
    Row("GET", f"{API}/events/{{event_id}}/calendars", "organisers", organizers(200)),
    Row("GET", f"{API}/events/{{event_id}}/calendars/all.ics", "organisers (header or ?token=)",
        organizers(200)),
    Row("GET", f"{API}/events/{{event_id}}/calendars/tables/{{table_no}}.ics",
        "organisers (header or ?token=)", organizers(200)),
    Row("GET", f"{API}/events/{{event_id}}/calendars/interpreters/{{language}}.ics",
        "organisers (header or ?token=)", organizers(200)),
    Row("GET", f"{API}/events/{{event_id}}/meetings/{{meeting_id}}/invitation.ics",
        "the meeting's two participants, organisers", own(200)),
    # -- attendance, feedback, commitments, reports
    Row("POST", f"{API}/events/{{event_id}}/check-ins", "organisers", organizers(201),
        json=_check_in),
    Row("GET", f"{API}/events/{{event_id}}/check-ins", "organisers", organizers(200)),
    Row("GET", f"{API}/events/{{event_id}}/attendance", "organisers", organizers(200)),
    Row("POST", f"{API}/events/{{event_id}}/attendance", "organisers", organizers(200),
        json=_slot),
    Row("PUT", f"{API}/events/{{event_id}}/meetings/{{meeting_id}}/feedback",
        "the meeting's two participants (each its own), organisers", own(200), json=_feedback),
    Row("GET", f"{API}/events/{{event_id}}/meetings/{{meeting_id}}/feedback",
        "the meeting's two participants (each its own), organisers", own(200)),
    Row("POST", f"{API}/commitments", "organisers", organizers(201), json=_commitment),
    Row("GET", f"{API}/commitments", "participants (those their organisation is party to), "
        "organisers", commitment_readers(200)),
    Row("GET", f"{API}/commitments/{{commitment_id}}", "its parties' participants, organisers",
        own(200)),
    Row("PATCH", f"{API}/commitments/{{commitment_id}}", "organisers", organizers(200),
        json=lambda w, a: {"next_review_on": "2027-06-10"}),
    Row("POST", f"{API}/commitments/{{commitment_id}}/reviews", "organisers", organizers(201),
        json=_review),
    Row("GET", f"{API}/reports/summary", "organisers", organizers(200)),
    # -- pages
    Row("GET", "/", "anyone", anyone()),
    Row("GET", "/p/{token}", "the token's holder", token_holder(200)),
    Row("GET", "/p/{token}/agenda", "the token's holder", token_holder(200)),
    Row("POST", "/p/{token}/requests", "the token's holder, for itself", token_holder(303),
        form=_page_request),
    Row("POST", "/p/{token}/requests/{request_id}/{action}",
        "the token's holder, on requests to (accept) or from (withdraw) it",
        {ANONYMOUS: 404, PARTICIPANT: 303, PEER: 404, OUTSIDER: 404, ORGANIZER: 404},
        params={"action": "'accept'"}),
    Row("POST", "/p/{token}/check-in", "the token's holder, for itself", token_holder(303)),
    Row("POST", "/p/{token}/meetings/{meeting_id}/feedback",
        "the token's holder, on its own meetings", own_page(303), form=_page_feedback),
    Row("GET", "/admin", "anyone (the sign-in form; signed in: the events)", anyone()),
    Row("POST", "/admin/login", "organiser tokens only",
        {**dict.fromkeys(ACTORS, 401), ORGANIZER: 303}, form=_sign_in),
    Row("POST", "/admin/logout", "signed-in organisers", organizer_pages(303), csrf=True),
    Row("GET", "/admin/events/{event_id}", "signed-in organisers", organizer_pages(200)),
    Row("POST", "/admin/events/{event_id}/meetings/{meeting_id}/move", "signed-in organisers",
        organizer_pages(303), form=_move, csrf=True),
    Row("POST", "/admin/events/{event_id}/meetings/{meeting_id}/{action}",
        "signed-in organisers", organizer_pages(303), params={"action": "'lock'"}, csrf=True),
    Row("POST", "/admin/events/{event_id}/schedule/preview", "signed-in organisers",
        organizer_pages(200), form=_schedule, csrf=True),
    Row("POST", "/admin/events/{event_id}/schedule/apply", "signed-in organisers",
        organizer_pages(303), form=_schedule, csrf=True),
    Row("POST", "/admin/events/{event_id}/schedule/jobs", "signed-in organisers",
        organizer_pages(202), form=_schedule, csrf=True),
    Row("GET", "/admin/jobs/{job_id}", "signed-in organisers", organizer_pages(200)),
    Row("POST", "/admin/jobs/{job_id}/cancel", "signed-in organisers", organizer_pages(200),
        csrf=True),
    Row("GET", "/admin/events/{event_id}/import", "signed-in organisers", organizer_pages(200)),
    Row("POST", "/admin/events/{event_id}/import", "signed-in organisers",
        organizer_pages(200), files=_import_file, csrf=True),
    Row("GET", "/admin/events/{event_id}/export/{name}.{fmt}", "signed-in organisers",
        organizer_pages(200), params={"name": "'meetings'", "fmt": "'csv'"}),
    Row("GET", "/admin/events/{event_id}/print", "signed-in organisers", organizer_pages(200)),
    Row("GET", "/admin/events/{event_id}/outcomes", "signed-in organisers",
        organizer_pages(200)),
    Row("GET", "/admin/events/{event_id}/check-in", "signed-in organisers",
        organizer_pages(200)),
    Row("POST", "/admin/events/{event_id}/check-in", "signed-in organisers",
        organizer_pages(303), form=_check_in, csrf=True),
    Row("GET", "/admin/events/{event_id}/check-in/{participant_id}", "signed-in organisers",
        organizer_pages(200)),
    Row("POST", "/admin/events/{event_id}/attendance", "signed-in organisers",
        organizer_pages(303), form=_slot, csrf=True),
    Row("POST", "/admin/events/{event_id}/attendance/{meeting_id}", "signed-in organisers",
        organizer_pages(303), form=lambda w, a: {"attendance": "held"}, csrf=True),
    Row("POST", "/admin/events/{event_id}/feedback/{feedback_id}/commitment",
        "signed-in organisers", organizer_pages(303), csrf=True),
    Row("GET", "/admin/events/{event_id}/report", "signed-in organisers", organizer_pages(200)),
    Row("GET", "/admin/events/{event_id}/report/{group_by}.{fmt}", "signed-in organisers",
        organizer_pages(200), params={"group_by": "'province'", "fmt": "'xlsx'"}),
    Row("GET", "/admin/commitments", "signed-in organisers", organizer_pages(200),
        query={"q": "ghi nho", "review_due": "1"}),
    Row("GET", "/admin/commitments/new", "signed-in organisers", organizer_pages(200)),
    Row("POST", "/admin/commitments", "signed-in organisers", organizer_pages(303),
        form=_page_commitment, csrf=True),
    Row("GET", "/admin/commitments/{commitment_id}", "signed-in organisers",
        organizer_pages(200)),
    Row("GET", "/admin/commitments/{commitment_id}/edit", "signed-in organisers",
        organizer_pages(200)),
    Row("POST", "/admin/commitments/{commitment_id}", "signed-in organisers",
        organizer_pages(303), form=_page_commitment, csrf=True),
    Row("POST", "/admin/commitments/{commitment_id}/reviews", "signed-in organisers",
        organizer_pages(303), form=_page_review, csrf=True),
    Row("GET", "/admin/reports", "signed-in organisers", organizer_pages(200),
        query={"from": "2026-01-01", "to": "2026-12-31", "group_by": "sector"}),
    Row("GET", "/admin/reports/{group_by}.{fmt}", "signed-in organisers", organizer_pages(200),
        query={"from": "2026-01-01"}, params={"group_by": "'country'", "fmt": "'xlsx'"}),
    Row("GET", "/static", "anyone", anyone(), request_path="/static/meetx.css"),
    # -- notifications
    Row("GET", f"{API}/events/{{event_id}}/messages", "organisers", organizers(200)),
    Row("GET", f"{API}/events/{{event_id}}/messages/{{message_id}}", "organisers",
        organizers(200)),
    Row("POST", f"{API}/events/{{event_id}}/mailings", "organisers", organizers(200),
        json=_mailing),
    Row("GET", f"{API}/unsubscribe/{{link}}", "whoever holds the link (a GET changes nothing)",
        anyone(), params={"link": "unsubscribe_link"}),
    Row("POST", f"{API}/unsubscribe/{{link}}", "whoever holds the link (RFC 8058 one-click)",
        anyone(), params={"link": "unsubscribe_link"}),
    Row("GET", "/admin/events/{event_id}/messages", "signed-in organisers",
        organizer_pages(200)),
    Row("POST", "/p/{token}/notifications", "the token's holder", token_holder(303),
        form=lambda w, a: {"requests": "true", "schedule": "true"}),
)  # fmt: skip

# Path parameters filled from the World unless a row says otherwise; literals in quotes.
DEFAULT_PARAMS: Final = {
    "event_id": "event_id",
    "session_id": "plenary_session_id",
    "organization_id": "organization_id",
    "participant_id": "participant_id",
    "meeting_id": "meeting_id",
    "request_id": "request_id",
    "preference_id": "preference_id",
    "job_id": "job_id",
    "message_id": "message_id",
    "feedback_id": "feedback_id",
    "commitment_id": "commitment_id",
    "table_no": "'1'",
    "language": "'ko'",
}

_PARAM = re.compile(r"{(\w+)(?::\w+)?}")
UNKNOWN_TOKEN: Final = "mxp_" + "Q" * 43  # well-formed, stands for nobody


def path_parameters(path: str) -> list[str]:
    return _PARAM.findall(path)


def fill(template: str, world: World, actor: str, params: Mapping[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "token":
            return world.tokens.get(actor, UNKNOWN_TOKEN)
        source = params.get(name, DEFAULT_PARAMS.get(name))
        if source is None:
            raise KeyError(f"no value for path parameter {name!r} in {template}")
        if source.startswith("'"):
            return source.strip("'")
        return str(getattr(world, source))

    return _PARAM.sub(value, template)


def cell_text(expect: Expect) -> str:
    return "303 → sign-in" if expect == SIGN_IN else str(expect)


def markdown_table(rows: tuple[Row, ...] = ROWS) -> str:
    header = ["method", "path", "who", *(COLUMN_TITLES[a] for a in ACTORS)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        path = row.path + ("?" + "&".join(f"{key}=" for key in row.query) if row.query else "")
        cells = [row.method, f"`{path}`", row.who, *(cell_text(row.expect[a]) for a in ACTORS)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())

"""Who may call what: one test per route and caller, from the rows of authorization.py.

The event, its participants, a meeting, requests and a preference are built once per
database through the API and committed; every test then runs in a transaction that is
rolled back, so a cell that deletes or rotates something leaves the next cell intact.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from service import cli
from service.auth.service import create_organizer_token, revoke_organizer_token
from service.core import security as tokens
from service.core.database import get_session, make_engine
from service.core.settings import Settings, get_settings
from service.main import create_app
from service.pages.sessions import SESSION_COOKIE
from tests.conftest import ADMIN_TOKEN, Database, migrated_database
from tests.robustness.authorization import (
    ACTORS,
    ANONYMOUS,
    ORGANIZER,
    OUTSIDER,
    PARTICIPANT,
    PEER,
    ROWS,
    SIGN_IN,
    Row,
    World,
    fill,
    markdown_table,
    path_parameters,
)
from tests.robustness.world import build_world

API = "/api/v1"
REPO = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- the app's routes


def route_keys(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route, mounts as GET; the HEAD that Starlette adds beside
    a GET is left out, a route of its own for HEAD is not."""
    try:
        from fastapi.routing import iter_route_contexts

        routes: Any = list(iter_route_contexts(app.routes))
    except ImportError:  # FastAPI before lazily included routers
        routes = app.routes
    keys = set()
    for route in routes:
        methods = set(getattr(route, "methods", None) or ())
        if not methods:
            keys.add(("GET", route.path))
            continue
        if "GET" in methods:
            methods.discard("HEAD")
        keys.update((method, route.path) for method in methods)
    return keys


def _routes_of_a_fresh_app() -> set[tuple[str, str]]:
    return route_keys(create_app(Settings(database_url="sqlite://", log_level="WARNING")))


ROUTES = _routes_of_a_fresh_app()
ROWS_BY_KEY = {row.key: row for row in ROWS}
# A HEAD route of its own (calendar feeds) answers like its GET.
HEAD_ROWS = tuple(
    Row("HEAD", path, row.who, row.expect, query=row.query, params=row.params)
    for method, path in sorted(ROUTES)
    if method == "HEAD" and (row := ROWS_BY_KEY.get(("GET", path))) is not None
)
CELLS = [
    pytest.param(row, actor, id=f"{row.method} {row.path} [{actor}]")
    for row in (*ROWS, *HEAD_ROWS)
    if row.key in ROUTES
    for actor in ACTORS
]


def test_every_route_has_a_row() -> None:
    covered = set(ROWS_BY_KEY) | {row.key for row in HEAD_ROWS}
    missing = sorted(ROUTES - covered)
    stale = sorted(set(ROWS_BY_KEY) - ROUTES)
    assert not missing, (
        "routes without an authorisation row (add one to tests/robustness/authorization.py "
        f"and the README table): {missing}"
    )
    assert not stale, f"rows for routes that no longer exist: {stale}"


def test_the_published_table_matches_the_rows() -> None:
    table = markdown_table()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert table in readme, (
        "the authorisation table in README.md is out of date: regenerate it with "
        "`python -m tests.robustness.authorization`"
    )


# ---------------------------------------------------------------- the world


@dataclass
class Harness:
    app: FastAPI
    client: TestClient
    database: Database
    settings: Settings
    world: World
    connection: sa.Connection | None = None


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def harness(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Harness]:
    for database in migrated_database(request.param, tmp_path_factory.mktemp(request.param)):
        settings = Settings(
            database_url=database.url,
            admin_token=ADMIN_TOKEN,  # type: ignore[arg-type]
            public_url="https://meetx.example",
            log_level="WARNING",
            run_jobs=False,  # the world's queued job stays queued
        )
        app = create_app(settings, engine=database.engine)
        with TestClient(app) as client:
            world = build_world(client, settings, database.engine)
            yield Harness(app, client, database, settings, world)


@pytest.fixture
def rolled_back(harness: Harness) -> Iterator[Harness]:
    """Every request of the test in one transaction, rolled back at the end."""
    with harness.database.engine.connect() as connection:
        transaction = connection.begin()

        def session_override() -> Iterator[Session]:
            with Session(
                bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
            ) as session:
                yield session

        harness.app.dependency_overrides[get_session] = session_override
        harness.connection = connection
        try:
            yield harness
        finally:
            harness.app.dependency_overrides.pop(get_session, None)
            harness.connection = None
            transaction.rollback()


# ---------------------------------------------------------------- calling a cell


def call(h: Harness, row: Row, actor: str, path: str | None = None) -> Any:
    w = h.world
    url = row.request_path or path or fill(row.path, w, actor, row.params)
    headers = {}
    if actor != ANONYMOUS:
        headers["Authorization"] = f"Bearer {w.tokens[actor]}"
    if actor == ORGANIZER and row.path.startswith("/admin"):
        headers["Cookie"] = f"{SESSION_COOKIE}={w.admin_cookie}"
    query = {name: fill(value, w, actor, row.params) for name, value in row.query.items()}
    form = dict(row.form(w, actor)) if row.form else None
    if row.csrf and actor == ORGANIZER:
        form = {**(form or {}), "csrf_token": w.csrf_token}
    h.client.cookies.clear()  # no cookie carries over from one caller to the next
    return h.client.request(
        row.method,
        url,
        params=query or None,
        headers=headers,
        json=row.json(w, actor) if row.json else None,
        data=form,
        files=row.files(w, actor) if row.files else None,
        follow_redirects=False,
    )


def _is_api(path: str) -> bool:
    return path.startswith(API) or path == "/healthz"


@pytest.mark.parametrize(("row", "actor"), CELLS)
def test_cell(rolled_back: Harness, row: Row, actor: str) -> None:
    expected = row.expect[actor]
    response = call(rolled_back, row, actor)
    if expected == SIGN_IN:
        assert (response.status_code, response.headers.get("location")) == (303, "/admin"), (
            response.status_code,
            response.text[:300],
        )
        return
    assert response.status_code == expected, response.text[:500]
    if response.status_code >= 400 and _is_api(row.path):
        assert response.headers["content-type"].startswith("application/problem+json")
    if response.status_code == 401 and _is_api(row.path):
        assert response.headers.get("www-authenticate", "").startswith("Bearer")


# ---------------------------------------------------------------- no existence oracle

UNKNOWN_ID = "987654321"
_DIGITS = re.compile(r"\d+")


def _shape(response: Any) -> tuple[int, str]:
    """What a caller can compare between two answers, with the ids themselves blanked."""
    text = response.text
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        body = response.json()
        body.pop("instance", None)  # the request's own path
        text = repr(sorted(body.items()))
    return response.status_code, _DIGITS.sub("#", text)


def _identifying(row: Row, actor: str) -> list[str]:
    """The ids whose resource the caller is refused: every id in the path and the
    ?participant_id= of a list, but the event only for callers outside it (the event
    itself is no secret to its own participants)."""
    names = [n for n in path_parameters(row.path) if n.endswith("_id")]
    if actor not in (ANONYMOUS, OUTSIDER):
        names = [n for n in names if n != "event_id"]
    return names + [f"query.{n}" for n in row.query]


ORACLE_CASES = [
    pytest.param(row, actor, name, id=f"{row.method} {row.path} [{actor}, unknown {name}]")
    for row in ROWS
    if row.key in ROUTES
    for actor in (ANONYMOUS, PEER, OUTSIDER)
    if row.expect[actor] == 404
    for name in _identifying(row, actor)
]


@pytest.mark.parametrize(("row", "actor", "name"), ORACLE_CASES)
def test_forbidden_answers_like_unknown(
    rolled_back: Harness, row: Row, actor: str, name: str
) -> None:
    forbidden = call(rolled_back, row, actor)
    if name.startswith("query."):
        query = {**row.query, name.removeprefix("query."): UNKNOWN_ID}
        unknown = call(rolled_back, replace(row, query=query), actor)
    else:
        params = {**row.params, name: f"'{UNKNOWN_ID}'"}
        unknown = call(rolled_back, replace(row, params=params), actor)
    assert _shape(forbidden) == _shape(unknown)


@pytest.mark.parametrize("actor", [ANONYMOUS, PARTICIPANT, OUTSIDER])
@pytest.mark.parametrize(
    "template",
    [f"{API}/events/{{id}}", f"{API}/events/{{id}}/sessions", f"{API}/events/{{id}}/calendar.ics"],
)
def test_a_draft_event_answers_like_an_unknown_one(
    rolled_back: Harness, template: str, actor: str
) -> None:
    h = rolled_back
    row = Row("GET", template, "", {})
    draft = call(h, row, actor, path=template.format(id=h.world.draft_event_id))
    unknown = call(h, row, actor, path=template.format(id=UNKNOWN_ID))
    assert draft.status_code == 404
    assert _shape(draft) == _shape(unknown)
    organizer = call(h, row, ORGANIZER, path=template.format(id=h.world.draft_event_id))
    assert organizer.status_code == 200


# ---------------------------------------------------------------- a participant sees its own


def _get(h: Harness, path: str, actor: str, **params: Any) -> Any:
    response = h.client.get(
        path, params=params, headers={"Authorization": f"Bearer {h.world.tokens[actor]}"}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_lists_show_a_participant_only_its_own(rolled_back: Harness) -> None:
    h, w = rolled_back, rolled_back.world
    for actor, me in ((PARTICIPANT, w.participant_id), (PEER, w.peer_id)):
        meetings = _get(h, f"{API}/events/{w.event_id}/meetings", actor)["items"]
        assert all(me in m["participants"] for m in meetings)
        requests = _get(h, f"{API}/events/{w.event_id}/meeting-requests", actor)["items"]
        assert all(me in (r["from_participant_id"], r["to_participant_id"]) for r in requests)
        preferences = _get(h, f"{API}/events/{w.event_id}/preferences", actor)["items"]
        assert all(p["from_participant_id"] == me for p in preferences)
    assert _get(h, f"{API}/events/{w.event_id}/meetings", PARTICIPANT)["total"] == 1
    assert _get(h, f"{API}/events/{w.event_id}/meetings", PEER)["total"] == 0
    everyone = _get(h, f"{API}/events/{w.event_id}/meetings", ORGANIZER)["total"]
    assert everyone >= 1


def test_the_directory_hides_other_participants_emails(rolled_back: Harness) -> None:
    h, w = rolled_back, rolled_back.world
    directory = _get(h, f"{API}/events/{w.event_id}/participants", PEER, limit=200)["items"]
    assert len(directory) >= 5
    for item in directory:
        emails = [d.get("email") for d in item["delegates"]]
        if item["id"] == w.peer_id:
            assert all(emails)
        else:
            assert not any(emails), item
    full = _get(h, f"{API}/events/{w.event_id}/participants", ORGANIZER, limit=200)["items"]
    assert all(d.get("email") for item in full for d in item["delegates"])


# ---------------------------------------------------------------- tokens


def test_tokens_carry_256_random_bits_and_are_stored_hashed(rolled_back: Harness) -> None:
    h, w = rolled_back, rolled_back.world
    assert tokens.TOKEN_BYTES * 8 >= 128
    token = w.tokens[PARTICIPANT]
    assert re.fullmatch(r"mxp_[A-Za-z0-9_-]{43}", token)  # 32 bytes of secrets.token_urlsafe
    assert len({tokens.new_token("mxp") for _ in range(1000)}) == 1000
    # The token itself is nowhere in the database, only its SHA-256.
    db = h.connection
    assert db is not None
    found = []
    for name in sa.inspect(db).get_table_names():
        for row in db.execute(sa.text(f'SELECT * FROM "{name}"')):
            if any(token[4:] in str(value) for value in row):
                found.append(name)
    digest = db.execute(
        sa.text("SELECT token_hash FROM participant WHERE id = :id"), {"id": w.participant_id}
    ).scalar_one()
    assert found == []
    assert digest == tokens.hash_token(token)


def test_the_admin_token_is_compared_in_constant_time(
    rolled_back: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[bytes, bytes]] = []
    compare_digest = hmac.compare_digest

    def recording_compare(a: bytes, b: bytes) -> bool:
        seen.append((a, b))
        return compare_digest(a, b)

    monkeypatch.setattr(tokens.hmac, "compare_digest", recording_compare)
    h = rolled_back
    response = h.client.get(
        f"{API}/events/{h.world.event_id}/participants",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    assert response.status_code == 200
    assert (ADMIN_TOKEN.encode(), ADMIN_TOKEN.encode()) in seen


@pytest.mark.parametrize("token", ["mxp_" + "x" * 43, "mxo_forged", "", "a" * 5000])
def test_a_token_that_stands_for_nobody_is_refused(rolled_back: Harness, token: str) -> None:
    h = rolled_back
    response = h.client.get(
        f"{API}/events/{h.world.event_id}/meetings", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code in (401, 403)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert token[:40] not in response.text or not token


def test_a_rotated_participant_token_stops_working_at_once(rolled_back: Harness) -> None:
    h, w = rolled_back, rolled_back.world
    old = w.tokens[PARTICIPANT]
    path = f"{API}/events/{w.event_id}/participants/{w.participant_id}"
    rotated = h.client.post(f"{path}/token", headers={"Authorization": f"Bearer {old}"})
    assert rotated.status_code == 200
    new = rotated.json()["token"]
    assert new != old
    assert h.client.get(path, headers={"Authorization": f"Bearer {old}"}).status_code == 403
    assert h.client.get(f"{API}/calendars/{old}.ics").status_code == 404
    assert h.client.get(f"/p/{old}").status_code == 404
    assert h.client.get(path, headers={"Authorization": f"Bearer {new}"}).status_code == 200
    assert h.client.get(f"{API}/calendars/{new}.ics").status_code == 200


def test_a_revoked_organizer_token_stops_working(rolled_back: Harness) -> None:
    h, w = rolled_back, rolled_back.world
    path = f"{API}/events/{w.event_id}/participants"
    assert h.connection is not None
    with Session(bind=h.connection, join_transaction_mode="create_savepoint") as db:
        row, token = create_organizer_token(session=db, name="Sở Ngoại vụ Bắc Ninh")
        assert h.client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert revoke_organizer_token(session=db, token_id=row.id)  # type: ignore[arg-type]
    assert h.client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code == 403


def test_meetx_token_create_and_revoke(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'meetx.db'}"
    monkeypatch.setenv("MEETX_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        assert cli.main(["token", "create", "--name", "Sở Ngoại vụ Gia Lai"]) == 0
        printed = capsys.readouterr()
        token = printed.out.strip()
        token_id = re.search(r"token (\d+)", printed.err)
        assert token.startswith("mxo_") and token_id
        engine = make_engine(url)
        app = create_app(Settings(database_url=url, log_level="WARNING"), engine)
        # An organiser-only route on an unknown event: 404 once through the gate, 403 if not.
        probe = f"{API}/events/{UNKNOWN_ID}"
        with TestClient(app) as client:
            headers = {"Authorization": f"Bearer {token}"}
            assert client.patch(probe, json={}, headers=headers).status_code == 404
            assert cli.main(["token", "revoke", token_id.group(1)]) == 0
            assert client.patch(probe, json={}, headers=headers).status_code == 403
        assert cli.main(["token", "revoke", token_id.group(1)]) == 2  # already revoked
        engine.dispose()
    finally:
        get_settings.cache_clear()

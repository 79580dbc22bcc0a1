"""Suggestions through the API, on the demo event and on small events."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.organizations.models import Organization
from service.participants.models import Participant
from service.seeding.demo import load_demo_event
from tests.service.factories import assert_problem, create, event_payload, organization_payload

ELECTRONICS_GUESTS = [
    "Hanbit Semicon Co., Ltd.",
    "Daon EMS Co., Ltd.",
    "Ieum Connectivity Co., Ltd.",
    "Seoha Sensor Tech Co., Ltd.",
    "Nuri Optics Co., Ltd.",
]
GOOD_PARTNERS = {
    "Ủy ban nhân dân tỉnh Bắc Ninh",
    "Ủy ban nhân dân thành phố Hải Phòng",
    "Công ty CP Linh kiện Điện tử Kinh Bắc",
    "Công ty CP Dây cáp và Linh kiện Yên Phong",
    "Công ty TNHH Bảng mạch Sông Cầu",
}


def _participant_of(db: Session, event_id: int, name: str) -> int:
    row = db.exec(
        select(Participant.id)
        .join(Organization, Organization.id == Participant.organization_id)
        .where(Participant.event_id == event_id, Organization.name == name)
    ).one()
    return int(row)


def test_demo_electronics_guests_meet_bac_ninh_hai_phong_or_suppliers(
    client: TestClient, db: Session, admin_headers: dict
) -> None:
    event, _ = load_demo_event(session=db, public_url="https://meetx.example")
    for name in ELECTRONICS_GUESTS:
        pid = _participant_of(db, event.id, name)
        response = client.get(
            f"/api/v1/events/{event.id}/participants/{pid}/suggestions",
            params={"limit": 5},
            headers=admin_headers,
        )
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        assert len(items) == 5
        top = [i["organization"]["name"] for i in items]
        assert GOOD_PARTNERS & set(top), (name, top)
        # Only the other side is suggested, best first, scores in [0, 1].
        assert all(i["side"] == "host" for i in items)
        scores = [i["score"] for i in items]
        assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
        good = next(i for i in items if i["organization"]["name"] in GOOD_PARTNERS)
        reasons = " ".join(r["vi"] + " " + r["en"] for r in good["reasons"])
        assert "C26" in reasons, reasons


def test_participant_sees_only_its_own_suggestions(client: TestClient, admin_headers: dict) -> None:
    event = create(client, "/api/v1/events", event_payload(), admin_headers)
    guest = create(client, "/api/v1/organizations", organization_payload(), admin_headers)
    host = create(
        client,
        "/api/v1/organizations",
        organization_payload(
            kind="province",
            name="UBND tỉnh Bắc Ninh",
            country="VN",
            province_code="24",
            languages=["vi"],
            offers="Đất khu công nghiệp, linh kiện điện tử",
            needs="Vốn FDI",
        ),
        admin_headers,
    )
    path = f"/api/v1/events/{event['id']}/participants"
    p_guest = create(client, path, {"organization_id": guest["id"]}, admin_headers)
    p_host = create(client, path, {"organization_id": host["id"]}, admin_headers)
    own = {"Authorization": f"Bearer {p_guest['token']}"}

    mine = client.get(f"{path}/{p_guest['id']}/suggestions", headers=own)
    assert mine.status_code == 200
    assert [i["participant_id"] for i in mine.json()["items"]] == [p_host["id"]]
    assert_problem(client.get(f"{path}/{p_host['id']}/suggestions", headers=own), 404)
    assert_problem(client.get(f"{path}/{p_guest['id']}/suggestions"), 401)
    assert_problem(client.get(f"{path}/999999/suggestions", headers=admin_headers), 404)
    for bad in (0, 101, "x"):
        assert_problem(
            client.get(f"{path}/{p_guest['id']}/suggestions", params={"limit": bad}, headers=own),
            422,
            "query.limit",
        )


def test_profile_change_is_reflected_at_once(client: TestClient, admin_headers: dict) -> None:
    event = create(client, "/api/v1/events", event_payload(), admin_headers)
    guest = create(
        client, "/api/v1/organizations", organization_payload(sectors=["C26"]), admin_headers
    )
    shrimp = create(
        client,
        "/api/v1/organizations",
        organization_payload(
            name="Công ty Thủy sản Đất Mũi",
            country="VN",
            province_code="96",
            sectors=["A03"],
            offers="Tôm sú xuất khẩu",
            needs="Thị trường Hàn Quốc",
            languages=["vi"],
        ),
        admin_headers,
    )
    chips = create(
        client,
        "/api/v1/organizations",
        organization_payload(
            name="Công ty Linh kiện Kinh Bắc",
            country="VN",
            province_code="24",
            sectors=["C13"],
            offers="Dệt may",
            needs="",
            languages=["vi"],
        ),
        admin_headers,
    )
    path = f"/api/v1/events/{event['id']}/participants"
    p_guest = create(client, path, {"organization_id": guest["id"]}, admin_headers)
    create(client, path, {"organization_id": shrimp["id"]}, admin_headers)
    p_chips = create(client, path, {"organization_id": chips["id"]}, admin_headers)

    def sector_of_chips() -> float:
        items = client.get(f"{path}/{p_guest['id']}/suggestions", headers=admin_headers).json()[
            "items"
        ]
        return next(i for i in items if i["participant_id"] == p_chips["id"])["components"][
            "sector"
        ]

    before = sector_of_chips()
    client.patch(
        f"/api/v1/organizations/{chips['id']}", json={"sectors": ["C26"]}, headers=admin_headers
    )
    assert sector_of_chips() > before


def test_top_pairs_json_and_safe_csv(client: TestClient, db: Session, admin_headers: dict) -> None:
    event, _ = load_demo_event(session=db, public_url="https://meetx.example")
    pairs = client.get(
        f"/api/v1/events/{event.id}/suggestions/pairs", params={"limit": 20}, headers=admin_headers
    )
    assert pairs.status_code == 200
    items = pairs.json()["items"]
    assert len(items) == 20 and items[0]["score"] >= items[-1]["score"]
    csv_response = client.get(
        f"/api/v1/events/{event.id}/suggestions/pairs",
        params={"limit": 20, "format": "csv"},
        headers=admin_headers,
    )
    assert csv_response.headers["content-type"].startswith("text/csv")
    assert len(csv_response.text.strip().splitlines()) == 21
    assert_problem(client.get(f"/api/v1/events/{event.id}/suggestions/pairs"), 401)


def test_event_weights_are_validated(client: TestClient, admin_headers: dict) -> None:
    event = create(client, "/api/v1/events", event_payload(), admin_headers)
    bad = client.patch(
        f"/api/v1/events/{event['id']}", json={"match_weights": {"luck": 1}}, headers=admin_headers
    )
    assert_problem(bad, 422, "body.match_weights")
    ok = client.patch(
        f"/api/v1/events/{event['id']}",
        json={"match_weights": {"sector": 1, "text": 1}},
        headers=admin_headers,
    )
    assert ok.status_code == 200 and ok.json()["match_weights"] == {"sector": 1, "text": 1}


def test_event_without_participants_has_no_pairs(client: TestClient, admin_headers: dict) -> None:
    event = create(client, "/api/v1/events", event_payload(), admin_headers)
    response = client.get(f"/api/v1/events/{event['id']}/suggestions/pairs", headers=admin_headers)
    assert response.status_code == 200
    assert response.json() == {"items": [], "total": 0}

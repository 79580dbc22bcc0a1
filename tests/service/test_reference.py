"""GET /provinces and GET /sectors."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_lists_the_34_current_provinces(client: TestClient) -> None:
    body = client.get("/api/v1/provinces").json()
    assert body["total"] == 34
    codes = {p["code"] for p in body["items"]}
    assert {"01", "79", "24", "31", "96"} <= codes


def test_former_name_finds_the_current_unit_and_says_so(client: TestClient) -> None:
    body = client.get("/api/v1/provinces", params={"q": "binh duong"}).json()
    assert body["total"] == 1
    item = body["items"][0]
    assert item["code"] == "79"
    assert item["matched_former"]["name"] == "Bình Dương"


def test_search_is_accent_insensitive_and_folds_d(client: TestClient) -> None:
    body = client.get("/api/v1/provinces", params={"q": "dak lak"}).json()
    assert [p["code"] for p in body["items"]] == ["66"]
    assert body["items"][0]["matched_former"] is None
    body = client.get("/api/v1/provinces", params={"q": "ĐẮK LẮK"}).json()
    assert [p["code"] for p in body["items"]] == ["66"]


def test_every_merger_resolves(client: TestClient) -> None:
    for former, current in [
        ("Bình Định", "52"),
        ("Kon Tum", "51"),
        ("Hà Giang", "08"),
        ("Bà Rịa - Vũng Tàu", "79"),
        ("Vĩnh Phúc", "25"),
        ("Quảng Nam", "48"),
    ]:
        items = client.get("/api/v1/provinces", params={"q": former}).json()["items"]
        assert current in [p["code"] for p in items], former


def test_unchanged_province_lists_no_former_units(client: TestClient) -> None:
    items = client.get("/api/v1/provinces", params={"q": "Quang Ninh"}).json()["items"]
    assert [p["code"] for p in items] == ["22"]
    assert items[0]["former_units"] == []


def test_sectors_have_both_names_and_search(client: TestClient) -> None:
    body = client.get("/api/v1/sectors", params={"limit": 200}).json()
    assert body["total"] == 21 + 88
    c26 = next(s for s in body["items"] if s["code"] == "C26")
    assert c26["parent"] == "C" and c26["name_vi"] and c26["name_en"]
    found = client.get("/api/v1/sectors", params={"q": "dien tu"}).json()["items"]
    assert "C26" in [s["code"] for s in found]


def test_pagination_bounds_are_validated(client: TestClient) -> None:
    assert client.get("/api/v1/sectors", params={"limit": 0}).status_code == 422
    assert client.get("/api/v1/sectors", params={"limit": 201}).status_code == 422
    page = client.get("/api/v1/sectors", params={"limit": 5, "offset": 5}).json()
    assert len(page["items"]) == 5 and page["total"] == 109

"""The commitments register: references checked, the province kept as given and
reported under its current unit, reviews appended, a participant sees only its own."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.service.builders import EventBuilder
from tests.service.factories import assert_problem
from tests.service.outcomes import PastEdition, past_edition

API = "/api/v1"


def _mou(e: PastEdition, **overrides: Any) -> dict[str, Any]:
    body = {
        "kind": "mou",
        "title": "Biên bản ghi nhớ đầu tư nhà máy linh kiện",
        "organization_ids": [e.host["organization_id"], e.guest["organization_id"]],
        "event_id": e.builder.id,
        "meeting_id": e.meeting["id"],
        "province_code": "Bình Dương",
        "partner_country": "KR",
        "sectors": ["C26"],
        "signed_on": "2026-06-10",
        "value_usd": 50_000_000,
        "jobs": 800,
        "status": "signed",
        "next_review_on": "2026-09-10",
    }
    body.update(overrides)
    return body


def _create(client: TestClient, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"{API}/commitments", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_former_province_is_kept_as_given_and_read_as_its_current_unit(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    e = past_edition(client, admin_headers)
    c = _create(client, admin_headers, _mou(e))
    assert c["province_given"] == "Bình Dương"
    assert c["province_code"] == "79"
    assert c["organization_ids"] == sorted([e.host["organization_id"], e.guest["organization_id"]])
    assert c["reviews"] == []
    for query in ("79", "Bình Dương", "binh duong", "Hồ Chí Minh"):
        found = client.get(f"{API}/commitments", params={"province": query}, headers=admin_headers)
        assert [x["id"] for x in found.json()["items"]] == [c["id"]], query
    other = client.get(f"{API}/commitments", params={"province": "Bắc Ninh"}, headers=admin_headers)
    assert other.json()["total"] == 0


def test_bad_references_name_the_field_and_store_nothing(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    e = past_edition(client, admin_headers)
    elsewhere = EventBuilder.new(client, admin_headers, name="Gặp gỡ Nhật Bản 2026")
    for overrides, field in (
        ({"organization_ids": [e.host["organization_id"], 987654]}, "body.organization_ids.1"),
        ({"event_id": elsewhere.id}, "body.meeting_id"),
        ({"event_id": 987654}, "body.event_id"),
        ({"meeting_id": 987654}, "body.meeting_id"),
        ({"status": "done"}, "body.status"),
        ({"kind": "deal"}, "body.kind"),
        ({"value_usd": -5}, "body.value_usd"),
        ({"jobs": -1}, "body.jobs"),
        ({"sectors": ["Z99"]}, "body.sectors.0"),
        ({"province_code": "Atlantis"}, "body.province_code"),
        ({"organization_ids": []}, "body.organization_ids"),
    ):
        response = client.post(
            f"{API}/commitments", json=_mou(e, **overrides), headers=admin_headers
        )
        assert_problem(response, 422, field)
    assert client.get(f"{API}/commitments", headers=admin_headers).json()["total"] == 0


def test_reviews_append_and_move_the_commitment(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    e = past_edition(client, admin_headers)
    c = _create(client, admin_headers, _mou(e))
    path = f"{API}/commitments/{c['id']}/reviews"
    early = client.post(
        path, json={"status": "in_progress", "note": "Trước ký", "reviewed_on": "2026-06-01"},
        headers=admin_headers,
    )  # fmt: skip
    assert_problem(early, 422, "body.reviewed_on")
    first = client.post(
        path, json={"status": "in_progress", "realised_usd": 5_000_000,
                    "note": "Đã thuê đất", "reviewed_on": "2026-09-12"}, headers=admin_headers,
    )  # fmt: skip
    assert first.status_code == 201, first.text
    second = client.post(
        path, json={"status": "realised", "realised_usd": 48_000_000,
                    "note": "Nhà máy vận hành", "reviewed_on": "2026-11-30"}, headers=admin_headers,
    )  # fmt: skip
    body = client.get(f"{API}/commitments/{c['id']}", headers=admin_headers).json()
    assert second.json()["status"] == body["status"] == "realised"
    assert body["realised_usd"] == 48_000_000
    assert [(r["status"], r["realised_usd"]) for r in body["reviews"]] == [
        ("in_progress", 5_000_000), ("realised", 48_000_000)]  # fmt: skip
    assert_problem(client.post(path, json={"status": "realised", "note": " "},
                               headers=admin_headers), 422, "body.note")  # fmt: skip
    assert_problem(client.post(path, json={"status": "won", "note": "x"},
                               headers=admin_headers), 422, "body.status")  # fmt: skip
    assert len(client.get(f"{API}/commitments/{c['id']}", headers=admin_headers).json()[
        "reviews"]) == 2  # fmt: skip


def test_reviews_due_and_filters(client: TestClient, admin_headers: dict[str, str]) -> None:
    e = past_edition(client, admin_headers)
    due = _create(client, admin_headers, _mou(e, next_review_on="2026-09-10"))
    later = _create(client, admin_headers, _mou(e, next_review_on="2099-01-01", sectors=["D35"],
                                                 partner_country="JP"))  # fmt: skip
    listed = client.get(f"{API}/commitments", params={"review_due": "true"}, headers=admin_headers)
    assert [c["id"] for c in listed.json()["items"]] == [due["id"]]
    assert listed.json()["items"][0]["review_due"] is True
    by_sector = client.get(f"{API}/commitments", params={"sector": "D"}, headers=admin_headers)
    assert [c["id"] for c in by_sector.json()["items"]] == [later["id"]]
    by_country = client.get(f"{API}/commitments", params={"country": "jp"}, headers=admin_headers)
    assert [c["id"] for c in by_country.json()["items"]] == [later["id"]]
    patched = client.patch(f"{API}/commitments/{due['id']}", json={"next_review_on": "2099-01-01",
                           "province_code": "74"}, headers=admin_headers)  # fmt: skip
    assert patched.status_code == 200, patched.text
    assert patched.json()["province_code"] == "79" and patched.json()["province_given"] == "74"
    listed = client.get(f"{API}/commitments", params={"review_due": "true"}, headers=admin_headers)
    assert listed.json()["total"] == 0


def test_a_participant_sees_only_commitments_it_is_party_to(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    e = past_edition(client, admin_headers)
    c = _create(client, admin_headers, _mou(e))
    other = _create(client, admin_headers, _mou(
        e, organization_ids=[e.other_guest["organization_id"]], meeting_id=None))  # fmt: skip
    host = EventBuilder.auth(e.host)
    listed = client.get(f"{API}/commitments", headers=host).json()
    assert [x["id"] for x in listed["items"]] == [c["id"]]
    # Asking for another organisation's changes nothing.
    asked = client.get(f"{API}/commitments", params={
        "organization_id": e.other_guest["organization_id"]}, headers=host).json()  # fmt: skip
    assert [x["id"] for x in asked["items"]] == [c["id"]]
    assert client.get(f"{API}/commitments/{c['id']}", headers=host).status_code == 200
    assert_problem(client.get(f"{API}/commitments/{other['id']}", headers=host), 404)
    assert_problem(client.post(f"{API}/commitments", json=_mou(e), headers=host), 403)


def test_one_click_from_a_mou_signed_feedback(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    e = past_edition(client, admin_headers)
    feedback = client.put(
        e.path(f"/meetings/{e.meeting['id']}/feedback"),
        json={"rating": 5, "outcome": "mou_signed", "pledged_usd": 12_000_000},
        headers=EventBuilder.auth(e.host),
    ).json()
    c = _create(client, admin_headers, {
        "kind": "mou", "title": "MoU từ cuộc gặp", "organization_ids": [e.host["organization_id"]],
        "feedback_id": feedback["id"], "status": "signed"})  # fmt: skip
    assert c["meeting_id"] == e.meeting["id"] and c["event_id"] == e.builder.id
    assert c["value_usd"] == 12_000_000
    assert c["province_code"] == "79"
    assert c["partner_country"] == "KR"
    assert c["sectors"] == ["C26", "C27"]


def test_word_search_reads_titles_and_parties_without_accents(
    client: TestClient, admin_headers: dict[str, str], db: Any
) -> None:
    from service.commitments import service as register

    e = past_edition(client, admin_headers)
    chip = _create(client, admin_headers, _mou(e, title="Nhà máy linh kiện bán dẫn",
                                               notes="Khu công nghiệp Quang Châu"))  # fmt: skip
    port = _create(client, admin_headers, _mou(
        e, title="Cảng cạn logistics", organization_ids=[e.other_guest["organization_id"]],
        meeting_id=None, province_code="Bắc Ninh", value_usd=10_000_000))  # fmt: skip
    for words, found in (
        ("ban dan", [chip["id"]]),
        ("BÁN   dẫn", [chip["id"]]),
        ("dan ban", [chip["id"]]),  # any order
        ("quang chau", [chip["id"]]),  # the notes
        ("hanbit nha may", [chip["id"]]),  # a party's name and the title
        ("tokyo", [port["id"]]),  # only a party's name
        ("binh duong", [chip["id"]]),  # the province as given
        ("ban dan tokyo", []),
        ("-- ,", [chip["id"], port["id"]]),  # no word: no filter
    ):
        listed = client.get(f"{API}/commitments", params={"q": words}, headers=admin_headers)
        assert sorted(c["id"] for c in listed.json()["items"]) == sorted(found), words
    totals = register.commitment_totals(session=db, query="ban dan")
    assert (totals.count, totals.value_usd, totals.realised_usd) == (1, 50_000_000, 0)
    totals = register.commitment_totals(session=db, province="Bắc Ninh")
    assert (totals.count, totals.value_usd) == (1, 10_000_000)
    # A title changed through the API is found by its new words only.
    client.patch(f"{API}/commitments/{chip['id']}", json={"title": "Trung tâm dữ liệu"},
                 headers=admin_headers)  # fmt: skip
    assert client.get(f"{API}/commitments", params={"q": "ban dan"},
                      headers=admin_headers).json()["total"] == 0  # fmt: skip
    assert client.get(f"{API}/commitments", params={"q": "du lieu"},
                      headers=admin_headers).json()["total"] == 1  # fmt: skip


def test_a_commitment_moves_between_events_with_a_meeting_of_its_own_event(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    e = past_edition(client, admin_headers)
    later = past_edition(client, admin_headers, name="Gặp gỡ Hàn Quốc 2026 (phiên 2)")
    c = _create(client, admin_headers, _mou(e))
    path = f"{API}/commitments/{c['id']}"
    # Into another event while keeping a meeting of the first: refused, nothing changed.
    assert_problem(client.patch(path, json={"event_id": later.builder.id},
                                headers=admin_headers), 422, "body.meeting_id")  # fmt: skip
    assert_problem(client.patch(path, json={"meeting_id": later.meeting["id"]},
                                headers=admin_headers), 422, "body.meeting_id")  # fmt: skip
    assert_problem(client.patch(path, json={"event_id": 987654, "meeting_id": None},
                                headers=admin_headers), 422, "body.event_id")  # fmt: skip
    assert_problem(client.patch(path, json={"next_review_on": "2026-01-01"},
                                headers=admin_headers), 422, "body.next_review_on")  # fmt: skip
    unchanged = client.get(path, headers=admin_headers).json()
    assert (unchanged["event_id"], unchanged["meeting_id"]) == (e.builder.id, e.meeting["id"])
    moved = client.patch(
        path,
        json={"event_id": later.builder.id, "meeting_id": later.meeting["id"]},
        headers=admin_headers,
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["event_id"], moved.json()["meeting_id"]) == (
        later.builder.id, later.meeting["id"])  # fmt: skip
    # Out of any event: signed at a provincial conference; the meeting goes with it.
    out = client.patch(path, json={"event_id": None}, headers=admin_headers).json()
    assert (out["event_id"], out["meeting_id"]) == (None, None)
    # A meeting alone names its event.
    back = client.patch(path, json={"meeting_id": e.meeting["id"]}, headers=admin_headers).json()
    assert (back["event_id"], back["meeting_id"]) == (e.builder.id, e.meeting["id"])


def test_a_review_sets_the_next_review_date(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    e = past_edition(client, admin_headers)
    c = _create(client, admin_headers, _mou(e, next_review_on="2026-09-10"))
    due = {"review_due": "true"}
    assert client.get(f"{API}/commitments", params=due, headers=admin_headers).json()["total"] == 1
    path = f"{API}/commitments/{c['id']}/reviews"
    early = client.post(path, json={"status": "in_progress", "note": "Rà soát quý",
                        "reviewed_on": "2026-11-01", "next_review_on": "2026-10-01"},
                        headers=admin_headers)  # fmt: skip
    assert_problem(early, 422, "body.next_review_on")
    kept = client.post(path, json={"status": "in_progress", "note": "Rà soát quý",
                       "reviewed_on": "2026-11-01"}, headers=admin_headers).json()  # fmt: skip
    assert kept["next_review_on"] == "2026-09-10", "unchanged when the review sets none"
    moved = client.post(path, json={"status": "in_progress", "note": "Rà soát quý",
                        "reviewed_on": "2026-11-02", "next_review_on": "2027-05-01"},
                        headers=admin_headers).json()  # fmt: skip
    assert moved["next_review_on"] == "2027-05-01" and len(moved["reviews"]) == 2
    assert client.get(f"{API}/commitments", params=due, headers=admin_headers).json()["total"] == 0

"""The organisers' register pages over HTTP: the list and its filters, the form (its
refusals shown beside the field, the organisation search, nothing stored on refusal),
editing, appending reviews, and the one-click commitment from a "MoU signed" feedback."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from service.commitments import service as register
from tests.service.builders import EventBuilder
from tests.service.outcomes import PastEdition, past_edition
from tests.service.pages.conftest import sign_in

API = "/api/v1"
FIELD_ERROR = re.compile(r'<p class="field-error" id="([a-z_]+)-error">([^<]*)</p>')


def _errors(html: str) -> dict[str, str]:
    return dict(FIELD_ERROR.findall(html))


def _listed(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr id="commitment-(\d+)">', html)]


def _commitment(client: TestClient, headers: dict[str, str], e: PastEdition, **body: Any) -> int:
    payload = {"kind": "mou", "title": "Biên bản ghi nhớ", "status": "signed",
               "organization_ids": [e.host["organization_id"], e.guest["organization_id"]],
               "event_id": e.builder.id, "signed_on": "2026-06-10", **body}  # fmt: skip
    response = client.post(f"{API}/commitments", json=payload, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _form(e: PastEdition, csrf: str, **fields: Any) -> dict[str, Any]:
    return {
        "csrf_token": csrf, "kind": "investment", "title": "Nhà máy bán dẫn Sóng Thần",
        "organization_ids": [str(e.host["organization_id"]), str(e.guest["organization_id"])],
        "event_id": str(e.builder.id), "meeting_id": str(e.meeting["id"]),
        "province_code": "Bình Dương", "partner_country": "KR", "sectors": ["C26", "C27"],
        "signed_on": "2026-06-10", "value_usd": "12,000,000", "jobs": "800",
        "status": "signed", "next_review_on": "2026-12-10", "notes": "Ký tại hội nghị",
        **fields,
    }  # fmt: skip


def test_the_register_lists_and_filters_across_editions(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    e = past_edition(client, admin_headers)
    later = past_edition(client, admin_headers, name="Gặp gỡ Hàn Quốc 2026 (phiên 2)")
    chip = _commitment(client, admin_headers, e, title="Nhà máy linh kiện bán dẫn",
                       province_code="Bình Dương", value_usd=40e6,
                       next_review_on="2026-09-01")  # fmt: skip
    school = _commitment(client, admin_headers, later, title="Trường đào tạo kỹ sư",
                         province_code="Bắc Ninh", value_usd=5e6, status="proposed",
                         signed_on=None, organization_ids=[later.other_guest[
                             "organization_id"]], next_review_on="2099-01-01")  # fmt: skip
    outside = _commitment(client, admin_headers, e, title="Kết nghĩa Gumi", event_id=None,
                          kind="twinning", province_code="24")  # fmt: skip
    assert client.get("/admin/commitments", follow_redirects=False).headers["location"] == "/admin"
    sign_in(client)
    everything = client.get("/admin/commitments")
    assert everything.status_code == 200
    assert set(_listed(everything.text)) == {chip, school, outside}
    assert 'id="register-count">3<' in everything.text
    for query, expected in (
        ({"event_id": e.builder.id}, {chip}),
        ({"event_id": later.builder.id}, {school}),
        ({"q": "ban dan"}, {chip}),
        ({"q": "TOKYO"}, {school}),  # a party's name
        ({"province": "binh duong"}, {chip}),  # a former name finds today's unit
        ({"province": "Hồ Chí Minh"}, {chip}),
        ({"province": "Bắc Ninh"}, {school, outside}),
        ({"status": "proposed"}, {school}),
        ({"review_due": "1"}, {chip}),
        ({"country": "JP"}, set()),
        ({"q": "nha may", "province": "79", "review_due": "1"}, {chip}),
    ):
        page = client.get("/admin/commitments", params=query)
        assert page.status_code == 200, page.text
        assert set(_listed(page.text)) == expected, query
    totals = client.get("/admin/commitments", params={"province": "Bắc Ninh"}).text
    assert 'id="register-count">2<' in totals and "5,000,000" in totals
    beyond = client.get("/admin/commitments", params={"event_id": "99999999999"})
    assert beyond.status_code == 422 and set(_errors(beyond.text)) == {"event_id"}
    refused = client.get("/admin/commitments", params={"province": "Atlantis"})
    assert refused.status_code == 422
    assert set(_errors(refused.text)) == {"province"}
    assert "Không nhận ra tỉnh" in refused.text
    english = client.get("/admin/commitments", params={"lang": "en"})
    assert "Commitments register" in english.text and "Review due" in english.text
    assert "Ho Chi Minh City" in english.text and "(Bình Dương)" in english.text


def test_the_form_shows_refusals_beside_the_fields_and_stores_nothing(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    e = past_edition(client, admin_headers)
    elsewhere = past_edition(client, admin_headers, name="Gặp gỡ Nhật Bản 2026")
    csrf = sign_in(client)
    blank = client.get("/admin/commitments/new", params={"event_id": e.builder.id})
    assert blank.status_code == 200
    assert f'<option value="{e.builder.id}" selected>' in blank.text
    for fields, marked in (
        ({"title": " ", "organization_ids": [], "value_usd": "-5", "jobs": "many"},
         {"title", "organization_ids", "value_usd", "jobs"}),
        ({"kind": "deal"}, {"kind"}),
        ({"province_code": "Atlantis"}, {"province_code"}),
        ({"meeting_id": str(elsewhere.meeting["id"])}, {"meeting_id"}),
        ({"organization_ids": [str(e.host["organization_id"]), "987654"]}, {"organization_ids"}),
        ({"sectors": ["Z99"]}, {"sectors"}),
        ({"next_review_on": "2026-01-01"}, {"next_review_on"}),
        ({"signed_on": "10/06/2026"}, {"signed_on"}),
        ({"status": "done"}, {"status"}),
        ({"organization_ids": ["99999999999999"], "event_id": "99999999999999",
          "meeting_id": "x"}, {"organization_ids", "event_id", "meeting_id"}),
    ):  # fmt: skip
        answer = client.post("/admin/commitments", data=_form(e, csrf, **fields),
                             follow_redirects=False)  # fmt: skip
        assert answer.status_code == 422, (fields, answer.text[:500])
        assert set(_errors(answer.text)) == marked, fields
        assert 'role="alert" id="error-summary"' in answer.text
        for name in marked:  # the field itself says it is wrong, and where the message is
            assert f'aria-describedby="{name}-error"' in answer.text, name
        # What was typed comes back as typed.
        assert 'value="Ký tại hội nghị"' not in answer.text  # a textarea, not an attribute
        assert ">Ký tại hội nghị</textarea>" in answer.text
    assert client.get(f"{API}/commitments", headers=admin_headers).json()["total"] == 0
    english = client.post("/admin/commitments?lang=en", data=_form(e, csrf, value_usd="-1"))
    assert _errors(english.text) == {"value_usd": "Enter an amount of 0 or more, e.g. 12,000,000."}
    assert client.post("/admin/commitments", data={**_form(e, csrf), "csrf_token": "forged"},
                       follow_redirects=False).status_code == 403  # fmt: skip
    assert client.get(f"{API}/commitments", headers=admin_headers).json()["total"] == 0


def test_organisations_are_found_by_words_and_the_form_kept(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    e = past_edition(client, admin_headers)
    csrf = sign_in(client)
    form = _form(e, csrf, organization_ids=[str(e.host["organization_id"])], org_q="hanbit",
                 find="organizations", title="Nhà máy tạm")  # fmt: skip
    found = client.post("/admin/commitments", data=form)
    assert found.status_code == 200 and not _errors(found.text)
    chosen = re.findall(r'name="organization_ids" value="(\d+)" checked', found.text)
    offered = re.findall(r'name="organization_ids" value="(\d+)">', found.text)
    assert chosen == [str(e.host["organization_id"])]
    assert offered == [str(e.guest["organization_id"])]
    assert 'value="Nhà máy tạm"' in found.text and 'value="12,000,000"' in found.text
    # The meetings offered are the event's meetings of the organisations chosen.
    meetings = re.findall(r'<option value="(\d+)"[^>]*>\d\d/\d\d/2026 \d\d:\d\d · ', found.text)
    assert sorted(meetings) == sorted([str(e.meeting["id"]), str(e.other_meeting["id"])])
    none = client.post("/admin/commitments", data={**form, "org_q": "khong co ai"})
    assert "Không tìm thấy tổ chức nào." in none.text
    accents = client.post(
        "/admin/commitments", data={**form, "org_q": "SONG than", "organization_ids": []}
    )
    assert re.findall(r'name="organization_ids" value="(\d+)">', accents.text) == [
        str(e.host["organization_id"])]  # fmt: skip
    assert client.get(f"{API}/commitments", headers=admin_headers).json()["total"] == 0


def test_create_edit_and_review_through_the_pages(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    e = past_edition(client, admin_headers)
    later = past_edition(client, admin_headers, name="Gặp gỡ Hàn Quốc 2026 (phiên 2)")
    csrf = sign_in(client)
    made = client.post("/admin/commitments", data=_form(e, csrf), follow_redirects=False)
    assert made.status_code == 303, made.text[:500]
    match = re.fullmatch(r"/admin/commitments/(\d+)\?done=created", made.headers["location"])
    assert match
    cid = int(match.group(1))
    stored = client.get(f"{API}/commitments/{cid}", headers=admin_headers).json()
    assert stored["organization_ids"] == sorted(
        [e.host["organization_id"], e.guest["organization_id"]])  # fmt: skip
    assert (stored["kind"], stored["value_usd"], stored["jobs"], stored["sectors"]) == (
        "investment", 12_000_000, 800, ["C26", "C27"])  # fmt: skip
    assert (stored["province_given"], stored["province_code"]) == ("Bình Dương", "79")
    assert (stored["event_id"], stored["meeting_id"], stored["status"]) == (
        e.builder.id, e.meeting["id"], "signed")  # fmt: skip
    page = client.get(made.headers["location"])
    assert "Đã thêm cam kết vào sổ theo dõi." in page.text
    assert "Thành phố Hồ Chí Minh" in page.text and "đã nhập: Bình Dương" in page.text

    # Reviews: appended, the early one refused beside its date, none overwritten. The
    # form proposes the next review about six months on once the set one has passed.
    proposed = re.search(r'name="next_review_on" type="date" value="([^"]*)"', page.text)
    set_on, today = date(2026, 12, 10), register.today()
    assert proposed and proposed.group(1) == str(
        set_on if set_on > today else today + timedelta(days=182))  # fmt: skip
    reviews = f"/admin/commitments/{cid}/reviews"
    early = client.post(reviews, data={
        "csrf_token": csrf, "reviewed_on": "2026-06-01", "status": "in_progress",
        "note": "Trước khi ký"})  # fmt: skip
    assert early.status_code == 422 and set(_errors(early.text)) == {"reviewed_on"}
    assert ">Trước khi ký</textarea>" in early.text
    for fields, marked in (({"note": "  "}, {"note"}), ({"realised_usd": "-3"}, {"realised_usd"}),
                           ({"status": "won"}, {"status"}),
                           ({"next_review_on": "2026-08-01"}, {"next_review_on"})):  # fmt: skip
        body = {"csrf_token": csrf, "reviewed_on": "2026-09-01", "status": "in_progress",
                "note": "Giải ngân", **fields}  # fmt: skip
        refused = client.post(reviews, data=body)
        assert refused.status_code == 422 and set(_errors(refused.text)) == marked, fields
    for day, status, realised, note in (
        ("2026-09-01", "in_progress", "3,000,000", "Thuê đất"),
        ("2026-11-20", "in_progress", "", "Chờ giấy phép"),
        ("2026-12-01", "realised", "12000000", "Vận hành"),
    ):
        saved = client.post(reviews, data={"csrf_token": csrf, "reviewed_on": day,
                            "status": status, "realised_usd": realised, "note": note},
                            follow_redirects=False)  # fmt: skip
        assert saved.status_code == 303, saved.text[:500]
    history = client.get(f"{API}/commitments/{cid}", headers=admin_headers).json()
    assert [(r["reviewed_on"], r["realised_usd"], r["note"]) for r in history["reviews"]] == [
        ("2026-09-01", 3e6, "Thuê đất"), ("2026-11-20", 3e6, "Chờ giấy phép"),
        ("2026-12-01", 12e6, "Vận hành")]  # fmt: skip
    assert (history["status"], history["realised_usd"]) == ("realised", 12e6)
    assert all(r["reviewer"] == "Ban tổ chức / Organisers" for r in history["reviews"])
    page = client.get(f"/admin/commitments/{cid}").text
    assert page.index("Vận hành") < page.index("Chờ giấy phép") < page.index("Thuê đất")
    assert "100% giá trị cam kết" in page

    # Edit: a signing date after the first review is refused beside the field.
    edit = client.get(f"/admin/commitments/{cid}/edit")
    assert edit.status_code == 200 and 'value="12,000,000"' in edit.text
    refused = client.post(f"/admin/commitments/{cid}", data=_form(e, csrf, signed_on="2026-10-01"))
    assert refused.status_code == 422 and set(_errors(refused.text)) == {"signed_on"}
    moved = client.post(f"/admin/commitments/{cid}", data=_form(
        e, csrf, title="Nhà máy bán dẫn (giai đoạn 2)", event_id=str(later.builder.id),
        meeting_id="", organization_ids=[str(e.host["organization_id"])], sectors=[],
        province_code="", status="cancelled", value_usd="", notes=""),
        follow_redirects=False)  # fmt: skip
    assert moved.headers["location"] == f"/admin/commitments/{cid}?done=saved"
    changed = client.get(f"{API}/commitments/{cid}", headers=admin_headers).json()
    assert (changed["title"], changed["event_id"], changed["meeting_id"]) == (
        "Nhà máy bán dẫn (giai đoạn 2)", later.builder.id, None)  # fmt: skip
    assert changed["organization_ids"] == [e.host["organization_id"]]
    assert (changed["sectors"], changed["province_code"], changed["value_usd"]) == ([], None, None)
    assert changed["status"] == "realised", "the form does not change the status"
    assert len(changed["reviews"]) == 3


def test_one_click_from_a_mou_signed_feedback_opens_the_commitment(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    e = past_edition(client, admin_headers)
    feedback = client.put(
        e.path(f"/meetings/{e.meeting['id']}/feedback"),
        json={"rating": 5, "outcome": "mou_signed", "pledged_usd": 12_000_000,
              "next_step": "Khảo sát nhà xưởng"},
        headers=EventBuilder.auth(e.guest),
    ).json()  # fmt: skip
    csrf = sign_in(client)
    board = client.get(f"/admin/events/{e.builder.id}/outcomes").text
    action = f"/admin/events/{e.builder.id}/feedback/{feedback['id']}/commitment"
    assert f'action="{action}"' in board
    made = client.post(action, data={"csrf_token": csrf}, follow_redirects=False)
    assert made.status_code == 303
    match = re.fullmatch(r"/admin/commitments/(\d+)\?done=from_feedback", made.headers["location"])
    assert match
    page = client.get(made.headers["location"]).text
    assert "Đã tạo cam kết từ phản hồi." in page and "Tạo từ phản hồi sau cuộc gặp" in page
    assert "12,000,000" in page and "Hanbit Semicon" in page
    stored = client.get(f"{API}/commitments/{match.group(1)}", headers=admin_headers).json()
    assert (stored["feedback_id"], stored["meeting_id"], stored["value_usd"]) == (
        feedback["id"], e.meeting["id"], 12_000_000)  # fmt: skip
    # Made once: the board now links to it instead of offering the button again.
    board = client.get(f"/admin/events/{e.builder.id}/outcomes").text
    assert f'action="{action}"' not in board
    assert f'href="/admin/commitments/{match.group(1)}"' in board

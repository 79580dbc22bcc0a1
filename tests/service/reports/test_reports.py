"""Reports by province, country, sector and event: the figures, the current unit of a
former province, the total row, spreadsheets, and who may read them."""

from __future__ import annotations

import io
from datetime import date

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from service.reports import service as reports_service
from tests.service.builders import EventBuilder
from tests.service.factories import assert_problem
from tests.service.outcomes import past_edition, played_edition

API = "/api/v1"


def _report(client: TestClient, headers: dict[str, str], **params: object) -> dict:
    response = client.get(f"{API}/reports/summary", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_firm_under_binh_duong_counts_for_ho_chi_minh_city(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    e = played_edition(client, admin_headers)
    report = _report(client, admin_headers, group_by="province", event_id=e.builder.id)
    rows = {r["key"]: r for r in report["rows"]}
    hcm = rows["79"]
    assert hcm["label_vi"] == "Thành phố Hồ Chí Minh"
    assert (hcm["participants"], hcm["scheduled"], hcm["held"], hcm["no_show"]) == (1, 2, 1, 0)
    assert (hcm["requests"], hcm["accepted"]) == (1, 1)
    assert hcm["rating_avg"] == 4.0
    assert (hcm["commitments"], hcm["value_usd"], hcm["realised_usd"]) == (1, 30e6, 6e6)
    assert "74" not in rows, "never under the former unit"
    foreign = rows[None]
    assert foreign["label_en"] == "Unspecified"
    assert (foreign["participants"], foreign["no_show"]) == (3, 1)
    total = report["total"]
    assert total["key"] == "total"
    assert (total["participants"], total["scheduled"], total["held"], total["no_show"]) == (
        4,
        2,
        1,
        1,
    )
    assert (total["requests"], total["accepted"]) == (1, 1)
    assert total["rating_avg"] == 3.0
    assert (total["commitments"], total["value_usd"], total["realised_usd"]) == (1, 30e6, 6e6)


def test_by_country_sector_and_event(client: TestClient, admin_headers: dict[str, str]) -> None:
    e = played_edition(client, admin_headers)
    by_country = {r["key"]: r for r in _report(
        client, admin_headers, group_by="country", event_id=e.builder.id)["rows"]}  # fmt: skip
    assert by_country["JP"]["no_show"] == 1 and by_country["JP"]["held"] == 0
    assert by_country["KR"]["held"] == 1 and by_country["KR"]["commitments"] == 1
    assert by_country["KR"]["label_vi"] == "Hàn Quốc"
    assert by_country["VN"]["scheduled"] == 2
    by_sector = {r["key"]: r for r in _report(
        client, admin_headers, group_by="sector", event_id=e.builder.id)["rows"]}  # fmt: skip
    assert by_sector["C26"]["participants"] == 3  # the host (C26, C27) and two Korean firms
    assert by_sector["C27"]["participants"] == 2  # the host and the Japanese firm
    assert by_sector["C26"]["commitments"] == 1 and by_sector["C27"]["commitments"] == 0
    by_event = _report(client, admin_headers, group_by="event", **{"from": "2026-01-01",
                                                                   "to": "2026-12-31"})  # fmt: skip
    row = next(r for r in by_event["rows"] if r["key"] == str(e.builder.id))
    assert row["participants"] == 4 and row["commitments"] == 1
    empty = _report(client, admin_headers, group_by="event", **{"from": "2020-01-01",
                                                                "to": "2020-12-31"})  # fmt: skip
    assert empty["rows"] == [] and empty["total"]["participants"] == 0


def test_spreadsheets_carry_the_rows_and_the_total(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    e = played_edition(client, admin_headers)
    params = {"group_by": "province", "event_id": e.builder.id}
    csv = client.get(f"{API}/reports/summary", params={**params, "format": "csv"},
                     headers=admin_headers)  # fmt: skip
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert "Thành phố Hồ Chí Minh" in text and "Tổng cộng" in text.splitlines()[-1]
    xlsx = client.get(f"{API}/reports/summary", params={**params, "format": "xlsx"},
                      headers=admin_headers)  # fmt: skip
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0].startswith("Mã") and values[-1][0] == "total"
    assert values[-1][3] == 4  # participants, a number


def test_only_organisers_read_reports(client: TestClient, admin_headers: dict[str, str]) -> None:
    e = past_edition(client, admin_headers)
    path = f"{API}/reports/summary"
    assert_problem(client.get(path), 401)
    assert_problem(client.get(path, headers=EventBuilder.auth(e.host)), 403)
    assert_problem(client.get(path, params={"group_by": "city"}, headers=admin_headers), 422,
                   "query.group_by")  # fmt: skip
    assert_problem(client.get(path, params={"event_id": 987654}, headers=admin_headers), 404)
    assert_problem(client.get(path, params={"from": "2026-02-01", "to": "2026-01-01"},
                              headers=admin_headers), 422, "query.to")  # fmt: skip


def test_the_report_follows_each_write_across_editions(
    client: TestClient, admin_headers: dict[str, str], db: Session
) -> None:
    first = played_edition(client, admin_headers)
    second = past_edition(client, admin_headers, name="Gặp gỡ Nhật Bản 2026", partner_country="JP")
    scope = {"date_from": date(2026, 6, 1), "date_to": date(2026, 6, 30)}

    def report(group_by: reports_service.GroupBy) -> reports_service.Report:
        return reports_service.summary(session=db, group_by=group_by, **scope)

    before = report(reports_service.GroupBy.province)
    assert before.total.participants == 7 and before.total.scheduled == 4
    # A no-show marked in the second edition shows at once, in its event's row too.
    marked = client.patch(
        second.path(f"/meetings/{second.meeting['id']}"),
        json={"attendance": "no_show", "absent": [second.guest["id"]]},
        headers=admin_headers,
    )
    assert marked.status_code == 200
    after = report(reports_service.GroupBy.province)
    assert after.total.no_show == before.total.no_show + 1
    by_event = {r.key: r for r in report(reports_service.GroupBy.event).rows}
    assert by_event[str(second.builder.id)].no_show == 1
    assert by_event[str(first.builder.id)].no_show == 1
    # An organisation moving province moves its figures in every edition.
    moved = client.patch(f"/api/v1/organizations/{first.host['organization_id']}",
                         json={"province_code": "Bắc Ninh"}, headers=admin_headers)  # fmt: skip
    assert moved.status_code == 200
    rows = {r.key: r for r in report(reports_service.GroupBy.province).rows}
    assert rows["24"].participants == 1 and rows["24"].scheduled == 2
    assert rows["79"].participants == 1, "the second edition's host is still in Hồ Chí Minh City"
    assert rows["79"].commitments == 1, "the MoU keeps the province it was signed under"

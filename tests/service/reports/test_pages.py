"""The organisers' report across editions over HTTP: a date range picks the editions,
the table and its total agree with the API, provinces under today's units, charts drawn,
the spreadsheets are the page's report, and a bad range is refused beside the field."""

from __future__ import annotations

import io
import re
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.service.builders import EventBuilder
from tests.service.outcomes import played_edition
from tests.service.pages.conftest import sign_in

API = "/api/v1"
FIELD_ERROR = re.compile(r'<p class="field-error" id="([a-z_]+)-error">')


def _earlier_edition(client: TestClient, headers: dict[str, str]) -> EventBuilder:
    """A 2025 edition in Bắc Ninh: one meeting held and an MoU signed there."""
    builder = EventBuilder.new(client, headers, name="Gặp gỡ Hàn Quốc 2025",
                               start_date="2025-05-17", end_date="2025-05-18")  # fmt: skip
    session = builder.session(starts_at="2025-05-17T09:00:00+07:00",
                              ends_at="2025-05-17T11:00:00+07:00")  # fmt: skip
    host, guest = builder.host(), builder.guest()
    meeting = client.post(builder.path("/meetings"), json={
        "participants": [host["id"], guest["id"]], "session_id": session["id"], "slot": 1,
        "table": 1}, headers=headers).json()  # fmt: skip
    client.patch(builder.path(f"/meetings/{meeting['id']}"), json={"attendance": "held"},
                 headers=headers)  # fmt: skip
    made = client.post(f"{API}/commitments", json={
        "kind": "mou", "title": "Biên bản ghi nhớ 2025", "status": "signed",
        "organization_ids": [host["organization_id"], guest["organization_id"]],
        "event_id": builder.id, "province_code": "Bắc Ninh", "partner_country": "KR",
        "sectors": ["C26"], "signed_on": "2025-05-17", "value_usd": 8_000_000},
        headers=headers)  # fmt: skip
    assert made.status_code == 201, made.text
    return builder


def _rows(html: str) -> dict[str, list[str]]:
    """The report table's rows by their label: the cells as shown."""
    table = html[html.index('<table class="compact report-table">') :]
    table = table[: table.index("</table>")]
    rows = {}
    for label, cells in re.findall(r'<tr[^>]*><th scope="row">([^<]+)</th>(.*?)</tr>', table, re.S):
        rows[label] = re.findall(r'<td class="num">([^<]*)</td>', cells)
    return rows


def test_a_date_range_reports_its_editions_by_current_province(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    recent = played_edition(client, admin_headers)
    earlier = _earlier_edition(client, admin_headers)
    assert client.get("/admin/reports", follow_redirects=False).headers["location"] == "/admin"
    sign_in(client)
    scope = {"from": "2026-01-01", "to": "2026-12-31", "group_by": "province"}
    page = client.get("/admin/reports", params=scope)
    assert page.status_code == 200, page.text[:500]
    rows = _rows(page.text)
    api = client.get(f"{API}/reports/summary", params=scope, headers=admin_headers).json()
    assert set(rows) == {r["label_vi"] for r in api["rows"]} | {"Tổng"}
    # A firm and an MoU entered under "Bình Dương" count for TP. Hồ Chí Minh; the 2025
    # edition's Bắc Ninh MoU is outside the range.
    assert "Bình Dương" not in rows and "Bắc Ninh" not in rows
    hcm = rows["Thành phố Hồ Chí Minh"]
    assert hcm[0] == "1" and hcm[-3:] == ["1", "30,000,000", "6,000,000"]
    assert rows["Tổng"][0] == str(api["total"]["participants"]) == "4"
    assert rows["Tổng"][-3:] == ["1", "30,000,000", "6,000,000"]
    for chart in ("chart-money", "chart-meetings", "chart-timeline"):
        figure = page.text[page.text.index(f'id="{chart}"') :]
        assert figure.index("<svg") < figure.index("</figure>"), f"{chart} is not drawn"
    # Both editions, by event.
    both = client.get("/admin/reports", params={"group_by": "event", "from": "2025-01-01"})
    by_event = _rows(both.text)
    assert by_event["Gặp gỡ Hàn Quốc 2025 (17/05/2025)"][-3:] == ["1", "8,000,000", "0"]
    recent_row = by_event["Gặp gỡ Hàn Quốc 2026 (tháng 6) (10/06/2026)"]
    assert recent_row[-3:] == ["1", "30,000,000", "6,000,000"]
    assert by_event["Tổng"][-3:] == ["2", "38,000,000", "6,000,000"]
    assert "2 kỳ sự kiện" in both.text
    one = _rows(client.get("/admin/reports", params={"event_id": earlier.id}).text)
    assert one["Bắc Ninh"][-3:] == ["1", "8,000,000", "0"]
    assert recent.builder.id != earlier.id
    english = client.get("/admin/reports", params={**scope, "lang": "en"})
    assert "Ho Chi Minh City" in english.text and "Report across editions" in english.text


def test_the_downloads_are_the_pages_report(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    played_edition(client, admin_headers)
    _earlier_edition(client, admin_headers)
    sign_in(client)
    scope = {"from": "2025-01-01", "to": "2025-12-31"}
    page = client.get("/admin/reports", params={**scope, "group_by": "sector"}).text
    link = re.search(r'href="(/admin/reports/sector\.csv\?[^"]+)"', page)
    assert link, "the page links its CSV"
    csv = client.get(link.group(1).replace("&amp;", "&"))
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert 'filename="meetx-report-2025-01-01-2025-12-31-sector.csv"' in csv.headers[
        "content-disposition"]  # fmt: skip
    api = client.get(f"{API}/reports/summary", headers=admin_headers,
                     params={**scope, "group_by": "sector", "format": "csv"})  # fmt: skip
    assert csv.content == api.content
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[-1].startswith("total,") and ",8000000" in lines[-1]
    xlsx = client.get("/admin/reports/country.xlsx", params=scope)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values: list[list[Any]] = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[-1][0] == "total" and values[-1][-3:] == [1, 8_000_000, 0]
    assert {row[0] for row in values[1:-1]} == {"VN", "KR"}
    assert client.get("/admin/reports/city.csv").status_code == 404
    assert client.get("/admin/reports/province.pdf").status_code == 404


def test_a_bad_range_is_refused_beside_its_field(client: TestClient) -> None:
    sign_in(client)
    for query, marked in (
        ({"from": "2026-02-01", "to": "2026-01-01"}, {"to"}),
        ({"from": "2026-13-01"}, {"from"}),
        ({"event_id": "987654"}, {"event_id"}),
        ({"event_id": "99999999999"}, {"event_id"}),  # beyond any id, on both databases
        ({"event_id": "abc", "to": "soon"}, {"event_id", "to"}),
    ):
        page = client.get("/admin/reports", params=query)
        assert page.status_code == 422, query
        assert set(FIELD_ERROR.findall(page.text)) == marked, query
        assert 'class="compact report-table"' not in page.text
    refused = client.get("/admin/reports/province.csv", params={"from": "2026-02-01",
                                                                "to": "2026-01-01"})  # fmt: skip
    assert refused.status_code == 422 and "to-error" in refused.text
    assert "Ngày kết thúc không được trước ngày bắt đầu." in refused.text

"""Participant import (all or nothing, errors by row) and formula-safe exports."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlmodel import Session, func, select

from service.core.errors import conflict
from service.organizations.models import Organization
from service.participants import importer
from service.participants.models import Participant
from tests.service.pages.conftest import PagesEvent, add_participant, place_meeting, sign_in

HEADER = (
    "kind,name,name_en,country,province,sectors,languages,offers,needs,investment_usd,"
    "delegate_name,delegate_title,delegate_email,max_meetings"
)
GOOD_ROWS = [
    "province,Ủy ban nhân dân tỉnh Thanh Hóa,Thanh Hoa People's Committee,VN,Thanh Hóa,"
    "C;D35,vi,Khu kinh tế Nghi Sơn,Nhà đầu tư năng lượng,,Lê Văn Bình,Phó Chủ tịch,"
    "binh@thanhhoa.example,10",
    "province,Ủy ban nhân dân tỉnh Thanh Hóa,,VN,,,,,,,Trần Thị Hoa,Giám đốc Sở Ngoại vụ,,",
    'company,Busan Marine Logistics,,KR,,H52,"ko,en",Cold chain,"Đất cảng, kho lạnh",'
    "25000000,Park Ji-hoon,CEO,park@busan.example,",
]


def _upload(client: TestClient, event_id: int, csrf: str, name: str, content: bytes):
    return client.post(
        f"/admin/events/{event_id}/import",
        data={"csrf_token": csrf},
        files={"file": (name, content, "application/octet-stream")},
    )


def _count(db: Session, model: type) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def test_csv_import_creates_organisations_participants_and_delegations(
    client: TestClient, db: Session, pages_event: PagesEvent
) -> None:
    csrf = sign_in(client)
    content = "\n".join([HEADER, *GOOD_ROWS]).encode("utf-8-sig")
    response = _upload(client, pages_event.event_id, csrf, "participants.csv", content)
    assert response.status_code == 200, response.text
    assert "Đã nhập 2 người tham dự." in response.text
    assert response.text.count('href="https://meetx.example/p/mxp_') == 2
    assert 'download="meetx-event-' in response.text

    province = db.exec(
        select(Organization).where(Organization.name == "Ủy ban nhân dân tỉnh Thanh Hóa")
    ).one()
    assert province.province_code == "38" and province.sectors == ["C", "D35"]
    participant = db.exec(
        select(Participant).where(Participant.organization_id == province.id)
    ).one()
    assert [d["name"] for d in participant.delegates] == ["Lê Văn Bình", "Trần Thị Hoa"]
    assert participant.max_meetings == 10 and participant.side.value == "host"
    busan = db.exec(select(Organization).where(Organization.name == "Busan Marine Logistics")).one()
    assert busan.languages == ["ko", "en"] and busan.investment_usd == 25_000_000


def test_an_existing_organisation_is_reused_not_duplicated(
    client: TestClient, admin_headers: dict[str, str], db: Session, pages_event: PagesEvent
) -> None:
    csrf = sign_in(client)
    before = _count(db, Organization)
    # Hanbit is registered already: importing it again for this event is an error...
    content = f'{HEADER}\ncompany,"HANBIT SEMICON CO., LTD.",,KR,,,,,,,Lee,,,\n'.encode()
    response = _upload(client, pages_event.event_id, csrf, "again.csv", content)
    assert response.status_code == 422 and "already registered" in response.text
    # ...while a known organisation not yet in the event is registered without a copy.
    other_event = client.post(
        "/api/v1/events",
        json={
            "name": "Gặp gỡ Hàn Quốc 2027",
            "partner_country": "KR",
            "start_date": "2027-05-10",
            "end_date": "2027-05-11",
        },
        headers=admin_headers,
    ).json()
    response = _upload(client, other_event["id"], csrf, "again.csv", content)
    assert response.status_code == 200, response.text
    assert _count(db, Organization) == before


def test_bad_rows_are_all_reported_and_nothing_is_imported(
    client: TestClient, db: Session, pages_event: PagesEvent
) -> None:
    csrf = sign_in(client)
    organizations, participants = _count(db, Organization), _count(db, Participant)
    rows = [
        HEADER,
        GOOD_ROWS[0],
        "factory,Công ty Một,,VN,,,,,,,,,,",  # row 3: unknown kind
        "company,Công ty Hai,,Atlantis,,,,,,,,,,",  # row 4: unknown country
        "company,Công ty Ba,,VN,,Z99,,,,,,,,",  # row 5: unknown sector
        "company,Công ty Bốn,,VN,Gotham,,,,,,An,,not-an-email,",  # row 6: province, e-mail
        "company,Công ty Năm,,VN,,,,,,lots,,,,500",  # row 7: amount, cap
        ",,,,,,,,,,,,,",  # blank: skipped
        "company,,,VN,,,,,,,,,,",  # row 9: no name
    ]
    response = _upload(
        client, pages_event.event_id, csrf, "bad.csv", "\n".join(rows).encode("utf-8")
    )
    assert response.status_code == 422
    html = response.text
    assert "nothing was imported" in html or "chưa nhập dòng nào" in html
    for row, column in (
        (3, "kind"),
        (4, "country"),
        (5, "sectors"),
        (6, "province"),
        (6, "delegate_email"),
        (7, "investment_usd"),
        (7, "max_meetings"),
        (9, "name"),
    ):
        assert f'>{row}</td><td data-label="Cột"><code>{column}</code>' in html, (row, column)
    assert _count(db, Organization) == organizations
    assert _count(db, Participant) == participants


def test_a_failing_write_rolls_the_whole_import_back(
    client: TestClient, db: Session, pages_event: PagesEvent, monkeypatch: pytest.MonkeyPatch
) -> None:
    csrf = sign_in(client)
    organizations, participants = _count(db, Organization), _count(db, Participant)
    real = importer.create_participant
    calls = {"n": 0}

    def second_fails(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise conflict("registered meanwhile by another organiser")
        return real(**kwargs)

    monkeypatch.setattr(importer, "create_participant", second_fails)
    content = "\n".join([HEADER, *GOOD_ROWS]).encode("utf-8")
    response = _upload(client, pages_event.event_id, csrf, "race.csv", content)
    assert response.status_code == 422
    assert "registered meanwhile" in response.text
    db.expire_all()
    assert _count(db, Organization) == organizations
    assert _count(db, Participant) == participants


def test_xlsx_import_and_file_level_errors(
    client: TestClient, db: Session, pages_event: PagesEvent
) -> None:
    csrf = sign_in(client)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["kind", "name", "country", "sectors", "investment_usd", "delegate_name"])
    sheet.append(["company", "Daegu Textile Machinery", "KR", "C28", 4_500_000, "Choi Min"])
    sheet.append(["doanh nghiệp", "Công ty Dệt may Nam Định", "Việt Nam", "C13", None, "Vũ Lan"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = _upload(client, pages_event.event_id, csrf, "people.xlsx", buffer.getvalue())
    assert response.status_code == 200, response.text
    assert "Đã nhập 2 người tham dự." in response.text
    nam_dinh = db.exec(
        select(Organization).where(Organization.name == "Công ty Dệt may Nam Định")
    ).one()
    assert nam_dinh.country == "VN" and nam_dinh.kind.value == "company"

    unknown = _upload(client, pages_event.event_id, csrf, "x.csv", b"kind,name,country,colour\n")
    assert unknown.status_code == 422 and "colour" in unknown.text
    damaged = _upload(client, pages_event.event_id, csrf, "x.xlsx", b"PK\x03\x04broken")
    assert damaged.status_code == 422 and "XLSX" in damaged.text
    # A sheet saved in a legacy code page is refused with a hint, not imported garbled.
    legacy = "kind,name,country\ncompany,Hà Nội Foods,VN".encode("latin-1", "replace")
    not_utf8 = _upload(client, pages_event.event_id, csrf, "x.csv", legacy)
    assert not_utf8.status_code == 422 and "UTF-8" in not_utf8.text


def test_import_needs_the_csrf_token(
    client: TestClient, db: Session, pages_event: PagesEvent
) -> None:
    sign_in(client)
    before = _count(db, Participant)
    content = "\n".join([HEADER, *GOOD_ROWS]).encode()
    response = _upload(client, pages_event.event_id, "forged", "p.csv", content)
    assert response.status_code == 403
    assert _count(db, Participant) == before


FORMULAS = ['=HYPERLINK("http://evil.example","Bấm")', "+cmd|' /C calc'!A0", "@SUM(1+1)"]


def test_exports_neutralise_formulas_in_csv_and_xlsx(
    client: TestClient, admin_headers: dict[str, str], pages_event: PagesEvent
) -> None:
    evil = add_participant(
        client,
        admin_headers,
        pages_event.event_id,
        name=FORMULAS[0],
        name_en=FORMULAS[1],
        country="VN",
        languages=["vi"],
    )
    other = add_participant(
        client, admin_headers, pages_event.event_id, name=FORMULAS[2], country="JP"
    )
    client.post(
        f"/api/v1/events/{pages_event.event_id}/meetings",
        json={
            "participants": [evil["id"], other["id"]],
            "session_id": pages_event.session_id,
            "slot": 1,
            "table": 1,
        },
        headers=admin_headers,
    ).raise_for_status()
    place_meeting(client, admin_headers, pages_event, slot=2, table=2)
    sign_in(client)
    base = f"/admin/events/{pages_event.event_id}/export"

    for name in ("meetings", "tables"):
        response = client.get(f"{base}/{name}.csv")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        text = response.content.decode("utf-8-sig")
        cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
        assert any("HYPERLINK" in cell for cell in cells)
        for cell in cells:
            assert not cell.startswith(("=", "+", "@", "-", "\t", "\r")), cell
        assert "Hanbit Semicon Co., Ltd." in text

        workbook = load_workbook(io.BytesIO(client.get(f"{base}/{name}.xlsx").content))
        texts = []
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", cell.value
                    if isinstance(cell.value, str):
                        assert not cell.value.startswith(("=", "+", "@", "-")), cell.value
                        texts.append(cell.value)
        assert any(t.startswith("'=HYPERLINK") for t in texts)

    tables = load_workbook(io.BytesIO(client.get(f"{base}/tables.xlsx").content))
    assert len(tables.worksheets) == 14  # one sheet per table of the b2b session


def test_printable_table_sheets(
    client: TestClient, admin_headers: dict[str, str], pages_event: PagesEvent
) -> None:
    place_meeting(client, admin_headers, pages_event, slot=1, table=4)
    sign_in(client)
    html = client.get(f"/admin/events/{pages_event.event_id}/print").text
    assert html.count('<section class="sheet">') == 14
    assert "09:45–10:05" in html and "Hanbit Semicon Co., Ltd." in html
    assert "data-print" in html

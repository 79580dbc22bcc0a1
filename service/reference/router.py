"""GET /provinces and GET /sectors."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.core.database import SessionDep
from service.kit.pagination import Page, PageDep
from service.reference import service
from service.reference.models import ProvincePublic, SectorPublic

router = APIRouter(tags=["reference"])

SearchQuery = Annotated[
    str | None,
    Query(max_length=100, description="Accent-insensitive search ('binh duong', 'dien tu')"),
]


@router.get(
    "/provinces",
    summary="The 34 provincial units since 1 July 2025",
    description=(
        "Accent-insensitive search that also matches the 63 names in use before the 2025 "
        "merger: `q=binh duong` returns TP. Hồ Chí Minh with `matched_former` set."
    ),
)
def list_provinces(
    session: SessionDep, page: PageDep, q: SearchQuery = None
) -> Page[ProvincePublic]:
    items = service.search_provinces(session=session, query=q)
    return Page(
        items=items[page.offset : page.offset + page.limit],
        total=len(items),
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/sectors",
    summary="VSIC 2018 sections and divisions, in Vietnamese and English",
)
def list_sectors(session: SessionDep, page: PageDep, q: SearchQuery = None) -> Page[SectorPublic]:
    items = service.search_sectors(session=session, query=q)
    return Page(
        items=items[page.offset : page.offset + page.limit],
        total=len(items),
        limit=page.limit,
        offset=page.offset,
    )

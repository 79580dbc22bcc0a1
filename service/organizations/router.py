"""Routes under /organizations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from service.auth.dependencies import OrganizerDep
from service.core.database import SessionDep
from service.kit.pagination import Page, PageDep
from service.organizations import service
from service.organizations.models import (
    OrganizationCreate,
    OrganizationKind,
    OrganizationPublic,
    OrganizationUpdate,
)

router = APIRouter(prefix="/organizations", tags=["organizations"])


@router.post("", status_code=status.HTTP_201_CREATED, summary="Register an organisation")
def create_organization(
    data: OrganizationCreate, session: SessionDep, _: OrganizerDep
) -> OrganizationPublic:
    org = service.create_organization(session=session, data=data)
    return service.organization_public(session=session, org=org)


@router.get("", summary="Search organisations", description="`q` is accent-insensitive.")
def list_organizations(
    session: SessionDep,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    kind: OrganizationKind | None = None,
    country: Annotated[str | None, Query(max_length=2, min_length=2)] = None,
    province_code: Annotated[str | None, Query(max_length=2)] = None,
    sector: Annotated[str | None, Query(max_length=3, description="VSIC code, e.g. C26")] = None,
) -> Page[OrganizationPublic]:
    rows, total = service.list_organizations(
        session=session,
        query=q,
        kind=kind,
        country=country,
        province_code=province_code,
        sector=sector,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(
        items=[service.organization_public(session=session, org=o) for o in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{organization_id}", summary="An organisation")
def get_organization(organization_id: int, session: SessionDep) -> OrganizationPublic:
    org = service.get_organization(session=session, organization_id=organization_id)
    return service.organization_public(session=session, org=org)


@router.patch("/{organization_id}", summary="Change or vet an organisation")
def update_organization(
    organization_id: int, data: OrganizationUpdate, session: SessionDep, _: OrganizerDep
) -> OrganizationPublic:
    org = service.get_organization(session=session, organization_id=organization_id)
    org = service.update_organization(session=session, org=org, data=data)
    return service.organization_public(session=session, org=org)

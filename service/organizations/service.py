"""Organisation service functions."""

from __future__ import annotations

from sqlmodel import Session, func, select

from service.core.database import utcnow
from service.core.errors import invalid, not_found
from service.kit.folding import search_key, words_match
from service.organizations.models import (
    Organization,
    OrganizationCreate,
    OrganizationKind,
    OrganizationPublic,
    OrganizationUpdate,
)
from service.reference.models import FormerProvince, Province
from service.reference.service import check_sector_codes, resolve_province


def _search_text(session: Session, org: Organization) -> str:
    province_names: list[str] = []
    if org.province_code:
        province = session.get(Province, org.province_code)
        if province is not None:
            province_names.append(province.name)
        province_names += session.exec(
            select(FormerProvince.name).where(FormerProvince.current_code == org.province_code)
        ).all()
    return search_key(org.name, org.name_en, org.country, *province_names)[:2000]


def _sector_key(codes: list[str]) -> str:
    with_sections = dict.fromkeys([*codes, *(code[0] for code in codes)])
    return f" {' '.join(with_sections)} "


def _apply_references(
    *, session: Session, org: Organization, province: str | None, sectors: list[str] | None
) -> None:
    if province is not None:
        org.province_code = resolve_province(
            session=session, value=province, field="body.province_code"
        ).code
    if sectors is not None:
        org.sectors = check_sector_codes(session=session, codes=sectors, field="body.sectors")
        org.sector_key = _sector_key(org.sectors)
    if org.country != "VN" and org.province_code and org.kind is OrganizationKind.province:
        raise invalid("body.country", "a province is Vietnamese: country must be VN")
    if org.kind is OrganizationKind.province and not org.province_code:
        raise invalid("body.province_code", "a province organisation needs its province code")


def create_organization(*, session: Session, data: OrganizationCreate) -> Organization:
    org = Organization.model_validate(data.model_dump(exclude={"province_code", "sectors"}))
    org.languages = list(dict.fromkeys(data.languages))
    _apply_references(session=session, org=org, province=data.province_code, sectors=data.sectors)
    org.search_text = _search_text(session, org)
    session.add(org)
    session.commit()
    session.refresh(org)
    return org


def update_organization(
    *, session: Session, org: Organization, data: OrganizationUpdate
) -> Organization:
    changes = data.model_dump(exclude_unset=True)
    province = changes.pop("province_code", None)
    sectors = changes.pop("sectors", None)
    for key, value in changes.items():
        if value is None and key in {"name"}:
            continue
        setattr(org, key, value)
    _apply_references(session=session, org=org, province=province, sectors=sectors)
    org.search_text = _search_text(session, org)
    org.updated_at = utcnow()
    session.add(org)
    session.commit()
    session.refresh(org)
    return org


def get_organization(*, session: Session, organization_id: int) -> Organization:
    org = session.get(Organization, organization_id)
    if org is None:
        raise not_found(f"organization {organization_id}")
    return org


def organization_public(*, session: Session, org: Organization) -> OrganizationPublic:
    province = session.get(Province, org.province_code) if org.province_code else None
    return OrganizationPublic.model_validate(
        org, update={"province_name": province.name if province else None}
    )


def list_organizations(
    *,
    session: Session,
    query: str | None,
    kind: OrganizationKind | None,
    country: str | None,
    province_code: str | None,
    sector: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Organization], int]:
    statement = select(Organization)
    condition = words_match(query or "", Organization.search_text)  # type: ignore[arg-type]
    if condition is not None:
        statement = statement.where(condition)
    if kind is not None:
        statement = statement.where(Organization.kind == kind)
    if country:
        statement = statement.where(Organization.country == country.upper())
    if province_code:
        statement = statement.where(Organization.province_code == province_code)
    if sector:
        # sector_key spells out the codes between spaces, so one LIKE finds a division
        # or a whole section on both databases without JSON operators.
        statement = statement.where(
            Organization.sector_key.contains(f" {sector.strip().upper()} ", autoescape=True)  # type: ignore[attr-defined]
        )
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    rows = session.exec(
        statement.order_by(Organization.name, Organization.id).limit(limit).offset(offset)  # type: ignore[arg-type]
    ).all()
    return list(rows), total

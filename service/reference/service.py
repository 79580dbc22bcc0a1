"""Look-ups over the reference tables."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, select

from service.core.errors import invalid
from service.kit.folding import fold
from service.reference.models import (
    FormerProvince,
    FormerUnitPublic,
    Province,
    ProvincePublic,
    Sector,
    SectorPublic,
)


def _province_public(
    province: Province, formers: list[FormerProvince], matched: FormerProvince | None = None
) -> ProvincePublic:
    merged = [
        FormerUnitPublic(code=f.code, name=f.name)
        for f in formers
        if f.current_code == province.code and f.name != province.name
    ]
    return ProvincePublic(
        code=province.code,
        name=province.name,
        short_name=province.short_name,
        name_en=province.name_en,
        division_type=province.division_type,
        former_units=merged,
        matched_former=FormerUnitPublic(code=matched.code, name=matched.name) if matched else None,
    )


def search_provinces(*, session: Session, query: str | None) -> list[ProvincePublic]:
    """The current units, filtered by an accent-insensitive query that also matches the
    names in use before the 2025 merger (then the item says which former unit matched)."""
    provinces = session.exec(select(Province).order_by(Province.code)).all()
    formers = list(session.exec(select(FormerProvince).order_by(FormerProvince.code)).all())
    if not query or not query.strip():
        return [_province_public(p, formers) for p in provinces]
    needle = fold(query)
    results = []
    for province in provinces:
        if needle in province.search_text or needle == province.code:
            results.append(_province_public(province, formers))
            continue
        matched = next(
            (f for f in formers if f.current_code == province.code and (needle in f.search_text)),
            None,
        )
        if matched is not None:
            results.append(_province_public(province, formers, matched))
    return results


def resolve_province(*, session: Session, value: str, field: str) -> Province:
    """A province from its code, its current name or a former name; 422 naming the field
    when nothing or more than one unit fits."""
    value = value.strip()
    if value.isdigit():
        province = session.get(Province, value.zfill(2))
        if province is None:
            raise invalid(field, f"unknown province code '{value}'")
        return province
    needle = fold(value)
    if not needle:
        raise invalid(field, "must name a province")
    provinces = session.exec(select(Province)).all()
    exact = [p for p in provinces if needle in {fold(p.name), fold(p.short_name), fold(p.name_en)}]
    if len(exact) == 1:
        return exact[0]
    formers = session.exec(select(FormerProvince)).all()
    former_exact = {f.current_code for f in formers if fold(f.name) == needle}
    if len(former_exact) == 1:
        return session.get(Province, former_exact.pop())  # type: ignore[return-value]
    partial = {p.code for p in provinces if needle in p.search_text}
    partial |= {f.current_code for f in formers if needle in f.search_text}
    if len(partial) == 1:
        return session.get(Province, partial.pop())  # type: ignore[return-value]
    if partial:
        raise invalid(field, f"'{value}' matches several provinces; give the code")
    raise invalid(field, f"unknown province '{value}'")


def search_sectors(*, session: Session, query: str | None) -> list[SectorPublic]:
    statement = select(Sector).order_by(Sector.code)
    sectors = session.exec(statement).all()
    if query and query.strip():
        needle = fold(query)
        sectors = [
            s for s in sectors if needle in s.search_text or s.code.lower() == needle.lower()
        ]
    return [SectorPublic.model_validate(s) for s in sectors]


def check_sector_codes(*, session: Session, codes: Iterable[str], field: str) -> list[str]:
    """The codes upper-cased and de-duplicated in order; 422 naming the first unknown one."""
    wanted = list(dict.fromkeys(code.strip().upper() for code in codes))
    if not wanted:
        return []
    known = set(session.exec(select(Sector.code).where(Sector.code.in_(wanted))).all())  # type: ignore[attr-defined]
    for index, code in enumerate(wanted):
        if code not in known:
            raise invalid(f"{field}.{index}", f"unknown VSIC 2018 sector code '{code}'")
    return wanted


def sector_names(*, session: Session) -> dict[str, tuple[str, str]]:
    return {s.code: (s.name_vi, s.name_en) for s in session.exec(select(Sector)).all()}

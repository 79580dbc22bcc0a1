"""Loads the reference data of seeds/ into the database, idempotently."""

from __future__ import annotations

from sqlmodel import Session, select

from seeds import reference
from service.events.models import Event, EventStatus
from service.kit.folding import search_key
from service.reference.models import FormerProvince, Province, Sector


def ensure_reference_data(*, session: Session) -> None:
    """Provinces, former provinces, sectors and the past Meet-X editions. Rows already
    present are left alone, so it is safe to run at every start."""
    if session.exec(select(Province).limit(1)).first() is None:
        aliases: dict[str, list[str]] = {}
        for alias, code in reference.province_aliases().items():
            aliases.setdefault(code, []).append(alias)
        for p in reference.current_provinces():
            session.add(
                Province(
                    code=p.code,
                    name=p.name,
                    short_name=p.short_name,
                    name_en=p.name_en,
                    division_type=p.division_type,
                    codename=p.codename,
                    search_text=search_key(
                        p.name, p.short_name, p.name_en, *aliases.get(p.code, [])
                    ),
                )
            )
        session.flush()
        for f in reference.former_units():
            session.add(
                FormerProvince(
                    code=f.code,
                    name=f.name,
                    current_code=f.current_code,
                    search_text=search_key(f.name),
                )
            )
    if session.exec(select(Sector).limit(1)).first() is None:
        # Sections first: divisions reference them.
        for s in sorted(reference.vsic_sectors(), key=lambda s: s.level):
            session.add(
                Sector(
                    code=s.code,
                    name_vi=s.name_vi,
                    name_en=s.name_en,
                    parent=s.parent,
                    level=s.level,
                    search_text=search_key(s.code, s.name_vi, s.name_en),
                )
            )
            session.flush()
    _ensure_past_editions(session=session)
    session.commit()


def _ensure_past_editions(*, session: Session) -> None:
    for edition in reference.past_editions():
        start = edition.start_date
        exists = session.exec(
            select(Event.id).where(Event.name == edition.name, Event.start_date == start)
        ).first()
        if exists is not None:
            continue
        event = Event(
            name=edition.name,
            name_en=edition.name_en,
            partner_country=edition.partner_country,
            host_province_code=edition.host_province or edition.featured_province,
            venue=edition.host_name_at_the_time,
            timezone="Asia/Ho_Chi_Minh",
            start_date=start,
            end_date=edition.end_date,
            status=EventStatus.closed,
        )
        code = edition.host_province or edition.featured_province
        province = session.get(Province, code) if code else None
        event.search_text = search_key(
            event.name,
            event.name_en,
            edition.host_name_at_the_time,
            province.name if province else None,
        )
        session.add(event)

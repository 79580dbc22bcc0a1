"""The commitments register: the only module that queries its tables.

Every reference is checked before anything is written (unknown organisation, a meeting
of another event, an unknown sector or province: 422 naming the field, nothing stored).
A review is appended with the commitment's new state in one transaction, under a row
lock on PostgreSQL, so two reviewers never interleave.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from service.attendance.models import MeetingFeedback, Outcome
from service.commitments.models import (
    Commitment,
    CommitmentCreate,
    CommitmentFilters,
    CommitmentKind,
    CommitmentOrganization,
    CommitmentPublic,
    CommitmentReview,
    CommitmentSector,
    CommitmentStatus,
    CommitmentTotals,
    CommitmentUpdate,
    OrganizationRef,
    ReviewCreate,
    ReviewPublic,
)
from service.core.database import utcnow
from service.core.errors import invalid, not_found
from service.events.models import Event
from service.kit.folding import fold, search_key, word_patterns
from service.meetings.models import Meeting
from service.organizations.models import Organization
from service.participants.models import Participant
from service.reference.models import FormerProvince, Province
from service.reference.service import check_sector_codes, resolve_province

ORGANISERS = "Ban tổ chức / Organisers"  # a review's reviewer when none is named


def today() -> date:
    return utcnow().date()


# ---------------------------------------------------------------- provinces as given


def province_unit(*, session: Session, value: str, field: str) -> str:
    """The code of the unit ``value`` names, kept as named: a current code or name gives
    the current code, a former name ("Bình Dương") or former code its former code (74),
    which reports map to today's unit. 422 naming the field when nothing fits."""
    text = value.strip()
    if text.isdigit():
        code = text.zfill(2)
        known = session.get(Province, code) is not None or (
            session.exec(select(FormerProvince.id).where(FormerProvince.code == code)).first()
        )
        if not known:
            raise invalid(field, f"unknown province code '{text}'")
        return code
    needle = fold(text)
    for province in session.exec(select(Province)).all():
        if needle in {fold(province.name), fold(province.short_name), fold(province.name_en)}:
            return province.code
    formers = [f for f in session.exec(select(FormerProvince)).all() if fold(f.name) == needle]
    if len(formers) == 1:
        return formers[0].code
    return resolve_province(session=session, value=text, field=field).code


def current_unit_expression(unit: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
    """SQL: the current unit of a stored unit code, through former_province (a current
    code maps to itself there: every current unit kept its surviving unit's code)."""
    mapped = (
        sa.select(FormerProvince.current_code)
        .where(FormerProvince.code == unit)
        .limit(1)
        .scalar_subquery()
    )
    return sa.func.coalesce(mapped, unit)


def current_unit(*, session: Session, unit: str | None) -> Province | None:
    if unit is None:
        return None
    mapped = session.exec(
        select(FormerProvince.current_code).where(FormerProvince.code == unit)
    ).first()
    return session.get(Province, mapped or unit)


# ---------------------------------------------------------------- references


def _check_organizations(*, session: Session, ids: list[int], field: str) -> list[int]:
    wanted = list(dict.fromkeys(ids))
    known = set(session.exec(select(Organization.id).where(col(Organization.id).in_(wanted))).all())
    for index, org_id in enumerate(ids):
        if org_id not in known:
            raise invalid(f"{field}.{index}", f"unknown organization {org_id}")
    return wanted


def _check_event_and_meeting(
    *, session: Session, event_id: int | None, meeting_id: int | None
) -> int | None:
    if event_id is not None and session.get(Event, event_id) is None:
        raise invalid("body.event_id", f"unknown event {event_id}")
    if meeting_id is not None:
        meeting = session.get(Meeting, meeting_id)
        if meeting is None:
            raise invalid("body.meeting_id", f"unknown meeting {meeting_id}")
        if event_id is not None and meeting.event_id != event_id:
            raise invalid("body.meeting_id", f"meeting {meeting_id} is not of event {event_id}")
        return meeting.event_id
    return event_id


def _from_feedback(*, session: Session, data: CommitmentCreate) -> CommitmentCreate:
    """A commitment prefilled from a 'MoU signed' (or 'investment decided') feedback:
    what the body leaves out comes from the feedback's meeting and its two sides."""
    feedback = session.get(MeetingFeedback, data.feedback_id)
    if feedback is None:
        raise invalid("body.feedback_id", f"unknown feedback {data.feedback_id}")
    if feedback.outcome not in (
        Outcome.mou_signed,
        Outcome.investment_decided,
        Outcome.mou_planned,
    ):
        raise invalid("body.feedback_id", "the feedback reports no MoU or investment")
    meeting = session.get(Meeting, feedback.meeting_id)
    event = session.get(Event, feedback.event_id)
    assert meeting is not None and event is not None
    orgs = [
        session.get(Organization, session.get(Participant, pid).organization_id)  # type: ignore[union-attr]
        for pid in (meeting.participant_a_id, meeting.participant_b_id)
    ]
    fields = data.model_fields_set
    update: dict[str, object] = {}
    if data.event_id is None:
        update["event_id"] = event.id
    if data.meeting_id is None:
        update["meeting_id"] = meeting.id
    if "province_code" not in fields:
        host = next((o for o in orgs if o and o.province_code), None)
        update["province_code"] = (host.province_code if host else None) or event.host_province_code
    if "partner_country" not in fields:
        foreign = next((o for o in orgs if o and o.country != "VN"), None)
        update["partner_country"] = foreign.country if foreign else event.partner_country
    if "sectors" not in fields:
        update["sectors"] = list(dict.fromkeys(s for o in orgs if o for s in o.sectors))
    if "value_usd" not in fields and feedback.pledged_usd is not None:
        update["value_usd"] = feedback.pledged_usd
    return data.model_copy(update=update)


def _set_links(
    *, session: Session, commitment: Commitment, organization_ids: list[int] | None,
    sectors: list[str] | None,
) -> None:  # fmt: skip
    if organization_ids is not None:
        session.execute(
            sa.delete(CommitmentOrganization).where(
                CommitmentOrganization.commitment_id == commitment.id  # type: ignore[arg-type]
            )
        )
        for org_id in organization_ids:
            session.add(CommitmentOrganization(commitment_id=commitment.id, organization_id=org_id))  # type: ignore[arg-type]
    if sectors is not None:
        session.execute(
            sa.delete(CommitmentSector).where(CommitmentSector.commitment_id == commitment.id)  # type: ignore[arg-type]
        )
        for code in sectors:
            session.add(CommitmentSector(commitment_id=commitment.id, sector_code=code))  # type: ignore[arg-type]


# ---------------------------------------------------------------- writes


def _search_text(commitment: Commitment) -> str:
    """What the register's word search reads besides the bound organisations' names."""
    return search_key(commitment.title, commitment.province_given, commitment.notes)[:2000]


def create_commitment(*, session: Session, data: CommitmentCreate) -> Commitment:
    if data.feedback_id is not None:
        data = _from_feedback(session=session, data=data)
    org_ids = _check_organizations(
        session=session, ids=data.organization_ids, field="body.organization_ids"
    )
    event_id = _check_event_and_meeting(
        session=session, event_id=data.event_id, meeting_id=data.meeting_id
    )
    sectors = check_sector_codes(session=session, codes=data.sectors, field="body.sectors")
    unit = (
        province_unit(session=session, value=data.province_code, field="body.province_code")
        if data.province_code
        else None
    )
    if data.next_review_on and data.signed_on and data.next_review_on < data.signed_on:
        raise invalid("body.next_review_on", "must not be before signed_on")
    commitment = Commitment(
        kind=data.kind,
        title=data.title,
        event_id=event_id,
        meeting_id=data.meeting_id,
        feedback_id=data.feedback_id,
        province_given=data.province_code,
        province_unit=unit,
        partner_country=data.partner_country,
        signed_on=data.signed_on,
        value_usd=data.value_usd,
        jobs=data.jobs,
        status=data.status,
        next_review_on=data.next_review_on,
        notes=data.notes,
    )
    commitment.search_text = _search_text(commitment)
    session.add(commitment)
    session.flush()
    _set_links(session=session, commitment=commitment, organization_ids=org_ids, sectors=sectors)
    session.commit()
    return commitment


REVIEW_AFTER_SIGNING = timedelta(days=182)  # the first review of a commitment made in one click


def create_from_feedback(*, session: Session, feedback: MeetingFeedback) -> Commitment:
    """The organisers' one click on a "MoU signed" (or "investment decided") feedback: a
    signed commitment bound to both sides' organisations, titled by them, signed on the
    meeting's day in the event's zone and due for review about six months later; the
    rest (event, meeting, province, country, sectors, pledge) comes from the feedback."""
    meeting = session.get(Meeting, feedback.meeting_id)
    event = session.get(Event, feedback.event_id)
    assert meeting is not None and event is not None
    sides = [
        session.get(Participant, pid)
        for pid in (meeting.participant_a_id, meeting.participant_b_id)
    ]
    orgs = [session.get(Organization, p.organization_id) for p in sides if p is not None]
    investment = feedback.outcome is Outcome.investment_decided
    kind = CommitmentKind.investment if investment else CommitmentKind.mou
    label = "Quyết định đầu tư" if investment else "Biên bản ghi nhớ"
    title = f"{label}: " + " – ".join(o.name for o in orgs if o is not None)
    day = meeting.starts_at.astimezone(ZoneInfo(event.timezone)).date()
    return create_commitment(
        session=session,
        data=CommitmentCreate(
            kind=kind,
            title=title[:300],
            organization_ids=[o.id for o in orgs if o is not None],  # type: ignore[misc]
            feedback_id=feedback.id,
            status=CommitmentStatus.signed,
            signed_on=day,
            next_review_on=day + REVIEW_AFTER_SIGNING,
        ),
    )


def update_commitment(
    *, session: Session, commitment: Commitment, data: CommitmentUpdate
) -> Commitment:
    changes = data.model_dump(exclude_unset=True)
    org_ids = None
    if changes.get("organization_ids") is not None:
        org_ids = _check_organizations(
            session=session, ids=changes.pop("organization_ids"), field="body.organization_ids"
        )
    changes.pop("organization_ids", None)
    sectors = None
    if changes.get("sectors") is not None:
        sectors = check_sector_codes(
            session=session, codes=changes.pop("sectors"), field="body.sectors"
        )
    changes.pop("sectors", None)
    if "event_id" in changes or "meeting_id" in changes:
        event_id = changes.pop("event_id", commitment.event_id)
        # Out of any event, the meeting goes too; into another event, it must be one of it.
        meeting_id = changes.pop("meeting_id", commitment.meeting_id if event_id else None)
        commitment.event_id = _check_event_and_meeting(
            session=session, event_id=event_id, meeting_id=meeting_id
        )
        commitment.meeting_id = meeting_id
    if "province_code" in changes:
        given = changes.pop("province_code")
        commitment.province_given = given
        commitment.province_unit = (
            province_unit(session=session, value=given, field="body.province_code")
            if given
            else None
        )
    for key, value in changes.items():
        if value is None and key in {"kind", "title"}:
            continue
        setattr(commitment, key, value)
    if commitment.signed_on and _first_review_before(session, commitment, commitment.signed_on):
        raise invalid("body.signed_on", "a review of this commitment is dated before it")
    if (
        commitment.next_review_on
        and commitment.signed_on
        and commitment.next_review_on < commitment.signed_on
    ):
        raise invalid("body.next_review_on", "must not be before signed_on")
    commitment.search_text = _search_text(commitment)
    commitment.updated_at = utcnow()
    session.add(commitment)
    _set_links(session=session, commitment=commitment, organization_ids=org_ids, sectors=sectors)
    session.commit()
    return commitment


def _first_review_before(session: Session, commitment: Commitment, day: date) -> bool:
    statement = select(CommitmentReview.id).where(
        CommitmentReview.commitment_id == commitment.id, CommitmentReview.reviewed_on < day
    )
    return session.exec(statement).first() is not None


def add_review(
    *, session: Session, commitment_id: int, data: ReviewCreate, reviewer: str
) -> CommitmentReview:
    """Appends a review and moves the commitment to its status and realised amount (and
    its next review date, when the review sets one: the periodic review moves on)."""
    commitment = session.exec(
        select(Commitment).where(Commitment.id == commitment_id).with_for_update()
    ).first()
    if commitment is None:
        raise not_found(f"commitment {commitment_id}")
    reviewed_on = data.reviewed_on or today()
    if commitment.signed_on and reviewed_on < commitment.signed_on:
        raise invalid("body.reviewed_on", f"is before the signature ({commitment.signed_on})")
    if data.next_review_on is not None and data.next_review_on < reviewed_on:
        raise invalid("body.next_review_on", f"is before the review ({reviewed_on})")
    realised = commitment.realised_usd if data.realised_usd is None else data.realised_usd
    review = CommitmentReview(
        commitment_id=commitment_id,
        reviewed_on=reviewed_on,
        status=data.status,
        realised_usd=realised,
        note=data.note,
        reviewer=data.reviewer or reviewer,
    )
    session.add(review)
    latest = session.exec(
        select(func.max(CommitmentReview.reviewed_on)).where(
            CommitmentReview.commitment_id == commitment_id
        )
    ).one()
    if latest is None or reviewed_on >= latest:
        # A review entered late for an earlier date joins the history without rolling
        # the commitment's current state back.
        commitment.status = data.status
        commitment.realised_usd = realised
    if data.next_review_on is not None:
        commitment.next_review_on = data.next_review_on
    commitment.updated_at = utcnow()
    session.add(commitment)
    session.commit()
    return review


# ---------------------------------------------------------------- reads


def get_commitment(*, session: Session, commitment_id: int) -> Commitment:
    commitment = session.get(Commitment, commitment_id)
    if commitment is None:
        raise not_found(f"commitment {commitment_id}")
    return commitment


def organization_ids_of(*, session: Session, commitment_id: int) -> list[int]:
    return list(
        session.exec(
            select(CommitmentOrganization.organization_id)
            .where(CommitmentOrganization.commitment_id == commitment_id)
            .order_by(CommitmentOrganization.organization_id)
        ).all()
    )


def is_party(*, session: Session, commitment_id: int, organization_id: int) -> bool:
    statement = select(CommitmentOrganization.commitment_id).where(
        CommitmentOrganization.commitment_id == commitment_id,
        CommitmentOrganization.organization_id == organization_id,
    )
    return session.exec(statement).first() is not None


def _filtered(session: Session, f: CommitmentFilters) -> Any:
    """The commitments matching the filters; ``province`` takes a code or a current or
    former name and finds every commitment reported under that current unit; ``query``
    its words, each accent-insensitive, in the title, notes, province as given or a
    bound organisation's name (any order: "hanbit ban dan" finds "Nhà máy linh kiện bán
    dẫn Hanbit")."""
    statement = select(Commitment)
    for pattern in word_patterns(f.query or ""):
        bound = (
            select(CommitmentOrganization.commitment_id)
            .join(Organization, Organization.id == CommitmentOrganization.organization_id)  # type: ignore[arg-type]
            .where(col(Organization.search_text).like(pattern))
        )
        statement = statement.where(
            sa.or_(col(Commitment.search_text).like(pattern), col(Commitment.id).in_(bound))
        )
    if f.event_id is not None:
        statement = statement.where(Commitment.event_id == f.event_id)
    if f.province:
        code = resolve_province(session=session, value=f.province, field="query.province").code
        statement = statement.where(current_unit_expression(col(Commitment.province_unit)) == code)
    if f.country:
        statement = statement.where(Commitment.partner_country == f.country.strip().upper())
    if f.sector:
        code = f.sector.strip().upper()
        statement = statement.where(
            col(Commitment.id).in_(
                select(CommitmentSector.commitment_id).where(
                    sa.or_(
                        CommitmentSector.sector_code == code,
                        sa.func.substr(CommitmentSector.sector_code, 1, 1) == code,
                    )
                )
            )
        )
    if f.status is not None:
        statement = statement.where(Commitment.status == f.status)
    if f.review_due is not None:
        due = sa.and_(
            col(Commitment.next_review_on).is_not(None),
            col(Commitment.next_review_on) <= (f.on or today()),
            col(Commitment.status).not_in([CommitmentStatus.realised, CommitmentStatus.cancelled]),
        )
        statement = statement.where(due if f.review_due else sa.not_(due))
    if f.organization_id is not None:
        statement = statement.where(
            col(Commitment.id).in_(
                select(CommitmentOrganization.commitment_id).where(
                    CommitmentOrganization.organization_id == f.organization_id
                )
            )
        )
    return statement


def list_commitments(
    *,
    session: Session,
    limit: int = 50,
    offset: int = 0,
    **filters: Any,
) -> tuple[list[Commitment], int]:
    """Filtered commitments (see ``CommitmentFilters``), next review first, and how many."""
    statement = _filtered(session, CommitmentFilters(**filters))
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    rows = session.exec(
        statement.order_by(
            col(Commitment.next_review_on).is_(None),
            Commitment.next_review_on,
            col(Commitment.id).desc(),
        )
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), total


def commitment_totals(*, session: Session, **filters: Any) -> CommitmentTotals:
    """How many commitments match, their value and realised USD, in one query."""
    matching = _filtered(session, CommitmentFilters(**filters)).subquery()
    count, value, realised = session.exec(
        select(
            func.count(),
            func.coalesce(func.sum(matching.c.value_usd), 0),
            func.coalesce(func.sum(matching.c.realised_usd), 0),
        )
    ).one()
    return CommitmentTotals(count=count, value_usd=float(value), realised_usd=float(realised))


def reviews_due(*, session: Session, on: date | None = None, limit: int = 500) -> list[Commitment]:
    """Commitments whose next review date has passed (not realised or cancelled): the
    list the periodic review, and its reminder mail, works through."""
    rows, _ = list_commitments(session=session, review_due=True, on=on, limit=limit)
    return rows


def list_reviews(*, session: Session, commitment_id: int) -> list[CommitmentReview]:
    return list(
        session.exec(
            select(CommitmentReview)
            .where(CommitmentReview.commitment_id == commitment_id)
            .order_by(CommitmentReview.reviewed_on, CommitmentReview.id)
        ).all()
    )


def commitment_public(
    *, session: Session, commitment: Commitment, with_reviews: bool = False, on: date | None = None
) -> CommitmentPublic:
    org_ids = organization_ids_of(session=session, commitment_id=commitment.id)  # type: ignore[arg-type]
    orgs = session.exec(select(Organization).where(col(Organization.id).in_(org_ids))).all()
    sectors = session.exec(
        select(CommitmentSector.sector_code)
        .where(CommitmentSector.commitment_id == commitment.id)
        .order_by(CommitmentSector.sector_code)
    ).all()
    unit = current_unit(session=session, unit=commitment.province_unit)
    due = (
        commitment.next_review_on is not None
        and commitment.next_review_on <= (on or today())
        and commitment.status not in (CommitmentStatus.realised, CommitmentStatus.cancelled)
    )
    reviews = None
    if with_reviews:
        reviews = [
            ReviewPublic.model_validate(r, from_attributes=True)
            for r in list_reviews(session=session, commitment_id=commitment.id)  # type: ignore[arg-type]
        ]
    return CommitmentPublic(
        id=commitment.id,  # type: ignore[arg-type]
        kind=commitment.kind,
        title=commitment.title,
        organizations=[OrganizationRef(id=o.id, name=o.name, country=o.country) for o in orgs],  # type: ignore[arg-type]
        organization_ids=org_ids,
        event_id=commitment.event_id,
        meeting_id=commitment.meeting_id,
        feedback_id=commitment.feedback_id,
        province_given=commitment.province_given,
        province_code=unit.code if unit else None,
        province_name=unit.name if unit else None,
        province_name_en=unit.name_en if unit else None,
        partner_country=commitment.partner_country,
        sectors=list(sectors),
        signed_on=commitment.signed_on,
        value_usd=commitment.value_usd,
        jobs=commitment.jobs,
        status=commitment.status,
        realised_usd=commitment.realised_usd,
        next_review_on=commitment.next_review_on,
        review_due=due,
        notes=commitment.notes,
        created_at=commitment.created_at,
        updated_at=commitment.updated_at,
        reviews=reviews,
    )


def meeting_choices(
    *, session: Session, event_id: int, organization_ids: list[int], keep: int | None = None,
    limit: int = 60,
) -> list[tuple[Meeting, str, str]]:  # fmt: skip
    """The event's meetings a commitment of these organisations may come from (one of
    them at the table), earliest first, with both sides' names; ``keep`` (the meeting it
    names now) is always among them."""
    names = dict(
        session.exec(
            select(Participant.id, Organization.name)
            .join(Organization, Organization.id == Participant.organization_id)  # type: ignore[arg-type]
            .where(Participant.event_id == event_id)
        ).all()
    )
    ours = select(Participant.id).where(
        Participant.event_id == event_id, col(Participant.organization_id).in_(organization_ids)
    )
    chosen = sa.or_(
        col(Meeting.participant_a_id).in_(ours), col(Meeting.participant_b_id).in_(ours)
    )
    statement = select(Meeting).where(Meeting.event_id == event_id)
    if keep is not None:
        chosen = sa.or_(chosen, Meeting.id == keep)
    meetings = session.exec(
        statement.where(chosen).order_by(Meeting.starts_at, Meeting.id).limit(limit)  # type: ignore[arg-type]
    ).all()
    return [
        (m, names.get(m.participant_a_id, ""), names.get(m.participant_b_id, "")) for m in meetings
    ]

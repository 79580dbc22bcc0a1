"""Routes for the commitments register.

Organisers create, change and review commitments. A participant reads only the
commitments its organisation is party to, across every edition (a province sees its
own MoUs of all past events with this year's token); any other answers 404 like an
unknown id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlmodel import Session

from service.auth.dependencies import ActorDep, OrganizerDep
from service.auth.service import Actor
from service.commitments import service as register
from service.commitments.models import (
    Commitment,
    CommitmentCreate,
    CommitmentPublic,
    CommitmentStatus,
    CommitmentUpdate,
    ReviewCreate,
)
from service.core.database import SessionDep
from service.core.errors import not_found
from service.kit.pagination import Page, PageDep
from service.participants.models import Participant

router = APIRouter(prefix="/commitments", tags=["commitments"])


def _organization_of(session: Session, actor: Actor) -> int | None:
    if actor.is_organizer:
        return None
    participant = session.get(Participant, actor.participant_id)
    if participant is None:
        raise not_found("participant")
    return participant.organization_id


def _readable(session: Session, actor: Actor, commitment_id: int) -> Commitment:
    commitment = register.get_commitment(session=session, commitment_id=commitment_id)
    organization_id = _organization_of(session, actor)
    if organization_id is not None and not register.is_party(
        session=session, commitment_id=commitment_id, organization_id=organization_id
    ):
        raise not_found(f"commitment {commitment_id}")
    return commitment


@router.post("", status_code=status.HTTP_201_CREATED, summary="Register a commitment")
def create_commitment(
    data: CommitmentCreate, session: SessionDep, _: OrganizerDep
) -> CommitmentPublic:
    commitment = register.create_commitment(session=session, data=data)
    return register.commitment_public(session=session, commitment=commitment, with_reviews=True)


@router.get(
    "",
    summary="Commitments: organisers all, a participant those its organisation is party to",
    description="`province` takes a code or a current or former name and finds the "
    "commitments reported under that current unit; `sector` a division ('C26') or a "
    "section ('C'); `review_due=true` those whose next review date has passed; `q` words "
    "found, accent-insensitive, in the title, notes, province or a party's name.",
)
def list_commitments(
    session: SessionDep,
    actor: ActorDep,
    page: PageDep,
    event_id: int | None = None,
    province: Annotated[str | None, Query(max_length=100)] = None,
    country: Annotated[str | None, Query(max_length=2)] = None,
    sector: Annotated[str | None, Query(max_length=3)] = None,
    status: CommitmentStatus | None = None,
    review_due: bool | None = None,
    organization_id: int | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[CommitmentPublic]:
    own = _organization_of(session, actor)
    if own is not None:
        organization_id = own
    rows, total = register.list_commitments(
        session=session,
        event_id=event_id,
        province=province,
        country=country,
        sector=sector,
        status=status,
        review_due=review_due,
        organization_id=organization_id,
        query=q,
        limit=page.limit,
        offset=page.offset,
    )
    items = [register.commitment_public(session=session, commitment=c) for c in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/{commitment_id}", summary="One commitment with its review history")
def get_commitment(commitment_id: int, session: SessionDep, actor: ActorDep) -> CommitmentPublic:
    commitment = _readable(session, actor, commitment_id)
    return register.commitment_public(session=session, commitment=commitment, with_reviews=True)


@router.patch(
    "/{commitment_id}",
    summary="Change a commitment's facts (its status moves through reviews)",
    description="`event_id: null` takes the commitment out of any event (and its meeting "
    "with it); a `meeting_id` must be a meeting of the commitment's event.",
)
def update_commitment(
    commitment_id: int, data: CommitmentUpdate, session: SessionDep, _: OrganizerDep
) -> CommitmentPublic:
    commitment = register.get_commitment(session=session, commitment_id=commitment_id)
    commitment = register.update_commitment(session=session, commitment=commitment, data=data)
    return register.commitment_public(session=session, commitment=commitment, with_reviews=True)


@router.post(
    "/{commitment_id}/reviews",
    status_code=status.HTTP_201_CREATED,
    summary="Append a review: status, realised USD so far, note",
    description="Reviews are never changed or removed; the commitment takes the status and "
    "realised amount of its latest review, and `next_review_on` when given (not before the "
    "review). A review dated before the signature is 422.",
)
def add_review(
    commitment_id: int, data: ReviewCreate, session: SessionDep, _: OrganizerDep
) -> CommitmentPublic:
    register.add_review(
        session=session, commitment_id=commitment_id, data=data, reviewer=register.ORGANISERS
    )
    commitment = register.get_commitment(session=session, commitment_id=commitment_id)
    return register.commitment_public(session=session, commitment=commitment, with_reviews=True)

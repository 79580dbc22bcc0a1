"""Issuing, revoking and resolving tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import sqlalchemy as sa
from sqlmodel import Session, select

from service.auth.models import OrganizerToken
from service.changes.service import current_version, version_column
from service.core.database import utcnow
from service.core.security import (
    ORGANIZER_PREFIX,
    PARTICIPANT_PREFIX,
    hash_token,
    lookup_hash,
    new_token,
    same_secret,
)
from service.participants.models import Participant


@dataclass(frozen=True)
class Actor:
    """The caller: an organiser, or one participant of one event."""

    role: str  # "organizer" | "participant"
    participant_id: int | None = None
    event_id: int | None = None

    @property
    def is_organizer(self) -> bool:
        return self.role == "organizer"

    def is_participant(self, participant_id: int) -> bool:
        return self.role == "participant" and self.participant_id == participant_id


def create_organizer_token(*, session: Session, name: str) -> tuple[OrganizerToken, str]:
    token = new_token(ORGANIZER_PREFIX)
    row = OrganizerToken(name=name, token_hash=hash_token(token))
    session.add(row)
    session.commit()
    session.refresh(row)
    return row, token


def revoke_organizer_token(*, session: Session, token_id: int) -> bool:
    row = session.get(OrganizerToken, token_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    session.add(row)
    session.commit()
    return True


# Core statements with bound parameters, run on the session's connection: token lookups
# happen on every authenticated request, and the ORM's statement handling cost more than
# the query itself.
_ORGANIZER_BY_TOKEN: Final = sa.select(OrganizerToken.id).where(
    OrganizerToken.token_hash == sa.bindparam("token_hash"),  # type: ignore[arg-type]
    OrganizerToken.revoked_at.is_(None),  # type: ignore[union-attr]
)
_PARTICIPANT_BY_TOKEN: Final = sa.select(Participant.id, Participant.event_id).where(
    Participant.token_hash == sa.bindparam("token_hash")  # type: ignore[arg-type]
)


def resolve_token(*, session: Session, token: str, admin_token: str | None) -> Actor | None:
    """The actor a bearer token stands for, or None when it stands for nobody."""
    if admin_token and same_secret(token, admin_token):
        return Actor(role="organizer")
    token_hash = lookup_hash(token)
    if token_hash is None:
        return None
    digest = {"token_hash": token_hash}
    connection = session.connection()
    # The prefix says which table can hold the token: one lookup per request, not two.
    maybe_organizer = not token.startswith(PARTICIPANT_PREFIX + "_")
    if maybe_organizer and connection.execute(_ORGANIZER_BY_TOKEN, digest).first() is not None:
        return Actor(role="organizer")
    if token.startswith(ORGANIZER_PREFIX + "_"):
        return None
    found = connection.execute(_PARTICIPANT_BY_TOKEN, digest).first()
    if found is None:
        return None
    return Actor(role="participant", participant_id=found[0], event_id=found[1])


_PARTICIPANT_AND_VERSION_BY_TOKEN: Final = sa.select(
    Participant.id, Participant.event_id, version_column()
).where(
    Participant.token_hash == sa.bindparam("token_hash")  # type: ignore[arg-type]
)


def resolve_token_and_version(
    *, session: Session, token: str, admin_token: str | None
) -> tuple[Actor, int] | None:
    """:func:`resolve_token` and the data version (:mod:`service.changes`), read before
    anything the caller reads next. A participant's token and the version come in one
    statement: a phone reloading its agenda is the commonest request of the day."""
    if token.startswith(PARTICIPANT_PREFIX + "_"):
        token_hash = lookup_hash(token)
        if token_hash is None:
            return None
        found = (
            session.connection()
            .execute(_PARTICIPANT_AND_VERSION_BY_TOKEN, {"token_hash": token_hash})
            .first()
        )
        if found is None:
            return None
        actor = Actor(role="participant", participant_id=found[0], event_id=found[1])
        return actor, int(found[2])
    actor = resolve_token(session=session, token=token, admin_token=admin_token)
    return None if actor is None else (actor, current_version(session=session))


def participant_by_token(*, session: Session, token: str) -> Participant | None:
    token_hash = lookup_hash(token)
    if token_hash is None:
        return None
    return session.exec(select(Participant).where(Participant.token_hash == token_hash)).first()

"""Reading the data version.

Answers cached in the process (calendar feeds, agendas) remember the version they were
checked at: while it has not moved, nothing they show can have changed, and one indexed
read replaces the queries that would prove it. The version must be read before the data
it stands for, in the same or an earlier statement: a write that commits in between
then only makes the stored version older than the data, which costs one extra check
later and never serves stale data.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa
from sqlmodel import Session

from service.changes.models import DataVersion

VERSION_ROW: Final = 1

_VERSION_QUERY: Final = sa.select(DataVersion.version).where(DataVersion.id == VERSION_ROW)  # type: ignore[arg-type]


def version_column() -> sa.ScalarSelect[int]:
    """The version as a scalar subquery, to read it in the same statement as other rows."""
    return _VERSION_QUERY.scalar_subquery()


def current_version(*, session: Session) -> int:
    """The data version as this transaction sees it."""
    value = session.connection().execute(_VERSION_QUERY).scalar_one_or_none()
    if value is None:
        raise RuntimeError("the data_version row is missing: run the migrations")
    return int(value)

"""The single-row table holding the data version."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class DataVersion(SQLModel, table=True):
    """One row (id 1). Database triggers raise ``version`` in the same transaction as any
    insert, update or delete in the app's other tables, so a reader that sees a version
    also sees every write made before it was raised (see migration 0003)."""

    __tablename__ = "data_version"

    id: int = Field(default=1, primary_key=True)
    version: int = Field(default=0, sa_type=sa.BigInteger)

"""Organiser tokens issued with `meetx token create`."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from service.core.database import UTCDateTime, utcnow


class OrganizerToken(SQLModel, table=True):
    __tablename__ = "organizer_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, description="Who holds it, e.g. 'Sở Ngoại vụ Bắc Ninh'")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

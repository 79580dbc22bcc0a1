"""Response models of the suggestion endpoints."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ReasonPublic(BaseModel):
    code: str = Field(description="Kind of reason: sector, text, potential, language, ...")
    vi: str
    en: str


class PartnerOrganization(BaseModel):
    id: int
    name: str
    name_en: str | None
    kind: str
    country: str
    province_code: str | None
    sectors: list[str]
    verified: bool


class SuggestionPublic(BaseModel):
    participant_id: int = Field(description="The suggested partner (a participant id)")
    organization: PartnerOrganization
    side: str
    score: float = Field(ge=0, le=1)
    components: dict[str, float] = Field(
        description="sector, text, potential, language, preference: each in [0, 1]"
    )
    reasons: list[ReasonPublic]
    request_status: str | None = Field(
        default=None, description="Status of the latest meeting request between the two"
    )


class SuggestionList(BaseModel):
    participant_id: int
    items: list[SuggestionPublic]
    total: int
    weights: dict[str, float]


class PairPublic(BaseModel):
    host_participant_id: int
    guest_participant_id: int
    host: PartnerOrganization
    guest: PartnerOrganization
    score: float
    components: dict[str, float]
    reasons: list[ReasonPublic]


class PairList(BaseModel):
    items: list[PairPublic]
    total: int


class IndexBuild(BaseModel):
    """What preparing an event's suggestion index did (POST .../suggestions/index)."""

    event_id: int
    participants: int
    built: bool = Field(description="false when this process already had it current")
    seconds: float
    process: str = Field(description="host:pid of the process that holds it in memory")

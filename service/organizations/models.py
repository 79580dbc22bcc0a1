"""Organisation models."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Column, Field, SQLModel

from service.core.database import UTCDateTime, utcnow
from service.kit.fields import CountryCode, LanguageCode, LongText, Name, ProvinceRef, Url


class OrganizationKind(enum.StrEnum):
    province = "province"
    company = "company"
    association = "association"
    locality = "locality"
    agency = "agency"


class OrganizationBase(SQLModel):
    kind: OrganizationKind = Field(
        sa_column=Column(sa.Enum(OrganizationKind, native_enum=False, length=16), nullable=False)
    )
    name: Name = Field(max_length=200)
    name_en: Name | None = Field(default=None, max_length=200)
    country: CountryCode = Field(max_length=2, description="ISO 3166-1 alpha-2, e.g. VN, KR")
    offers: LongText = Field(default="", sa_type=sa.Text, description="What it offers")
    needs: LongText = Field(default="", sa_type=sa.Text, description="What it seeks")
    investment_usd: float | None = Field(
        default=None,
        ge=0,
        le=1e12,
        description="Guests: planned investment; hosts: capital their projects seek",
    )
    fdi_target_usd: float | None = Field(
        default=None, ge=0, le=1e12, description="Provinces: annual FDI attraction target"
    )
    industrial_land_ha: float | None = Field(
        default=None, ge=0, le=1e7, description="Provinces: industrial-park land available"
    )
    projects: int = Field(
        default=0, ge=0, le=100_000, description="Projects calling for investment"
    )
    website: Url | None = Field(default=None, max_length=500)
    description: LongText | None = Field(default=None, sa_type=sa.Text)


class OrganizationCreate(OrganizationBase):
    kind: OrganizationKind
    province_code: ProvinceRef | None = Field(
        default=None,
        description="Vietnamese organisations: province code ('24' or 24) or name (current "
        "or former)",
    )
    sectors: list[Name] = Field(
        default_factory=list, max_length=50, description="VSIC 2018 codes: 'C' or 'C26'"
    )
    languages: list[LanguageCode] = Field(default_factory=list, max_length=20)

    model_config = {  # type: ignore[assignment]
        "json_schema_extra": {
            "examples": [
                {
                    "kind": "company",
                    "name": "Hanbit Semicon Co., Ltd.",
                    "country": "KR",
                    "sectors": ["C26"],
                    "offers": "Semiconductor packaging lines, process engineers",
                    "needs": "Nhà cung cấp linh kiện điện tử, đất khu công nghiệp",
                    "languages": ["ko", "en"],
                    "investment_usd": 120000000,
                    "website": "https://hanbit-semicon.example",
                }
            ]
        }
    }


class OrganizationUpdate(SQLModel):
    name: Name | None = None
    name_en: Name | None = None
    province_code: ProvinceRef | None = None
    sectors: list[Name] | None = Field(default=None, max_length=50)
    languages: list[LanguageCode] | None = Field(default=None, max_length=20)
    offers: LongText | None = None
    needs: LongText | None = None
    investment_usd: float | None = Field(default=None, ge=0, le=1e12)
    fdi_target_usd: float | None = Field(default=None, ge=0, le=1e12)
    industrial_land_ha: float | None = Field(default=None, ge=0, le=1e7)
    projects: int | None = Field(default=None, ge=0, le=100_000)
    website: Url | None = None
    description: LongText | None = None
    verified: bool | None = None


class Organization(OrganizationBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    province_code: str | None = Field(
        default=None, foreign_key="province.code", max_length=2, index=True
    )
    sectors: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    languages: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    verified: bool = Field(default=False, description="Vetted by an organiser")
    search_text: str = Field(default="", max_length=2000)
    sector_key: str = Field(
        default="", max_length=1000, description="' C26 C ' : divisions and their sections"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OrganizationPublic(OrganizationBase):
    id: int
    province_code: str | None
    province_name: str | None = None
    sectors: list[str]
    languages: list[str]
    verified: bool
    created_at: datetime
    updated_at: datetime

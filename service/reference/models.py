"""Provinces, former provinces and sectors."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class ProvinceBase(SQLModel):
    code: str = Field(primary_key=True, max_length=2, description="Official code, e.g. '79'")
    name: str = Field(max_length=100, description="Official name, e.g. 'Thành phố Hồ Chí Minh'")
    short_name: str = Field(max_length=100)
    name_en: str = Field(max_length=100)
    division_type: str = Field(max_length=40)


class Province(ProvinceBase, table=True):
    codename: str = Field(max_length=100)
    search_text: str = Field(max_length=400)


class FormerProvince(SQLModel, table=True):
    """A provincial unit in use before 1 July 2025 and the unit it became part of."""

    __tablename__ = "former_province"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=2, index=True)
    name: str = Field(max_length=100)
    current_code: str = Field(foreign_key="province.code", max_length=2, index=True)
    search_text: str = Field(max_length=400)


class FormerUnitPublic(SQLModel):
    code: str
    name: str


class ProvincePublic(ProvinceBase):
    former_units: list[FormerUnitPublic] = Field(
        default_factory=list, description="Units merged into this one on 1 July 2025"
    )
    matched_former: FormerUnitPublic | None = Field(
        default=None, description="The former unit whose name the query matched, if any"
    )


class SectorBase(SQLModel):
    code: str = Field(primary_key=True, max_length=3, description="'C' (section) or 'C26'")
    name_vi: str = Field(max_length=300)
    name_en: str = Field(max_length=300)
    parent: str | None = Field(default=None, foreign_key="sector.code", max_length=3)
    level: int = Field(description="1 = section, 2 = division")


class Sector(SectorBase, table=True):
    search_text: str = Field(max_length=700)


class SectorPublic(SectorBase):
    pass

"""Reference data: provincial units before and after 1 July 2025, aliases, VSIC 2018
sectors and past editions."""

from __future__ import annotations

import dataclasses
import unicodedata

import pytest

from seeds.reference import (
    current_provinces,
    former_units,
    former_units_by_current,
    name_key,
    past_editions,
    province_aliases,
    resolve_province_code,
    vsic_sectors,
)

# Former unit -> the current unit it merged into, as listed in DOMAIN.md
# (Resolution 202/2025/QH15). Names without the "Thành phố" prefix.
MERGERS: dict[str, str] = {
    "Hà Giang": "Tuyên Quang",
    "Yên Bái": "Lào Cai",
    "Bắc Kạn": "Thái Nguyên",
    "Vĩnh Phúc": "Phú Thọ",
    "Hòa Bình": "Phú Thọ",
    "Bắc Giang": "Bắc Ninh",
    "Thái Bình": "Hưng Yên",
    "Hải Dương": "Hải Phòng",
    "Hà Nam": "Ninh Bình",
    "Nam Định": "Ninh Bình",
    "Quảng Bình": "Quảng Trị",
    "Quảng Nam": "Đà Nẵng",
    "Kon Tum": "Quảng Ngãi",
    "Bình Định": "Gia Lai",
    "Ninh Thuận": "Khánh Hòa",
    "Đắk Nông": "Lâm Đồng",
    "Bình Thuận": "Lâm Đồng",
    "Phú Yên": "Đắk Lắk",
    "Bình Dương": "Hồ Chí Minh",
    "Bà Rịa - Vũng Tàu": "Hồ Chí Minh",
    "Bình Phước": "Đồng Nai",
    "Long An": "Tây Ninh",
    "Sóc Trăng": "Cần Thơ",
    "Hậu Giang": "Cần Thơ",
    "Bến Tre": "Vĩnh Long",
    "Trà Vinh": "Vĩnh Long",
    "Tiền Giang": "Đồng Tháp",
    "Bạc Liêu": "Cà Mau",
    "Kiên Giang": "An Giang",
}
UNCHANGED = [
    "Hà Nội", "Cao Bằng", "Điện Biên", "Lai Châu", "Sơn La", "Lạng Sơn", "Quảng Ninh",
    "Thanh Hóa", "Nghệ An", "Hà Tĩnh",
]  # fmt: skip

# Pre-2025 General Statistics Office codes, checked against the published list.
OLD_CODES = {
    "01": "Thành phố Hà Nội",
    "02": "Hà Giang",
    "06": "Bắc Kạn",
    "15": "Yên Bái",
    "17": "Hòa Bình",
    "24": "Bắc Giang",
    "26": "Vĩnh Phúc",
    "27": "Bắc Ninh",
    "30": "Hải Dương",
    "46": "Thừa Thiên Huế",
    "49": "Quảng Nam",
    "52": "Bình Định",
    "62": "Kon Tum",
    "64": "Gia Lai",
    "67": "Đắk Nông",
    "74": "Bình Dương",
    "77": "Bà Rịa - Vũng Tàu",
    "79": "Thành phố Hồ Chí Minh",
    "89": "An Giang",
    "91": "Kiên Giang",
    "93": "Hậu Giang",
    "95": "Bạc Liêu",
}


def _base(name: str) -> str:
    return name.removeprefix("Thành phố ")


def _current_by_name() -> dict[str, str]:
    return {_base(p.name): p.code for p in current_provinces()}


def _is_nfc(text: str) -> bool:
    return unicodedata.normalize("NFC", text) == text


# ---------------------------------------------------------------- current units


def test_there_are_34_current_units_with_two_digit_codes() -> None:
    provinces = current_provinces()
    assert len(provinces) == 34
    codes = [p.code for p in provinces]
    assert codes == sorted(set(codes))
    assert all(len(c) == 2 and c.isdigit() for c in codes)
    assert {p.division_type for p in provinces} == {"tỉnh", "thành phố trung ương"}
    assert sum(p.division_type == "thành phố trung ương" for p in provinces) == 6
    for p in provinces:
        assert all(_is_nfc(t) and t for t in (p.name, p.short_name, p.name_en, p.codename))
        assert p.name_en.isascii()


def test_current_unit_names() -> None:
    by_code = {p.code: p for p in current_provinces()}
    hcm = by_code["79"]
    assert (hcm.name, hcm.short_name, hcm.name_en) == (
        "Thành phố Hồ Chí Minh",
        "TP. Hồ Chí Minh",
        "Ho Chi Minh City",
    )
    assert hcm.division_type == "thành phố trung ương"
    assert (by_code["01"].short_name, by_code["01"].name_en) == ("TP. Hà Nội", "Hanoi")
    bac_ninh = by_code["24"]
    assert (bac_ninh.name, bac_ninh.short_name, bac_ninh.name_en) == (
        "Bắc Ninh",
        "Bắc Ninh",
        "Bac Ninh",
    )
    assert bac_ninh.division_type == "tỉnh"
    assert by_code["66"].name_en == "Dak Lak"
    assert by_code["46"].short_name == "TP. Huế"


def test_records_are_immutable_and_lists_are_fresh() -> None:
    first = current_provinces()
    with pytest.raises(dataclasses.FrozenInstanceError):
        first[0].name = "x"  # type: ignore[misc]
    first.clear()
    assert len(current_provinces()) == 34


# ---------------------------------------------------------------- former units


def test_there_are_63_former_units_each_mapping_to_a_current_unit() -> None:
    units = former_units()
    assert len(units) == 63
    assert len({u.code for u in units}) == 63
    assert len({u.name for u in units}) == 63
    current = {p.code for p in current_provinces()}
    for unit in units:
        assert unit.current_code in current, unit
        assert len(unit.code) == 2 and unit.code.isdigit()
        assert _is_nfc(unit.name)
        assert unit.division_type in ("tỉnh", "thành phố trung ương")
    assert set(former_units_by_current()) == current


def test_each_current_unit_continues_exactly_one_former_unit() -> None:
    grouped = former_units_by_current()
    for code, units in grouped.items():
        assert 1 <= len(units) <= 3, code
        assert sum(u.kept_name for u in units) == 1, code
    assert sum(u.kept_name for u in former_units()) == 34


@pytest.mark.parametrize(("code", "name"), sorted(OLD_CODES.items()))
def test_former_units_carry_their_real_pre_2025_codes(code: str, name: str) -> None:
    by_code = {u.code: u.name for u in former_units()}
    assert by_code[code] == name


@pytest.mark.parametrize(("former", "current"), sorted(MERGERS.items()))
def test_every_merger_holds(former: str, current: str) -> None:
    unit = next(u for u in former_units() if _base(u.name) == former)
    assert unit.current_code == _current_by_name()[current]
    assert not unit.kept_name


@pytest.mark.parametrize("name", UNCHANGED)
def test_unchanged_units_map_to_themselves(name: str) -> None:
    code = _current_by_name()[name]
    units = former_units_by_current()[code]
    assert [_base(u.name) for u in units] == [name]
    assert units[0].kept_name


def test_well_known_mergers_by_code() -> None:
    by_name = {_base(u.name): u.current_code for u in former_units()}
    assert by_name["Bình Dương"] == "79"
    assert by_name["Bà Rịa - Vũng Tàu"] == "79"
    assert by_name["Bình Định"] == "52"
    assert by_name["Kon Tum"] == "51"
    assert by_name["Bắc Giang"] == "24"
    assert by_name["Vĩnh Phúc"] == "25"
    assert by_name["Thừa Thiên Huế"] == "46"
    assert by_name["Quảng Nam"] == "48"


def test_huế_is_the_continuation_of_thừa_thiên_huế() -> None:
    [unit] = former_units_by_current()["46"]
    assert unit.name == "Thừa Thiên Huế"
    assert unit.kept_name
    assert unit.note


# ---------------------------------------------------------------- aliases and resolution


def test_aliases_point_to_current_units_without_ambiguity() -> None:
    aliases = province_aliases()
    current = {p.code for p in current_provinces()}
    assert aliases
    keys: dict[str, str] = {}
    for alias, code in aliases.items():
        assert code in current, alias
        assert _is_nfc(alias)
        key = name_key(alias)
        assert keys.setdefault(key, code) == code, alias
    # An alias never shadows another unit's official or former name.
    for unit in former_units():
        assert keys.get(name_key(_base(unit.name)), unit.current_code) == unit.current_code
    for province in current_provinces():
        assert keys.get(name_key(_base(province.name)), province.code) == province.code


@pytest.mark.parametrize(
    ("alias", "code"),
    [
        ("TP HCM", "79"),
        ("Sài Gòn", "79"),
        ("HCMC", "79"),
        ("Huế", "46"),
        ("Hà Nội", "01"),
        ("BR-VT", "79"),
        ("Kinh Bắc", "24"),
    ],
)
def test_known_aliases(alias: str, code: str) -> None:
    assert province_aliases()[alias] == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("79", "79"),
        ("1", "01"),
        (" 24 ", "24"),
        ("Thành phố Hồ Chí Minh", "79"),
        ("TP. Hồ Chí Minh", "79"),
        ("tp.hcm", "79"),
        ("Sai Gon", "79"),
        ("Bình Dương", "79"),
        ("binh duong", "79"),
        ("BÌNH DƯƠNG", "79"),
        ("Bà Rịa – Vũng Tàu", "79"),
        ("Tỉnh Bắc Giang", "24"),
        ("Bac Ninh Province", "24"),
        ("Thừa Thiên Huế", "46"),
        ("thua thien hue", "46"),
        ("Huế", "46"),
        ("Khánh Hoà", "56"),
        ("Đắk Nông", "68"),
        ("dak nong", "68"),
        ("Kon Tum", "51"),
        ("Bình Định", "52"),
        ("Ho Chi Minh City", "79"),
        ("Hanoi", "01"),
    ],
)
def test_resolve_province_code(text: str, code: str) -> None:
    assert resolve_province_code(text) == code


@pytest.mark.parametrize("text", ["", "  ", "27", "00", "Atlantis", "Tỉnh"])
def test_resolve_province_code_rejects_unknown(text: str) -> None:
    # 27 was Bắc Ninh's code before 2025: digits are only ever read as current codes.
    assert resolve_province_code(text) is None


def test_every_name_ever_used_resolves() -> None:
    for unit in former_units():
        assert resolve_province_code(unit.name) == unit.current_code, unit.name
    for p in current_provinces():
        for text in (p.name, p.short_name, p.name_en, p.code):
            assert resolve_province_code(text) == p.code, text
    for alias, code in province_aliases().items():
        assert resolve_province_code(alias) == code, alias


def test_name_key_folds_accents_đ_case_and_punctuation() -> None:
    assert name_key("Đắk Lắk") == "dak lak"
    assert name_key("TP. Hồ Chí Minh") == name_key("tp ho chi minh")
    assert name_key("Bà Rịa - Vũng Tàu") == name_key("Bà Rịa – Vũng Tàu")
    assert name_key("Khánh Hoà") == name_key("Khánh Hòa")
    decomposed = unicodedata.normalize("NFD", "Bình Dương")
    assert name_key(decomposed) == "binh duong"


# ---------------------------------------------------------------- sectors

DIVISIONS = {
    "A": range(1, 4),
    "B": range(5, 10),
    "C": range(10, 34),
    "D": [35],
    "E": range(36, 40),
    "F": range(41, 44),
    "G": range(45, 48),
    "H": range(49, 54),
    "I": [55, 56],
    "J": range(58, 64),
    "K": range(64, 67),
    "L": [68],
    "M": range(69, 76),
    "N": range(77, 83),
    "O": [84],
    "P": [85],
    "Q": range(86, 89),
    "R": range(90, 94),
    "S": range(94, 97),
    "T": [97, 98],
    "U": [99],
}


def test_vsic_has_21_sections_and_88_divisions() -> None:
    sectors = vsic_sectors()
    sections = [s for s in sectors if s.level == 1]
    divisions = [s for s in sectors if s.level == 2]
    assert [s.code for s in sections] == [chr(c) for c in range(ord("A"), ord("U") + 1)]
    assert len(divisions) == 88
    assert len({s.code for s in sectors}) == 109
    expected = {f"{letter}{n:02d}" for letter, numbers in DIVISIONS.items() for n in numbers}
    assert {s.code for s in divisions} == expected


def test_sector_names_and_parents() -> None:
    sectors = vsic_sectors()
    sections = {s.code for s in sectors if s.level == 1}
    seen: set[str] = set()
    for s in sectors:
        assert s.name_vi.strip() and s.name_en.strip(), s.code
        assert _is_nfc(s.name_vi) and s.name_en.isascii()
        if s.level == 1:
            assert s.parent is None and len(s.code) == 1
        else:
            assert s.parent in sections and s.code[0] == s.parent
            assert s.parent in seen, "each section is listed before its divisions"
        seen.add(s.code)


def test_known_sector_names() -> None:
    by_code = {s.code: s for s in vsic_sectors()}
    assert by_code["C26"].name_vi == "Sản xuất sản phẩm điện tử, máy vi tính và sản phẩm quang học"
    assert by_code["C26"].name_en == "Manufacture of computer, electronic and optical products"
    assert by_code["C27"].name_en == "Manufacture of electrical equipment"
    assert by_code["H52"].name_vi == "Kho bãi và các hoạt động hỗ trợ cho vận tải"
    assert by_code["I55"].name_vi == "Dịch vụ lưu trú"
    assert by_code["J62"].name_en == "Computer programming, consultancy and related activities"
    assert by_code["D35"].parent == "D"
    assert by_code["C"].name_vi == "Công nghiệp chế biến, chế tạo"


# ---------------------------------------------------------------- past editions


def test_past_editions() -> None:
    editions = past_editions()
    assert len(editions) == 11
    assert [e.start_date for e in editions] == sorted(e.start_date for e in editions)
    assert len({e.key for e in editions}) == 11
    current = {p.code for p in current_provinces()}
    for e in editions:
        assert e.start_date <= e.end_date
        assert e.partner_country in {"KR", "JP", "EU", "TH", "CA", None}
        assert _is_nfc(e.name)
        if e.host_province is None:
            assert e.featured_province in current and e.host_name_at_the_time is None
        else:
            assert e.host_province in current
            assert e.host_name_at_the_time is not None
            assert resolve_province_code(e.host_name_at_the_time) == e.host_province


def test_editions_hosted_by_merged_provinces_use_current_codes() -> None:
    by_host = {(e.host_name_at_the_time, e.start_date.isoformat()): e for e in past_editions()}
    assert by_host[("Bình Dương", "2023-09-09")].host_province == "79"
    assert by_host[("Bình Định", "2022-05-13")].host_province == "52"
    assert by_host[("Bình Định", "2023-07-07")].partner_country == "JP"
    assert by_host[("Bắc Ninh", "2023-05-17")].end_date.isoformat() == "2023-05-18"
    europe = by_host[("TP. Hồ Chí Minh", "2022-11-28")]
    assert (europe.partner_country, europe.end_date.isoformat()) == ("EU", "2022-11-30")
    cao_bang = next(e for e in past_editions() if e.name == "Giới thiệu Cao Bằng")
    assert cao_bang.host_province is None and cao_bang.featured_province == "04"

"""Bilingual reasons: what they name, in which order, and when they are written."""

import pytest

from matching.profiles import MatchConfig, PairPreferences
from matching.scoring import MatchIndex, Reason, Suggestion, build_index
from matching.scoring.reasons import format_usd_en, format_usd_vi
from tests.matching.profiles import make

NAMES = {
    "C": ("Công nghiệp chế biến, chế tạo", "Manufacturing"),
    "C26": (
        "Sản xuất sản phẩm điện tử, máy vi tính và sản phẩm quang học",
        "Manufacture of computer, electronic and optical products",
    ),
    "H52": ("Kho bãi và các hoạt động hỗ trợ cho vận tải", "Warehousing and support for transport"),
}


HANWA = make(
    "hanwa",
    name="Hanwa Electronics",
    sectors=("C26",),
    offers="Semiconductor packaging technology, investment capital",
    needs="Local suppliers of electronic components, industrial land, skilled workers",
    languages=("ko",),
    investment_usd=250e6,
)
BAC_NINH = make(
    "bn",
    "host",
    kind="province",
    name="Bắc Ninh",
    sectors=("C26", "C27", "H52"),
    offers="Đất công nghiệp sạch, nhân lực kỹ thuật, hạ tầng logistics",
    needs="Nhà đầu tư sản xuất linh kiện điện tử, bán dẫn",
    languages=("vi",),
    fdi_target_usd=1.5e9,
    industrial_land_ha=1200,
    projects=25,
)


def reasons_of(index: MatchIndex, a: str, b: str) -> list[Reason]:
    suggestion = index.explain(a, b)
    assert suggestion is not None
    return suggestion.reasons


def by_code(reasons: list[Reason]) -> dict[str, Reason]:
    return {reason.code: reason for reason in reasons}


@pytest.fixture
def index() -> MatchIndex:
    return build_index([HANWA, BAC_NINH], sector_names=NAMES)


def test_shared_division_is_named_in_both_languages(index: MatchIndex) -> None:
    reason = by_code(reasons_of(index, "hanwa", "bn"))["sector.division"]
    assert reason.vi == (
        "Cùng ngành C26 – Sản xuất sản phẩm điện tử, máy vi tính và sản phẩm quang học"
    )
    assert (
        reason.en == "Same division C26 – Manufacture of computer, electronic and optical products"
    )


def test_shared_section_only_and_unnamed_codes() -> None:
    guest = make("g", sectors=("C29", "H52"))
    host = make("h", "host", sectors=("C26", "H52"))
    reasons = reasons_of(build_index([guest, host], sector_names=NAMES), "g", "h")
    codes = [(r.code, r.en) for r in reasons if r.code.startswith("sector")]
    assert codes == [
        ("sector.division", "Same division H52 – Warehousing and support for transport"),
        ("sector.section", "Same section C – Manufacturing"),
    ]
    bare = reasons_of(build_index([guest, host]), "g", "h")
    assert by_code(bare)["sector.division"].vi == "Cùng ngành H52"


def test_interpreter_reason(index: MatchIndex) -> None:
    reason = by_code(reasons_of(index, "hanwa", "bn"))["language.interpreter"]
    assert (reason.vi, reason.en) == ("Cần phiên dịch tiếng Hàn", "Korean interpreter needed")


def test_common_language_reason() -> None:
    guest = make("g", languages=("ja", "en"))
    host = make("h", "host", languages=("vi", "en"))
    reason = by_code(reasons_of(build_index([guest, host]), "g", "h"))["language.shared"]
    assert reason.en == "Common working language: English"
    assert reason.vi == "Làm việc chung bằng tiếng Anh"


def test_text_reasons_name_matching_terms_across_languages(index: MatchIndex) -> None:
    reasons = by_code(reasons_of(index, "bn", "hanwa"))
    # Bắc Ninh needs "bán dẫn"; Hanwa offers "semiconductor".
    offered = reasons["text.they_offer"]
    assert offered.vi.startswith("Họ chào bán điều bạn cần: ")
    assert offered.en.startswith("They offer what you need: ")
    # Each line shows the concept in its own language, the other wording beside it.
    assert "bán dẫn ↔ semiconductor" in offered.vi
    assert "semiconductor ↔ bán dẫn" in offered.en
    # Hanwa needs industrial land; Bắc Ninh offers "đất công nghiệp".
    needed = reasons["text.they_need"]
    assert "đất công nghiệp" in needed.vi
    assert needed.en.startswith("They need what you offer: ")


def test_potential_reason_states_amounts(index: MatchIndex) -> None:
    reason = by_code(reasons_of(index, "hanwa", "bn"))["potential.size"]
    assert "Hanwa Electronics dự kiến đầu tư 250 triệu USD" in reason.vi
    assert "mục tiêu thu hút FDI 1,5 tỷ USD/năm" in reason.vi
    assert "1.200 ha đất công nghiệp" in reason.vi
    assert "Hanwa Electronics plans to invest USD 250 million" in reason.en
    assert "FDI target USD 1.5 billion a year" in reason.en
    assert "25 projects calling for investment" in reason.en


def test_neutral_potential_says_why() -> None:
    guest = make("g", name="Kyushu Foods")
    reasons = by_code(reasons_of(build_index([guest, BAC_NINH]), "g", "bn"))
    assert reasons["potential.neutral"].en.startswith(
        "Kyushu Foods has not stated a planned investment"
    )


@pytest.mark.parametrize(
    ("wishes", "code", "english"),
    [
        ([("hanwa", "bn")], "preference.asked", "You asked to meet Bắc Ninh"),
        ([("bn", "hanwa")], "preference.asked_by", "Bắc Ninh asked to meet you"),
        ([("bn", "hanwa"), ("hanwa", "bn")], "preference.mutual", "Both sides asked to meet"),
    ],
)
def test_preference_reasons(wishes: list[tuple[str, str]], code: str, english: str) -> None:
    index = build_index([HANWA, BAC_NINH], preferences=PairPreferences.of(wishes=wishes))
    assert by_code(reasons_of(index, "hanwa", "bn"))[code].en == english


def test_empty_profile_is_scored_and_said_to_be_empty() -> None:
    empty = make("e", name="Empty GmbH", languages=())
    index = build_index([empty, BAC_NINH])
    suggestions = index.suggest("e")
    assert [s.partner_id for s in suggestions] == ["bn"]
    assert suggestions[0].components["text"] == 0.0
    assert suggestions[0].components["sector"] == 0.0
    reasons = by_code(suggestions[0].reasons)
    assert reasons["profile.no_text"].vi == "Hồ sơ của Empty GmbH chưa có nhu cầu/chào bán"
    assert reasons["profile.no_text"].en == "Empty GmbH's profile has no needs or offers yet"
    assert reasons["profile.no_sectors"].en == "Empty GmbH's profile lists no sector yet"
    assert reasons["language.unknown"].en == "Empty GmbH has not declared a working language"


def test_reasons_follow_each_components_weighted_contribution(index: MatchIndex) -> None:
    suggestion = index.explain("hanwa", "bn")
    assert suggestion is not None
    weights = MatchConfig().weights()
    contribution = {k: weights[k] * v for k, v in suggestion.components.items()}
    kinds = [r.code.split(".")[0] for r in suggestion.reasons if not r.code.startswith("profile")]
    ranked = [k for k in dict.fromkeys(kinds)]
    assert ranked == sorted(ranked, key=lambda k: -contribution[k])
    assert all(r.vi and r.en and r.vi != r.en for r in suggestion.reasons)


def test_reasons_are_written_only_when_read(monkeypatch: pytest.MonkeyPatch) -> None:
    index = build_index([HANWA, BAC_NINH], sector_names=NAMES)
    calls: list[tuple[int, int]] = []
    original = MatchIndex._reasons

    def counting(self: MatchIndex, row: int, column: int, components: dict[str, float]):
        calls.append((row, column))
        return original(self, row, column, components)

    monkeypatch.setattr(MatchIndex, "_reasons", counting)
    ranked = index.top_k_all(k=5)
    assert calls == []
    suggestion: Suggestion = ranked["hanwa"][0]
    first = suggestion.reasons
    assert suggestion.reasons == first
    assert len(calls) == 1
    assert suggestion.as_dict()["reasons"][0] == first[0].as_dict()


def test_money_formatting() -> None:
    assert format_usd_vi(250e6) == "250 triệu USD"
    assert format_usd_vi(1.5e9) == "1,5 tỷ USD"
    assert format_usd_vi(2_500) == "2,5 nghìn USD"
    assert format_usd_en(250e6) == "USD 250 million"
    assert format_usd_en(1.5e9) == "USD 1.5 billion"
    assert format_usd_en(1234) == "USD 1.2 thousand"

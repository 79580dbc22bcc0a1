"""The score's components, each on its own, and their agreement between ranking and rescoring."""

import math
from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from matching.profiles import MatchConfig, PairPreferences, Profile
from matching.scoring import build_index, textspace
from matching.scoring.languages import (
    INTERPRETER,
    SHARED,
    UNKNOWN,
    interpreter_languages,
    language_score,
)
from matching.scoring.potential import NEUTRAL, investment_scale, pair_potential, profile_size
from matching.scoring.sectors import SectorCodes, sector_similarity, sector_vectors
from matching.scoring.wording import Glossary, analyse, default_glossary
from tests.matching.profiles import make

# -- sector ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (["C26"], ["C26"], 1.0),
        (["C26"], ["C27"], 0.3),
        (["C26", "C27"], ["C26"], 0.7 / math.sqrt(2) + 0.3),
        (["C"], ["C26"], 0.3),
        (["C26"], ["H52"], 0.0),
        ([], ["C26"], 0.0),
        (["C26", "H52"], ["H52", "C26"], 1.0),
    ],
)
def test_sector_similarity_is_hierarchical(a: list[str], b: list[str], expected: float) -> None:
    assert sector_similarity(SectorCodes(a), SectorCodes(b)) == pytest.approx(expected)


def test_same_division_beats_same_section_only() -> None:
    division = sector_similarity(SectorCodes(["C26", "A01"]), SectorCodes(["C26"]))
    section = sector_similarity(SectorCodes(["C27", "A01"]), SectorCodes(["C26"]))
    assert division > section > 0


def test_sector_vectors_reproduce_the_similarity() -> None:
    codes = [
        SectorCodes(c)
        for c in (["C26"], ["C26", "C27"], ["C"], [], ["A01", "C10", "D35"], ["C10"], ["H52", "H"])
    ]
    vectors = sector_vectors(codes).astype(np.float64)
    for i, a in enumerate(codes):
        for j, b in enumerate(codes):
            assert vectors[i] @ vectors[j] == pytest.approx(sector_similarity(a, b), abs=1e-6)


# -- potential ---------------------------------------------------------------------------------


def test_investment_scale_is_logarithmic() -> None:
    assert investment_scale(1e4) == 0.0
    assert investment_scale(1e6) == pytest.approx(0.4)
    assert investment_scale(1e8) == pytest.approx(0.8)
    assert investment_scale(5e9) == 1.0
    assert investment_scale(0) == 0.0


def test_big_fits_rank_above_small_ones() -> None:
    province = make(
        "bn", "host", kind="province", fdi_target_usd=2e9, industrial_land_ha=1500, projects=30
    )
    small_province = make("db", "host", kind="province", fdi_target_usd=3e7, projects=2)
    big = make("big", investment_usd=5e8)
    small = make("small", investment_usd=2e5)
    size = {p.id: profile_size(p) for p in (province, small_province, big, small)}

    def potential(host: Profile, guest: Profile, sector: float = 1.0) -> float:
        return pair_potential(host.side, size[host.id], guest.side, size[guest.id], sector)

    assert potential(province, big) > potential(province, small)
    assert potential(province, big) > potential(small_province, big)
    assert potential(province, big, sector=1.0) > potential(province, big, sector=0.0)
    for host in (province, small_province):
        for guest in (big, small):
            assert 0.0 <= potential(host, guest) <= 1.0


def test_potential_is_neutral_without_data_or_across_the_same_side() -> None:
    guest_without_size = make("g", investment_usd=None)
    host = make("h", "host", fdi_target_usd=1e9)
    assert profile_size(guest_without_size) is None
    assert profile_size(make("empty-host", "host")) is None
    assert pair_potential("host", profile_size(host), "guest", None, 1.0) == NEUTRAL
    assert pair_potential("host", 0.9, "host", 0.9, 1.0) == NEUTRAL


# -- language ----------------------------------------------------------------------------------


def test_language_component() -> None:
    assert language_score(("vi", "en"), ("ko", "en")) == SHARED
    assert language_score(("vi",), ("ko",)) == INTERPRETER
    assert language_score((), ("ko",)) == UNKNOWN
    assert SHARED > UNKNOWN > INTERPRETER
    assert interpreter_languages(("vi",), ("ko", "en")) == ["ko"]
    assert interpreter_languages(("ja",), ("ko",)) == ["ja", "ko"]


# -- text --------------------------------------------------------------------------------------


def test_glossary_links_vietnamese_and_english_terms() -> None:
    glossary = default_glossary()
    vi = set(analyse("Cần nhà cung cấp linh kiện điện tử và bán dẫn", glossary).features)
    en = set(analyse("We supply electronic components and semiconductors", glossary).features)
    assert {"components", "semiconductor", "linh kien", "ban dan"} <= vi & en


def test_korean_terms_reach_the_same_features() -> None:
    features = set(analyse("반도체 부품 공급업체를 찾습니다", default_glossary()).features)
    assert {"semiconductor", "components", "ban dan", "linh kien"} <= features


def test_function_words_are_dropped_with_their_accents_only() -> None:
    features = analyse("Tài chính và tái chế tại Cần Thơ", Glossary([])).features
    assert "va" not in features
    assert "tai chinh" in features and "tai che" in features


def text_component(needs: str, offers: str, **options: object) -> float:
    guest = make("g", needs=needs, sectors=("A01",))
    host = make("h", "host", offers=offers, sectors=("K64",))
    filler = [make(f"x{i}", "host", offers=f"dịch vụ số {i} khác", needs="vốn") for i in range(3)]
    index = build_index([guest, host, *filler], **options)  # type: ignore[arg-type]
    suggestion = index.explain("g", "h")
    assert suggestion is not None
    return suggestion.components["text"]


def test_text_meets_across_languages() -> None:
    related = text_component("linh kiện điện tử", "electronic components")
    unrelated = text_component("linh kiện điện tử", "hotel management")
    assert related > 0.3
    assert related > unrelated


def test_character_ngrams_match_word_forms_without_the_glossary() -> None:
    empty = Glossary([])
    plural = text_component("component suppliers", "components supplier", glossary=empty)
    other = text_component("component suppliers", "hotel management", glossary=empty)
    # Word features differ entirely; the character n-grams carry the match.
    assert plural > 0.3
    assert other < 0.1


def test_text_uses_both_directions_that_have_text() -> None:
    guest = make("g", needs="cold storage", offers="")
    host = make("h", "host", needs="", offers="kho lạnh, cold storage")
    other = make("o", "host", needs="", offers="software development")
    index = build_index([guest, host, other])
    good, bad = index.explain("g", "h"), index.explain("g", "o")
    assert good is not None and bad is not None
    # Only one direction has text on both sides; it is not diluted by the missing one.
    assert good.components["text"] > 0.5 > bad.components["text"]


def exact_tfidf_cosines(texts: list[str], char_weight: float = 0.5) -> np.ndarray:
    features = [analyse(t, default_glossary()).features for t in texts]
    words = TfidfVectorizer(analyzer=lambda f: f, sublinear_tf=True).fit_transform(features)
    unigrams = [" ".join(f for f in fs if " " not in f) for fs in features]
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).fit_transform(unigrams)
    both = sp.hstack([math.sqrt(1 - char_weight) * words, math.sqrt(char_weight) * chars])
    return (both @ both.T).toarray()


TEXTS = [
    "Nhà đầu tư sản xuất linh kiện điện tử, bán dẫn; chuyển giao công nghệ.",
    "Semiconductor packaging technology, investment capital.",
    "Local suppliers of electronic components, industrial land near Hanoi, skilled workers.",
    "Đất công nghiệp sạch, nhân lực kỹ thuật, hạ tầng logistics.",
    "Kho lạnh tại Cần Thơ, vận tải container lạnh.",
    "Cold chain logistics and refrigerated trucks for seafood exporters.",
    "Hotel management and resort development.",
    "Khu nghỉ dưỡng ven biển, quỹ đất du lịch.",
    "Gia công phần mềm, kỹ sư công nghệ thông tin.",
    "Software outsourcing partners with Japanese-speaking engineers.",
    "Xử lý nước thải khu công nghiệp.",
    "Wastewater treatment plants for industrial parks.",
]


def test_exact_text_space_reproduces_scikit_learn_tfidf() -> None:
    space = textspace.build_text_space(TEXTS, default_glossary())
    assert space.exact
    got = space.embeddings.astype(np.float64) @ space.embeddings.T
    np.testing.assert_allclose(got, exact_tfidf_cosines(TEXTS), atol=1e-5)


def test_latent_text_space_is_exact_when_it_keeps_every_dimension(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(textspace, "EXACT_LIMIT", 0)
    space = textspace.build_text_space(TEXTS, default_glossary(), dimensions=64)
    assert not space.exact
    got = space.embeddings.astype(np.float64) @ space.embeddings.T
    # Latent cosines are re-normalised, which changes nothing when no dimension is dropped.
    np.testing.assert_allclose(got, exact_tfidf_cosines(TEXTS), atol=1e-4)


def test_latent_text_space_stays_close_with_fewer_dimensions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(textspace, "EXACT_LIMIT", 0)
    space = textspace.build_text_space(TEXTS, default_glossary(), dimensions=8)
    got = space.embeddings.astype(np.float64) @ space.embeddings.T
    exact = exact_tfidf_cosines(TEXTS)
    assert np.corrcoef(got.ravel(), exact.ravel())[0, 1] > 0.8


# -- the whole score ---------------------------------------------------------------------------


def test_config_weights_are_normalised_and_validated() -> None:
    weights = MatchConfig(sector=2, text=2, potential=0, language=0, preference=0).weights()
    assert weights["sector"] == weights["text"] == 0.5
    assert sum(MatchConfig().weights().values()) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        MatchConfig(sector=-0.1)
    with pytest.raises(ValueError):
        MatchConfig(sector=0, text=0, potential=0, language=0, preference=0)
    with pytest.raises(ValueError):
        MatchConfig(min_score=1.5)


def test_profile_validation() -> None:
    assert make("a", sectors=["C26", "C"]).sectors == ("C26", "C")
    for bad in (
        {"sectors": ("C2",)},
        {"sectors": ("Z01",)},
        {"side": "visitor"},
        {"country": "Korea"},
        {"languages": ("kor",)},
        {"investment_usd": -1.0},
    ):
        with pytest.raises(ValueError):
            make("a", **bad)


def test_score_is_the_weighted_mean_of_components_in_range() -> None:
    config = MatchConfig(sector=0.2, text=0.3, potential=0.2, language=0.2, preference=0.1)
    guest = make(
        "g",
        sectors=("C26",),
        needs="đất công nghiệp",
        offers="semiconductor",
        investment_usd=2e8,
        languages=("ko",),
    )
    host = make(
        "h",
        "host",
        sectors=("C26", "C27"),
        offers="đất công nghiệp sạch",
        needs="bán dẫn",
        fdi_target_usd=1e9,
        languages=("vi",),
    )
    index = build_index(
        [guest, host], config=config, preferences=PairPreferences.of(wishes=[("g", "h")])
    )
    suggestion = index.explain("g", "h")
    assert suggestion is not None
    weights = config.weights()
    expected = sum(weights[name] * value for name, value in suggestion.components.items())
    assert suggestion.score == pytest.approx(expected)
    assert all(0.0 <= v <= 1.0 for v in suggestion.components.values())
    assert suggestion.components["preference"] == pytest.approx(0.6)
    assert suggestion.components["language"] == INTERPRETER


@pytest.mark.parametrize("allow_same_side", [False, True])
def test_ranking_blocks_agree_with_exact_components(allow_same_side: bool) -> None:
    profiles = [
        make("g1", sectors=("C26",), needs="linh kiện", offers="vốn", investment_usd=1e8),
        make("g2", sectors=("C10",), needs="", offers="food processing", languages=("ja",)),
        make("g3", languages=()),
        make(
            "h1",
            "host",
            sectors=("C26", "H52"),
            offers="electronic components",
            needs="capital",
            fdi_target_usd=1e9,
            projects=10,
        ),
        make("h2", "host", sectors=("A01",), needs="food processing", offers=""),
        make("h3", "host", organization_id="org-h1"),
    ]
    prefs = PairPreferences.of(
        wishes=[("g1", "h1"), ("h1", "g1"), ("g2", "h2")], blocked=[("g3", "h2")]
    )
    index = build_index(
        profiles, config=MatchConfig(allow_same_side=allow_same_side), preferences=prefs
    )
    arrays = index._arrays
    everyone = np.arange(len(profiles))
    block = arrays.block(everyone, arrays.columns(everyone))
    for a in everyone:
        for b in everyone:
            pair = index.explain(arrays.profiles[a].id, arrays.profiles[b].id)
            if a == b or arrays.excluded[a, b]:
                assert block[a, b] == -np.inf
            elif pair is not None:
                assert block[a, b] == pytest.approx(pair.score, abs=1e-5)


def test_components_are_symmetric() -> None:
    guest = make("g", sectors=("C26",), needs="đất", offers="chip", investment_usd=1e7)
    host = make("h", "host", sectors=("C",), needs="chip", offers="đất", projects=3)
    index = build_index([guest, host], preferences=PairPreferences.of(wishes=[("h", "g")]))
    one, other = index.explain("g", "h"), index.explain("h", "g")
    assert one is not None and other is not None
    assert one.score == other.score
    assert one.components == other.components
    assert replace(guest, name="x") != guest

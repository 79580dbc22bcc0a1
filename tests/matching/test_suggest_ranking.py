"""Who may be suggested to whom, how many, and the same answer whichever way it is asked."""

import random
from dataclasses import replace

import numpy as np
import pytest

from matching.profiles import MatchConfig, PairPreferences, Profile
from matching.scoring import MatchIndex, build_index, fingerprint, selection
from matching.scoring.index import SCORE_DIGITS
from tests.matching.profiles import make

PHRASES_VI = [
    "linh kiện điện tử",
    "đất công nghiệp",
    "kho lạnh",
    "chế biến thủy sản",
    "điện gió",
    "nhân lực kỹ thuật",
    "phần mềm",
    "khu nghỉ dưỡng",
    "vốn đầu tư",
    "xử lý nước thải",
]
PHRASES_EN = [
    "electronic components",
    "industrial land",
    "cold storage",
    "seafood processing",
    "wind power",
    "skilled workers",
    "software",
    "resort",
    "investment capital",
    "wastewater treatment",
]
SECTORS = ["C26", "C27", "C10", "H52", "D35", "J62", "I55", "A01", "C", "E37"]


def random_event(n_hosts: int, n_guests: int, seed: int) -> list[Profile]:
    rng = random.Random(seed)
    profiles = []
    for side, count, phrases in (("host", n_hosts, PHRASES_VI), ("guest", n_guests, PHRASES_EN)):
        for i in range(count):
            empty = rng.random() < 0.1
            profiles.append(
                make(
                    f"{side[0]}{i:03d}",
                    side,
                    sectors=() if empty else tuple(rng.sample(SECTORS, rng.randint(1, 3))),
                    offers="" if empty else ", ".join(rng.sample(phrases, 2)),
                    needs="" if empty or rng.random() < 0.2 else ", ".join(rng.sample(phrases, 2)),
                    languages=rng.choice([("vi",), ("vi", "en"), ("ko",), ("en",), ()]),
                    investment_usd=rng.choice([None, 1e6, 5e7, 4e8]),
                    fdi_target_usd=rng.choice([None, 5e8]) if side == "host" else None,
                )
            )
    return profiles


@pytest.fixture(scope="module")
def event() -> list[Profile]:
    return random_event(30, 25, seed=7)


_BRUTE_FORCE: dict[tuple[str, int], dict[str, list[tuple[str, float]]]] = {}


def brute_force(index: MatchIndex, k: int) -> dict[str, list[tuple[str, float]]]:
    """Every allowed pair scored one by one, best k per participant, ties (scores equal to
    SCORE_DIGITS decimals) by id."""
    key = (index.fingerprint, k)
    if key not in _BRUTE_FORCE:
        _BRUTE_FORCE[key] = _brute_force(index, k)
    return _BRUTE_FORCE[key]


def _brute_force(index: MatchIndex, k: int) -> dict[str, list[tuple[str, float]]]:
    out: dict[str, list[tuple[str, float]]] = {}
    for a in index.profiles:
        scored = []
        for b in index.profiles:
            pair = index.explain(a.id, b.id)
            if pair is not None and pair.score >= index.config.min_score:
                scored.append((-round(pair.score, SCORE_DIGITS), b.id, pair.score))
        out[a.id] = [(pid, score) for _, pid, score in sorted(scored)[:k]]
    return out


def as_pairs(found: dict[str, list]) -> dict[str, list[tuple[str, float]]]:
    return {pid: [(s.partner_id, s.score) for s in items] for pid, items in found.items()}


@pytest.mark.parametrize("chunk_size", [1, 7, None])
@pytest.mark.parametrize("allow_same_side", [False, True])
def test_top_k_all_matches_brute_force(
    event: list[Profile], chunk_size: int | None, allow_same_side: bool
) -> None:
    index = build_index(event, config=MatchConfig(allow_same_side=allow_same_side))
    expected = brute_force(index, 6)
    got = as_pairs(index.top_k_all(k=6, chunk_size=chunk_size))
    assert got.keys() == expected.keys()
    for pid, pairs in expected.items():
        assert [p for p, _ in got[pid]] == [p for p, _ in pairs], pid
        assert [s for _, s in got[pid]] == pytest.approx([s for _, s in pairs])


def test_suggest_agrees_with_top_k_all(event: list[Profile]) -> None:
    index = build_index(event)
    everyone = as_pairs(index.top_k_all(k=8))
    for profile in event:
        assert (
            as_pairs({profile.id: index.suggest(profile.id, limit=8)})[profile.id]
            == (everyone[profile.id])
        )


def test_equal_scores_are_ordered_by_partner_id() -> None:
    host = make("host", "host", sectors=("C26",))
    twins = [make(f"twin{i:02d}") for i in range(30)]
    index = build_index([host, *reversed(twins)])
    suggestions = index.suggest("host", limit=10)
    assert [s.partner_id for s in suggestions] == [f"twin{i:02d}" for i in range(10)]
    assert len({s.score for s in suggestions}) == 1
    assert (
        as_pairs(index.top_k_all(k=10, chunk_size=3))["host"]
        == as_pairs({"host": suggestions})["host"]
    )


def alike_event(seed: int) -> list[Profile]:
    """Mostly alike profiles (firms that registered only a sector and the same lines), a
    few of them with one thing more: rows and columns crowded with equal scores."""
    rng = random.Random(seed)
    profiles = []
    for side, count in (("host", 70), ("guest", 90)):
        for i in range(count):
            special = rng.random() < 0.15
            profiles.append(
                make(
                    f"{side[0]}{i:03d}",
                    side,
                    sectors=("C26", rng.choice(SECTORS)) if special else ("C26",),
                    offers="linh kiện điện tử" if side == "host" else "electronic components",
                    needs=rng.choice(PHRASES_EN) if special else "",
                    investment_usd=4e8 if special and side == "guest" else None,
                )
            )
    rng.shuffle(profiles)
    return profiles


def _tied_with(index: MatchIndex, pid: str, score: float) -> int:
    """How many partners `pid` has at `score`, pair by pair."""
    pairs = (index.explain(pid, other.id) for other in index.profiles)
    return sum(1 for pair in pairs if pair is not None and pair.score == pytest.approx(score))


@pytest.mark.parametrize("crowded_per_kept", [1, selection.CROWDED_PER_KEPT])
@pytest.mark.parametrize("chunk_size", [1, 7, None])
def test_rows_crowded_with_equal_scores_rank_like_the_brute_force(
    chunk_size: int | None, crowded_per_kept: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A row with more than crowded_per_kept * 7 candidates (k = 6) is trimmed before
    # sorting (matching/scoring/selection.py), and a row's ties are kept up to a bound:
    # neither may change the answer. At 1, every row of this event is trimmed.
    monkeypatch.setattr(selection, "CROWDED_PER_KEPT", crowded_per_kept)
    index = build_index(alike_event(5))
    expected = brute_force(index, 6)
    crowded = [pid for pid, pairs in expected.items() if _tied_with(index, pid, pairs[-1][1]) > 35]
    assert len(crowded) > 50, "the event must crowd rows with ties"
    got = as_pairs(index.top_k_all(k=6, chunk_size=chunk_size))
    for pid, pairs in expected.items():
        assert [p for p, _ in got[pid]] == [p for p, _ in pairs], pid
        assert [s for _, s in got[pid]] == pytest.approx([s for _, s in pairs])
    for pid in crowded[:10]:
        assert as_pairs({pid: index.suggest(pid, limit=6)})[pid] == got[pid]


def test_top_pairs_among_equal_scores_are_the_smallest_ids() -> None:
    index = build_index(alike_event(5))
    everyone = [
        (-round(s.score, SCORE_DIGITS), s.participant_id, s.partner_id)
        for s in index.top_pairs(limit=100_000)
    ]
    assert [(s.participant_id, s.partner_id) for s in index.top_pairs(limit=20)] == [
        (a, b) for _, a, b in sorted(everyone)[:20]
    ]


def test_results_do_not_depend_on_input_order(event: list[Profile]) -> None:
    shuffled = event[:]
    random.Random(3).shuffle(shuffled)
    first, second = build_index(event), build_index(shuffled)
    assert as_pairs(first.top_k_all(k=5)) == as_pairs(second.top_k_all(k=5))
    assert first.fingerprint == second.fingerprint


def test_blocked_same_organisation_and_same_side_pairs_never_appear() -> None:
    guest = make("g", sectors=("C26",), offers="chip", needs="đất")
    twin_host = make("h1", "host", sectors=("C26",), offers="đất", needs="chip")
    blocked_host = replace(twin_host, id="h2", organization_id="org-h2")
    same_org = replace(twin_host, id="h3", organization_id="org-g")
    other_guest = make("g2", sectors=("C26",), offers="chip", needs="đất")
    prefs = PairPreferences.of(blocked=[("h2", "g")])
    index = build_index([guest, twin_host, blocked_host, same_org, other_guest], preferences=prefs)
    assert [s.partner_id for s in index.suggest("g", limit=10)] == ["h1"]
    assert "g" not in [s.partner_id for s in index.suggest("h2", limit=10)]
    assert "g" not in [s.partner_id for s in index.suggest("h3", limit=10)]
    assert index.explain("g", "h2") is None
    assert index.explain("g", "h3") is None
    assert index.explain("g", "g2") is None
    assert index.explain("g", "g") is None
    pairs = {frozenset((s.participant_id, s.partner_id)) for s in index.top_pairs(limit=50)}
    assert frozenset(("g", "h2")) not in pairs and frozenset(("g", "h3")) not in pairs

    mixed = build_index(
        [guest, twin_host, blocked_host, same_org, other_guest],
        preferences=prefs,
        config=MatchConfig(allow_same_side=True),
    )
    partners = [s.partner_id for s in mixed.suggest("g", limit=10)]
    assert "g2" in partners
    assert {"g", "h2", "h3"}.isdisjoint(partners)


def test_wishes_raise_a_pair_and_mutual_wishes_more() -> None:
    guest = make("g", sectors=("C26",))
    hosts = [make(f"h{i}", "host", sectors=("C26",)) for i in range(3)]
    prefs = PairPreferences.of(wishes=[("g", "h1"), ("g", "h2"), ("h2", "g")])
    index = build_index([guest, *hosts], preferences=prefs)
    ranked = index.suggest("g", limit=3)
    assert [s.partner_id for s in ranked] == ["h2", "h1", "h0"]
    weight = MatchConfig().weights()["preference"]
    assert ranked[0].score - ranked[2].score == pytest.approx(weight * 1.0)
    assert ranked[1].score - ranked[2].score == pytest.approx(weight * 0.6)


def test_limits(event: list[Profile]) -> None:
    index = build_index(event)
    guests = sum(1 for p in event if p.side == "guest")
    assert index.suggest("h000", limit=0) == []
    assert len(index.suggest("h000", limit=3)) == 3
    assert len(index.suggest("h000", limit=1000)) == guests
    assert all(len(v) == 4 for v in index.top_k_all(k=4).values())
    assert all(v == [] for v in index.top_k_all(k=0).values())
    with pytest.raises(ValueError):
        index.suggest("h000", limit=-1)
    with pytest.raises(KeyError):
        index.suggest("nobody")
    with pytest.raises(KeyError):
        index.explain("h000", "nobody")


def test_min_score_drops_weak_pairs(event: list[Profile]) -> None:
    index = build_index(event, config=MatchConfig(min_score=0.3))
    found = index.top_k_all(k=50)
    assert any(found.values())
    assert all(s.score >= 0.3 for items in found.values() for s in items)
    assert as_pairs(found) == brute_force(index, 50)


def test_top_pairs_lists_each_pair_once_best_first(event: list[Profile]) -> None:
    index = build_index(event)
    pairs = index.top_pairs(limit=25, chunk_size=6)
    assert len(pairs) == 25
    assert [s.score for s in pairs] == sorted((s.score for s in pairs), reverse=True)
    assert len({frozenset((s.participant_id, s.partner_id)) for s in pairs}) == 25
    assert all(s.participant_id.startswith("h") for s in pairs)
    everything = [s for items in brute_force(index, 1000).values() for s in items]
    best = sorted((score for _, score in everything), reverse=True)[::2][:25]
    assert [s.score for s in pairs] == pytest.approx(best)


def test_scores_and_components_stay_in_range(event: list[Profile]) -> None:
    for items in build_index(event).top_k_all(k=10).values():
        for s in items:
            assert 0.0 <= s.score <= 1.0
            assert all(0.0 <= value <= 1.0 for value in s.components.values())
            assert set(s.components) == {"sector", "text", "potential", "language", "preference"}


def test_fingerprint_changes_with_every_input(event: list[Profile]) -> None:
    config, prefs = MatchConfig(), PairPreferences()
    key = fingerprint(event, config, prefs)
    assert key == fingerprint(list(reversed(event)), config, prefs)
    changed_text = [replace(event[0], needs=event[0].needs + " thêm"), *event[1:]]
    assert fingerprint(changed_text, config, prefs) != key
    assert fingerprint(event, MatchConfig(text=0.5), prefs) != key
    assert fingerprint(event, config, PairPreferences.of(wishes=[("h000", "g000")])) != key
    assert fingerprint(event, config, prefs, {"C26": ("a", "b")}) != key


def test_building_twice_gives_identical_results(event: list[Profile]) -> None:
    first = build_index(event).top_k_all(k=5)
    second = build_index(event).top_k_all(k=5)
    assert first == second
    assert np.isfinite([s.score for items in first.values() for s in items]).all()


def test_an_event_with_nobody_yet_suggests_nothing() -> None:
    from matching.scoring import build_index as build

    index = build([])
    assert index.top_pairs(limit=5) == []
    assert index.top_k_all(k=3) == {}


def test_an_event_whose_only_pair_is_blocked_suggests_nothing() -> None:
    from matching.profiles import PairPreferences
    from matching.profiles import Profile as P
    from matching.scoring import build_index as build

    people = [
        P(id="1", side="host", organization_id="1", kind="company", name="A", country="VN"),
        P(id="2", side="guest", organization_id="2", kind="company", name="B", country="KR"),
    ]
    index = build(people, preferences=PairPreferences.of(blocked=[("1", "2")]))
    assert index.top_k_all(k=3) == {"1": [], "2": []}
    assert index.top_pairs(limit=5) == []
    assert index.suggest("1", limit=3) == []

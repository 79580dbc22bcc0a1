"""Ranking quality of partner suggestions against labelled queries.

A labelled set holds profiles and queries: a participant with candidate partners, each judged
2 (strong fit), 1 (plausible fit) or 0 (not relevant). A ranker orders each query's candidates;
precision@k counts the relevant (grade > 0) among the first k, NDCG@k credits graded relevance
by position (gain ``2^grade - 1``, discount ``log2(position + 1)``).
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from matching.profiles import Profile
from matching.scoring.index import MatchIndex, build_index

__all__ = [
    "LabelledQuery",
    "LabelledSet",
    "QualityReport",
    "compare",
    "evaluate",
    "load_labelled",
    "ndcg_at_k",
    "precision_at_k",
    "random_ranker",
    "score_ranker",
    "sector_ranker",
]


@dataclass(frozen=True)
class LabelledQuery:
    id: str
    participant: str
    candidates: tuple[tuple[str, int], ...]  # (candidate id, grade)
    wording_only: frozenset[str]  # relevant candidates sharing no VSIC section with the query


@dataclass(frozen=True)
class LabelledSet:
    profiles: tuple[Profile, ...]
    sector_names: dict[str, tuple[str, str]]
    queries: tuple[LabelledQuery, ...]


def load_labelled(path: str | Path) -> LabelledSet:
    data = json.loads(Path(path).read_text("utf-8"))
    profiles = tuple(Profile(**item) for item in data["profiles"])
    queries = tuple(
        LabelledQuery(
            id=item["id"],
            participant=item["participant"],
            candidates=tuple((c["id"], int(c["relevance"])) for c in item["candidates"]),
            wording_only=frozenset(
                c["id"] for c in item["candidates"] if c.get("linked_by") == "wording"
            ),
        )
        for item in data["queries"]
    )
    names = {code: (vi, en) for code, (vi, en) in data["sector_names"].items()}
    return LabelledSet(profiles, names, queries)


def precision_at_k(grades: Sequence[int], k: int) -> float:
    """Share of relevant candidates among the first ``k`` ranked."""
    return sum(1 for grade in grades[:k] if grade > 0) / k


def _dcg(grades: Sequence[int]) -> float:
    return sum((2**grade - 1) / math.log2(position + 2) for position, grade in enumerate(grades))


def ndcg_at_k(grades: Sequence[int], k: int) -> float:
    """DCG of the first ``k`` ranked over that of the best possible order (1 when none is
    relevant, since no order is better than another)."""
    ideal = _dcg(sorted(grades, reverse=True)[:k])
    return _dcg(grades[:k]) / ideal if ideal > 0 else 1.0


# A ranker orders a query's candidate ids, best first; ``run`` varies random tie-breaking.
Ranker = Callable[[LabelledQuery, int], list[str]]


def score_ranker(score: Callable[[str, str], float]) -> Ranker:
    """Candidates by decreasing ``score(participant, candidate)``, equal scores by id."""

    def rank(query: LabelledQuery, run: int) -> list[str]:
        ids = [candidate for candidate, _ in query.candidates]
        return sorted(ids, key=lambda c: (-score(query.participant, c), c))

    return rank


def random_ranker(seed: int = 2026) -> Ranker:
    """Candidates shuffled, with a seed per query and run."""

    def rank(query: LabelledQuery, run: int) -> list[str]:
        ids = [candidate for candidate, _ in query.candidates]
        random.Random(f"{seed}:{query.id}:{run}").shuffle(ids)
        return ids

    return rank


def sector_ranker(index: MatchIndex, seed: int = 2026) -> Ranker:
    """Candidates by their sector component alone; ties, frequent here, broken at random."""

    sectors: dict[tuple[str, str], float] = {}

    def sector(participant: str, candidate: str) -> float:
        if (participant, candidate) not in sectors:
            suggestion = index.explain(participant, candidate)
            value = suggestion.components["sector"] if suggestion is not None else 0.0
            sectors[(participant, candidate)] = value
        return sectors[(participant, candidate)]

    def rank(query: LabelledQuery, run: int) -> list[str]:
        tiebreak = random.Random(f"{seed}:{query.id}:{run}")
        scored = [
            (-sector(query.participant, candidate), tiebreak.random(), candidate)
            for candidate, _ in query.candidates
        ]
        return [candidate for _, _, candidate in sorted(scored)]

    return rank


@dataclass(frozen=True)
class QualityReport:
    precision_at_5: float
    ndcg_at_10: float
    wording_only_in_top_5: float  # share of wording-only relevant candidates ranked in the top 5
    per_query: dict[str, tuple[float, float]]


def evaluate(labelled: LabelledSet, ranker: Ranker, *, runs: int = 1) -> QualityReport:
    """Mean precision@5 and NDCG@10 over the queries, averaged over ``runs`` runs."""
    per_query: dict[str, tuple[float, float]] = {}
    wording_hits = wording_total = 0
    for query in labelled.queries:
        grade = dict(query.candidates)
        precision = ndcg = 0.0
        for run in range(runs):
            ranked = ranker(query, run)
            grades = [grade[c] for c in ranked]
            precision += precision_at_k(grades, 5)
            ndcg += ndcg_at_k(grades, 10)
            top = set(ranked[:5])
            wording_hits += sum(1 for c in query.wording_only if c in top)
            wording_total += len(query.wording_only)
        per_query[query.id] = (precision / runs, ndcg / runs)
    count = len(per_query)
    return QualityReport(
        precision_at_5=sum(p for p, _ in per_query.values()) / count,
        ndcg_at_10=sum(n for _, n in per_query.values()) / count,
        wording_only_in_top_5=wording_hits / wording_total if wording_total else 0.0,
        per_query=per_query,
    )


def compare(labelled: LabelledSet, *, random_runs: int = 200) -> Mapping[str, QualityReport]:
    """Our scorer against the random and sector-only baselines, on default settings."""
    index = build_index(labelled.profiles, sector_names=labelled.sector_names)

    def ours(participant: str, candidate: str) -> float:
        suggestion = index.explain(participant, candidate)
        return suggestion.score if suggestion is not None else 0.0

    return {
        "ours": evaluate(labelled, score_ranker(ours)),
        "random": evaluate(labelled, random_ranker(), runs=random_runs),
        "sector_only": evaluate(labelled, sector_ranker(index), runs=random_runs),
    }

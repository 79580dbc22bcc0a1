"""Ranking quality of partner suggestions on the labelled Meet-X pairs.

    python benchmarks/matching_quality.py             # the table for BENCHMARKS.md
    python benchmarks/matching_quality.py --per-query

Compares the scorer, on its default configuration, with two baselines over the queries of
benchmarks/data/matching_labelled.json: random order (seeded, averaged over ``--runs`` runs)
and sector codes only (the sector component, ties broken at random, averaged likewise).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from matching.scoring.evaluation import compare, load_labelled

LABELLED = Path(__file__).resolve().parent / "data" / "matching_labelled.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--per-query", action="store_true")
    args = parser.parse_args()
    labelled = load_labelled(LABELLED)
    pairs = sum(len(q.candidates) for q in labelled.queries)
    wording = sum(len(q.wording_only) for q in labelled.queries)
    print(
        f"{len(labelled.queries)} queries, {pairs} labelled pairs, "
        f"{wording} relevant pairs linked only by wording, {len(labelled.profiles)} profiles"
    )
    reports = compare(labelled, random_runs=args.runs)
    names = {"ours": "MeetX scorer", "random": "random order", "sector_only": "sector codes only"}
    print("| ranking | precision@5 | NDCG@10 | wording-only pairs in top 5 |")
    print("|---|---|---|---|")
    for key, report in reports.items():
        print(
            f"| {names[key]} | {report.precision_at_5:.3f} | {report.ndcg_at_10:.3f} "
            f"| {report.wording_only_in_top_5:.0%} |"
        )
    if args.per_query:
        participant = {q.id: q.participant for q in labelled.queries}
        print("\n| query | participant | precision@5 | NDCG@10 |")
        print("|---|---|---|---|")
        for query, (precision, ndcg) in reports["ours"].per_query.items():
            print(f"| {query} | {participant[query]} | {precision:.2f} | {ndcg:.3f} |")


if __name__ == "__main__":
    main()

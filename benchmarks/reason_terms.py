"""Whether the terms text reasons show are ones a reader would accept.

    python benchmarks/reason_terms.py                    # the table for BENCHMARKS.md
    python benchmarks/reason_terms.py --dump lines.json  # every text reason line, to check later
    python benchmarks/reason_terms.py --check lines.json # forbidden terms in dumped lines

Reads benchmarks/data/reason_lines.json: (reader, partner) pairs from the demo event and the
matching benchmark's profiles, each with the text reason lines shown before and after the
change that introduced the set, in Vietnamese and English, each labelled acceptable or not and
why. For the current code it prints the share of lines a reader would accept (a line counts
when it is one of the labelled acceptable lines), and for every suggestion of the demo event
(all participants, top 10 each) the lines that show a forbidden kind of term
(``matching.scoring.termcheck``).

``--dump`` only needs ``matching.scoring`` and ``matching.scoring.demo``, so it also runs
against an older version of the library, for a before-and-after comparison.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from matching.scoring import MatchIndex, build_index
from matching.scoring.demo import load_demo_event
from matching.scoring.evaluation import load_labelled

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "benchmarks" / "data" / "reason_lines.json"
QUALITY = ROOT / "benchmarks" / "data" / "matching_labelled.json"
SEEDS = ROOT / "seeds" / "data"
TOP = 10


def indexes() -> dict[str, MatchIndex]:
    """The demo event's index and the matching benchmark's, by source name."""
    demo = load_demo_event(SEEDS)
    quality = load_labelled(QUALITY)
    return {
        "demo": build_index(
            list(demo.profiles), preferences=demo.preferences, sector_names=demo.sector_names
        ),
        "quality": build_index(list(quality.profiles), sector_names=quality.sector_names),
    }


def text_lines(index: MatchIndex, reader: str, partner: str) -> list[dict[str, str]]:
    """The text reasons of a pair as the reader sees them, one line per language."""
    suggestion = index.explain(reader, partner)
    if suggestion is None:
        return []
    lines = []
    for reason in suggestion.reasons:
        if reason.code.startswith("text."):
            lines.append({"code": reason.code, "lang": "vi", "text": reason.vi})
            lines.append({"code": reason.code, "lang": "en", "text": reason.en})
    return lines


def demo_suggestions(index: MatchIndex) -> Iterator[tuple[str, str]]:
    for reader, suggestions in sorted(index.top_k_all(k=TOP).items()):
        for suggestion in suggestions:
            yield reader, suggestion.partner_id


def dump(path: Path) -> None:
    built = indexes()
    out: dict[str, list] = {"demo_top10": [], "labelled": []}
    for reader, partner in demo_suggestions(built["demo"]):
        for line in text_lines(built["demo"], reader, partner):
            out["demo_top10"].append({"reader": reader, "partner": partner, **line})
    if LABELLED.exists():
        for pair in json.loads(LABELLED.read_text("utf-8"))["pairs"]:
            index = built[pair["source"]]
            for line in text_lines(index, pair["reader"], pair["partner"]):
                out["labelled"].append(
                    {**{k: pair[k] for k in ("source", "reader", "partner")}, **line}
                )
    path.write_text(json.dumps(out, ensure_ascii=False, indent=0) + "\n", "utf-8")
    print(
        f"{len(out['demo_top10'])} demo lines, {len(out['labelled'])} labelled-pair lines -> {path}"
    )


def _profiles() -> dict[tuple[str, str], object]:
    demo = load_demo_event(SEEDS)
    quality = load_labelled(QUALITY)
    found: dict[tuple[str, str], object] = {("demo", p.id): p for p in demo.profiles}
    found.update({("quality", p.id): p for p in quality.profiles})
    return found


def findings_of(lines: list[dict[str, str]], source_of: str | None = None) -> Counter[str]:
    """Lines with a forbidden term, counted by kind (a line counts once per kind)."""
    from matching.scoring.termcheck import check_line

    profiles = _profiles()
    kinds: Counter[str] = Counter()
    for line in lines:
        source = line.get("source", source_of)
        a, b = profiles[(source, line["reader"])], profiles[(source, line["partner"])]
        found = check_line(
            line["text"],
            names=(a.name, b.name),  # type: ignore[attr-defined]
            texts=(a.needs, a.offers, b.needs, b.offers),  # type: ignore[attr-defined]
        )
        for kind in {f.kind for f in found}:
            kinds[kind] += 1
        kinds["lines with any"] += bool(found)
        kinds["lines"] += 1
    return kinds


def check(path: Path) -> None:
    data = json.loads(path.read_text("utf-8"))
    for name, source in (("demo_top10", "demo"), ("labelled", None)):
        kinds = findings_of(data[name], source)
        print(f"{name}: {dict(kinds)}")


def measure() -> None:
    labelled = json.loads(LABELLED.read_text("utf-8"))
    built = indexes()
    by_version: dict[str, list[dict]] = {"before": [], "after": []}
    for pair in labelled["pairs"]:
        for line in pair["lines"]:
            by_version[line["version"]].append(line)
    pairs = labelled["pairs"]
    print(
        f"{len(pairs)} labelled pairs ({sum(p['source'] == 'demo' for p in pairs)} demo, "
        f"{sum(p['source'] == 'quality' for p in pairs)} benchmark profiles)"
    )
    print("| lines | labelled lines | vi | en | acceptable |")
    print("|---|---|---|---|---|")
    for version, lines in by_version.items():
        accepted = sum(line["acceptable"] for line in lines)
        vi = sum(line["lang"] == "vi" for line in lines)
        print(
            f"| {version} | {len(lines)} | {vi} | {len(lines) - vi} "
            f"| {accepted / max(1, len(lines)):.1%} |"
        )
    accepted_texts = {
        (p["source"], p["reader"], p["partner"], line["text"])
        for p in pairs
        for line in p["lines"]
        if line["acceptable"]
    }
    current: list[dict[str, str]] = []
    for pair in pairs:
        for line in text_lines(built[pair["source"]], pair["reader"], pair["partner"]):
            current.append({**{k: pair[k] for k in ("source", "reader", "partner")}, **line})
    ok = sum(
        (line["source"], line["reader"], line["partner"], line["text"]) in accepted_texts
        for line in current
    )
    print(
        f"current code on the labelled pairs: {ok}/{len(current)} lines acceptable "
        f"({ok / max(1, len(current)):.1%})"
    )
    demo_lines = []
    for reader, partner in demo_suggestions(built["demo"]):
        for line in text_lines(built["demo"], reader, partner):
            demo_lines.append({"reader": reader, "partner": partner, **line})
    print(f"demo event, all participants, top {TOP}: {dict(findings_of(demo_lines, 'demo'))}")
    print(f"labelled pairs, current lines: {dict(findings_of(current))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dump", type=Path)
    parser.add_argument("--check", type=Path)
    args = parser.parse_args()
    if args.dump:
        dump(args.dump)
    elif args.check:
        check(args.check)
    else:
        measure()


if __name__ == "__main__":
    main()

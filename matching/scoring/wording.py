"""From a profile's free text to the word features its needs and offers are compared on.

Text is accent-folded, stripped of function words and split into segments at punctuation; the
features are folded words of two or more characters and the pairs of neighbouring words in a
segment. The bilingual glossary then adds, for every domain term it finds, the term's
Vietnamese and English display names, so that "linh kiện điện tử" and "electronic components"
share features.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TypeVar

from matching.text import fold, nfc

__all__ = [
    "Analysis",
    "Glossary",
    "GlossaryEntry",
    "Segment",
    "analyse",
    "default_glossary",
    "merge_segments",
    "segment_text",
    "split_segments",
]

F = TypeVar("F", bound=Hashable)

_WORD = re.compile(r"\w+")
# Segments end at punctuation, so that "điện tử, bán dẫn" makes no pair "tu ban".
_SEGMENT_BREAK = re.compile(r"[^\w\s&'-]+")


@cache
def _stopwords() -> frozenset[str]:
    text = resources.files("matching.data").joinpath("stopwords.json").read_text("utf-8")
    data = json.loads(text)
    # Kept with their accents: folded Vietnamese function words collide with content words
    # ("tại" and "tài chính" both fold to "tai").
    return frozenset(nfc(w).casefold() for w in data["vi"] + data["en"])


@dataclass(frozen=True)
class Segment:
    """A stretch of text between punctuation: its words as written and folded, its features."""

    written: tuple[str, ...]
    folded: tuple[str, ...]
    features: tuple[str, ...]


def _content_runs(written: Iterable[str], folded: Iterable[str]) -> list[list[int]]:
    """Positions of the content words, in runs that function words interrupt."""
    stopwords = _stopwords()
    runs: list[list[int]] = [[]]
    for position, (word, key) in enumerate(zip(written, folded, strict=True)):
        if word in stopwords or len(key) < 2:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(position)
    return [run for run in runs if run]


def _features(words: Iterable[str]) -> list[str]:
    words = list(words)
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def split_segments(text: str) -> list[str]:
    """The text, lower-cased and split at punctuation; each part is analysed on its own."""
    return [part for part in _SEGMENT_BREAK.split(nfc(text).casefold()) if not part.isspace()]


def segment_text(part: str) -> Segment | None:
    """Words and features of one part from :func:`split_segments`; None when it has no word."""
    written = _WORD.findall(part)
    if not written:
        return None
    folded = _WORD.findall(fold(part))
    if len(folded) != len(written):
        # A stray combining mark splits a word before folding but not after.
        folded = [fold(w) for w in written]
    features: list[str] = []
    for run in _content_runs(written, folded):
        features.extend(_features(folded[p] for p in run))
    return Segment(tuple(written), tuple(folded), tuple(features))


@dataclass(frozen=True)
class GlossaryEntry:
    """One domain concept with its terms in each language; the first vi and en are shown."""

    vi: tuple[str, ...]
    en: tuple[str, ...]
    ko: tuple[str, ...] = ()
    ja: tuple[str, ...] = ()

    @property
    def label_vi(self) -> str:
        return self.vi[0]

    @property
    def label_en(self) -> str:
        return self.en[0]

    def terms(self) -> tuple[str, ...]:
        return self.vi + self.en + self.ko + self.ja


class Glossary:
    """Finds domain terms in folded text and names the features that expand them."""

    def __init__(self, entries: list[GlossaryEntry]) -> None:
        self.entries = entries
        # Latin-script terms are matched on whole words, indexed by their first word, longest
        # first. Korean glues particles to nouns and Japanese has no spaces, so their terms
        # are matched as substrings.
        self._by_first_word: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        self._by_substring: dict[str, list[int]] = {}
        # The features each entry adds: those of each of its display names.
        self.expansions: list[tuple[tuple[str, ...], ...]] = []
        for index, entry in enumerate(entries):
            for term in entry.terms():
                key = fold(term)
                if key.isascii():
                    words = tuple(_WORD.findall(key))
                    self._by_first_word.setdefault(words[0], []).append((words, index))
                else:
                    self._by_substring.setdefault(key, []).append(index)
            labels: list[tuple[str, ...]] = []
            for label in dict.fromkeys((entry.label_vi, entry.label_en)):
                features: list[str] = []
                for part in split_segments(label):
                    segment = segment_text(part)
                    if segment is not None:
                        features.extend(segment.features)
                labels.append(tuple(features))
            self.expansions.append(tuple(labels))
        for candidates in self._by_first_word.values():
            candidates.sort(key=lambda item: -len(item[0]))

    @classmethod
    def from_json(cls, text: str) -> Glossary:
        data = json.loads(text)
        return cls(
            [
                GlossaryEntry(
                    vi=tuple(nfc(t) for t in item["vi"]),
                    en=tuple(item["en"]),
                    ko=tuple(nfc(t) for t in item.get("ko", ())),
                    ja=tuple(nfc(t) for t in item.get("ja", ())),
                )
                for item in data["entries"]
            ]
        )

    def find(self, folded: tuple[str, ...]) -> dict[int, tuple[str, ...]]:
        """Entries whose terms occur in a segment's folded words, with the words that matched."""
        found: dict[int, tuple[str, ...]] = {}
        by_first_word = self._by_first_word
        for start, word in enumerate(folded):
            candidates = by_first_word.get(word)
            if candidates is None:
                continue
            for term, index in candidates:
                if index not in found and folded[start : start + len(term)] == term:
                    found[index] = term
        joined = " ".join(folded)
        if not joined.isascii():
            for key, hits in self._by_substring.items():
                if key in joined:
                    for index in hits:
                        found.setdefault(index, (key,))
        return found


@cache
def default_glossary() -> Glossary:
    """The glossary shipped in ``matching/data/glossary.json``."""
    text = resources.files("matching.data").joinpath("glossary.json").read_text("utf-8")
    return Glossary.from_json(text)


@dataclass(frozen=True)
class Analysis:
    """A text's word features (with repeats, for term frequency) and the entries it mentions."""

    features: list[str]
    entries: dict[int, tuple[str, ...]]


def merge_segments(
    analysed: Iterable[tuple[Sequence[F], dict[int, tuple[str, ...]]]],
    expansions: Sequence[tuple[Sequence[F], ...]],
) -> tuple[list[F], dict[int, tuple[str, ...]]]:
    """A text's features and glossary hits from those of its segments.

    ``expansions[i]`` holds the features of each display name of glossary entry ``i``; features
    may be strings or their column numbers.
    """
    features: list[F] = []
    entries: dict[int, tuple[str, ...]] = {}
    for segment_features, segment_entries in analysed:
        features.extend(segment_features)
        for index, words in segment_entries.items():
            entries.setdefault(index, words)
    if entries:
        present = set(features)
        for index in sorted(entries):
            for label in expansions[index]:
                # A display name already in the text is not added again: the glossary links
                # texts, it does not make a term count twice.
                if not present.issuperset(label):
                    features.extend(label)
                    present.update(label)
    return features, entries


def analyse(text: str, glossary: Glossary) -> Analysis:
    """Word unigram and bigram features of a text, with glossary expansions appended."""
    analysed = []
    for part in split_segments(text):
        segment = segment_text(part)
        if segment is not None:
            analysed.append((segment.features, glossary.find(segment.folded)))
    features, entries = merge_segments(analysed, glossary.expansions)
    return Analysis(features, entries)

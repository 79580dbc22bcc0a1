"""The shared terms a text reason names: what a reader recognises as the substance of a match.

A term shared by one side's needs and the other's offers is shown only if it is one of:

* a glossary concept both texts mention, shown in the line's language (the reader's own
  wording where the reader wrote in that language) with the partner's wording beside it where
  it differs: "bán dẫn ↔ semiconductor". A concept counts only where its Vietnamese term is
  written with its accents, so "thuộc" does not mention "thuốc";
* a vetted Vietnamese word or phrase (``phrases_vi`` in ``matching/data/reason_words.json``)
  written the same, accents included, in both texts;
* an English word or two-word term both texts use, in English text.

Never a number, a function word, a lone Vietnamese syllable (half of "bộ phận" is not
"phân phối"), a place name (``places.json``: provinces, wards, industrial parks, ports;
they belong in a location reason), the two organisations' own names, or a term twice. Words
written in Vietnamese are shown only as whole vetted phrases or concepts; terms of two
languages are paired only through the glossary. The strongest terms (largest product of the
two texts' TF-IDF weights) come first.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources

from matching.scoring.wording import Glossary, segment_text, split_segments
from matching.text import fold, nfc

__all__ = [
    "SharedTerm",
    "place_names",
    "reason_words",
    "shared_terms",
    "vietnamese_letters",
]

MAX_TERMS = 3
_PLACE_WORDS_AT_MOST = 5
# Letters of Vietnamese written with its accents (and other Latin-script accented letters).
_ACCENTED = re.compile(r"[\u00c0-\u024f\u1e00-\u1eff]")
_PLAIN_WORD = re.compile(r"[a-z][a-z'&-]*")


def vietnamese_letters(word: str) -> bool:
    """Whether a word is written with accented Latin letters, as Vietnamese is."""
    return _ACCENTED.search(word) is not None


@cache
def _data_file(name: str) -> dict:
    return json.loads(resources.files("matching.data").joinpath(name).read_text("utf-8"))


@cache
def place_names() -> frozenset[tuple[str, ...]]:
    """Accent-folded place names, as word tuples."""
    return frozenset(tuple(name.split()) for name in _data_file("places.json")["names"])


@dataclass(frozen=True)
class ReasonWords:
    phrases_vi: frozenset[tuple[str, ...]]  # written words, lower case, accented
    generic_en: frozenset[str]
    function_words: frozenset[str]


@cache
def reason_words() -> ReasonWords:
    data = _data_file("reason_words.json")
    stop = _data_file("stopwords.json")
    function = {nfc(w).casefold() for w in stop["vi"] + stop["en"]}
    function.update(nfc(w) for w in data["function_ko"] + data["function_ja"])
    return ReasonWords(
        phrases_vi=frozenset(tuple(nfc(p).casefold().split()) for p in data["phrases_vi"]),
        generic_en=frozenset(data["generic_en"]),
        function_words=frozenset(function),
    )


@dataclass(frozen=True)
class SharedTerm:
    """A term as the Vietnamese and the English line show it."""

    vi: str
    en: str


@dataclass
class _TextTerms:
    """What one text offers as terms: concepts, vetted phrases and English words."""

    # glossary entry -> the term of the entry as written first
    concepts: dict[int, str] = field(default_factory=dict)
    # vetted phrase (written words) -> folded words
    phrases: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    # folded English feature ("component suppliers") -> as written
    english: dict[str, str] = field(default_factory=dict)


@cache
def _entry_terms(glossary: Glossary) -> list[dict[tuple[str, ...], tuple[str, ...]]]:
    """Each entry's terms by their folded words; several terms may fold alike."""
    table = []
    for entry in glossary.entries:
        by_words: dict[tuple[str, ...], list[str]] = {}
        for term in entry.terms():
            by_words.setdefault(tuple(fold(term).split()), []).append(term)
        table.append({words: tuple(terms) for words, terms in by_words.items()})
    return table


def _find_runs(folded: Sequence[str], names: frozenset[tuple[str, ...]]) -> set[int]:
    """Positions of a segment's words covered by any of ``names`` (word tuples)."""
    covered: set[int] = set()
    for start in range(len(folded)):
        for length in range(min(_PLACE_WORDS_AT_MOST, len(folded) - start), 0, -1):
            if tuple(folded[start : start + length]) in names:
                covered.update(range(start, start + length))
                break
    return covered


def _english_positions(written: Sequence[str]) -> list[bool]:
    """Which words of a segment are English: plain words in a segment mostly not Vietnamese,
    and not next to a word written with Vietnamese accents."""
    accented = [vietnamese_letters(word) for word in written]
    if sum(accented) * 3 >= len(written):
        return [False] * len(written)
    english = []
    for position, word in enumerate(written):
        beside = accented[max(0, position - 1) : position + 2]
        english.append(bool(_PLAIN_WORD.fullmatch(word)) and not any(beside))
    return english


def _written_concept(
    terms: Mapping[tuple[str, ...], tuple[str, ...]], words: tuple[str, ...], written: str
) -> str | None:
    """The glossary term a match stands for, or None where its accents say otherwise."""
    options = terms.get(words)
    if options is None:
        return None
    if not vietnamese_letters(written):
        return options[0]
    for term in options:
        if nfc(term).casefold() == written:
            return term
    return None


@lru_cache(maxsize=4096)
def _text_terms(text: str, glossary: Glossary) -> _TextTerms:
    """A text's candidate terms; cached, since a participant's text is read for each of its
    suggestions (the result is not changed by its callers)."""
    found = _TextTerms()
    places = place_names()
    words_data = reason_words()
    entry_terms = _entry_terms(glossary)
    for part in split_segments(text):
        segment = segment_text(part)
        if segment is None:
            continue
        written, folded = segment.written, segment.folded
        blocked = _find_runs(folded, places)
        concept_at: set[int] = set()
        for index, words in glossary.find(folded).items():
            if len(words) == 1 and " " not in words[0] and not words[0].isascii():
                # Korean and Japanese terms are found as substrings of the text.
                term = _written_concept(entry_terms[index], words, words[0])
                if term is not None:
                    found.concepts.setdefault(index, term)
                continue
            for start in range(len(folded) - len(words) + 1):
                if tuple(folded[start : start + len(words)]) != words:
                    continue
                as_written = " ".join(written[start : start + len(words)])
                term = _written_concept(entry_terms[index], words, as_written)
                if term is None or blocked.intersection(range(start, start + len(words))):
                    continue
                found.concepts.setdefault(index, term)
                concept_at.update(range(start, start + len(words)))
        for start in range(len(written)):
            for length in range(min(4, len(written) - start), 1, -1):
                phrase = tuple(written[start : start + length])
                if phrase in words_data.phrases_vi:
                    found.phrases.setdefault(phrase, tuple(folded[start : start + length]))
                    break
        english = _english_positions(written)
        usable = [
            english[p]
            and p not in blocked
            and p not in concept_at
            and written[p] not in words_data.function_words
            and not any(ch.isdigit() for ch in written[p])
            for p in range(len(written))
        ]
        for p in range(len(written)):
            if not usable[p]:
                continue
            if len(folded[p]) >= 3 and folded[p] not in words_data.generic_en:
                found.english.setdefault(folded[p], written[p])
            if p + 1 < len(written) and usable[p + 1]:
                pair = (folded[p], folded[p + 1])
                if all(len(w) >= 2 and w not in words_data.generic_en for w in pair):
                    found.english.setdefault(" ".join(pair), f"{written[p]} {written[p + 1]}")
    return found


def _plural_pair(a: str, b: str) -> bool:
    a, b = fold(a), fold(b)
    return a == b or a + "s" == b or b + "s" == a or a + "es" == b or b + "es" == a


def _concept_term(
    glossary: Glossary, index: int, reader_term: str, partner_term: str
) -> SharedTerm:
    """A concept as each line shows it: a wording in the line's language (the reader's, else
    the partner's, else the line's display name where the reader wrote the other display
    name), with the other side's wording beside it where it differs."""
    entry = glossary.entries[index]

    def line(own: tuple[str, ...], label: str, other_label: str) -> str:
        if reader_term in own:
            shown, beside = reader_term, partner_term
        elif partner_term in own:
            shown, beside = partner_term, reader_term
        elif _plural_pair(reader_term, other_label):
            shown, beside = label, partner_term
        else:
            shown, beside = reader_term, partner_term
        if _plural_pair(shown, label):
            # "electronic" reads as half a term where "electronics" names the concept.
            shown = label
        if _plural_pair(shown, beside):
            return shown
        return f"{shown} ↔ {beside}"

    return SharedTerm(
        vi=line(entry.vi, entry.label_vi, entry.label_en),
        en=line(entry.en, entry.label_en, entry.label_vi),
    )


def _name_words(names: Iterable[str]) -> frozenset[str]:
    words: set[str] = set()
    for name in names:
        words.update(fold(name.replace("-", " ")).split())
    return frozenset(words)


def shared_terms(
    reader_text: str,
    partner_text: str,
    weights: Mapping[str, float],
    glossary: Glossary,
    *,
    names: Iterable[str] = (),
) -> list[SharedTerm]:
    """At most three terms the reader's text and the partner's share, strongest first.

    ``weights`` gives, for each word feature both texts' TF-IDF rows have, the product of its
    two weights; ``names`` are the two organisations' names, whose words are not shown.
    """
    reader, partner = _text_terms(reader_text, glossary), _text_terms(partner_text, glossary)
    name_words = _name_words(names)
    candidates: list[tuple[float, int, tuple[str, ...], SharedTerm, int | None]] = []
    for index in reader.concepts.keys() & partner.concepts.keys():
        features = [f for label in glossary.expansions[index] for f in label]
        weight = max((weights.get(f, 0.0) for f in features), default=0.0)
        term = _concept_term(glossary, index, reader.concepts[index], partner.concepts[index])
        words = tuple(fold(reader.concepts[index]).split())
        candidates.append((weight, 0, words, term, index))
    for phrase in reader.phrases.keys() & partner.phrases.keys():
        words = reader.phrases[phrase]
        if name_words.issuperset(words):
            continue
        keys = [" ".join(pair) for pair in itertools.pairwise(words)]
        weight = max((weights.get(key, 0.0) for key in keys), default=0.0)
        shown = " ".join(phrase)
        candidates.append((weight, 1, words, SharedTerm(shown, shown), None))
    for feature in reader.english.keys() & partner.english.keys():
        words = tuple(feature.split())
        if feature not in weights or name_words.issuperset(words):
            continue
        shown = reader.english[feature]
        candidates.append((weights.get(feature, 0.0), 2, words, SharedTerm(shown, shown), None))
    # Strongest first; equal weights: concepts, then phrases, then longer terms, then by text.
    candidates.sort(key=lambda c: (-c[0], c[1], -len(c[2]), c[3].vi))
    shown: list[tuple[tuple[str, ...], SharedTerm]] = []
    for _, _, words, term, _ in candidates:
        used = {word for shown_words, _ in shown for word in shown_words}
        if used.issuperset(words):
            continue
        keys = {fold(term.vi), fold(term.en)}
        if any(keys & {fold(t.vi), fold(t.en)} for _, t in shown):
            continue
        # A weaker term that holds a shown one ("smt assembly" after "smt") takes its place.
        inside = [i for i, (shown_words, _) in enumerate(shown) if set(shown_words) <= set(words)]
        if inside:
            shown[inside[0]] = (words, term)
            for i in reversed(inside[1:]):
                del shown[i]
            continue
        if len(shown) < MAX_TERMS:
            shown.append((words, term))
    return [term for _, term in shown]

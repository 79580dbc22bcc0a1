"""Checks a text reason's line for the kinds of shared term a reader must never see.

Independent of how :mod:`matching.scoring.terms` chooses terms: it reads the line as shown
("Họ cần điều bạn chào bán: a, b ↔ c"), splits the terms, and flags each forbidden kind:

* ``number``: a number or number fragment ("000", "5g" is a glossary term and allowed);
* ``function_word``: a Vietnamese, English, Korean or Japanese function word;
* ``syllable``: a lone Vietnamese syllable that is no glossary term ("bằng", "phận", "nhà"),
  or an unaccented syllable of a place name the pair's texts mention ("phong" of Yên Phong);
* ``place``: a place name, a term containing one ("bac ninh") or a syllable of one the pair's
  texts mention ("ninh industrial");
* ``own_name``: words of either organisation's name that are no glossary term;
* ``duplicate``: the same term twice in a line (plural forms count as the same), or a term
  whose words are all within another's ("suppliers" beside "component suppliers");
* ``cross_language``: "a ↔ b" where a and b are not terms of one glossary concept;
* ``too_many``: more than three terms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from matching.scoring.terms import place_names, reason_words, vietnamese_letters
from matching.scoring.wording import Glossary, default_glossary
from matching.text import fold, nfc

__all__ = ["FORBIDDEN_KINDS", "Finding", "check_line", "line_terms"]

FORBIDDEN_KINDS = (
    "number",
    "function_word",
    "syllable",
    "place",
    "own_name",
    "duplicate",
    "cross_language",
    "too_many",
)
_PREFIXES = (
    "Họ cần điều bạn chào bán: ",
    "Họ chào bán điều bạn cần: ",
    "They need what you offer: ",
    "They offer what you need: ",
)
_PAIR = " ↔ "
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Finding:
    kind: str
    term: str


def line_terms(line: str) -> list[str] | None:
    """The terms a text reason's line lists, or None for a line that lists none."""
    for prefix in _PREFIXES:
        if line.startswith(prefix):
            return [term.strip() for term in line[len(prefix) :].split(", ")]
    return None


@cache
def _glossary_keys(glossary: Glossary) -> tuple[frozenset[str], list[frozenset[str]]]:
    keys = [frozenset(fold(term) for term in entry.terms()) for entry in glossary.entries]
    return frozenset().union(*keys), keys


def _same(a: str, b: str) -> bool:
    a, b = fold(a), fold(b)
    return a == b or a + "s" == b or b + "s" == a or a + "es" == b or b + "es" == a


def _overlaps(a: str, b: str) -> bool:
    """The same term, or one term's words all within the other's ("suppliers" and
    "component suppliers")."""
    if _same(a, b):
        return True
    words_a, words_b = fold(a).split(), fold(b).split()
    short, long = sorted((words_a, words_b), key=len)
    return all(any(_same(w, v) for v in long) for w in short)


def _contains(words: tuple[str, ...], names: frozenset[tuple[str, ...]]) -> bool:
    for start in range(len(words)):
        for end in range(start + 1, len(words) + 1):
            if words[start:end] in names:
                return True
    return False


def _form_findings(
    form: str,
    glossary_terms: frozenset[str],
    names: frozenset[str],
    place_syllables: frozenset[str],
) -> list[str]:
    kinds = []
    key = fold(form)
    words = tuple(key.split())
    in_glossary = key in glossary_terms
    if _DIGIT.search(form) and not in_glossary:
        kinds.append("number")
    function = reason_words().function_words
    if not words or all(nfc(w).casefold() in function for w in form.split()):
        kinds.append("function_word")
    single = len(form.split()) == 1 and not in_glossary
    if single and (vietnamese_letters(form) or key in place_syllables):
        kinds.append("syllable")
    if not in_glossary and (
        _contains(words, place_names())
        or (len(words) > 1 and form.isascii() and place_syllables & set(words))
    ):
        kinds.append("place")
    if words and names.issuperset(words) and not in_glossary:
        kinds.append("own_name")
    return kinds


def check_line(
    line: str,
    *,
    names: Iterable[str] = (),
    texts: Iterable[str] = (),
    glossary: Glossary | None = None,
) -> list[Finding]:
    """Forbidden terms in a reason's line; ``names`` are the two organisations' names and
    ``texts`` the pair's needs and offers (for syllables of the places they mention)."""
    terms = line_terms(line)
    if not terms:
        return []
    glossary_terms, entry_keys = _glossary_keys(glossary or default_glossary())
    name_words = frozenset(w for name in names for w in fold(name.replace("-", " ")).split())
    place_syllables: set[str] = set()
    places = place_names()
    for text in texts:
        words = tuple(re.findall(r"\w+", fold(text)))
        for start in range(len(words)):
            for length in (2, 3, 4):
                if words[start : start + length] in places:
                    place_syllables.update(words[start : start + length])
    findings: list[Finding] = []
    if len(terms) > 3:
        findings.append(Finding("too_many", line))
    seen: list[str] = []
    for term in terms:
        forms = term.split(_PAIR)
        if len(forms) == 2:
            a, b = fold(forms[0]), fold(forms[1])
            if not any(a in keys and b in keys for keys in entry_keys):
                findings.append(Finding("cross_language", term))
            if _same(forms[0], forms[1]):
                findings.append(Finding("duplicate", term))
        for form in forms:
            for kind in _form_findings(
                form, glossary_terms, name_words, frozenset(place_syllables)
            ):
                findings.append(Finding(kind, form))
        if any(_overlaps(form, other) for form in forms for other in seen):
            findings.append(Finding("duplicate", term))
        seen.extend(forms)
    return findings

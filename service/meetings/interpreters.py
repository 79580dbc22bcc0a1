"""Which interpreter a meeting needs, if any."""

from __future__ import annotations

from collections.abc import Sequence


def interpreter_needed(
    languages_a: Sequence[str], languages_b: Sequence[str], pools: Sequence[str] = ()
) -> str | None:
    """None when the two sides share a working language (or one side lists none: we
    cannot tell, so we do not reserve a scarce interpreter). Otherwise the language to
    interpret from Vietnamese: a pooled language of the foreign side if there is one,
    else its first language."""
    if not languages_a or not languages_b or set(languages_a) & set(languages_b):
        return None
    foreign = languages_b if "vi" in languages_a else languages_a
    for language in foreign:
        if language in pools:
            return language
    return foreign[0]

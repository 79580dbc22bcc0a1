"""Text normalisation shared by models and search."""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa

from matching.text import fold, nfc

__all__ = ["fold", "like_pattern", "nfc", "search_key", "word_patterns", "words_match"]

# A word is a run of letters and digits; dashes, dots, commas and the like separate words.
_WORD = re.compile(r"[^\W_]+")


def search_key(*parts: str | None) -> str:
    """The folded text a row is searched by: every part, accent-insensitive, space-joined."""
    return " ".join(fold(p) for p in parts if p)


def like_pattern(query: str) -> str:
    """A LIKE pattern matching the folded query anywhere; LIKE wildcards in it are escaped."""
    folded = fold(unicodedata.normalize("NFC", query))
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def query_words(query: str) -> list[str]:
    """The folded words of a query, punctuation dropped: "Gặp gỡ Hàn Quốc – kiểm thử"
    -> ["gap", "go", "han", "quoc", "kiem", "thu"]."""
    return _WORD.findall(fold(unicodedata.normalize("NFC", query)))


def word_patterns(query: str) -> list[str]:
    """One LIKE pattern per word of the query; a row matches when its folded search key
    matches every one (any order, anywhere)."""
    return [f"%{word}%" for word in query_words(query)]


def words_match(query: str, *columns: sa.ColumnElement[str]) -> sa.ColumnElement[bool] | None:
    """An SQL condition: every word of the query occurs in one of the stored folded
    ``columns`` (each word in any of them). None when the query has no word."""
    patterns = word_patterns(query)
    if not patterns:
        return None
    return sa.and_(*(sa.or_(*(c.like(p) for c in columns)) for p in patterns))

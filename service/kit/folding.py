"""Text normalisation shared by models and search."""

from __future__ import annotations

import unicodedata

from matching.text import fold, nfc

__all__ = ["fold", "like_pattern", "nfc", "search_key"]


def search_key(*parts: str | None) -> str:
    """The folded text a row is searched by: every part, accent-insensitive, space-joined."""
    return " ".join(fold(p) for p in parts if p)


def like_pattern(query: str) -> str:
    """A LIKE pattern matching the folded query anywhere; LIKE wildcards in it are escaped."""
    folded = fold(unicodedata.normalize("NFC", query))
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"

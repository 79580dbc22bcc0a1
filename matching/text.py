"""Unicode normalisation and accent-insensitive search keys for Vietnamese text.

Kept dependency-free: the service imports these for search, and the matching code uses the same
key so that "Bắc Ninh", "Bac Ninh" and "BẮC NINH" meet.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold", "nfc"]

# The combining-diacritical-mark blocks: the accents and tone marks of Latin-script languages,
# Vietnamese included. Marks of other scripts (the Japanese voicing marks, for instance) change
# the letter rather than accent it, so they are kept.
_DIACRITICS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def nfc(text: str) -> str:
    """The precomposed (NFC) form Vietnamese text is stored in."""
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """An accent-insensitive, lower-case search key with single spaces.

    "Gặp gỡ Hàn Quốc" -> "gap go han quoc"; "Đắk Lắk" -> "dak lak".
    """
    if text.isascii():
        return " ".join(text.casefold().split())
    # Case-fold first: folding can itself produce combining marks ("İ" -> "i" + dot above).
    decomposed = _DIACRITICS.sub("", unicodedata.normalize("NFD", text.casefold()))
    # "đ" is a letter of its own, not "d" plus a mark, so decomposition leaves it alone.
    decomposed = decomposed.replace("đ", "d")
    # Recompose what is left, so that Hangul or kana come back as the usual code points.
    return " ".join(unicodedata.normalize("NFC", decomposed).split())

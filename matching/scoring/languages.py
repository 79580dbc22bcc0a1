"""The language component: can the two sides talk without an interpreter?

A pair that shares a working language scores ``SHARED``; one that shares none needs an
interpreter, a scarce resource at Meet-X events (a few per language, one meeting at a time),
and scores ``INTERPRETER``; when either side declared no language the component is the
neutral ``UNKNOWN``.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "INTERPRETER",
    "SHARED",
    "UNKNOWN",
    "interpreter_languages",
    "language_name",
    "language_score",
]

SHARED = 1.0
INTERPRETER = 0.3
UNKNOWN = 0.5

# ISO 639-1 code -> (Vietnamese name, English name) of languages met at Meet-X events.
_NAMES: dict[str, tuple[str, str]] = {
    "vi": ("tiếng Việt", "Vietnamese"),
    "en": ("tiếng Anh", "English"),
    "ko": ("tiếng Hàn", "Korean"),
    "ja": ("tiếng Nhật", "Japanese"),
    "zh": ("tiếng Trung", "Chinese"),
    "th": ("tiếng Thái", "Thai"),
    "de": ("tiếng Đức", "German"),
    "fr": ("tiếng Pháp", "French"),
    "nl": ("tiếng Hà Lan", "Dutch"),
    "it": ("tiếng Ý", "Italian"),
    "es": ("tiếng Tây Ban Nha", "Spanish"),
    "pt": ("tiếng Bồ Đào Nha", "Portuguese"),
    "ru": ("tiếng Nga", "Russian"),
    "pl": ("tiếng Ba Lan", "Polish"),
    "cs": ("tiếng Séc", "Czech"),
    "hu": ("tiếng Hungary", "Hungarian"),
    "sv": ("tiếng Thụy Điển", "Swedish"),
    "da": ("tiếng Đan Mạch", "Danish"),
    "fi": ("tiếng Phần Lan", "Finnish"),
    "id": ("tiếng Indonesia", "Indonesian"),
    "ms": ("tiếng Mã Lai", "Malay"),
    "lo": ("tiếng Lào", "Lao"),
    "km": ("tiếng Khmer", "Khmer"),
    "hi": ("tiếng Hindi", "Hindi"),
    "ar": ("tiếng Ả Rập", "Arabic"),
}


def language_name(code: str) -> tuple[str, str]:
    """The Vietnamese and English names of a language, or its code for one not listed."""
    return _NAMES.get(code, (f"tiếng {code}", code))


def language_score(a: Sequence[str], b: Sequence[str]) -> float:
    """The language component of a pair, in [0, 1]."""
    if not a or not b:
        return UNKNOWN
    return SHARED if set(a) & set(b) else INTERPRETER


def interpreter_languages(a: Sequence[str], b: Sequence[str]) -> list[str]:
    """The languages an interpreter must speak besides Vietnamese, first languages first.

    Meet-X interpreters work between Vietnamese and one foreign language, so Vietnamese is
    left out; between two foreign sides both first languages are named.
    """
    wanted = [code for code in dict.fromkeys((a[0], b[0])) if code != "vi"]
    return wanted or [a[0]]

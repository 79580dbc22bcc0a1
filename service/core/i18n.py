"""Translations: gettext catalogues read once, for pages, API texts and e-mail alike.

The strings live in ``service/locales/<lang>/LC_MESSAGES/messages.po`` (Vietnamese, English,
and whatever language a translator adds as a folder), keyed by stable message ids such as
``"p.agenda.time"``. The build compiles each ``.po`` to ``.mo``; running from a checkout
without a build, the ``.po`` is compiled in memory with Babel, so nothing depends on a
build step having run. A compiled file older than its ``.po`` (edited after the build) is
ignored for the same reason.

``gettext(lang, key)`` falls back from the requested language to English, then to
Vietnamese, so a partial catalogue (a first Korean one, say) shows English where its
translation is missing. ``vi_en(key)`` gives the "Vietnamese / English" pair that error
titles, calendar entries and spreadsheet headers carry.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Final

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

LOCALES_DIR: Final = Path(__file__).resolve().parents[1] / "locales"
DOMAIN: Final = "messages"
SOURCE_LANGUAGE: Final = "vi"
# A .po changed this many seconds after its .mo was written has been edited since the
# build: read the .po. (An installer writes both files in one go, in either order.)
STALE_AFTER: Final = 2.0
FALLBACK: Final = ("en", "vi")  # after the requested language, in this order

# Call names whose string argument is a message id, for Babel's extractor (pybabel
# extract -k ...) and the catalogue test. The number is the argument holding the id.
# (pages.i18n.text/both take ids from the calls above; "text" is too common a name.)
EXTRACT_KEYWORDS: Final[dict[str, tuple[int, ...] | None]] = {
    "_": None,  # templates: _("key", name=...)
    "gettext": (2,),  # core.i18n.gettext(lang, key)
    "vi_en": None,  # core.i18n.vi_en(key)
    "vi_en_each": None,  # core.i18n.vi_en_each(key, vi={...}, en={...})
    "N_": None,  # a key named here and looked up later (flashes, statuses)
    "t": None,  # pages: language.t(key)
    "tb": None,  # pages: language.tb(key), both languages
}


def N_(key: str) -> str:
    """Marks a message id that is looked up later, so extraction sees it."""
    return key


def _po_path(lang: str) -> Path:
    return LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def languages() -> tuple[str, ...]:
    """The languages with a catalogue: Vietnamese and English first, then the others."""
    found = {
        folder.name
        for folder in LOCALES_DIR.iterdir()
        if folder.is_dir()
        and any((folder / "LC_MESSAGES" / f"{DOMAIN}{ext}").exists() for ext in (".po", ".mo"))
    }
    first = tuple(code for code in (SOURCE_LANGUAGE, *FALLBACK) if code in found)
    return tuple(dict.fromkeys(first + tuple(sorted(found))))


def read_catalogue(lang: str) -> Catalog:
    """The language's catalogue: the compiled file when it is current, else the source."""
    po = _po_path(lang)
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or po.stat().st_mtime - mo.stat().st_mtime < STALE_AFTER):
        with mo.open("rb") as handle:
            return read_mo(handle)
    with po.open("rb") as handle:
        return read_po(handle, locale=lang)


@cache
def messages(lang: str) -> Mapping[str, str]:
    """Message id -> translation; empty and fuzzy entries are left out (they fall back)."""
    if lang not in languages():
        return {}
    found: dict[str, str] = {}
    for message in read_catalogue(lang):
        key, string = message.id, message.string
        usable = isinstance(string, str) and string and not message.fuzzy
        if key and isinstance(key, str) and usable:
            found[key] = string
    return found


def has(key: str) -> bool:
    return any(key in messages(lang) for lang in languages())


def lookup(lang: str, key: str) -> str:
    """The raw translation (placeholders unfilled) along the fallback chain; the id itself
    when no catalogue has it, as gettext does."""
    for candidate in (lang, *FALLBACK):
        found = messages(candidate).get(key)
        if found is not None:
            return found
    log.warning("no translation for %r", key)
    return key


def gettext(lang: str, key: str, **params: object) -> str:
    """The text in ``lang``; ``{name}`` placeholders are filled when params are given."""
    found = lookup(lang, key)
    return found.format(**params) if params else found


def vi_en(key: str, /, *, joiner: str = " / ", **params: object) -> str:
    """'Vietnamese / English' in one string (one text when both read the same)."""
    vi, en = gettext("vi", key, **params), gettext("en", key, **params)
    return vi if vi == en else f"{vi}{joiner}{en}"


def vi_en_each(
    key: str, /, *, vi: Mapping[str, object], en: Mapping[str, object], joiner: str = " / "
) -> str:
    """'Vietnamese / English' when the values differ by language (a name and its English
    name): "Gặp {name}" with the Vietnamese name, "Meeting with {name}" with the English."""
    return f"{gettext('vi', key, **vi)}{joiner}{gettext('en', key, **en)}"


def language_of_country(country: str | None) -> str:
    """The page language for a participant from ``country``: its own language when a
    catalogue exists for it (Vietnam -> vi; Korea -> ko once ko/ is added), else English."""
    if not country:
        return SOURCE_LANGUAGE
    try:
        spoken = Locale.parse(f"und_{country.upper()}").language
    except (UnknownLocaleError, ValueError):
        return "en"
    return spoken if spoken in languages() else "en"


class Pairs(Mapping[str, tuple[str, str]]):
    """Every message id with its (Vietnamese, English) texts: a read-only view."""

    def _keys(self) -> list[str]:
        return sorted(set(messages("vi")) | set(messages("en")))

    def __getitem__(self, key: str) -> tuple[str, str]:
        if not has(key):
            raise KeyError(key)
        return gettext("vi", key), gettext("en", key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())


# Ids built at run time from an ISO code ("country.KR", "language.ko"), named here so
# that extraction keeps them in messages.pot. A new code: a line here and an entry in
# each catalogue.
COUNTRY_IDS: Final = (
    N_("country.VN"),
    N_("country.KR"),
    N_("country.JP"),
    N_("country.CN"),
    N_("country.TW"),
    N_("country.TH"),
    N_("country.SG"),
    N_("country.MY"),
    N_("country.ID"),
    N_("country.LA"),
    N_("country.KH"),
    N_("country.IN"),
    N_("country.AU"),
    N_("country.CA"),
    N_("country.US"),
    N_("country.EU"),
    N_("country.DE"),
    N_("country.FR"),
    N_("country.IT"),
    N_("country.NL"),
    N_("country.GB"),
    N_("country.BE"),
    N_("country.SE"),
    N_("country.FI"),
    N_("country.DK"),
    N_("country.CH"),
    N_("country.IL"),
    N_("country.AE"),
    N_("country.NZ"),
    N_("country.HK"),
)
LANGUAGE_IDS: Final = (
    N_("language.vi"),
    N_("language.en"),
    N_("language.ko"),
    N_("language.ja"),
    N_("language.zh"),
    N_("language.th"),
    N_("language.fr"),
    N_("language.de"),
    N_("language.it"),
    N_("language.nl"),
    N_("language.es"),
    N_("language.ru"),
    N_("language.lo"),
    N_("language.km"),
    N_("language.ms"),
    N_("language.id"),
    N_("language.ar"),
    N_("language.hi"),
    N_("language.pt"),
)


def family(prefix: str) -> dict[str, tuple[str, str]]:
    """The ids under ``prefix`` as code -> (Vietnamese, English), e.g. "KR" -> names."""
    keys = sorted(k for k in set(messages("vi")) | set(messages("en")) if k.startswith(prefix))
    return {k.removeprefix(prefix): (gettext("vi", k), gettext("en", k)) for k in keys}

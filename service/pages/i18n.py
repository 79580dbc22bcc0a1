"""Page language: the participant's own language on a personal page, Vietnamese elsewhere;
``?lang=`` switches and is remembered in a cookie.

The texts live in the gettext catalogues (``service/locales``, read by ``core.i18n``).
``t`` gives the text in the page's language; ``tb`` gives both, Vietnamese first, for the
few labels that must read in both languages at once (calendar buttons, page titles), and
only the page's language on a page that is not Vietnamese. ``MESSAGES`` is a read-only
view of the catalogues as (Vietnamese, English) pairs; new strings go into the ``.po``
files (see README, "Translations").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from starlette.requests import Request

from service.core import i18n as catalogues
from service.core.i18n import N_

DEFAULT_LANGUAGE: Final = catalogues.SOURCE_LANGUAGE
LANG_COOKIE: Final = "meetx_lang"
LANGUAGES: Final = catalogues.languages()

MESSAGES: Final[Mapping[str, tuple[str, str]]] = catalogues.Pairs()

# Keys the templates build at run time ('status.' ~ status): named here for extraction.
DYNAMIC_KEYS: Final = (
    N_("status.pending"),
    N_("status.accepted"),
    N_("status.declined"),
    N_("status.expired"),
    N_("status.withdrawn"),
    N_("status.scheduled"),
    N_("status.cancelled"),
    N_("p.side.host"),
    N_("p.side.guest"),
    N_("admin.status.draft"),
    N_("admin.status.open"),
    N_("admin.status.closed"),
    N_("sched.action.add"),
    N_("sched.action.move"),
    N_("sched.action.cancel"),
    N_("sched.status.optimal"),
    N_("sched.status.feasible"),
    N_("sched.status.infeasible"),
)

# Words on main before the catalogues that no page uses yet; kept for pages being written
# against them. Drop the ones still unused once those have landed.
SPARE_KEYS: Final = (
    N_("common.save"),
    N_("common.total"),
    N_("common.yes"),
    N_("common.no"),
    N_("p.title"),
    N_("p.requests.from"),
    N_("p.requests.to"),
    N_("print.generated"),
)

Translate = Callable[..., str]


def text(lang: str, key: str, **params: object) -> str:
    return catalogues.gettext(lang, key, **params)


def both(lang: str, key: str, **params: object) -> str:
    """Vietnamese with English beside it; the page's language alone on any other page."""
    if lang != DEFAULT_LANGUAGE:
        return text(lang, key, **params)
    return catalogues.vi_en(key, **params)


def pick(lang: str, vi: str | None, en: str | None) -> str:
    """A stored bilingual value (name / name_en) in the page's language (English for any
    foreign language), falling back to whichever exists."""
    if lang != DEFAULT_LANGUAGE and en:
        return en
    return vi or en or ""


@dataclass(frozen=True)
class Language:
    code: str
    chosen_now: bool  # ?lang= was given on this request: remember it in the cookie

    @property
    def other(self) -> str:
        return "en" if self.code == DEFAULT_LANGUAGE else DEFAULT_LANGUAGE

    def t(self, key: str, **params: object) -> str:
        return text(self.code, key, **params)

    def tb(self, key: str, **params: object) -> str:
        return both(self.code, key, **params)

    def pick(self, vi: str | None, en: str | None) -> str:
        return pick(self.code, vi, en)


def language_of(request: Request, default: str = DEFAULT_LANGUAGE) -> Language:
    """?lang= first, then the remembered cookie, then ``default`` (a personal page passes
    its participant's language; every other page is Vietnamese)."""
    asked = request.query_params.get("lang", "")
    if asked in LANGUAGES:
        return Language(asked, chosen_now=True)
    remembered = request.cookies.get(LANG_COOKIE, "")
    if remembered in LANGUAGES:
        return Language(remembered, chosen_now=False)
    return Language(default if default in LANGUAGES else DEFAULT_LANGUAGE, chosen_now=False)


# ISO codes -> (Vietnamese, English): the catalogues' "country.KR" and "language.ko" ids.
COUNTRY_NAMES: Final = catalogues.family("country.")
LANGUAGE_NAMES: Final = catalogues.family("language.")


def country_name(lang: str, code: str | None) -> str:
    if not code:
        return ""
    names = COUNTRY_NAMES.get(code.upper())
    return pick(lang, names[0], names[1]) if names else code.upper()


def language_name(lang: str, code: str | None) -> str:
    if not code:
        return ""
    names = LANGUAGE_NAMES.get(code.lower())
    return pick(lang, names[0], names[1]) if names else code

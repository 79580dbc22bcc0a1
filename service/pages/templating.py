"""Rendering a page: the Jinja2 environment, time formatting in the event's zone, the
language cookie and the security headers every page carries.

Templates translate with Jinja2's i18n extension: ``{{ _("key", name=...) }}``. The
gettext callable is handed in with each page's context (bound to the request's language),
not installed on the shared environment, so two requests in two languages cannot mix. It
fills ``{name}`` placeholders with ``str.format`` like every Python caller, and returns
plain text that Jinja2 escapes like any other value.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from service.pages import i18n

PAGES_DIR: Final = Path(__file__).resolve().parent
STATIC_DIR: Final = PAGES_DIR / "static"

templates = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(PAGES_DIR / "templates"),
        autoescape=select_autoescape(),
        extensions=["jinja2.ext.i18n"],
    )
)

# Scripts and styles come from /static only (no inline code), and the pages cannot be
# framed. The personal page's URL holds a credential: never leak it through Referer.
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def local_time(value: datetime, zone: str, fmt: str = "%H:%M") -> str:
    return value.astimezone(ZoneInfo(zone)).strftime(fmt)


def local_date(lang: str, value: date | datetime, zone: str | None = None) -> str:
    if isinstance(value, datetime) and zone:
        value = value.astimezone(ZoneInfo(zone))
    vietnamese = lang == i18n.DEFAULT_LANGUAGE
    return value.strftime("%d/%m/%Y") if vietnamese else value.strftime("%Y-%m-%d")


def date_range(lang: str, start: date, end: date) -> str:
    if start == end:
        return local_date(lang, start)
    return f"{local_date(lang, start)} – {local_date(lang, end)}"


def money(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


def url_with_lang(request: Request, lang: str) -> str:
    """This page in the other language (a relative URL: path and query only)."""
    url = request.url.include_query_params(lang=lang)
    return f"{url.path}?{url.query}"


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    language: i18n.Language | None = None,
) -> HTMLResponse:
    """The page; ``language`` when the caller chose it (a personal page's own language)."""
    language = language or i18n.language_of(request)
    lang = language.code
    full = {
        "request": request,
        "lang": lang,
        "language": language,
        "gettext": language.t,
        "_": language.t,
        "t": language.t,
        "tb": language.tb,
        "pick": language.pick,
        "country_name": lambda code: i18n.country_name(lang, code),
        "language_name": lambda code: i18n.language_name(lang, code),
        "language_names": lambda codes: ", ".join(i18n.language_name(lang, c) for c in codes),
        "local_time": local_time,
        "local_date": lambda value, zone=None: local_date(lang, value, zone),
        "date_range": lambda start, end: date_range(lang, start, end),
        "money": money,
        "switch_url": url_with_lang(request, language.other),
        **context,
    }
    response = templates.TemplateResponse(
        request, name, full, status_code=status_code, headers=SECURITY_HEADERS
    )
    remember_language(request, response, language)
    return response


def remember_language(request: Request, response: Any, language: i18n.Language) -> None:
    if language.chosen_now:
        response.set_cookie(
            i18n.LANG_COOKIE,
            language.code,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )


def redirect(url: str) -> RedirectResponse:
    """The redirect of POST-redirect-GET: 303 so the browser follows with GET."""
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


class PageInterrupt(Exception):
    """Raised by a page dependency to answer at once (a redirect to sign in, a 404 page)."""

    def __init__(self, response: Response) -> None:
        super().__init__("page interrupted")
        self.response = response

"""The catalogues and the code agree: every message id the code or a template uses is
translated in Vietnamese and English (not empty, not fuzzy), no catalogue keeps an id
nothing uses, and placeholders match across languages.

Ids are found with Babel's extractor, the same way ``pybabel extract`` finds them (the
mapping in babel.cfg, the keywords in ``core.i18n.EXTRACT_KEYWORDS``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from service.core import i18n

ROOT = Path(__file__).resolve().parents[3]
REQUIRED = ("vi", "en")
PLACEHOLDER = re.compile(r"{(\w+)}")


def extracted_ids(source: Path = ROOT / "service") -> dict[str, str]:
    """Message id -> where it is first used."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, str(ROOT / "babel.cfg"))
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        source, method_map, options_map, keywords=i18n.EXTRACT_KEYWORDS
    ):
        if isinstance(message, str):
            found.setdefault(message, f"{filename}:{lineno}")
    return found


def source_catalogue(lang: str) -> Catalog:
    path = i18n.LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def problems(used: dict[str, str], catalogues: dict[str, Catalog]) -> list[str]:
    """What is wrong between the ids used and the catalogues, one line each."""
    found: list[str] = []
    for lang, catalog in catalogues.items():
        for key, where in sorted(used.items()):
            message = catalog.get(key)
            if message is None:
                found.append(f"{lang}: {key} ({where}) is missing")
            elif not message.string:
                found.append(f"{lang}: {key} ({where}) is not translated")
            elif message.fuzzy:
                found.append(f"{lang}: {key} ({where}) is fuzzy")
        for message in catalog:
            key = message.id
            if not key or not isinstance(key, str):
                continue
            if key not in used:
                found.append(f"{lang}: {key} is used nowhere (stale)")
    return found


@pytest.fixture(scope="module")
def used() -> dict[str, str]:
    ids = extracted_ids()
    assert len(ids) > 200, "the extractor no longer finds the ids: check the keywords"
    return ids


def test_every_used_message_is_translated_in_vietnamese_and_english(
    used: dict[str, str],
) -> None:
    catalogues = {lang: source_catalogue(lang) for lang in REQUIRED}
    found = [line for line in problems(used, catalogues) if "(stale)" not in line]
    assert not found, "\n".join(found)


def test_no_catalogue_keeps_a_message_nothing_uses(used: dict[str, str]) -> None:
    catalogues = {lang: source_catalogue(lang) for lang in i18n.languages()}
    found = [line for line in problems(used, catalogues) if "(stale)" in line]
    assert not found, "\n".join(found)


def test_the_check_fails_on_a_missing_an_empty_a_fuzzy_and_a_stale_message() -> None:
    catalog = Catalog(locale="en")
    catalog.add("a.empty", "")
    catalog.add("a.fuzzy", "Maybe", flags=["fuzzy"])
    catalog.add("a.ok", "Fine")
    catalog.add("a.stale", "Old")
    used = {"a.missing": "x.py:1", "a.empty": "x.py:2", "a.fuzzy": "x.py:3", "a.ok": "x.py:4"}
    assert problems(used, {"en": catalog}) == [
        "en: a.empty (x.py:2) is not translated",
        "en: a.fuzzy (x.py:3) is fuzzy",
        "en: a.missing (x.py:1) is missing",
        "en: a.stale is used nowhere (stale)",
    ]


def test_the_extractor_sees_templates_python_calls_and_marked_keys(
    used: dict[str, str],
) -> None:
    assert "templates" in used["p.agenda.time"]  # {{ _('p.agenda.time') }}
    assert "templates" in used["p.subscribe"]  # {{ tb('p.subscribe') }}
    assert "errors.py" in used["problem.422"]  # vi_en("problem.422")
    assert "status.pending" in used  # N_("status.pending"), built as 'status.' ~ status
    assert "p.flash.sent" in used


def test_placeholders_are_the_same_in_every_language() -> None:
    base = source_catalogue("vi")
    for lang in i18n.languages():
        for message in source_catalogue(lang):
            if not message.id or not message.string or base.get(message.id) is None:
                continue
            expected = set(PLACEHOLDER.findall(base[message.id].string))
            assert set(PLACEHOLDER.findall(message.string)) == expected, (lang, message.id)


def test_the_template_lists_every_used_message(used: dict[str, str]) -> None:
    with (i18n.LOCALES_DIR / "messages.pot").open("rb") as handle:
        template = {m.id for m in read_po(handle) if m.id}
    missing = sorted(set(used) - template)
    assert not missing, f"run pybabel extract (README, Translations): {missing}"


def test_fallback_runs_from_the_language_asked_to_english_then_vietnamese(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(i18n, "languages", lambda: ("vi", "en", "ko"))
    fake = {
        "ko": {"p.agenda": "일정"},
        "en": {"p.agenda": "Agenda", "p.profile": "Profile"},
        "vi": {"p.agenda": "Lịch gặp", "p.profile": "Hồ sơ", "only.vi": "Chỉ"},
    }
    monkeypatch.setattr(i18n, "messages", lambda lang: fake.get(lang, {}))
    assert i18n.gettext("ko", "p.agenda") == "일정"
    assert i18n.gettext("ko", "p.profile") == "Profile"
    assert i18n.gettext("ko", "only.vi") == "Chỉ"
    assert i18n.gettext("ko", "nowhere") == "nowhere"


def test_vi_en_joins_both_languages_and_fills_placeholders() -> None:
    assert i18n.vi_en("problem.403") == "Không có quyền / Forbidden"
    assert i18n.vi_en("cal.table", number=12) == "Bàn 12 / Table 12"
    assert i18n.vi_en("site.name") == "MeetX"
    assert i18n.gettext("en", "common.time_zone", zone="Asia/Seoul") == "Local time: Asia/Seoul"


def test_a_compiled_catalogue_is_read_and_a_stale_one_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from babel.messages.mofile import write_mo

    folder = tmp_path / "en" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    source = Catalog(locale="en")
    source.add("k", "from po")
    compiled = Catalog(locale="en")
    compiled.add("k", "from mo")
    po, mo = folder / "messages.po", folder / "messages.mo"
    from babel.messages.pofile import write_po

    with po.open("wb") as handle:
        write_po(handle, source)
    with mo.open("wb") as handle:
        write_mo(handle, compiled)
    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path)
    assert {m.id: m.string for m in i18n.read_catalogue("en") if m.id} == {"k": "from mo"}
    later = mo.stat().st_mtime + 10
    import os

    os.utime(po, (later, later))  # the source was edited after the build
    assert {m.id: m.string for m in i18n.read_catalogue("en") if m.id} == {"k": "from po"}


def test_a_country_speaks_its_language_when_a_catalogue_exists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert i18n.language_of_country("VN") == "vi"
    assert i18n.language_of_country("KR") == "en"  # no Korean catalogue yet
    assert i18n.language_of_country("EU") == "en"
    monkeypatch.setattr(i18n, "languages", lambda: ("vi", "en", "ko"))
    assert i18n.language_of_country("kr") == "ko"

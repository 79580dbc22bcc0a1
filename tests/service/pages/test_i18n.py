"""Every text the templates ask for exists in both languages."""

from __future__ import annotations

import re

from service.pages import i18n
from service.pages.templating import PAGES_DIR

# t('key'), tb('key'), t("key", ...) and t('key' if ... else 'key') in the templates.
KEY_CALL = re.compile(r"""\b(?:t|tb)\(\s*['"]([a-z_.]+)['"]""")
KEY_LITERAL = re.compile(
    r"""['"]((?:p|dash|sched|admin|import|export|print|error|events|common|nav|lang|status|site|footer)\.[a-z_.]+)['"]"""
)
DYNAMIC_PREFIXES = {
    "status.": [
        s
        for s in (
            "pending",
            "accepted",
            "declined",
            "expired",
            "withdrawn",
            "scheduled",
            "cancelled",
        )
    ],
    "p.side.": ["host", "guest"],
    "admin.status.": ["draft", "open", "closed"],
    "sched.action.": ["add", "move", "cancel"],
    "sched.status.": ["optimal", "feasible", "infeasible"],
}


def test_every_key_in_the_templates_has_a_message() -> None:
    used: set[str] = set()
    for template in (PAGES_DIR / "templates").glob("*.html"):
        text = template.read_text(encoding="utf-8")
        used |= set(KEY_CALL.findall(text)) | set(KEY_LITERAL.findall(text))
    for prefix, values in DYNAMIC_PREFIXES.items():
        used |= {prefix + value for value in values}
    used = {key for key in used if not key.endswith(".")}
    assert used, "no keys found: the pattern no longer matches the templates"
    missing = sorted(used - set(i18n.MESSAGES))
    assert not missing, missing


def test_every_message_has_vietnamese_and_english() -> None:
    for key, (vi, en) in i18n.MESSAGES.items():
        assert vi.strip() and en.strip(), key
        # Same placeholders on both sides, or formatting fails in one language only.
        assert set(re.findall(r"{(\w+)}", vi)) == set(re.findall(r"{(\w+)}", en)), key


def test_both_puts_vietnamese_first_and_english_pages_get_english_only() -> None:
    assert i18n.both("vi", "p.subscribe") == "Đăng ký lịch / Subscribe"
    assert i18n.both("en", "p.subscribe") == "Subscribe"
    assert i18n.both("vi", "site.name") == "MeetX"
    assert i18n.pick("en", "Gặp gỡ Hàn Quốc", None) == "Gặp gỡ Hàn Quốc"
    assert i18n.country_name("en", "kr") == "Korea" and i18n.country_name("vi", "ZZ") == "ZZ"

"""Settings checked at start, header hygiene, signed links, languages and time zones."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from service.core.settings import Settings
from service.notifications.compose import (
    clean_header,
    language_for,
    read_unsubscribe_token,
    unsubscribe_token,
    when,
    zone_for,
)
from service.notifications.mailer import parse_sender, parse_smtp_url
from service.notifications.service import seal, unseal


def test_smtp_urls() -> None:
    plain = parse_smtp_url("smtp://mail.example:2525")
    assert (plain.host, plain.port, plain.security, plain.username) == (
        "mail.example", 2525, "none", None,
    )  # fmt: skip
    starttls = parse_smtp_url("smtp://user%40x:p%3Ass@mail.example?starttls=true")
    assert (starttls.port, starttls.security) == (587, "starttls")
    assert (starttls.username, starttls.password) == ("user@x", "p:ss")
    assert parse_smtp_url("smtps://mail.example").port == 465
    for bad, why in [
        ("http://mail.example", "smtp://"),
        ("smtp://", "no host"),
        ("smtp://mail.example:99999", "port"),
        ("smtp://mail.example?tls=1", "unknown options"),
        ("smtps://mail.example?starttls=true", "TLS already"),
        ("smtp://mail.ex\r\nample", "line breaks"),
    ]:
        with pytest.raises(ValueError, match=why):
            parse_smtp_url(bad)


def test_bad_settings_stop_the_start_with_the_reason() -> None:
    with pytest.raises(ValidationError, match="smtp_url"):
        Settings(smtp_url="ftp://mail.example")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="not one e-mail address"):
        Settings(mail_from="a@b.example, c@d.example")
    with pytest.raises(ValidationError, match="not a valid address"):
        Settings(mail_from="MeetX <not-an-address>")
    with pytest.raises(ValidationError, match="line breaks"):
        Settings(mail_from="MeetX <a@b.example>\r\nBcc: x@y.example")
    assert parse_sender("Ban tổ chức <noreply@meetx.example>") == (
        "Ban tổ chức", "noreply@meetx.example",
    )  # fmt: skip
    assert Settings(smtp_url="", mail_from="").smtp_url is None  # type: ignore[arg-type]


def test_headers_cannot_be_split() -> None:
    assert clean_header("Tin\r\nBcc: x@y") == "Tin Bcc: x@y"
    assert clean_header("a\x00b\u2028c\tc") == "a b c c"


def test_unsubscribe_links_are_signed_per_participant_and_category() -> None:
    key = b"k" * 32
    token = unsubscribe_token(key=key, participant_id=7, category="mailings")
    assert read_unsubscribe_token(key=key, token=token) == (7, "mailings")
    assert read_unsubscribe_token(key=b"x" * 32, token=token) is None
    forged = token.replace("7.", "8.", 1)
    assert read_unsubscribe_token(key=key, token=forged) is None
    assert read_unsubscribe_token(key=key, token="7.mailings") is None


def test_sealed_tokens_need_the_same_secret() -> None:
    a = Settings(admin_token="one")  # type: ignore[arg-type]
    b = Settings(admin_token="two")  # type: ignore[arg-type]
    sealed = seal(a, "mxp_secret")
    assert "mxp_secret" not in sealed
    assert unseal(a, sealed) == "mxp_secret"
    with pytest.raises(ValueError, match="rotate"):
        unseal(b, sealed)


def test_language_and_zone() -> None:
    assert language_for(country="VN", languages=["vi", "en"]) == "vi"
    assert language_for(country="KR", languages=["ko", "en"]) == "en"
    assert language_for(country="KR", languages=["ko", "vi"]) == "both"
    assert language_for(country="VN", languages=["en"]) == "both"
    assert zone_for("KR", "Asia/Ho_Chi_Minh") == "Asia/Seoul"
    assert zone_for("VN", "Asia/Ho_Chi_Minh") is None
    assert zone_for("TH", "Asia/Ho_Chi_Minh") is None or zone_for("TH", "Asia/Bangkok") is None
    ctx = {"lang": "en", "event_tz": "Asia/Ho_Chi_Minh", "recipient_tz": "Europe/Paris"}
    text = when("2026-12-10T02:45:00+00:00", "2026-12-10T03:05:00+00:00", ctx)
    assert text == (
        "Thu 10/12/2026, 09:45–10:05 (Asia/Ho_Chi_Minh) · Thu 10/12/2026, 03:45–04:05 "
        "(Europe/Paris)"
    )

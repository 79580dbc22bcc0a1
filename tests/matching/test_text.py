"""Accent-insensitive search keys for Vietnamese text."""

import unicodedata

import pytest

from matching.text import fold, nfc


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Gặp gỡ Hàn Quốc", "gap go han quoc"),
        ("Đắk Lắk", "dak lak"),
        ("Thành phố Hồ Chí Minh", "thanh pho ho chi minh"),
        ("ĐÀ NẴNG", "da nang"),
        ("Thừa Thiên Huế", "thua thien hue"),
        ("Bà Rịa - Vũng Tàu", "ba ria - vung tau"),
        ("Nông nghiệp công nghệ cao", "nong nghiep cong nghe cao"),
        ("ơ ư ă â ê ô đ", "o u a a e o d"),
        ("àáảãạ ằắẳẵặ ầấẩẫậ", "aaaaa aaaaa aaaaa"),
        ("Meet Korea 2026", "meet korea 2026"),
    ],
)
def test_fold_vietnamese(text: str, key: str) -> None:
    assert fold(text) == key


def test_fold_ignores_how_the_text_was_composed() -> None:
    decomposed = unicodedata.normalize("NFD", "Gặp gỡ Hàn Quốc, Đắk Lắk")
    assert decomposed != "Gặp gỡ Hàn Quốc, Đắk Lắk"
    assert fold(decomposed) == fold("Gặp gỡ Hàn Quốc, Đắk Lắk") == "gap go han quoc, dak lak"


def test_fold_collapses_whitespace_and_is_idempotent() -> None:
    key = fold("  Bắc \t Ninh\n\n  Việt   Nam ")
    assert key == "bac ninh viet nam"
    assert fold(key) == key


def test_fold_keeps_other_scripts_recomposed() -> None:
    assert fold("한국 기업") == "한국 기업"
    assert fold("がっこう") == "がっこう"
    assert fold("İstanbul") == "istanbul"


def test_folded_search_finds_accented_names() -> None:
    names = ["Gặp gỡ Hàn Quốc 2026", "Gặp gỡ Nhật Bản 2023", "Giới thiệu Cao Bằng"]
    assert [n for n in names if fold("gap go han quoc") in fold(n)] == ["Gặp gỡ Hàn Quốc 2026"]
    assert [n for n in names if fold("CAO BANG") in fold(n)] == ["Giới thiệu Cao Bằng"]


def test_nfc_composes() -> None:
    decomposed = unicodedata.normalize("NFD", "Đắk Lắk")
    assert nfc(decomposed) == "Đắk Lắk"
    assert len(nfc(decomposed)) < len(decomposed)

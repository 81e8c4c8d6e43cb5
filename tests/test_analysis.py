"""Normalisation and folding: the same analysis at index and at query time."""

import unicodedata

import pytest

from index.analysis import fold, has_diacritics, normalize, terms, tokens


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("hòa", "hoà"),
        ("HÒA BÌNH", "HOÀ BÌNH"),
        ("khóa XI", "khoá XI"),
        ("khỏe", "khoẻ"),
        ("Tỉnh ủy", "Tỉnh uỷ"),
        ("thủy lợi", "thuỷ lợi"),
        ("Thúy", "Thuý"),
        ("ÐẢNG", "ĐẢNG"),
        ("công\u200bnghệ", "côngnghệ"),
    ],
)
def test_normalize_gives_one_spelling(typed: str, canonical: str) -> None:
    assert normalize(typed) == canonical


@pytest.mark.parametrize("word", ["quý", "hoàn", "thuyết", "hoài", "khuya", "hoà", "uỷ"])
def test_normalize_leaves_other_syllables_alone(word: str) -> None:
    assert normalize(word) == word


def test_decomposed_input_is_composed() -> None:
    decomposed = unicodedata.normalize("NFD", "Đảng Cộng sản Việt Nam")
    assert decomposed != "Đảng Cộng sản Việt Nam"
    assert terms(decomposed) == ["đảng", "cộng", "sản", "việt", "nam"]


@pytest.mark.parametrize(
    ("word", "folded"),
    [("Đảng", "dang"), ("công nghệ", "cong nghe"), ("ƯỚC", "uoc"), ("Ðồng", "dong")],
)
def test_fold_strips_every_diacritic(word: str, folded: str) -> None:
    assert fold(word) == folded


@pytest.mark.parametrize(("word", "expected"), [("dang", False), ("đang", True), ("dạng", True), ("36", False)])
def test_has_diacritics(word: str, expected: bool) -> None:
    assert has_diacritics(word) is expected


def test_tokens_keep_offsets_into_the_original_text() -> None:
    text = "Số 31-NQ/TU, Tỉnh ủy"
    found = list(tokens(text))
    assert [t.term for t in found] == ["số", "31", "nq", "tu", "tỉnh", "uỷ"]
    assert [text[t.start : t.end] for t in found] == ["Số", "31", "NQ", "TU", "Tỉnh", "ủy"]

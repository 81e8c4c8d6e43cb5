"""Normalisation and folding: the same analysis at index and at query time."""

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive_search.index.analysis import (
    _move_tone,
    analysed_fields,
    compose,
    exact_field,
    fold,
    has_diacritics,
    normalize,
    terms,
    tokens,
)


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


@pytest.mark.parametrize(
    ("word", "folded"),
    [
        ("Kỹ thuật", "ki thuat"),
        ("kĩ thuật", "ki thuat"),
        ("QUY ĐỊNH", "qui dinh"),
        ("qui định", "qui dinh"),
        ("công ty", "cong ti"),
        ("Mỹ", "mi"),
        ("tỷ đồng", "ti dong"),
        ("lý_luận", "li_luan"),  # a compound's syllables
        # y that is not a consonant's only vowel stays y
        ("thuỷ", "thuy"),
        ("huy", "huy"),
        ("ý kiến", "y kien"),
        ("ngày này", "ngay nay"),
        ("khuya", "khuya"),
        ("Kyoto", "kyoto"),
        ("cty", "cty"),
    ],
)
def test_fold_writes_a_final_y_after_a_consonant_i(word: str, folded: str) -> None:
    assert fold(word) == folded
    assert analysed_fields(word)[1] == folded.replace("_", " ")


def test_fold_keeps_letters_of_other_scripts() -> None:
    assert fold("Đảng Ωμέγα Юрий 日本 ﬁ ß") == "dang ωμεγα юрии 日本 ﬁ ß"


_MARKS_RE = re.compile("[\u0300-\u036f\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_VIETNAMESE = (
    "aáàảãạăắằẳẵặâấầẩẫậeéèẻẽẹêếềểễệoóòỏõọôốồổỗộơớờởỡợuúùủũụưứừửữựyýỳỷỹỵđĐÐðÁÒ \u0301\u00ad\u200b"
)


# A whole word of consonants then y, as first written: tried at every character.
_FINAL_Y_BY_DEFINITION = re.compile(
    r"(?<![^\W_])((?:[bcdghklmnprstvx]|ch|gh|kh|ng|nh|ph|qu|th|tr))y(?![^\W_])"
)


@given(st.text(alphabet=_VIETNAMESE + "kqhtl _", max_size=30) | st.text(max_size=20))
def test_fold_and_terms_by_their_definitions(text: str) -> None:
    """The fast paths (ASCII after decomposition; whole-text composition) change nothing."""
    plain = text.replace("Đ", "D").replace("đ", "d").replace("Ð", "D").replace("ð", "d")
    unmarked = _MARKS_RE.sub("", unicodedata.normalize("NFD", plain)).lower()
    assert fold(text) == _FINAL_Y_BY_DEFINITION.sub(r"\1i", unmarked)
    assert terms(text) == [token.term for token in tokens(text)]


# The old-style tone rule as first written: a lookbehind for q before the vowel.
_OLD_STYLE_BY_DEFINITION = re.compile(
    "(?<![qQ])([òóỏõọÒÓỎÕỌ][aAeE]|[ùúủũụÙÚỦŨỤ][yY])(?![^\\W_]|[\u0300-\u036f])"
)


@given(st.text(alphabet=_VIETNAMESE + "qQyYòÙỏ", max_size=30) | st.text(max_size=20))
def test_analysed_fields_by_their_definitions(text: str) -> None:
    """The index's fast paths give what the plain definitions give.

    The tone rule checks q after the vowel; canonical text is folded without lowercasing.
    """
    assert normalize(text) == _OLD_STYLE_BY_DEFINITION.sub(_move_tone, compose(text))
    exact = exact_field(text)
    assert analysed_fields(text) == (exact, fold(exact))


@pytest.mark.parametrize("text", ["quỏa", "Quỏa", "qùy", "hòa", "Qhòa", "qòa", "aòa"])
def test_tone_rule_skips_syllables_after_q(text: str) -> None:
    assert normalize(text) == _OLD_STYLE_BY_DEFINITION.sub(_move_tone, text)


@pytest.mark.parametrize(
    ("word", "expected"),
    [("dang", False), ("đang", True), ("dạng", True), ("36", False), ("ky", False), ("kỹ", True)],
)
def test_has_diacritics(word: str, expected: bool) -> None:
    assert has_diacritics(word) is expected


def test_tokens_keep_offsets_into_the_original_text() -> None:
    text = "Số 31-NQ/TU, Tỉnh ủy"
    found = list(tokens(text))
    assert [t.term for t in found] == ["số", "31", "nq", "tu", "tỉnh", "uỷ"]
    assert [text[t.start : t.end] for t in found] == ["Số", "31", "NQ", "TU", "Tỉnh", "ủy"]

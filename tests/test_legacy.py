"""Legacy Vietnamese encodings: complete tables, line/run repair, garbage flagged for OCR."""

from __future__ import annotations

import random
import shutil
import subprocess
import unicodedata

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from archive_search.index import legacy
from archive_search.index.legacy import TCVN3_CODES, VNI_CODES, decode_bytes, repair_text
from archive_search.index.syllables import (
    TONE_MARKS,
    VOWELS,
    is_vietnamese_syllable,
    vietnamese_share,
)

NFC = "NFC"
LOWER = [unicodedata.normalize(NFC, v + mark) for v in VOWELS for mark in TONE_MARKS] + ["đ"]
LETTERS = [letter for letter in LOWER + [x.upper() for x in LOWER] if not letter.isascii()]
VIQR_QUALITY = {"\u0302": "^", "\u0306": "(", "\u031b": "+"}
VIQR_TONE = {"\u0300": "`", "\u0309": "?", "\u0303": "~", "\u0301": "'", "\u0323": "."}


# Encoders built from the tables, for the tests.
def to_tcvn3(text: str) -> str:
    return "".join(TCVN3_CODES.get(ch, ch) for ch in unicodedata.normalize(NFC, text))


def to_vni(text: str) -> str:
    return "".join(VNI_CODES.get(ch, ch) for ch in unicodedata.normalize(NFC, text))


_FROM_TCVN3 = {
    code: letter for letter, code in TCVN3_CODES.items() if letter.islower() and not code.isascii()
}


def as_tcvn3(text: str) -> str:
    """``text`` read as if it were TCVN3 (lowercase: TCVN3 loses the case of toned capitals)."""
    return "".join(_FROM_TCVN3.get(ch, ch) for ch in text)


def to_viqr(text: str) -> str:
    out = []
    for ch in unicodedata.normalize(NFC, text):
        if ch in "đĐ":
            out.append("dd" if ch == "đ" else "DD")
            continue
        base, *marks = unicodedata.normalize("NFD", ch)
        quality = "".join(VIQR_QUALITY[m] for m in marks if m in VIQR_QUALITY)
        out.append(base + quality + "".join(VIQR_TONE[m] for m in marks if m in VIQR_TONE))
    return "".join(out)


def to_cp1258(text: str) -> bytes:
    out = b""
    for ch in unicodedata.normalize(NFC, text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", ch)
            tone = "".join(m for m in decomposed if m in VIQR_TONE)
            bare = unicodedata.normalize(NFC, "".join(m for m in decomposed if m not in VIQR_TONE))
            out += bare.encode("cp1258") + tone.encode("cp1258")
    return out


def test_tables_hold_every_letter() -> None:
    assert len(LETTERS) == 134
    assert set(LETTERS) <= set(TCVN3_CODES) and set(LETTERS) <= set(VNI_CODES)
    lower_codes = [TCVN3_CODES[ch] for ch in LOWER]
    assert len(set(lower_codes)) == len(lower_codes)  # no two lowercase letters share a code


def test_readme_examples_of_the_tcvn3_table() -> None:
    expected = {
        "à": 0xB5,
        "á": 0xB8,
        "ả": 0xB6,
        "ã": 0xB7,
        "ạ": 0xB9,
        "ă": 0xA8,
        "â": 0xA9,
        "ê": 0xAA,
    }
    expected |= {"ô": 0xAB, "ơ": 0xAC, "ư": 0xAD, "đ": 0xAE, "Đ": 0xA7}
    assert {letter: ord(TCVN3_CODES[letter]) for letter in expected} == expected


@pytest.mark.skipif(shutil.which("iconv") is None, reason="iconv not installed")
def test_tcvn3_table_agrees_with_iconv() -> None:
    """glibc's TCVN5712-1 is a superset of TCVN3 (VN3) in 0xA1-0xFF."""
    codes = {letter: code for letter, code in TCVN3_CODES.items() if not code.isascii()}
    codes = {
        letter: code for letter, code in codes.items() if letter.islower() or letter in "ĂÂÊÔƠƯĐ"
    }
    raw = "".join(codes.values()).encode("latin-1")
    result = subprocess.run(
        ["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=raw, capture_output=True, check=True
    )
    assert unicodedata.normalize(NFC, result.stdout.decode()) == "".join(codes)


@pytest.mark.parametrize("letter", LETTERS)
def test_every_letter_round_trips_through_tcvn3(letter: str) -> None:
    # Toned capitals have no TCVN3 code of their own: an all-capital word brings them back.
    word = f"X{letter}X" if letter.isupper() else f"x{letter}x"
    assert legacy._tcvn3_chunk(to_tcvn3(word), line_upper=False) == word


@pytest.mark.parametrize("letter", LETTERS)
def test_every_letter_round_trips_through_vni(letter: str) -> None:
    assert legacy._vni_chunk(to_vni(letter)) == letter


@pytest.mark.parametrize("letter", LETTERS)
def test_every_letter_round_trips_through_viqr(letter: str) -> None:
    assert legacy._viqr_text(to_viqr(letter + "x")) == letter + "x"


@pytest.mark.parametrize("letter", LETTERS)
def test_every_letter_round_trips_through_cp1258(letter: str) -> None:
    view = to_cp1258(letter).decode("cp1252")
    assert legacy._cp1258_chunk(view) == letter


SENTENCES = [
    "Đảng bộ tỉnh Bình Thuận",
    "Nghị quyết của Ban Thường vụ Tỉnh ủy về công nghệ thông tin",
    "Đảng Cộng sản Việt Nam",
    "Trường học, người dân và các đoàn thể được quan tâm",
    "Phan Thiết, ngày 15 tháng 3 năm 2019",
    "Số 31-NQ/TU về đẩy mạnh ứng dụng công nghệ thông tin",
    "ĐẢNG CỘNG SẢN VIỆT NAM",
    "Chương trình hành động thực hiện Nghị quyết số 36-NQ/TW của Bộ Chính trị (khóa XI)",
]


@pytest.mark.parametrize("sentence", SENTENCES)
@pytest.mark.parametrize(
    ("name", "encode"), [("tcvn3", to_tcvn3), ("vni", to_vni), ("viqr", to_viqr)]
)
def test_sentences_convert_exactly(sentence: str, name: str, encode: object) -> None:
    assert callable(encode)
    repair = repair_text(encode(sentence))
    assert (repair.text, repair.encodings, repair.needs_ocr) == (sentence, frozenset({name}), False)


@pytest.mark.parametrize(
    ("legacy_text", "expected"),
    [
        ("TØnh ñy", "Tỉnh ủy"),
        ("§¶ng Céng s¶n ViÖt Nam", "Đảng Cộng sản Việt Nam"),
        ("NghÞ quyÕt", "Nghị quyết"),
        ("§¶NG Bé TØNH B\xd7NH THUËN", "ĐẢNG BỘ TỈNH BÌNH THUẬN"),
        ("Tænh uûy", "Tỉnh ủy"),
        ("Ñaûng Coäng saûn Vieät Nam", "Đảng Cộng sản Việt Nam"),
        ("ngöôøi ñöôïc", "người được"),
        ("Vie^.t Nam", "Việt Nam"),
        ("d9a^'y", "đấy"),
        ("Ti?nh u?y", "Tỉnh ủy"),
        ("DDa?ng bo^. ti?nh Bi`nh Thua^.n", "Đảng bộ tỉnh Bình Thuận"),
        ("Co' pha?i kho^ng?", "Có phải không?"),
    ],
)
def test_examples_from_the_field(legacy_text: str, expected: str) -> None:
    assert repair_text(legacy_text).text == expected


@pytest.mark.parametrize(
    "line",
    [
        "Tr\xadêng häc",  # the ư byte read as cp1252: a soft hyphen
        "Tr-êng häc",  # ... turned into a hyphen
        "Tr êng häc",  # ... into a space (pdfminer's WinAnsiEncoding)
        "Trêng häc",  # ... or dropped
    ],
)
def test_tcvn3_u_horn_byte_however_it_arrives(line: str) -> None:
    assert repair_text(line).text == "Trường học"


def test_soft_hyphen_u_horn_before_a_space() -> None:
    assert repair_text("nh\xad vËy").text == "như vậy"
    assert repair_text("nh  vËy").text == "như vậy"


def test_mixed_document_is_repaired_line_by_line() -> None:
    header = to_tcvn3("ĐẢNG BỘ TỈNH BÌNH THUẬN") + "\n" + to_tcvn3("Tỉnh ủy") + "\n"
    body = (
        "Ban Thường vụ Tỉnh ủy xác định ứng dụng công nghệ thông tin là nhiệm vụ trọng tâm.\n"
        "Số 31-NQ/TU\n"
    )
    repair = repair_text(header + body)
    assert repair.text == "ĐẢNG BỘ TỈNH BÌNH THUẬN\nTỉnh ủy\n" + body
    assert repair.encodings == {"tcvn3"} and not repair.needs_ocr


def test_two_encodings_on_one_line_are_separate_runs() -> None:
    line = (
        to_tcvn3("đảng bộ tỉnh bình thuận")
        + "      Đảng Cộng sản Việt Nam, ngày 15 tháng 3 năm 2019"
    )
    expected = "đảng bộ tỉnh bình thuận      Đảng Cộng sản Việt Nam, ngày 15 tháng 3 năm 2019"
    assert repair_text(line).text == expected


def test_a_document_mixing_vni_and_viqr_lines() -> None:
    text = to_vni("Tỉnh ủy Bình Thuận") + "\n" + to_viqr("Văn phòng Tỉnh ủy") + "\n"
    repair = repair_text(text)
    assert repair.text == "Tỉnh ủy Bình Thuận\nVăn phòng Tỉnh ủy\n"
    assert repair.encodings == {"vni", "viqr"}


@pytest.mark.parametrize(
    "text",
    [
        "Văn phòng Tỉnh ủy đẩy mạnh ứng dụng công nghệ thông tin",
        "Tỉnh uỷ và Tỉnh ủy, khoá XII và khóa XI",
        "Nghị quyết số 36-NQ/TW ngày 1/7/2014 của Bộ Chính trị",
        "Số: 12/2019/QĐ-UBND",
        "T/M BAN THƯỜNG VỤ\nK/T BÍ THƯ",
        "The provincial Party office reported 38,047 documents with 83,946 pages.",
        "Hello. What is this? I'm fine, thanks (really).",
        "Café Müller, Zürich — 30°C, 5 € « quoted »",
        "công\xadnghệ thông tin",  # a soft hyphen in Unicode text: left for normalize to remove
        "Hà Nội\xa0ngày 2 tháng 9",
        "",
        "\n\n",
        "2019 — 2024; 36-NQ/TW; 125.864",
    ],
)
def test_unicode_english_and_symbols_are_untouched(text: str) -> None:
    repair = repair_text(text)
    assert (repair.text, repair.encodings, repair.needs_ocr) == (text, frozenset(), False)


def test_decomposed_text_is_composed() -> None:
    text = "Đảng Cộng sản Việt Nam"
    repair = repair_text(unicodedata.normalize("NFD", text))
    assert (repair.text, repair.encodings) == (text, frozenset({"decomposed"}))


def _latin1_noise(seed: int) -> str:
    rnd = random.Random(seed)
    alphabet = [chr(c) for c in range(0xA1, 0x100)] + [" "] * 3
    return "".join(rnd.choice(alphabet) for _ in range(600))


@pytest.mark.parametrize(
    "garbage",
    [
        "Ã¢Ã¡Â» " * 10,
        "Văn phòng Tỉnh ủy đẩy mạnh ứng dụng công nghệ".encode().decode("cp1252") * 3,
        " ".join(["©®¶§±\xd7÷¤¥¦¬¯"] * 8),
        _latin1_noise(1),
        _latin1_noise(2),
        "CƠNG TÁC ĐỒN THỂ CƠNG NGHỆ THƠNG TIN, ĐỒN KẾT CƠNG NHÂN",  # a broken font map
    ],
)
def test_garbage_is_flagged_for_ocr(garbage: str) -> None:
    repair = repair_text(garbage)
    assert repair.needs_ocr and repair.valid_share < legacy.OCR_SHARE


@pytest.mark.parametrize("short", ["Ã¢Ã¡Â»", "©®¶", "TØnh", "x ÿ þ"])
def test_very_short_text_is_never_flagged(short: str) -> None:
    assert not repair_text(short).needs_ocr


def test_fast_path_on_the_seed_article(seed_article: str) -> None:
    repair = repair_text(seed_article)
    assert repair.text == unicodedata.normalize(NFC, seed_article)
    assert repair.encodings == frozenset() and repair.valid_share > 0.98


@pytest.fixture(scope="module")
def seed_article() -> str:
    from pathlib import Path

    path = Path("/work/shared/vietnamese/seed-article.txt")
    if not path.exists():
        pytest.skip("seed article not available")
    return path.read_text(encoding="utf-8")


def test_a_whole_tcvn3_article_is_recovered_up_to_case(seed_article: str) -> None:
    repair = repair_text(to_tcvn3(seed_article))
    expected = unicodedata.normalize(NFC, seed_article)
    assert repair.text.lower() == expected.lower() and not repair.needs_ocr


def test_a_whole_vni_article_is_recovered(seed_article: str) -> None:
    assert repair_text(to_vni(seed_article)).text == unicodedata.normalize(NFC, seed_article)


TEXT = "Đảng bộ tỉnh Bình Thuận\nNghị quyết của Ban Thường vụ Tỉnh ủy về công nghệ thông tin\n"


@pytest.mark.parametrize(
    ("data", "encodings"),
    [
        (TEXT.encode("utf-8"), frozenset()),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), frozenset()),
        (to_cp1258(TEXT), frozenset({"cp1258"})),
        (to_tcvn3(TEXT).encode("latin-1"), frozenset({"tcvn3"})),
        (to_vni(TEXT).encode("cp1252"), frozenset({"vni"})),
    ],
    ids=["utf-8", "utf-8-bom", "cp1258", "tcvn3", "vni"],
)
def test_decode_bytes(data: bytes, encodings: frozenset[str]) -> None:
    repair = decode_bytes(data)
    assert (repair.text, repair.encodings, repair.needs_ocr) == (TEXT, encodings, False)


def test_decode_bytes_keeps_undefined_cp1252_bytes() -> None:
    assert decode_bytes(b"abc \x81\x8d def").text == "abc \x81\x8d def"


# Properties -------------------------------------------------------------------------------------

_INITIAL_TEXT = "b c ch d đ g gi h kh l m n ng nh ph qu r s t th tr v x"
_RHYME_TEXT = (
    "a ai ao anh ang ăn âm ân ây e em ên ênh i im in inh o oa oan oi ông ơi "
    "u uân uy ưa ương iêt uôn ươc"
)
_INITIALS = [*_INITIAL_TEXT.split(), ""]
_RHYMES = _RHYME_TEXT.split()


@st.composite
def vietnamese_words(draw: st.DrawFn) -> str:
    word = draw(st.sampled_from(_INITIALS)) + draw(st.sampled_from(_RHYMES))
    tone = TONE_MARKS[draw(st.integers(0, 5))]
    candidates = [
        word[:i] + unicodedata.normalize(NFC, word[i] + tone) + word[i + 1 :]
        for i in range(len(word))
    ]
    valid = [c for c in candidates if is_vietnamese_syllable(c)]
    assume(valid)
    return draw(st.sampled_from(valid))


lines = st.lists(vietnamese_words(), min_size=4, max_size=12).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(lines)
def test_tcvn3_lines_decode_to_the_original(line: str) -> None:
    encoded = to_tcvn3(line)
    assume(vietnamese_share(encoded) < 0.5)  # else the bytes read as valid Unicode too: ambiguous
    assert repair_text(encoded).text == line


@settings(max_examples=200, deadline=None)
@given(lines, st.booleans())
def test_vni_lines_decode_to_the_original(line: str, title: bool) -> None:
    line = line.title() if title else line
    encoded = to_vni(line)
    assume(vietnamese_share(encoded) < 0.5)
    # VNI's "bæ" (bỉ) is TCVN3's "bổ": a line whose every word is such a pair reads as valid
    # Vietnamese in both encodings, and nothing in the line says which one was meant.
    assume(vietnamese_share(as_tcvn3(encoded)) < 1.0)
    assert repair_text(encoded).text == line


@settings(max_examples=200, deadline=None)
@given(lines)
def test_viqr_lines_decode_to_the_original(line: str) -> None:
    encoded = to_viqr(line) + " xong"  # a final dot or ? would be read as punctuation
    words = encoded.split()
    marked = sum(1 for word in words if not word.isalpha())  # words the VIQR reading changes
    assume(
        marked / len(words) >= legacy.ACCEPT_MARGIN
    )  # a conversion must gain that share of words
    assert repair_text(encoded).text == line + " xong"


def test_a_viqr_word_too_few_to_clear_the_margin_leaves_the_line_as_it_is() -> None:
    encoded = "ba ba ba ba ba ba` xong"  # 1 changed word in 7 < ACCEPT_MARGIN: found by hypothesis
    assert repair_text(encoded).text == encoded


noisy_text = st.text(
    alphabet=st.sampled_from(
        list("abcdeghiklmnoqrstuvxy ,.-?'`^(+~\n0123456789")
        + LETTERS
        + [chr(c) for c in range(0xA0, 0x100)]
    ),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(noisy_text, lines.map(to_tcvn3), lines.map(to_vni), lines.map(to_viqr), lines))
def test_repair_is_idempotent(text: str) -> None:
    once = repair_text(text).text
    assert repair_text(once).text == once


_CONTEXT = (
    "Tỉnh ủy ban hành nghị quyết về phát triển kinh tế và xây dựng đảng"  # unambiguous either way
)


@settings(max_examples=200, deadline=None)
@given(lines, st.booleans())
def test_vni_documents_decode_to_the_original(line: str, title: bool) -> None:
    """In a document, a line valid in both VNI and TCVN3 follows its other lines' encoding."""
    line = line.title() if title else line
    encoded = to_vni(line)
    assume(vietnamese_share(encoded) < 0.5)
    assert repair_text(f"{to_vni(_CONTEXT)}\n{encoded}").text == f"{_CONTEXT}\n{line}"


def test_a_tie_between_vni_and_tcvn3_goes_to_the_documents_encoding() -> None:
    ambiguous = to_vni("bì bỉ bỉ bỉ")
    assert to_tcvn3("bỡ bổ bổ bổ") == ambiguous
    for encode, meant in ((to_vni, "bì bỉ bỉ bỉ"), (to_tcvn3, "bỡ bổ bổ bổ")):
        repaired = repair_text(f"{ambiguous}\n{encode(_CONTEXT)}\n{ambiguous}\n")
        assert repaired.text == f"{meant}\n{_CONTEXT}\n{meant}\n"


def test_a_line_valid_in_both_vni_and_tcvn3_is_read_as_tcvn3() -> None:
    """The ambiguity the VNI property test leaves out, pinned: alone, the tie goes to TCVN3."""
    encoded = to_vni("bì bỉ bỉ bỉ")
    assert as_tcvn3(encoded) == "bỡ bổ bổ bổ"
    assert repair_text(encoded).text == "bỡ bổ bổ bổ"

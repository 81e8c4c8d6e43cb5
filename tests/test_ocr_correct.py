"""The Vietnamese correction after tesseract.

Impossible syllables and improbable marks are respelled from the syllable model, and correct text is
left as it is.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from archive_search.ingest.ocr_correct import Corrector, Margins
from archive_search.ingest.ocr_model import count, read_model, shipped_model, write_model
from archive_search.ingest.ocr_words import OcrWord, page_text


def _words(text: str, confidence: float = 80.0) -> list[OcrWord]:
    return [
        OcrWord(word, confidence, (1, 1, line), 10 * n, 20 * line, 9, 12)
        for line, row in enumerate(text.split("\n"))
        for n, word in enumerate(row.split())
    ]


def _corrected(text: str, confidence: float = 80.0) -> str:
    return page_text(Corrector(shipped_model()).correct(_words(text, confidence)))


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("triên khai thực hiện nghị quyết", "triển khai thực hiện nghị quyết"),  # impossible
        ("công tác phòng chẳng dịch bệnh", "công tác phòng chống dịch bệnh"),  # vowel and mark
        ("công tác đảo tạo cán bộ", "công tác đào tạo cán bộ"),  # mark
        ("UBND THÀNH PHÓ ĐÀ NẴNG", "UBND THÀNH PHỐ ĐÀ NẴNG"),  # capitals stay capitals
        ("(triên khai) Nghị quyết,", "(triển khai) Nghị quyết,"),  # punctuation kept
        ("nâng cao chầt lượng", "nâng cao chất lượng"),
    ],
)
def test_misread_syllables_are_respelled(read: str, meant: str) -> None:
    assert _corrected(read) == meant


@pytest.mark.parametrize(
    "text",
    [
        "Ban Thường vụ Tỉnh ủy xác định ứng dụng công nghệ thông tin là nhiệm vụ trọng tâm",
        "Các huyện ủy, thành ủy tập trung xây dựng nông thôn mới, nâng cao chất lượng đảng viên.",
        "Nghị quyết số 36-NQ/TW về phát triển bền vững kinh tế biển Việt Nam",
        "tàu cá neo đậu tại đảo Phú Quý\nhòn đảo nhỏ giữa biển",
        "Phan Thiết, ngày 15 tháng 3 năm 2019",
        "Hội thánh Đức Chúa Trời mẹ",
    ],
)
def test_correct_text_is_left_as_it_is(text: str) -> None:
    assert _corrected(text, confidence=90.0) == text


def test_a_d_with_stroke_read_twice_in_a_symbol_is_read_once() -> None:
    assert _corrected("Số 1-QĐ\u00d0/HU ĐĐBQH") == "Số 1-QĐ/HU ĐĐBQH"


def test_digits_read_for_letters_are_put_back() -> None:
    # a monospace font's l and slashed zero, as tesseract reads them on a typewritten page
    assert _corrected("cần 1ưu ý, 1ịch sử 1ấy (7Ø km) PCØ2 5Ø") == (
        "cần lưu ý, lịch sử lấy (70 km) PC02 50"
    )
    assert _corrected("bà 0anh") == "bà Oanh"
    assert _corrected("nỗi 1o 1ắng") == "nỗi lo lắng"  # 1a numbers an item; 1o nothing


def test_numbers_with_letters_are_left_as_read() -> None:
    text = "quốc lộ 1A, điểm 1a, ca F0, 10 m2, 2019, QL1A, Ø"
    assert _corrected(text, confidence=90.0) == text


def test_names_are_left_as_read_unless_tesseract_was_unsure() -> None:
    assert _corrected("ông Nguyễn Văn Tươi mà") == "ông Nguyễn Văn Tươi mà"
    assert _corrected("THÀNH PHÓ HUẾ") == "THÀNH PHỐ HUẾ"  # capitals are not a name


def test_the_boxes_and_order_of_words_are_kept() -> None:
    words = _words("công tác đảo tạo cán bộ")
    corrected = Corrector(shipped_model()).correct(words)
    assert [(w.left, w.top, w.line) for w in corrected] == [(w.left, w.top, w.line) for w in words]
    assert corrected[2].text == "đào"


def test_a_model_is_built_from_texts_and_read_back(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    texts = ["Đào tạo cán bộ. Đào tạo nghề, đào tạo lại!"] * 40
    unigrams, bigrams = count(texts)
    assert unigrams["đào"] == 120 and bigrams["đào", "tạo"] == 120
    assert bigrams["nghề", "đào"] == 0  # a comma breaks the run
    write_model(tmp_path / "model.tsv.gz", unigrams, bigrams)
    model = read_model(tmp_path / "model.tsv.gz")
    assert model.unigrams["tạo"] == 120 and model.bigrams["đào", "tạo"] == 120
    assert sorted(model.by_skeleton["dao"]) == ["đào"]
    assert (
        page_text(Corrector(model).correct(_words("đào tảo lại", confidence=30))) == "đào tạo lại"
    )


CLEAN_LINES = [
    "Tỉnh ủy chỉ đạo xây dựng chính quyền số.",
    "Các cấp ủy đảng tăng cường kiểm tra,",
    "Vào thời điểm chị có mặt, nhà bị cậy phá.",
]


def test_a_clean_page_read_right_is_left_right() -> None:
    """Words tesseract is sure of are kept; one with a single neighbour needs a wider margin."""
    from PIL import Image, ImageDraw, ImageFont

    from archive_search.ingest.ocr import ocr_image, read_words

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 54)
    page = Image.new("L", (2000, 120 + 78 * len(CLEAN_LINES)), 255)
    draw = ImageDraw.Draw(page)
    for number, line in enumerate(CLEAN_LINES):
        draw.text((60, 60 + number * 78), line, font=font, fill=20)
    assert ocr_image(page, timeout=120).text == "\n".join(CLEAN_LINES)
    read = read_words(page, timeout=120, scratch=None)
    unguarded = page_text(Corrector(shipped_model(), Margins(sure=101.0)).correct(read))
    assert "điểm chỉ có" in unguarded and "bị cạy phá" in unguarded  # what the gate prevents
    unguarded = page_text(Corrector(shipped_model(), Margins(one_side=0, sure=101)).correct(read))
    assert "chính quyền sở." in unguarded  # what the wider margin prevents


def test_a_sentence_runs_on_to_the_next_line_of_its_paragraph() -> None:
    text = "tin trong thi bàng\nhoàng căn nhà"
    assert page_text(Corrector(shipped_model()).correct(_words(text))) == text
    # the same lines in two paragraphs: "bàng" has "thi" alone before it, and reads likelier "bằng"
    apart = [replace(word, line=(1, word.line[2], 1)) for word in _words(text)]
    assert page_text(Corrector(shipped_model()).correct(apart)).split()[3] == "bằng"


@pytest.mark.parametrize(
    "text",
    [
        "đào tạo kĩ thuật viên theo qui định",
        "đào tạo kỹ thuật viên theo quy định",
        "lí luận",
        "lý luận",
    ],
)
@pytest.mark.parametrize("confidence", [30.0, 80.0])
def test_a_final_i_or_y_is_kept_as_printed(text: str, confidence: float) -> None:
    # one word's two spellings, different letters on the page: not a misreading of each other
    assert _corrected(text, confidence) == text

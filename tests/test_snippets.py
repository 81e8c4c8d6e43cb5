"""Snippets cut from long pages: the head of the page is read first, the rest only when needed."""

from __future__ import annotations

from archive_search.snippets import HEAD, Needles, cut

FILLER = "Các cấp ủy tổ chức học tập quán triệt nghị quyết của Đảng. "


def _page(before: int, words: str, after: int) -> str:
    return FILLER * before + words + " " + FILLER * after


def test_a_match_near_the_top_is_shown_with_the_page_going_on() -> None:
    page = _page(2, "chuyển đổi số", 200)
    snippet, match = cut(page, Needles.of(["chuyển", "đổi", "số"]))
    assert "<b>chuyển đổi số</b>" in snippet
    assert snippet.endswith(" …")
    assert match == "exact"


def test_a_match_only_past_the_head_is_still_found() -> None:
    page = _page(HEAD // len(FILLER) + 30, "chuyen doi so", 5)
    assert page.index("chuyen") > HEAD and len(page) > 2 * HEAD
    snippet, match = cut(page, Needles.of(["chuyển", "đổi", "số"]))
    assert "<b>chuyen doi so</b>" in snippet
    assert match == "folded"


def test_the_head_never_ends_inside_a_word() -> None:
    page = "a " * ((HEAD - 4) // 2) + "tinhthanh " + FILLER * 40
    assert page[HEAD - 4 : HEAD + 5] == "tinhthanh"
    snippet, _ = cut(page, Needles.of(["tinh"]))
    assert "<b>" not in snippet  # "tinhthanh" is one word: no "tinh" in it to mark

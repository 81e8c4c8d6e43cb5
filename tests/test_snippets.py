"""Snippets cut from long pages: the head of the page is read first, the rest only when needed."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from archive_search.index.analysis import fold, y_or_i
from archive_search.snippets import HEAD, Needles, _any_accent, _window, cut

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


_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằắặầấậèéẹềếệìíịòóọồốộờớợùúụừứựỳýỵ0123456789"
_NEEDLE = st.text(alphabet=_LETTERS, min_size=1, max_size=4)
_FOREIGN_NEEDLE = st.text(
    alphabet=_LETTERS[:10] + "дάø_", min_size=1, max_size=3
)  # some not ASCII once folded
# Beside Vietnamese: what folded text has no byte for (letters of other scripts, a capital, an
# emoji, a combining mark alone) and typeset punctuation.
_OTHER_CHARACTERS = "  .-/_\u0301X中дάßø😀…“\u00a0\x08\x0c\u212a"


@given(
    st.lists(_NEEDLE | _FOREIGN_NEEDLE, max_size=4),
    st.lists(_NEEDLE, max_size=2),
    st.text(alphabet=_LETTERS + _LETTERS.upper() + _OTHER_CHARACTERS, max_size=80),
)
@example(
    ["đảng", "k"], ["vi"], "\x08Đảng\x0cđảng中ĐẢNG \u212a, VIÊN…“viện”"
)  # control characters given letters' bytes
def test_needles_match_where_their_definition_does(
    words: list[str], prefixes: list[str], text: str
) -> None:
    """Needles are found where the plain definition finds them in the lowercase text.

    In folded text (or, not ASCII once folded, by a regex): any needle in any accent, as a whole
    word (a prefix: at a word's start), tried at every character.
    """
    needles = Needles.of(words, prefixes)
    alternatives = [_whole_word(fold(w)) for w in needles.words if fold(w)]
    alternatives += [_any_accent(fold(p)) + r"[^\W_]*" for p in needles.prefixes if fold(p)]
    if not alternatives:
        assert needles.spans(text) == []
        return
    plain = re.compile(
        rf"(?<![^\W_])(?:{'|'.join(sorted(alternatives, key=len, reverse=True))})(?![^\W_])"
    )
    assert needles.spans(text) == [m.span() for m in plain.finditer(text.lower())]


def _whole_word(folded: str) -> str:
    """A folded word in any accent; a final ``i`` after a consonant also written ``y``."""
    if y_or_i(folded):
        return f"{_any_accent(folded[:-1])}(?:{_any_accent('i')}|{_any_accent('y')})"
    return _any_accent(folded)


def test_a_word_is_found_in_either_spelling_of_a_final_i_or_y() -> None:
    page = "Kỹ thuật viên, kĩ sư và QUY ĐỊNH mới; Mỹ Tho; kyoto"
    for needles in (Needles.of(["kĩ", "quí", "mĩ"]), Needles.of(["kĩ", "quí", "mĩ", "đж"])):
        assert [page[a:b] for a, b in needles.spans(page)] == ["Kỹ", "kĩ", "QUY", "Mỹ"]
    assert cut(page, Needles.of(["kỹ"]))[1] == "exact"
    assert cut("kĩ sư", Needles.of(["kỹ"]))[1] == "folded"


def test_a_snippet_escapes_markup_and_shows_line_breaks_as_spaces() -> None:
    page = 'Tài liệu <mật> & "số" hai\n\n  về   chuyển đổi số\tnăm 2020'
    snippet, match = cut(page, Needles.of(["số"]))
    assert (
        snippet
        == "Tài liệu &lt;mật&gt; &amp; &quot;<b>số</b>&quot; hai về chuyển đổi <b>số</b> năm 2020"
    )
    assert match == "exact"
    assert (
        cut("&số", Needles.of(["số"]))[0] == "&amp;<b>số</b>"
    )  # escaped from the first character on


@given(st.lists(st.integers(0, 60), max_size=12), st.integers(1, 40))
def test_the_window_holds_the_most_match_starts(starts: list[int], width: int) -> None:
    """The window is the first range holding the most match starts.

    Of the ranges opening ``width // 6`` before a match start, the first that holds the most
    starts from that match on, counted one by one.
    """
    spans = [(a, a + 1) for a in sorted(set(starts))]
    lead = width // 6
    best, best_count = (0, min(80, width)), 0
    for index, (first, _) in enumerate(spans):
        start = max(0, first - lead)
        count = sum(1 for a, _ in spans[index:] if a < start + width)
        if count > best_count:
            best, best_count = (start, min(80, start + width)), count
    assert _window(80, spans, width) == best


def test_exact_needles_mark_only_the_spelling_typed() -> None:
    page = "Đảng viên đang học tập, dạng bài mới; Ðảng bộ và đảng ủy cơ sở."
    snippet, match = cut(page, Needles.of(["đảng"], exact=True))
    assert (
        snippet
        == "<b>Đảng</b> viên đang học tập, dạng bài mới; <b>Đảng</b> bộ và <b>đảng</b> ủy cơ sở."
    )
    assert match == "exact"
    anywhere, _ = cut(page, Needles.of(["đảng"]))
    assert anywhere.count("<b>") == 5  # accent-insensitive: đang and dạng too
    assert (
        cut("Hòa bình, hoa hồng", Needles.of(["hoà"], exact=True))[0] == "<b>Hòa</b> bình, hoa hồng"
    )
    assert (
        cut("Đảng bộ, đang họp", Needles.of([], ["đản"], exact=True))[0]
        == "<b>Đảng</b> bộ, đang họp"
    )
    assert cut("đang họp", Needles.of(["đảng"], exact=True)) == ("đang họp", None)

"""Text folded one byte a character: the codec's fast path, strays mapped alone, other scripts."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from archive_search.folded_text import _folded_byte, folded

_VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằắặầấậèéẹềếệìíịòóọồốộờớợùúụừứựỳýỵ0123456789 .,-/_\n"
)
_OTHERS = "©°✓中дάßø😀\x08\u212aİ"


def _one_at_a_time(text: str) -> bytes:
    return bytes(map(_folded_byte, text))


# Vietnamese with, between runs of it, strays: far apart (mapped alone), close (the rest mapped).
_TEXTS = st.lists(
    st.tuples(
        st.text(alphabet=_VIETNAMESE + _VIETNAMESE.upper(), max_size=40),
        st.sampled_from(["", *_OTHERS]),
    ),
    max_size=14,
).map(lambda parts: "".join(run + stray for run, stray in parts))


@given(_TEXTS)
@example("Đảng bộ tỉnh " * 10 + "©" + "ủy ban " * 10 + "°" + "VIỆT NAM " * 5)  # strays far apart
@example("Коммунистическая партия " * 5)  # another script: mapped a character at a time
def test_folding_is_the_same_on_every_path(text: str) -> None:
    """Whatever path the text takes, each character folds to the byte it folds to alone.

    The paths: the fast codec, strays mapped alone, the rest mapped a character at a time.
    """
    assert folded(text) == _one_at_a_time(text)


def test_folding_gives_base_letters_and_stand_ins() -> None:
    assert folded("Đảng viên ĐẢNG, Tỉnh Ủy: 36-NQ/TW_x") == b"dang vien dang, tinh uy: 36-nq/tw x"
    assert (
        folded("“Mật” 中 д © \u212a") == b" mat  X X   k"
    )  # other letters X, symbols spaces, the Kelvin sign k

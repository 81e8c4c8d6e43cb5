"""The query parser: what each query becomes, and what a bad query says."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive_search.index.errors import QueryError
from archive_search.models import YearRange
from archive_search.query import (
    And,
    Meta,
    Node,
    Not,
    Or,
    QuerySyntaxError,
    Text,
    Years,
    loosened,
    parse_query,
    plain_words,
)


def _sexp(node: Node | None) -> str:
    """A compact spelling of a query tree: ``(and word:cong (or word:a word:b))``."""
    if node is None:
        return "()"
    if isinstance(node, Text):
        return f"{node.kind.value}{'@title' if node.title_only else ''}:{' '.join(node.terms)}"
    if isinstance(node, Meta):
        return f"{node.field}={'|'.join(node.values)}"
    if isinstance(node, Years):
        return f"year={node.range.start}..{node.range.end}"
    if isinstance(node, Not):
        return f"-{_sexp(node.node)}"
    name = "and" if isinstance(node, And) else "or"
    assert isinstance(node, And | Or)
    return f"({name} " + " ".join(_sexp(child) for child in node.nodes) + ")"


def _parsed(text: str) -> str:
    return _sexp(parse_query(text).root)


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("cong nghe", "(and word:cong word:nghe)"),
        ('"công nghệ" -tin', "(and phrase:công nghệ -word:tin)"),
        ("F -16 Mỹ", "(and word:f word:16 word:mỹ)"),  # a model name, as news titles print it
        ('S -300 -"tên lửa"', "(and word:s word:300 -phrase:tên lửa)"),
        ("36-NQ/TW", "symbol:36 nq tw"),
        ("số 36-NQ/TW", "symbol:36 nq tw"),
        ("Số: 36-NQ/TW", "symbol:36 nq tw"),
        ("36 NQ/TW", "symbol:36 nq tw"),
        (
            "Nghị quyết 36-nq/tw dang uy",
            "(and word:nghị word:quyết symbol:36 nq tw word:dang word:uy)",
        ),
        ('-"hoà bình" đảng', "(and -phrase:hoà bình word:đảng)"),
        ("Tỉnh ủy", "(and word:tỉnh word:uỷ)"),
        ("dang OR doan vien", "(and (or word:dang word:doan) word:vien)"),
        ("a | b", "(or word:a word:b)"),
        (
            '("nghi quyet" OR "chi thi") -(kinh te)',
            "(and (or phrase:nghi quyet phrase:chi thi) -(and word:kinh word:te))",
        ),
        (
            "nghi quyet OR chi thi",
            "(and word:nghi (or word:quyet word:chi) word:thi)",
        ),  # OR binds tighter
        ("cong ngh*", "(and word:cong prefix:ngh)"),
        ('"cong ngh*"', "prefix:cong ngh"),
        ("so:36-NQ/TW", "symbol=36-nq/tw"),
        ("trichdan:36-NQ/TW", "cites=36-nq/tw"),
        ("loai:NQ,ct", "doc_type=NQ|ct|CT"),
        ('loai:"Nghị quyết"', "doc_type=NQ"),
        ('loai:"dieu le"', "doc_type=Điều lệ"),
        ("phong:TU coquan:tu", "(and fond=TU issuer=tu|TU)"),
        ("nam:2015..2019", "year=2015..2019"),
        ("năm:2019", "year=2019..2019"),
        ("mat:Mật domat:toi-mat", "(and secrecy=mat secrecy=toi-mat)"),
        (
            'tieude:"chuyen doi so" thuong vu',
            "(and phrase@title:chuyen doi so word:thuong word:vu)",
        ),
        ("tiêuđề:chuyển", "word@title:chuyển"),
        ("", "()"),
        ("   ", "()"),  # nothing typed: browse by filters
        ("OREGON or", "(and word:oregon word:or)"),
        # a group without OR is its words; a word joined by marks is its parts
        ("a (b c) -(d e)", "(and word:a word:b word:c -(and word:d word:e))"),
        ("ngày 19-11 tại TP.HCM", "(and word:ngày word:19 word:11 word:tại word:tp word:hcm)"),
        ("2000 đồng/kg", "(and word:2000 word:đồng word:kg)"),  # not a symbol: lower case
    ],
)
def test_trees(text: str, tree: str) -> None:
    assert _parsed(text) == tree


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"công nghệ', "unbalanced quote"),
        ("-tin", "only excludes"),
        ("(cong nghe", r"'\(' is not closed"),
        ("cong nghe)", r"unmatched '\)'"),
        ("OR dang", "OR needs something"),
        ("dang OR", "OR needs something"),
        ("dang OR OR doan", "OR needs something"),
        ("()", "empty parentheses"),
        ("phongg:TU", "unknown field 'phongg': use one of so:, loai:, phong:, nam:, coquan:, mat:"),
        ("loai: NQ", "field loai: needs a value"),
        ("nam:soon", "bad year 'soon'"),
        ("mat:secret", "unknown secrecy level 'secret'"),
        ("so:36", "bad symbol '36'"),
        ("*", "bad prefix"),
        ("cong -*", "bad prefix"),
        ("  ...  ", r"nothing to search in '\.\.\.'"),  # marks alone would list the whole archive
        ("😀", "nothing to search"),
        ("-", "nothing to search"),
        ('""', "nothing to search"),
    ],
)
def test_bad_queries_say_what_to_fix(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_query(text)


def test_syntax_errors_are_a_kind_of_query_error_that_plain_words_can_read() -> None:
    with pytest.raises(QuerySyntaxError):
        parse_query('(cong "nghe')
    assert _sexp(plain_words('(cong "nghe').root) == "(and word:cong word:nghe)"
    assert plain_words("  ").root is None
    assert (
        _sexp(plain_words('"36-NQ/TU').root) == "symbol:36 nq tu"
    )  # the document, not 36, NQ, TU anywhere
    assert (
        _sexp(plain_words("nghị quyết số 36-NQ/TU OR").root)
        == "(and symbol:36 nq tu word:nghị word:quyết)"
    )
    assert _sexp(plain_words("dang OR").root) == "word:dang"  # the OR that failed is no word
    assert _sexp(plain_words("OR OR").root) == "(and word:or word:or)"  # unless it is all there is
    assert _sexp(plain_words("abc36-NQ/TU").root) == "(and word:abc36 word:nq word:tu)"


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list('ab đ"()-*:|OR so36/NQTWloainam.,\\ \t')), max_size=30)
)
def test_any_text_parses_or_raises_a_query_error(text: str) -> None:
    try:
        parse_query(text)
    except QueryError as exc:
        assert exc.message
    plain_words(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019", YearRange(2019, 2019)),
        ("2015..2019", YearRange(2015, 2019)),
        ("..1990", YearRange(None, 1990)),
    ],
)
def test_year_ranges(text: str, expected: YearRange) -> None:
    assert YearRange.parse(text) == expected


@pytest.mark.parametrize("text", ["19", "2019..2015", "next year", ".."])
def test_bad_years(text: str) -> None:
    with pytest.raises(QueryError, match="year"):
        YearRange.parse(text)


def test_what_a_query_excludes_is_compiled_in_its_folded_spelling_only() -> None:
    """Excluding the folded phrase excludes the same entries as the exact one would.

    An entry holding the exact spelling holds the folded one, so the exact one's positions need
    not be read too.
    """
    from archive_search.compile import QueryCompiler
    from archive_search.index.search_index import build_schema
    from archive_search.query import parse_query

    compiler = QueryCompiler(build_schema())
    included = repr(compiler.document(parse_query('"Hà Nội"')))
    excluded = repr(compiler.document(parse_query('kinh tế -"Hà Nội"')))
    alone = repr(compiler.document(parse_query('kinh OR -"Hà Nội"')))  # a Not of its own
    assert '"hà"' in included and '"ha"' in included  # a phrase searched: both spellings rank
    assert '"ha"' in excluded and '"hà"' not in excluded and '"tế"' in excluded
    assert '"ha"' in alone and '"hà"' not in alone and '"kinh"' in alone


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        (
            'bắt "giết người" 36-NQ/TW',
            "(and word:bắt word:giết word:người word:36 word:nq word:tw)",
        ),
        ('a "b c" -"d e" (f OR g)', "(and word:a word:b word:c -phrase:d e (or word:f word:g))"),
        ("a b c", None),  # nothing to loosen
    ],
)
def test_loosened_reads_phrases_and_symbols_as_words(text: str, tree: str | None) -> None:
    loose = loosened(parse_query(text))
    assert (None if loose is None else _sexp(loose.root)) == tree

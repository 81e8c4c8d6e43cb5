"""The query parser: what each clause becomes, and what a bad query says."""

import pytest

from archive_search.models import YearRange
from archive_search.query import ClauseKind, parse_query
from index.errors import QueryError


def _shape(text: str) -> list[tuple[str, str, bool]]:
    return [(c.kind.value, " ".join(c.terms), c.negated) for c in parse_query(text).clauses]


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("cong nghe", [("word", "cong", False), ("word", "nghe", False)]),
        ('"công nghệ" -tin', [("phrase", "công nghệ", False), ("word", "tin", True)]),
        ("36-NQ/TW", [("symbol", "36 nq tw", False)]),
        ("số 36-NQ/TW", [("symbol", "36 nq tw", False)]),
        ("36 NQ/TW", [("symbol", "36 nq tw", False)]),
        ("Nghị quyết 36-nq/tw dang uy", [
            ("symbol", "36 nq tw", False), ("word", "nghị", False), ("word", "quyết", False),
            ("word", "dang", False), ("word", "uy", False),
        ]),
        ('-"hoà bình" đảng', [("phrase", "hoà bình", True), ("word", "đảng", False)]),
        ("Tỉnh ủy", [("word", "tỉnh", False), ("word", "uỷ", False)]),
    ],
)
def test_clauses(text: str, shape: list[tuple[str, str, bool]]) -> None:
    assert sorted(_shape(text)) == sorted(shape)


def test_symbol_kind_is_recorded() -> None:
    assert parse_query("05-CT/TW").clauses[0].kind is ClauseKind.SYMBOL


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"công nghệ', "unbalanced quote"),
        ("-tin", "only excludes"),
    ],
)
def test_bad_queries_say_what_to_fix(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_query(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2019", YearRange(2019, 2019)), ("2015..2019", YearRange(2015, 2019)), ("..1990", YearRange(None, 1990))],
)
def test_year_ranges(text: str, expected: YearRange) -> None:
    assert YearRange.parse(text) == expected


@pytest.mark.parametrize("text", ["19", "2019..2015", "next year", ".."])
def test_bad_years(text: str) -> None:
    with pytest.raises(QueryError, match="year"):
        YearRange.parse(text)

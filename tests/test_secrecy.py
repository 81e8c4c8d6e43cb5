"""Property: nothing above the reader's clearance leaks, over random archives and queries.

Not into hits, totals, facets, snippets, export, similar or show.
"""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive_search import Archive, NotFoundError, QueryError, SearchQuery, Secrecy
from tests.test_search_language import build_archive

WORDS = [
    "đảng",
    "dang",
    "công",
    "nghệ",
    "thông",
    "tin",
    "kinh",
    "tế",
    "bí",
    "mật",
    "36-NQ/TW",
    "số",
]
LEVELS = ["", "Mật", "Tối mật", "Tuyệt mật", "mat", "toi-mat", "tuyet-mat"]

documents = st.lists(
    st.tuples(
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=8),
        st.sampled_from(LEVELS),
        st.sampled_from(["TU", "HU"]),
        st.integers(1990, 2021),
    ),
    min_size=1,
    max_size=6,
)
queries = st.lists(
    st.sampled_from([*WORDS, "OR", "-", "(", ")", "mat:mat", "nam:2000..", "dang*"]), max_size=4
)


def _rows(docs: list[tuple[list[str], str, str, int]]) -> list[tuple[str, ...]]:
    return [
        (
            f"d{i}.txt",
            fond,
            f"{i + 1}-NQ/{fond}",
            "NQ",
            fond,
            f"{year}-01-01",
            f"Văn bản {i}",
            level,
            " ".join(words) + f" mã{i}",
        )
        for i, (words, level, fond, year) in enumerate(docs)
    ]


@settings(max_examples=4, deadline=None)
@given(documents, queries, st.sampled_from(list(Secrecy)), st.booleans())
def test_nothing_above_clearance_is_ever_seen(
    docs: list[tuple[list[str], str, str, int]], words: list[str], clearance: Secrecy, exact: bool
) -> None:
    _check(docs, words, clearance, exact)


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(documents, queries, st.sampled_from(list(Secrecy)), st.booleans())
def test_nothing_above_clearance_is_ever_seen_many_archives(
    docs: list[tuple[list[str], str, str, int]], words: list[str], clearance: Secrecy, exact: bool
) -> None:
    _check(docs, words, clearance, exact)


def _check(
    docs: list[tuple[list[str], str, str, int]],
    words: list[str],
    clearance: Secrecy,
    exact: bool = False,
) -> None:
    rows = _rows(docs)
    hidden = {
        f"mã{i}"
        for i, (_, level, _, _) in enumerate(docs)
        if Secrecy.parse(level).rank > clearance.rank
    }
    visible_count = len(rows) - len(hidden)
    with (
        tempfile.TemporaryDirectory() as tmp,
        Archive.open(build_archive(Path(tmp), rows)) as archive,
    ):
        everything = archive.search("", clearance=clearance, limit=100)
        assert everything.total == visible_count
        assert sum(count.count for count in everything.facets["fond"]) == visible_count
        ids = [hit.id for hit in everything.hits]
        query = SearchQuery.build(
            " ".join(words), clearance=clearance, limit=100, pages_per_hit=5, exact=exact
        )
        try:
            results = archive.run(query)
        except QueryError:  # e.g. "( )": nothing to search even as plain words
            query = SearchQuery.build(
                "", clearance=clearance, limit=100, pages_per_hit=5, exact=exact
            )
            results = archive.run(query)
        seen = json.dumps([results.hits, results.facets], default=str, ensure_ascii=False)
        assert results.total <= visible_count
        for hit in results.hits:
            assert hit.id in ids
            assert Secrecy(hit.secrecy).rank <= clearance.rank
        out = io.StringIO()
        assert archive.export(query, out, format="jsonl") == results.total
        assert {json.loads(line)["id"] for line in out.getvalue().splitlines()} <= set(ids)
        for doc_id in ids:
            view = archive.document(doc_id, clearance=clearance)
            similar = archive.similar(doc_id, clearance=clearance, limit=100)
            assert {hit.id for hit in similar.hits} <= set(ids)
            seen += json.dumps([view.cites, view.cited_by], default=str)
        all_ids = [
            hit.id for hit in archive.search("", clearance=Secrecy.TUYET_MAT, limit=100).hits
        ]
        for doc_id in set(all_ids) - set(ids):
            try:
                archive.document(doc_id, clearance=clearance)
                raise AssertionError("a hidden document was shown")
            except NotFoundError:
                pass
        assert not any(marker in seen + out.getvalue() for marker in hidden)
        if clearance is Secrecy.PUBLIC:
            assert "secrecy" not in results.facets

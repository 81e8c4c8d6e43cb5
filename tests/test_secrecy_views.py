"""Every view at a clearance is the view of an archive built without the documents above it.

Archives here are written straight into a real catalogue and indexed by the real indexer (no
extraction: texts are what is tested). The archive under test has documents of every level,
some reclassified after it was indexed; the reference holds only those a reader at the
clearance may see, at their final level. Hits, totals, facets, scores (exactly: the same
statistics give the same floats), order, ``similar``, statistics, citations and ``show`` must
agree. Hits of equal score are compared as sets: tantivy orders ties by where an index stores
them, and numbering (which a document's part follows) differs without the hidden documents.
"""

from __future__ import annotations

import dataclasses
import itertools
import shutil
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive_search import Archive, IngestOptions, SearchQuery, SearchResults
from archive_search.cli import cli
from archive_search.index.catalog import Catalog
from archive_search.index.errors import IndexUnavailableError, NotFoundError
from archive_search.index.records import DocumentMeta, PageMethod, PageText, Secrecy

WORDS = ["kinh", "tế", "đảng", "viên", "công", "nghệ", "biển", "đảo", "giáo", "dục", "rừng"]
ISSUERS = ["ĐU", "DU", "TU"]
FONDS = ["TU", "ThU-PT"]
TYPES = ["NQ", "CT", "BC"]
SYMBOLS = ["20-NQ/TU", "21-CT/TU", ""]
QUERIES = ["kinh tế", "đảng", '"công nghệ"', "bien OR rung", "giao -duc", "tế*", ""]
FILTERS: list[dict[str, tuple[str, ...]]] = [
    {},
    {"issuer": ("ĐU",)},
    {"issuer": ("du",)},
    {"fond": ("thu-pt",)},
    {"doc_type": ("nq",)},
]
CLEARANCES = list(Secrecy)


@dataclasses.dataclass(frozen=True)
class Doc:
    """A document as the tests write it into a catalogue."""

    key: str
    text: str
    secrecy: Secrecy
    issuer: str = "TU"
    fond: str = "TU"
    doc_type: str = "NQ"
    symbol: str = ""
    date: str = "2019-01-01"

    def meta(self, secrecy: Secrecy | None = None) -> DocumentMeta:
        return DocumentMeta(
            title=f"Văn bản {self.key}",
            symbol=self.symbol,
            doc_type=self.doc_type,
            issuer=self.issuer,
            fond=self.fond,
            date=self.date,
            year=int(self.date[:4]),
            secrecy=self.secrecy if secrecy is None else secrecy,
        )


def _build(path: Path, docs: Sequence[Doc]) -> Archive:
    """An archive of ``docs`` (their ids are their keys), indexed from its catalogue."""
    path.mkdir(parents=True, exist_ok=True)
    catalog = Catalog.open(path / "catalog.sqlite", create=True)
    with catalog.transaction():
        for doc in docs:
            catalog.put_document(
                doc.key,
                kind="document",
                source=f"{doc.key}.txt",
                meta=doc.meta(),
                pages=[PageText(1, doc.text, PageMethod.PLAIN_TEXT)],
            )
    catalog.close()
    archive = Archive.open(path)
    archive.reindex()
    return archive


def _reclassify(archive: Archive, docs: Sequence[Doc], levels: dict[str, Secrecy]) -> None:
    """Give the documents ``levels`` their new level in the catalogue, and index them again."""
    catalog = archive._catalog
    moved = [doc for doc in docs if doc.key in levels]
    with catalog.transaction():
        nums = [
            catalog.put_document(
                doc.key,
                kind="document",
                source=f"{doc.key}.txt",
                meta=doc.meta(levels[doc.key]),
                pages=[PageText(1, doc.text, PageMethod.PLAIN_TEXT)],
            )
            for doc in moved
        ]
    with archive._writing("test"):
        archive._writable_index().reindex(catalog.documents_with_pages(nums))
    catalog.mark_indexed(nums)


def _ties_by_id(results: SearchResults) -> list[tuple[float, list[str]]]:
    """Scores in order, each with the ids that have it (ties compared as sets)."""
    return [
        (score, sorted(hit.id for hit in group))
        for score, group in itertools.groupby(results.hits, key=lambda hit: hit.score)
    ]


def _view(archive: Archive, clearance: Secrecy, ids: Sequence[str]) -> dict[str, object]:
    """Everything a reader at ``clearance`` sees of the archive, by what it asked."""
    view: dict[str, object] = {}
    asked = [(text, filters, "relevance") for text in QUERIES for filters in FILTERS]
    asked += [(text, {}, "date") for text in QUERIES]
    for text, filters, sort in asked:
        query = SearchQuery.build(
            text,
            clearance=clearance,
            limit=100,
            sort=sort,  # type: ignore[arg-type]
            **filters,  # type: ignore[arg-type]
        )
        found = archive.run(query)
        ranked = _ties_by_id(found) if sort == "relevance" else sorted(h.id for h in found.hits)
        view[f"{text} {filters} {sort}"] = (found.total, found.facets, ranked, found.warning)
    for text in QUERIES:  # streamed, as exports are: scores included
        hits = list(archive.hits(SearchQuery.build(text, clearance=clearance, pages_per_hit=0)))
        view[f"export {text}"] = sorted((-hit.score, hit.id) for hit in hits)
    stats = dataclasses.replace(archive.statistics(clearance=clearance), index_bytes=0)
    view["stats"] = stats
    for doc_id in ids:
        try:
            shown = archive.document(doc_id, clearance=clearance)
        except NotFoundError as exc:
            view[f"show {doc_id}"] = str(exc)
            continue
        view[f"show {doc_id}"] = dataclasses.replace(shown, source="")
        view[f"similar {doc_id}"] = _ties_by_id(
            archive.similar(doc_id, clearance=clearance, limit=100)
        )
    return view


def _reference(tmp: Path, docs: Sequence[Doc], clearance: Secrecy) -> Archive:
    visible = [doc for doc in docs if doc.secrecy.rank <= clearance.rank]
    return _build(tmp / f"reference-{clearance.value}", visible)


def _assert_views_agree(tmp: Path, archive: Archive, final: Sequence[Doc]) -> None:
    ids = [doc.key for doc in final] + ["missing"]
    for clearance in CLEARANCES:
        with _reference(tmp, final, clearance) as reference:
            assert _view(archive, clearance, ids) == _view(reference, clearance, ids), clearance


# Documents that tell hidden ones apart: a secret one spelled ``ĐU`` where public ones are
# ``DU``, a secret ``20-NQ/TU`` of a later year than the public one, and words in both.
FIXED = [
    Doc("p1", "kinh tế biển đảo công nghệ", Secrecy.PUBLIC, issuer="DU", symbol="20-NQ/TU"),
    Doc("p2", "đảng viên kinh tế rừng", Secrecy.PUBLIC, date="2020-05-01", doc_type="CT"),
    Doc("p3", "thực hiện 20-NQ/TU về kinh tế giáo dục", Secrecy.PUBLIC, date="2022-01-01"),
    Doc("p4", "giáo dục công nghệ biển", Secrecy.PUBLIC, fond="ThU-PT", issuer="DU"),
    Doc(
        "m1",
        "kinh tế kinh tế đảng đảng biển",
        Secrecy.MAT,
        issuer="ĐU",
        symbol="20-NQ/TU",
        date="2021-03-01",
    ),
    Doc("m2", "công nghệ rừng đảo", Secrecy.MAT, fond="ThU-PT"),
    Doc("t1", "kinh tế đảng viên giáo", Secrecy.TOI_MAT, date="2018-01-01", doc_type="BC"),
    Doc("u1", "biển đảo rừng dục", Secrecy.TUYET_MAT, issuer="ĐU"),
]


@pytest.fixture(scope="module")
def fixed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    with _build(tmp_path_factory.mktemp("fixed"), FIXED) as archive:
        yield archive


@pytest.mark.parametrize("clearance", CLEARANCES)
def test_every_view_is_that_of_an_archive_without_the_hidden_documents(
    tmp_path: Path, fixed: Archive, clearance: Secrecy
) -> None:
    ids = [doc.key for doc in FIXED] + ["missing"]
    with _reference(tmp_path, FIXED, clearance) as reference:
        assert _view(fixed, clearance, ids) == _view(reference, clearance, ids)


def test_scores_at_public_ignore_the_hidden_documents_words(tmp_path: Path, fixed: Archive) -> None:
    """What the views above compare is not vacuous: hidden words would change a public score.

    Counted in the same statistics (all of them public), the hidden documents' words change a public
    hit's score.
    """
    everyone = [dataclasses.replace(doc, secrecy=Secrecy.PUBLIC) for doc in FIXED]
    with _build(tmp_path / "all-public", everyone) as shared:
        together = {hit.id: hit.score for hit in shared.search("kinh tế", limit=100).hits}
    public = {hit.id: hit.score for hit in fixed.search("kinh tế", limit=100).hits}
    cleared = {hit.id: hit.score for hit in fixed.search("kinh tế", clearance="mat").hits}
    assert public["p1"] != together["p1"]
    assert cleared["p1"] == public["p1"] and "m1" in cleared and "m1" not in public


def test_filters_resolve_among_the_visible_values(fixed: Archive) -> None:
    """``ĐU`` is spelled only by hidden documents: at public it names the visible ``DU``."""
    assert {hit.id for hit in fixed.search("", issuer="ĐU", limit=100).hits} == {"p1", "p4"}
    cleared = fixed.search("", issuer="ĐU", clearance="mat", limit=100)
    assert {hit.id for hit in cleared.hits} == {"m1"}


def test_a_citation_names_the_visible_document(fixed: Archive) -> None:
    """p3 (2022) cites 20-NQ/TU undated: the hidden m1 (2021) at mat, else p1."""
    assert [ref.id for ref in fixed.document("p3").cites] == ["p1"]
    assert [ref.id for ref in fixed.document("p3", clearance="mat").cites] == ["m1"]
    assert [ref.id for ref in fixed.document("p1").cited_by] == ["p3"]
    assert [ref.id for ref in fixed.document("p1", clearance="mat").cited_by] == []


def test_statistics_count_what_the_clearance_sees(fixed: Archive) -> None:
    counts = [
        (stats.documents, stats.pages)
        for stats in (fixed.statistics(clearance=level) for level in CLEARANCES)
    ]
    assert counts == [(4, 4), (6, 6), (7, 7), (8, 8)]


def test_a_hidden_id_is_refused_as_a_missing_one(fixed: Archive) -> None:
    for doc_id in ("m1", "missing"):
        with pytest.raises(NotFoundError, match=f"no document with id '{doc_id}'"):
            fixed.document(doc_id)
        with pytest.raises(NotFoundError, match=f"no document with id '{doc_id}'"):
            fixed.similar(doc_id)


def test_reclassified_documents_move_and_leave_no_statistics_behind(tmp_path: Path) -> None:
    """Documents reclassified after indexing leave no statistics behind in the levels they left.

    p2 goes up to toi-mat and m2 down to public: every view is then that of an archive built with
    their new levels (the levels they left are rewritten).
    """
    levels = {"p2": Secrecy.TOI_MAT, "m2": Secrecy.PUBLIC, "t1": Secrecy.MAT}
    with _build(tmp_path / "archive", FIXED) as archive:
        before = archive.search("kinh tế", limit=100).hits
        _reclassify(archive, FIXED, levels)
        final = [dataclasses.replace(d, secrecy=levels.get(d.key, d.secrecy)) for d in FIXED]
        after = archive.search("kinh tế", limit=100).hits
        assert "p2" in {hit.id for hit in before} and "p2" not in {hit.id for hit in after}
        _assert_views_agree(tmp_path, archive, final)


def test_an_index_of_the_older_layout_asks_for_reindex(tmp_path: Path, fixed: Archive) -> None:
    """One index for every level, as earlier releases wrote it: refused until ``reindex``."""
    copy = tmp_path / "archive"
    shutil.copytree(fixed.path, copy)
    index = copy / "index"
    for item in (index / "public").iterdir():
        item.rename(index / item.name)
    for level in CLEARANCES:
        shutil.rmtree(index / level.value)
    with Archive.open(copy) as old:
        assert old.outdated_index() == ["index per secrecy level"]
        with pytest.raises(IndexUnavailableError, match=r"run `archive-search reindex`"):
            old.search("kinh")
        assert old.reindex() == len(FIXED)
        assert old.search("kinh tế").hits == fixed.search("kinh tế").hits


def test_a_hidden_and_a_missing_id_take_the_same_time(fixed: Archive) -> None:
    """One query reads the row and checks its level: no branch a hidden id alone takes.

    Not a timed assertion: the time of each is reported, the query plan is what is checked.
    """
    catalog = fixed._catalog
    plan = catalog._db.execute(
        "EXPLAIN QUERY PLAN SELECT num FROM documents d WHERE d.id = ? AND d.secrecy IN (?)",
        ("m1", "public"),
    ).fetchall()
    assert any("USING INDEX" in str(row[-1]) for row in plan)
    started = time.perf_counter()
    assert catalog.document_by_id("m1", Secrecy.PUBLIC) is None
    assert catalog.document_by_id("missing", Secrecy.PUBLIC) is None
    assert time.perf_counter() - started >= 0


_LEVEL = st.sampled_from(CLEARANCES)
_DOC = st.builds(
    lambda words, secrecy, issuer, fond, doc_type, symbol, year: (
        " ".join(words),
        secrecy,
        issuer,
        fond,
        doc_type,
        symbol,
        f"{year}-01-01",
    ),
    st.lists(st.sampled_from([*WORDS, "20-NQ/TU"]), min_size=1, max_size=8),
    _LEVEL,
    st.sampled_from(ISSUERS),
    st.sampled_from(FONDS),
    st.sampled_from(TYPES),
    st.sampled_from(SYMBOLS),
    st.integers(2015, 2022),
)


def _docs(drawn: list[tuple[str, Secrecy, str, str, str, str, str]]) -> list[Doc]:
    return [Doc(f"d{n}", *fields) for n, fields in enumerate(drawn)]


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    drawn=st.lists(_DOC, min_size=2, max_size=7),
    moves=st.dictionaries(st.integers(0, 6), _LEVEL, max_size=3),
)
def test_random_archives_and_reclassifications_show_each_clearance_its_own_archive(
    tmp_path_factory: pytest.TempPathFactory,
    drawn: list[tuple[str, Secrecy, str, str, str, str, str]],
    moves: dict[int, Secrecy],
) -> None:
    tmp = tmp_path_factory.mktemp("random")
    docs = _docs(drawn)
    levels = {  # a reclassification changes the level (see SearchIndex for a replacement's)
        f"d{n}": level for n, level in moves.items() if n < len(docs) and docs[n].secrecy != level
    }
    with _build(tmp / "archive", docs) as archive:
        _reclassify(archive, docs, levels)
        final = [dataclasses.replace(d, secrecy=levels.get(d.key, d.secrecy)) for d in docs]
        _assert_views_agree(tmp, archive, final)


@pytest.mark.slow
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    drawn=st.lists(_DOC, min_size=2, max_size=20),
    moves=st.dictionaries(st.integers(0, 19), _LEVEL, max_size=6),
)
def test_random_archives_many_examples(
    tmp_path_factory: pytest.TempPathFactory,
    drawn: list[tuple[str, Secrecy, str, str, str, str, str]],
    moves: dict[int, Secrecy],
) -> None:
    test_random_archives_and_reclassifications_show_each_clearance_its_own_archive.hypothesis.inner_test(  # type: ignore[attr-defined]
        tmp_path_factory, drawn, moves
    )


def test_a_failed_file_is_listed_at_its_manifest_rows_level(tmp_path: Path) -> None:
    """A file that cannot be read is listed, and counted, only to readers cleared for its level.

    The level its manifest row gives it (public without one).
    """
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "secret.txt").write_text("", encoding="utf-8")
    (docs / "plain.txt").write_text(" \n", encoding="utf-8")
    (docs / "good.txt").write_text("Báo cáo kinh tế biển", encoding="utf-8")
    (docs / "manifest.csv").write_text(
        "path,fond,title,secrecy\nsecret.txt,TU,Hồ sơ,mat\nplain.txt,TU,Hồ sơ 2,\n"
        "good.txt,TU,Báo cáo,\n",
        encoding="utf-8",
    )
    with Archive.open(tmp_path / "archive", create=True) as archive:
        report = archive.ingest(
            [], options=IngestOptions(manifest=docs / "manifest.csv", workers=1)
        )
        assert len(report.failures) == 2
        public = [Path(failure.path).name for failure in archive.failures()]
        cleared = [Path(failure.path).name for failure in archive.failures(clearance="mat")]
        assert (public, cleared) == (["plain.txt"], ["plain.txt", "secret.txt"])
        assert archive.statistics().failed_files == 1
        assert archive.statistics(clearance="toi-mat").failed_files == 2
    listed = CliRunner().invoke(
        cli, ["--archive", str(tmp_path / "archive"), "failures", "--clearance", "Mật"]
    )
    assert [line.split(":")[0] for line in listed.output.splitlines()] == [
        str((docs / name).resolve()) for name in ("plain.txt", "secret.txt")
    ]


@pytest.mark.parametrize("clearance", CLEARANCES)
def test_an_export_streams_every_hit_of_every_level_in_score_order(
    fixed: Archive, clearance: Secrecy
) -> None:
    """Streamed hits merge the levels' indexes batch by batch, whatever the query's ``limit``."""
    query = SearchQuery.build("kinh tế OR biển", clearance=clearance, limit=1, pages_per_hit=0)
    streamed = list(fixed.hits(query))
    searched = fixed.run(dataclasses.replace(query, limit=100))
    assert len(streamed) == searched.total > 1
    assert [(hit.id, hit.score) for hit in streamed] == [
        (hit.id, hit.score) for hit in searched.hits
    ]

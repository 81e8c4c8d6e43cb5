"""The public index's two parts, ranked on two threads, give the whole index's hits.

A page of hits is exactly the one the whole index gives.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import tantivy

from archive_search import Archive, SearchQuery
from archive_search.engine import _SPLIT_AT_MOST
from archive_search.index.records import Secrecy
from archive_search.index.search_index import PARTS, VISIBILITY_FIELD, SearchIndex, visibility_term
from tests.test_search_language import build_archive

WORDS = ["công nghệ", "đảng viên", "nghị quyết", "kinh tế", "thông tin", "giáo dục"]


def _rows(count: int) -> list[tuple[str, ...]]:
    """Documents whose words and dates repeat, so that many hits tie on score or date."""
    rows = []
    for n in range(count):
        words = " ".join(WORDS[(n + k) % len(WORDS)] for k in range(n % 4 + 1))
        date = f"{2010 + n % 5}-0{1 + n % 3}-15"
        text = f"Văn bản số {n}: {words}. Công tác {WORDS[n % 3]} năm {2010 + n % 5}."
        rows.append(
            (f"d{n}.txt", "TU", f"{n}-NQ/TU", "NQ", "TU", date, f"Văn bản {WORDS[n % 2]}", "", text)
        )
    return rows


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_archive(tmp_path_factory.mktemp("parts"), _rows(60))


@pytest.fixture(scope="module", params=["ingested", "rebuilt"])
def archive(
    request: pytest.FixtureRequest, ingested: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Archive]:
    """The archive as ingested (parts mixed in its segments), and rebuilt (each part apart)."""
    path = ingested
    if request.param == "rebuilt":
        path = tmp_path_factory.mktemp("rebuilt") / "archive"
        shutil.copytree(ingested, path)
        with Archive.open(path) as archive:
            archive.reindex()
    with Archive.open(path) as archive:
        yield archive


@pytest.mark.parametrize(
    "text", ["", "cong nghe", "đảng viên OR kinh", "nghi quyet -giao", "nam:2011..2013"]
)
@pytest.mark.parametrize("sort", ["relevance", "date", "date-asc"])
def test_a_page_of_hits_is_that_page_of_the_whole_listing(
    archive: Archive, text: str, sort: str
) -> None:
    """Pages ranked in parts, and merged, are slices of one listing ranked whole.

    Past ``_SPLIT_AT_MOST`` too, ties in the same order, so paging never repeats or skips a hit.
    """
    whole = archive.run(SearchQuery.build(text, sort=sort, limit=_SPLIT_AT_MOST + 1))  # type: ignore[arg-type]
    assert whole.total > 7
    for offset in (0, 3, 7, whole.total - 2):
        page = archive.run(SearchQuery.build(text, sort=sort, limit=7, offset=offset))  # type: ignore[arg-type]
        assert [(hit.id, hit.score) for hit in page.hits] == [
            (hit.id, hit.score) for hit in whole.hits[offset : offset + 7]
        ]
        assert page.total == whole.total
        assert page.facets == whole.facets


def test_every_document_is_in_one_part_and_parts_are_about_even(archive: Archive) -> None:
    index = SearchIndex.open(archive.path / "index").levels[Secrecy.PUBLIC]
    searcher = index.searcher()

    def addresses(term: str) -> set[tuple[int, int]]:
        query = tantivy.Query.term_query(index.schema, VISIBILITY_FIELD, term)
        return {(a.segment_ord, a.doc) for _, a in searcher.search(query, 1_000).hits}

    everything = addresses(visibility_term("tuyet-mat"))
    parts = [addresses(visibility_term("tuyet-mat", part)) for part in range(PARTS)]
    assert set().union(*parts) == everything and sum(map(len, parts)) == len(everything) == 60
    assert all(25 <= len(part) <= 35 for part in parts)


def test_a_rebuild_writes_each_part_in_segments_of_its_own(tmp_path: Path, ingested: Path) -> None:
    """What makes ranking a part cost half of the whole: it reads no postings of the other."""
    path = tmp_path / "archive"
    shutil.copytree(ingested, path)
    with Archive.open(path) as archive:
        archive.reindex()
    index = SearchIndex.open(path / "index").levels[Secrecy.PUBLIC]
    searcher = index.searcher()
    segments = []
    for part in range(PARTS):
        query = tantivy.Query.term_query(
            index.schema, VISIBILITY_FIELD, visibility_term("tuyet-mat", part)
        )
        segments.append({address.segment_ord for _, address in searcher.search(query, 1_000).hits})
    assert segments[0] and segments[1] and not segments[0] & segments[1]


def test_a_search_never_waits_for_a_busy_facet_thread(archive: Archive) -> None:
    """A search never waits for the engine's threads when other searches hold them.

    It then ranks both parts and counts every facet itself (fault injected: the engine's threads
    held until the search is over).
    """
    expected = archive.search("cong nghe", year="2011..2013", fond="TU")
    pool = archive._search_engine()._threads
    release = threading.Event()
    held = [pool.submit(release.wait) for _ in range(pool._max_workers)]
    caller = ThreadPoolExecutor(max_workers=1)
    try:
        found = caller.submit(archive.search, "cong nghe", year="2011..2013", fond="TU").result(
            timeout=20
        )
    finally:
        release.set()
        caller.shutdown()
    assert found == expected and found.total > 0 and found.facets["year"]
    assert all(future.result() for future in held)

"""Ingestion end to end: born-digital PDFs, a scan through tesseract, text, broken files."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from archive_search import Archive, IngestOptions, IngestReport, PageMethod, Secrecy
from tests.conftest import Corpus


def test_report_counts_every_kind_of_file(ingested: tuple[Path, IngestReport]) -> None:
    report = ingested[1]
    assert (report.new, report.duplicates, report.records) == (7, 1, 1)
    assert report.pages == 9
    assert report.ocr_pages == 2
    assert len(report.failures) == 4
    assert report.unsupported == []  # the manifest, in the folder ingested, is not reported


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty", "file is empty"),
        ("fake", "not a PDF: the file has no PDF header"),
        ("truncated", "PDF is damaged"),
        ("encrypted", "PDF is encrypted: decrypt it and ingest it again"),
    ],
)
def test_broken_files_are_recorded_with_path_and_reason(
    archive: Archive, corpus: Corpus, name: str, reason: str
) -> None:
    failures = {failure.path: failure.reason for failure in archive.failures()}
    assert reason in failures[str(corpus.broken[name].resolve())]


def test_text_layer_pages_keep_their_text_and_method(archive: Archive) -> None:
    hit = archive.search("31-NQ/TU").hits[0]
    view = archive.document(hit.id)
    assert [page.method for page in view.pages] == [PageMethod.TEXT_LAYER, PageMethod.TEXT_LAYER]
    assert "Nghị quyết số 36-NQ/TW" in view.pages[1].text


def test_scan_is_read_by_tesseract(archive: Archive) -> None:
    hits = archive.search("chuyen doi so").hits
    assert [hit.symbol for hit in hits] == ["15-TB/TU"]
    view = archive.document(hits[0].id)
    assert view.pages[0].method is PageMethod.OCR
    assert view.pages[0].confidence is not None and view.pages[0].confidence > 50


def test_scanned_pdf_is_rendered_and_read_by_tesseract(archive: Archive) -> None:
    hits = archive.search("luu tru ho so dien tu", all_words=True).hits
    assert [(hit.symbol, hit.doc_type, hit.date) for hit in hits] == [
        ("09-HD/TU", "HD", "2017-07-06")
    ]
    assert archive.document(hits[0].id).pages[0].method is PageMethod.OCR


def test_header_metadata_is_read_from_the_text(archive: Archive) -> None:
    hit = archive.search("thuỷ lợi").hits[0]
    assert (hit.symbol, hit.doc_type, hit.issuer, hit.date, hit.year) == (
        "12-KL/HU",
        "KL",
        "HU",
        "2021-11-09",
        2021,
    )
    assert hit.title == "Kết luận về công tác thuỷ lợi"


def test_manifest_values_win_and_sources_are_kept(archive: Archive) -> None:
    hit = archive.search("31-NQ/TU").hits[0]
    metadata = archive.document(hit.id).metadata
    assert (metadata["fond"], metadata["inventory"], metadata["box"], metadata["file_no"]) == (
        "TU",
        "1",
        "12",
        "345",
    )
    assert metadata["extra"] == {"ghi_chu": "bản gốc", "superior": "ĐẢNG BỘ TỈNH BÌNH THUẬN"}
    assert (metadata["issuer_name"], metadata["place"]) == ("TỈNH ỦY", "Phan Thiết")
    assert metadata["sources"] == {
        "symbol": "header",
        "doc_type": "header",
        "issuer": "header",
        "date": "header",
        "year": "header",
        "title": "header",
        "issuer_name": "header",
        "place": "header",
        "fond": "manifest",
        "inventory": "manifest",
        "box": "manifest",
        "file_no": "manifest",
    }


def test_secrecy_mark_in_the_header_is_read(archive: Archive) -> None:
    hit = archive.search("bí mật nhà nước", clearance="mat").hits[0]
    assert archive.document(hit.id, clearance=Secrecy.MAT).metadata["secrecy"] == "mat"


def test_rerun_skips_everything_already_done(archive_copy: Path, corpus: Corpus) -> None:
    with Archive.open(archive_copy) as archive:
        report = archive.ingest([corpus.root / "documents"], options=IngestOptions(workers=1))
    assert (report.new, report.skipped, report.pages) == (0, 8, 0)


def test_changed_file_replaces_its_old_version(archive_copy: Path, tmp_path: Path) -> None:
    from tools.docgen import write_pdf

    path = tmp_path / "changing.pdf"
    write_pdf(path, ["Phiên bản thứ nhất về nông nghiệp công nghệ cao"])
    with Archive.open(archive_copy) as archive:
        archive.ingest([path], options=IngestOptions(workers=1, fond="TU"))
        write_pdf(path, ["Phiên bản thứ hai về du lịch biển đảo"])
        report = archive.ingest([path], options=IngestOptions(workers=1))
        assert report.new == 1
        assert archive.search("du lich bien").total == 1
        gone = archive.search("nong nghiep cong nghe cao", all_words=True)
        assert gone.total == 0  # its file no longer holds it
    db = sqlite3.connect(archive_copy / "catalog.sqlite")
    assert db.execute(
        "SELECT count(*) FROM documents WHERE source = ?", (str(path),)
    ).fetchone() == (1,)


def test_changed_file_whose_old_content_has_a_copy_hands_it_over(tmp_path: Path) -> None:
    from tools.docgen import write_pdf

    original = write_pdf(
        tmp_path / "in" / "a.pdf", ["Phiên bản thứ nhất về nông nghiệp công nghệ cao"]
    )
    copy = tmp_path / "in" / "b.pdf"
    copy.write_bytes(original.read_bytes())
    with Archive.open(tmp_path / "archive", create=True) as archive:
        first = archive.ingest([tmp_path / "in"], options=IngestOptions(workers=1))
        assert (first.new, first.duplicates) == (1, 1)
        write_pdf(original, ["Phiên bản thứ hai về du lịch biển đảo"])
        archive.ingest([tmp_path / "in"], options=IngestOptions(workers=1))
        assert [hit.source for hit in archive.search("nong nghiep cong nghe cao").hits] == [
            str(copy)
        ]
        assert [hit.source for hit in archive.search("du lich bien").hits] == [str(original)]
    db = sqlite3.connect(tmp_path / "archive" / "catalog.sqlite")
    assert db.execute("SELECT status FROM files ORDER BY path").fetchall() == [("done",), ("done",)]


def test_reindex_rebuilds_from_the_catalogue_without_extracting(
    archive_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from archive_search.ingest import extract

    def no_extraction(*_: object) -> None:
        raise AssertionError("reindex must not extract")

    monkeypatch.setattr(extract, "extract_file", no_extraction)
    queries = ["cong nghe thong tin", '"chuyển đổi số"', "so:36-NQ/TW", "nghị quyết"]
    with Archive.open(archive_copy) as archive:
        before = [archive.search(query, clearance="tuyet-mat") for query in queries]
        assert archive.reindex() == 8
        after = [archive.search(query, clearance="tuyet-mat") for query in queries]
    assert [[(h.id, h.pages, h.score) for h in found.hits] for found in after] == [
        [(h.id, h.pages, h.score) for h in found.hits] for found in before
    ]
    assert [found.total for found in after] == [found.total for found in before]
    matched = [hit.matched or 0 for hit in after[0].hits]
    assert after[0].relaxed and matched[:2] == [4, 4] and all(m < 4 for m in matched[2:])
    assert all(found.hits[0].pages for found in after[:2])


def test_a_lost_index_is_rebuilt_by_the_next_ingest(archive_copy: Path, corpus: Corpus) -> None:
    import shutil

    shutil.rmtree(archive_copy / "index")
    with Archive.open(archive_copy) as archive:
        archive.ingest(
            [corpus.root / "documents" / "2016-05-CT-TU.pdf"], options=IngestOptions(workers=1)
        )
        assert archive.search("dang vien").total == 1
        assert archive.search("chuyen doi so").total == 1


def test_documents_left_unindexed_are_indexed_once_by_the_next_run(
    archive_copy: Path, corpus: Corpus
) -> None:
    with Archive.open(archive_copy) as archive:
        before = archive.search("cong tac", clearance="tuyet-mat").total
    db = sqlite3.connect(archive_copy / "catalog.sqlite")
    with db:
        db.execute("UPDATE documents SET indexed = 0")
    db.close()
    with Archive.open(archive_copy) as archive:
        report = archive.ingest([], options=IngestOptions(workers=1, manifest=corpus.manifest))
        assert report.new == 0
        assert archive.search("cong tac", clearance="tuyet-mat").total == before
    db = sqlite3.connect(archive_copy / "catalog.sqlite")
    assert db.execute("SELECT count(*) FROM documents WHERE indexed = 0").fetchone() == (0,)


def test_files_of_unsupported_types_in_a_folder_are_reported_and_logged_not_failed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "in"
    (folder / "2015").mkdir(parents=True)
    (folder / "2015" / "bc.txt").write_text(
        "Báo cáo tổng kết công tác xây dựng Đảng năm 2014.", encoding="utf-8"
    )
    ignored = ["2015/danh-sach.docx", "GHI-CHU", "bang-ke.xls"]
    hidden = [".DS_Store", ".git/config", ".cache/ban-nhap.docx", "2015/.~lock.bang-ke.xls#"]
    # of types read, but hidden: macOS's AppleDouble twins and a trash folder are not documents
    hidden += ["2015/._bc.txt", "._scan.pdf", ".Trash-1000/files/cu.txt"]
    for name in ignored + hidden:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"PK\x03\x04")
    (folder / "manifest.csv").write_text("path,fond\n2015/bc.txt,TU\n", encoding="utf-8")
    expected = [str((folder / name).resolve()) for name in sorted(ignored, key=Path)]
    options = IngestOptions(
        workers=1, manifest=folder / "manifest.csv"
    )  # read as the manifest: not reported
    caplog.set_level(logging.INFO, logger="archive_search.ingest.pipeline")
    with Archive.open(folder / "archive", create=True) as archive:
        first = archive.ingest([folder], options=options)
        again = archive.ingest(
            [folder], options=options
        )  # the archive, inside the folder, is not walked
    assert (first.new, first.failures, first.unsupported) == (1, [], expected)
    assert (again.new, again.skipped, again.failures, again.unsupported) == (0, 1, [], expected)
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("ignored")]
    assert logged == [f"ignored, not a type archive-search reads: {path}" for path in expected * 2]

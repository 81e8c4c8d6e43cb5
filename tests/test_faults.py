"""Faults injected at their one seam: tesseract missing, its model missing, a foreign catalogue."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytesseract
import pytest

from archive_search import (
    Archive,
    ArchiveBusyError,
    ExitCode,
    IngestOptions,
    MissingDependencyError,
    OcrError,
    PageMethod,
    SchemaVersionError,
)
from archive_search.cli import main
from archive_search.index.schema import SCHEMA_VERSION
from archive_search.ingest import ocr
from tests.conftest import Corpus


@pytest.fixture()
def fresh_tesseract_check() -> Iterator[None]:
    ocr.check_tesseract.cache_clear()
    yield
    ocr.check_tesseract.cache_clear()


@pytest.mark.usefixtures("fresh_tesseract_check")
def test_missing_tesseract_stops_with_exit_3_and_keeps_finished_work(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    corpus: Corpus,
) -> None:
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "no-tesseract"))
    with pytest.raises(SystemExit) as exited:
        main(
            [
                "--archive",
                str(tmp_path / "a"),
                "ingest",
                "--workers",
                "1",
                "--quiet",
                str(corpus.root / "documents" / "2016-05-CT-TU.pdf"),
                str(corpus.root / "documents" / "2020-15-TB-TU.png"),
            ]
        )
    assert exited.value.code == ExitCode.MISSING_DEPENDENCY
    assert capsys.readouterr().err == (
        "Error: tesseract is not installed: install it with: apt-get install tesseract-ocr "
        "tesseract-ocr-vie\n"
    )
    with Archive.open(tmp_path / "a") as archive:
        assert archive.search("dang vien").total == 1


@pytest.mark.usefixtures("fresh_tesseract_check")
def test_missing_vietnamese_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pytesseract, "get_languages", lambda config="": ["eng", "osd"])
    with pytest.raises(MissingDependencyError, match="no Vietnamese model"):
        ocr.check_tesseract()


def test_other_schema_version_is_refused_clearly(archive_copy: Path) -> None:
    db = sqlite3.connect(archive_copy / "catalog.sqlite")
    with db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.close()
    with pytest.raises(
        SchemaVersionError,
        match=f"schema version 99, made by a newer archive-search; this one reads versions 2 to "
        f"{SCHEMA_VERSION}: upgrade archive-search",
    ):
        Archive.open(archive_copy)


def test_search_without_an_index_says_to_reindex(archive_copy: Path) -> None:
    import shutil

    shutil.rmtree(archive_copy / "index")
    with Archive.open(archive_copy) as archive:
        with pytest.raises(Exception, match="reindex"):
            archive.search("x")
        archive.reindex()
        assert archive.search("dang vien").total == 1


def test_ocr_timeout_fails_the_file_only(tmp_path: Path, corpus: Corpus) -> None:
    with Archive.open(tmp_path / "a", create=True) as archive:
        report = archive.ingest(
            [
                corpus.root / "documents" / "2020-15-TB-TU.png",
                corpus.root / "documents" / "2016-05-CT-TU.pdf",
            ],
            options=IngestOptions(workers=1, ocr_timeout=0.01),
        )
    assert report.new == 1
    assert [f.reason for f in report.failures] == ["tesseract took longer than 0.01 s on a page"]


def test_a_page_that_hangs_tesseract_costs_that_page_only_and_is_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from PIL import Image

    from tools.docgen import write_scan_tiff

    path = write_scan_tiff(
        tmp_path / "in" / "two-pages.tif",
        [
            "Ban Thường vụ thống nhất đẩy mạnh chuyển đổi số trong các cơ quan đảng.",
            "Các huyện ủy báo cáo kết quả trồng rừng ngập mặn ven biển.",
        ],
    )
    real_ocr, calls = ocr.ocr_image, []

    def second_page_hangs(
        image: Image.Image, *, timeout: float, scratch: Path | None = None
    ) -> ocr.OcrText:
        calls.append(image.size)
        if len(calls) == 2:  # the injected fault: what the seam raises when tesseract times out
            raise OcrError(f"tesseract took longer than {timeout:g} s on a page")
        return real_ocr(image, timeout=timeout, scratch=scratch)

    monkeypatch.setattr(ocr, "ocr_image", second_page_hangs)
    archive = str(tmp_path / "a")
    status = _exit_code(["--archive", archive, "ingest", "--workers", "1", str(path)])
    assert status == ExitCode.SOME_FILES_FAILED
    assert capsys.readouterr().err.splitlines()[0] == (
        f"failed: {path}: page 2: tesseract took longer than 180 s on a page"
    )
    with Archive.open(archive) as opened:
        assert opened.search("chuyen doi so").total == 1  # page 1 is searchable
        view = opened.document(opened.search("chuyen doi so").hits[0].id)
        assert [(p.method, p.error) for p in view.pages] == [
            (PageMethod.OCR, None),
            (PageMethod.FAILED, "tesseract took longer than 180 s on a page"),
        ]
        assert [f.path for f in opened.failures()] == [str(path)]
        monkeypatch.setattr(ocr, "ocr_image", real_ocr)
        report = opened.ingest([], options=IngestOptions(workers=1, retry_failed=True))
        assert (report.new, report.ocr_pages, report.ocr_cached, report.failures) == (1, 2, 1, [])
        assert opened.search("rung ngap man").total == 1
        assert opened.failures() == []


def _exit_code(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exited:
        main(args)
    return int(exited.value.code or 0)


TEXT = "Báo cáo tổng kết công tác xây dựng Đảng năm 2019 của Huyện ủy."


def test_a_second_writer_is_refused_at_once_naming_the_first_and_nothing_is_lost(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bc.txt").write_text(TEXT, encoding="utf-8")
    path = tmp_path / "a"
    with Archive.open(path, create=True) as first, Archive.open(path) as second:
        first.ingest([tmp_path / "in"], options=IngestOptions(workers=1))
        (tmp_path / "in" / "nq.txt").write_text(
            "Nghị quyết về chuyển đổi số năm 2020.", encoding="utf-8"
        )
        with first._writing("ingestion"):  # a librarian's long run, in another process in practice
            with pytest.raises(
                ArchiveBusyError, match=rf"\(ingestion by process {os.getpid()} on "
            ):
                second.ingest([tmp_path / "in"], options=IngestOptions(workers=1))
            for command in (["ingest", str(tmp_path / "in")], ["reindex"], ["prune"]):
                assert _exit_code(["--archive", str(path), *command]) == ExitCode.ARCHIVE
            assert second.search("cong tac xay dung dang").total == 1  # searching needs no lock
        err = capsys.readouterr().err
        assert err.count("another writer is at work on this archive (ingestion by process") == 3
        assert "Traceback" not in err
        report = second.ingest([tmp_path / "in"], options=IngestOptions(workers=1))
    assert (report.new, report.skipped, report.failures) == (1, 1, [])


def test_a_killed_writer_leaves_the_archive_unlocked_while_its_workers_live_on(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a"
    Archive.open(path, create=True).close()
    script = (
        "import os, sys, time\nfrom pathlib import Path\nfrom archive_search.writer_lock import "
        f"writing\nwith writing(Path({str(path)!r}), 'ingestion'):\n"
        "    worker = os.fork()\n"  # forked while the lock is held, as pool workers are
        "    if worker == 0:\n        time.sleep(60)\n        os._exit(0)\n"
        "    print(worker, flush=True)\n    sys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    worker = int(holder.stdout.readline())
    try:
        with Archive.open(path) as archive:
            with pytest.raises(ArchiveBusyError, match=rf"ingestion by process {holder.pid} on"):
                archive.reindex()
            holder.send_signal(signal.SIGKILL)
            holder.wait()
            assert archive.reindex() == 0  # the orphaned worker still holds the file open
            os.kill(worker, 0)  # (it is alive)
    finally:
        os.kill(worker, signal.SIGKILL)

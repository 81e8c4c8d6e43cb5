"""Temporary files of an ingestion run (real tesseract, real worker processes).

Written in the run's private scratch directory under the archive
(``scratch/<host>.<pid>-<random>``), removed when the run ends, and a killed run's directory
removed by the next run.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from archive_search import Archive, IngestOptions
from tools.docgen import write_scan_png

SCAN = "TỈNH ỦY BÌNH THUẬN\nSố {n}-TB/TU\nTHÔNG BÁO\nkết luận của Ban Thường vụ về chuyển đổi số"
TEXT = "Báo cáo tổng kết công tác xây dựng Đảng năm 2014: công tác kiểm tra, giám sát."


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def leftover(directory: Path) -> Path:
    """A scratch directory as a killed run leaves it: a page image and tesseract's output."""
    directory.mkdir(parents=True)
    (directory / "archive-search-x1y2.tif").write_bytes(b"II*\x00")
    (directory / "archive-search-x1y2.tsv").write_text("level\tpage_num\n", encoding="utf-8")
    return directory


def ingest_text(archive: Path, folder: Path) -> None:
    (folder / "bc.txt").write_text(TEXT, encoding="utf-8")
    with Archive.open(archive, create=True) as opened:
        report = opened.ingest([folder], options=IngestOptions(workers=1))
    assert report.failures == []


@pytest.mark.parametrize("workers", [1, 2])  # 1: OCR in this process, through the serial executor
def test_ocr_writes_no_temporary_file_in_the_system_temp_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    # The system temp dir made unusable for this process and the workers it forks: a page image
    # or tesseract's output (pytesseract's tess_* files) written there would fail its page.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "system-temp-dir-gone"))
    for n in (1, 2):
        write_scan_png(tmp_path / "in" / f"tb-{n}.png", SCAN.format(n=n))
    with Archive.open(tmp_path / "archive", create=True) as archive:
        report = archive.ingest([tmp_path / "in"], options=IngestOptions(workers=workers))
        assert archive.search("chuyen doi so").total == 2
    assert (report.new, report.ocr_pages, report.failures) == (2, 2, [])
    assert list((tmp_path / "archive" / "scratch").iterdir()) == []  # the run removed its directory
    assert not (tmp_path / "system-temp-dir-gone").exists()


def test_a_run_works_in_a_directory_named_after_its_host_and_pid_and_removes_it(
    tmp_path: Path,
) -> None:
    root = tmp_path / "archive" / "scratch"
    seen: list[list[str]] = []

    class Watch:
        def start(self, total: int) -> None:
            seen.append([entry.name for entry in root.iterdir() if entry.is_dir()])

        def advance(self, path: Path, pages: int) -> None:
            pass

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bc.txt").write_text(TEXT, encoding="utf-8")
    with Archive.open(tmp_path / "archive", create=True) as archive:
        archive.ingest([tmp_path / "in"], options=IngestOptions(workers=1), progress=Watch())
    assert len(seen) == 1 and len(seen[0]) == 1
    assert seen[0][0].startswith(f"{socket.gethostname().replace('-', '_')}.{os.getpid()}-")
    assert list(root.iterdir()) == []


def test_the_next_run_removes_a_killed_runs_scratch_directory_and_keeps_a_live_ones(
    tmp_path: Path,
) -> None:
    archive, folder = tmp_path / "archive", tmp_path / "in"
    folder.mkdir()
    ingest_text(archive, folder)
    root = archive / "scratch"
    host = socket.gethostname().replace("-", "_")
    killed = leftover(root / f"{host}.{dead_pid()}-k1ll3d")
    killed_before = leftover(
        root / f"{dead_pid()}-0ld"
    )  # named as runs were before the host was in it
    running = leftover(
        root / f"{host}.{os.getpid()}-runn1ng"
    )  # a concurrent ingestion's, its process alive
    elsewhere = leftover(root / f"other_machine.{dead_pid()}-sh4r3d")  # its pid means nothing here
    unknown = leftover(root / "not-a-run")
    ingest_text(archive, folder)
    assert not killed.exists() and not killed_before.exists()
    assert sorted(root.iterdir()) == sorted([running, elsewhere, unknown])
    assert sorted(entry.name for entry in running.iterdir()) == [
        "archive-search-x1y2.tif",
        "archive-search-x1y2.tsv",
    ]

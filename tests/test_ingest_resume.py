"""Resumable, incremental ingestion.

--retry-failed, prune, a run killed with SIGKILL, a search running while the index is being
committed to, and the progress bar on a real terminal.
"""

from __future__ import annotations

import json
import os
import pty
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from archive_search import Archive, IngestOptions, SearchResults
from archive_search.cli import cli
from archive_search.index.search_index import SearchIndex
from tools.docgen import write_pdf, write_scan_png

ROOT = Path(__file__).resolve().parents[1]


def numbered_document(number: int) -> list[str]:
    return [
        f"TỈNH ỦY BÌNH THUẬN\n*\nSố {number}-TB/TU\nPhan Thiết, ngày 5 tháng 6 năm 2018\nTHÔNG "
        f"BÁO\nvề hội nghị lần thứ {number}\n\nVăn phòng Tỉnh ủy thông báo kết quả hội nghị.",
    ]


def build_batch(folder: Path, count: int) -> list[Path]:
    return [
        write_pdf(folder / f"tb-{number:03d}.pdf", numbered_document(number))
        for number in range(1, count + 1)
    ]


def catalogue_rows(archive: Path, sql: str) -> list[tuple[object, ...]]:
    try:
        db = sqlite3.connect(
            f"{(archive / 'catalog.sqlite').as_uri()}?mode=ro", uri=True, timeout=30
        )
    except sqlite3.OperationalError:
        return []  # not created yet
    try:
        return db.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []  # its tables are not created yet
    finally:
        db.close()


def assert_consistent(archive_path: Path, count: int) -> None:
    """Every file once and done, every document indexed once and searchable by its symbol."""
    files = catalogue_rows(archive_path, "SELECT path, status FROM files ORDER BY path")
    assert len(files) == count and {status for _, status in files} == {"done"}
    assert catalogue_rows(archive_path, "SELECT count(*), sum(indexed) FROM documents") == [
        (count, count)
    ]
    pages = catalogue_rows(archive_path, "SELECT count(*) FROM pages")[0][0]
    assert (
        SearchIndex.open(archive_path / "index").count() == count + pages
    )  # one per document and page
    with Archive.open(archive_path) as archive:
        for number in range(1, count + 1):
            assert archive.search(f"{number}-TB/TU").total == 1, number


KILLABLE_RUN = """
import sys
from archive_search import Archive, IngestOptions
with Archive.open(sys.argv[1], create=True) as archive:
    archive.ingest([sys.argv[2]], options=IngestOptions(workers=2, commit_every=3))
"""


def run_and_kill(script: str, archive: Path, source: Path, ready: Callable[[], bool]) -> None:
    """Run ``script ARCHIVE SOURCE`` in a process group; SIGKILL the group once ``ready()``."""
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(archive), str(source)],
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        while process.poll() is None and not ready():
            time.sleep(0.01)
        assert process.poll() is None, (
            "the run finished before it could be killed: make the batch larger"
        )
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL


def start_and_kill(archive: Path, folder: Path, after_done: int) -> None:
    """Start an ingestion in a process group and SIGKILL the whole group mid-run."""

    def done_enough() -> bool:
        done = catalogue_rows(archive, "SELECT count(*) FROM files WHERE status = 'done'")
        return bool(done) and int(str(done[0][0])) >= after_done

    run_and_kill(KILLABLE_RUN, archive, folder, done_enough)


def test_a_run_killed_with_sigkill_is_completed_by_the_next_run(tmp_path: Path) -> None:
    count = 45
    build_batch(tmp_path / "in", count)
    archive = tmp_path / "archive"
    start_and_kill(archive, tmp_path / "in", after_done=4)
    start_and_kill(archive, tmp_path / "in", after_done=count // 2)
    done_before = int(str(catalogue_rows(archive, "SELECT count(*) FROM files")[0][0]))
    assert 0 < done_before < count
    assert (
        len(list((archive / "scratch").iterdir())) == 1
    )  # the second killed run's (it removed the first's)
    with Archive.open(archive) as opened:
        report = opened.ingest([tmp_path / "in"], options=IngestOptions(workers=2))
    assert (report.new, report.skipped, report.failures) == (count - done_before, done_before, [])
    assert_consistent(archive, count)
    assert list((archive / "scratch").iterdir()) == []  # the killed run's scratch directory too


def test_search_during_a_multi_commit_ingestion_sees_each_commit_and_never_errors(
    tmp_path: Path,
) -> None:
    count = 12
    paths = build_batch(tmp_path / "in", count)
    with Archive.open(tmp_path / "a", create=True) as writer:
        writer.ingest(paths[:1], options=IngestOptions(workers=1))
        totals: list[int] = []
        errors: list[BaseException] = []
        searched, advanced, finished = threading.Event(), threading.Event(), threading.Event()

        def read_in_a_loop() -> None:
            with Archive.open(tmp_path / "a") as reader:
                while not finished.is_set():
                    try:
                        results: SearchResults = reader.search("hoi nghi")
                        totals.append(results.total)
                    except BaseException as exc:  # the test fails on any error, listed below
                        errors.append(exc)
                        return
                    searched.set()
                    advanced.wait(timeout=5)
                    advanced.clear()

        class Handshake:
            """After each file, let the reader search once before going on."""

            def start(self, total: int) -> None:
                pass

            def advance(self, path: Path, pages: int) -> None:
                searched.clear()
                advanced.set()
                searched.wait(timeout=30)

        thread = threading.Thread(target=read_in_a_loop)
        thread.start()
        try:
            writer.ingest(
                paths, options=IngestOptions(workers=1, commit_every=2), progress=Handshake()
            )
        finally:
            finished.set()
            advanced.set()
            thread.join()
    assert errors == []
    assert totals == sorted(totals) and totals[0] >= 1
    assert len(set(totals)) >= 3  # the reader saw several commits, each complete
    assert_consistent(tmp_path / "a", count)
    segments = {
        entry["segment_id"].replace("-", "")
        for entry in json.loads((tmp_path / "a" / "index" / "public" / "meta.json").read_text())[
            "segments"
        ]
    }
    on_disk = {item.stem for item in (tmp_path / "a" / "index" / "public").glob("*.idx")}
    assert on_disk == segments  # old segments were garbage-collected


def test_retry_failed_retries_only_failures(tmp_path: Path) -> None:
    scan = write_scan_png(tmp_path / "in" / "tb.png", "\n".join(numbered_document(7)))
    good = build_batch(tmp_path / "in", 2)
    with Archive.open(tmp_path / "a", create=True) as archive:
        first = archive.ingest(
            [tmp_path / "in"], options=IngestOptions(workers=1, ocr_timeout=0.01)
        )
        assert (first.new, [f.path for f in first.failures]) == (2, [str(scan)])
        again = archive.ingest([tmp_path / "in"], options=IngestOptions(workers=1))
        assert (again.new, again.skipped, again.failed_before, again.failures) == (
            0,
            3,
            1,
            [],
        )  # not retried
        summary = CliRunner().invoke(
            cli, ["--archive", str(tmp_path / "a"), "ingest", str(tmp_path / "in")]
        )
        assert (summary.exit_code, summary.output.split(" s; ")[1]) == (
            0,
            "1 unchanged files failed before (--retry-failed reads them again)\n",
        )
        retried = archive.ingest([], options=IngestOptions(workers=1, retry_failed=True))
        assert (retried.new, retried.skipped, retried.ocr_pages, retried.failures) == (1, 0, 1, [])
        assert archive.failures() == []
        assert archive.search("7-TB/TU").total == 1
    assert len(good) == 2


def test_prune_removes_entries_of_files_that_are_gone(tmp_path: Path) -> None:
    first, second, third = build_batch(tmp_path / "in", 3)
    copy = tmp_path / "in" / "copy-of-1.pdf"
    copy.write_bytes(first.read_bytes())
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "--archive",
            str(tmp_path / "a"),
            "ingest",
            "--quiet",
            "--workers",
            "1",
            str(tmp_path / "in"),
        ],
    )
    assert result.exit_code == 0, result.output
    first.unlink()
    second.unlink()
    result = runner.invoke(cli, ["--archive", str(tmp_path / "a"), "prune"])
    assert (result.exit_code, result.output) == (0, "pruned 2 missing files\n")
    with Archive.open(tmp_path / "a") as archive:
        assert archive.search("2-TB/TU").total == 0
        kept = archive.search("1-TB/TU").hits  # its copy still exists and now holds the document
        assert [hit.source for hit in kept] == [str(copy)]
        assert archive.search("3-TB/TU").total == 1
        third.unlink()
        report = archive.ingest([], options=IngestOptions(workers=1, prune=True))
        assert report.pruned == 1
        assert archive.search("hoi nghi").total == 1
    assert catalogue_rows(tmp_path / "a", "SELECT path, status FROM files") == [(str(copy), "done")]
    assert catalogue_rows(tmp_path / "a", "SELECT count(*) FROM documents WHERE indexed = 0") == [
        (0,)
    ]


def test_progress_bar_on_a_terminal_and_nothing_on_a_pipe(tmp_path: Path) -> None:
    build_batch(tmp_path / "in", 2)
    command = [
        sys.executable,
        "-m",
        "archive_search",
        "--archive",
        str(tmp_path / "a"),
        "ingest",
        "--workers",
        "1",
        str(tmp_path / "in"),
    ]
    leader, follower = pty.openpty()
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=follower) as process:
        os.close(follower)
        terminal = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            terminal += chunk
        stdout = process.stdout.read().decode() if process.stdout else ""
    os.close(leader)
    drawn = terminal.decode()
    assert process.returncode == 0
    assert "Ingesting" in drawn and "2/2" in drawn and "pages/s" in drawn
    assert stdout.startswith(
        "2 new, 0 unchanged, 0 duplicates, 0 catalogue records, 2 pages (0 OCR), 0 failed in "
    )
    piped = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    assert piped.stderr == ""
    assert piped.stdout.startswith("0 new, 2 unchanged")
    quiet = subprocess.run(
        [*command, "--quiet"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert (quiet.stdout, quiet.stderr) == ("", "")


def test_a_prune_killed_before_its_index_commit_is_completed_by_the_next_run(
    tmp_path: Path,
) -> None:
    from archive_search.index.catalog import Catalog

    first, second = build_batch(tmp_path / "in", 2)
    with Archive.open(tmp_path / "a", create=True) as archive:
        archive.ingest([tmp_path / "in"], options=IngestOptions(workers=1))
    first.unlink()
    catalog = Catalog.open(tmp_path / "a" / "catalog.sqlite")  # what a killed prune left behind:
    with catalog.transaction():
        catalog.forget_file(str(first))  # the catalogue committed, the index not yet
    catalog.close()
    with Archive.open(tmp_path / "a") as archive:
        assert archive.search("hoi nghi").total == 2  # the index still holds the document
        archive.ingest([second], options=IngestOptions(workers=1))
        assert [hit.symbol for hit in archive.search("hoi nghi").hits] == ["2-TB/TU"]
    assert catalogue_rows(tmp_path / "a", "SELECT count(*) FROM removed") == [(0,)]


CHUNKED_RUN = """
import sys
from archive_search import Archive, IngestOptions
with Archive.open(sys.argv[1], create=True) as archive:
    archive.ingest([sys.argv[2]], options=IngestOptions(workers=1, pages_per_task=1))
"""


def test_a_run_killed_inside_a_long_scan_keeps_its_ocr_and_the_next_run_completes_it(
    tmp_path: Path,
) -> None:
    from tools.docgen import write_scan_pdf

    texts = [
        f"Trang {n}: các huyện ủy báo cáo kết quả trồng rừng ngập mặn đợt {n}." for n in range(1, 6)
    ]
    path = write_scan_pdf(tmp_path / "in" / "long-scan.pdf", texts)
    archive = tmp_path / "archive"
    # One worker runs four one-page tasks, the parent keeps their OCR, then the fifth page is read:
    # killed then, the file is not stored yet but some of its pages are in the OCR cache.
    run_and_kill(
        CHUNKED_RUN,
        archive,
        path,
        lambda: bool(catalogue_rows(archive, "SELECT 1 FROM ocr_cache LIMIT 1")),
    )
    assert catalogue_rows(archive, "SELECT count(*) FROM files") == [
        (0,)
    ]  # the file was not finished
    cached = int(str(catalogue_rows(archive, "SELECT count(*) FROM ocr_cache")[0][0]))
    assert 0 < cached < len(texts)
    [killed] = (
        archive / "scratch"
    ).iterdir()  # the killed run's, perhaps with the page it was reading
    with Archive.open(archive) as opened:
        report = opened.ingest(
            [tmp_path / "in"], options=IngestOptions(workers=2, pages_per_task=1)
        )
        assert (report.new, report.pages, report.failures) == (1, len(texts), [])
        assert (report.ocr_pages, report.ocr_cached) == (
            len(texts),
            cached,
        )  # only the rest read again
        assert opened.search("rung ngap man").total == 1
    assert not killed.exists()
    assert catalogue_rows(archive, "SELECT count(*), sum(indexed) FROM documents") == [(1, 1)]
    assert catalogue_rows(archive, "SELECT page, method FROM pages ORDER BY page") == [
        (n, "ocr") for n in range(1, len(texts) + 1)
    ]
    assert catalogue_rows(archive, "SELECT count(*) FROM ocr_cache") == [(len(texts),)]


def test_an_archive_older_than_ocr_sources_gets_the_table_from_its_next_ingest(
    tmp_path: Path,
) -> None:
    scan = write_scan_png(tmp_path / "in" / "scan.png", "THÔNG BÁO\nkết luận về chuyển đổi số")
    with Archive.open(tmp_path / "a", create=True) as archive:
        archive.ingest([scan], options=IngestOptions(workers=1))
    with sqlite3.connect(tmp_path / "a" / "catalog.sqlite") as db:
        db.execute("DROP TABLE ocr_sources")  # as an archive-search before it made the catalogue
        db.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    with Archive.open(tmp_path / "a") as archive:
        assert archive.search("chuyen doi so").total == 1  # reading never needs it
        second = tmp_path / "in" / "note.txt"
        second.write_text("Báo cáo về chuyển đổi số", encoding="utf-8")
        report = archive.ingest([tmp_path / "in"], options=IngestOptions(workers=1))
        assert (report.new, report.skipped, report.failures) == (1, 1, [])
    assert catalogue_rows(tmp_path / "a", "SELECT count(*) FROM ocr_sources") == [(0,)]


def test_ctrl_c_stops_an_ingest_with_every_finished_file_searchable_and_the_next_run_reads_the_rest(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(400):
        (folder / f"bc-{n:03}.txt").write_text(
            f"Báo cáo số {n} về công tác xây dựng Đảng", encoding="utf-8"
        )
    archive = tmp_path / "a"
    process = subprocess.Popen(
        [sys.executable, "-m", "archive_search", "--archive", str(archive), "ingest", str(folder)],
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def done() -> int:
        rows = catalogue_rows(archive, "SELECT count(*) FROM files WHERE status = 'done'")
        return int(str(rows[0][0])) if rows else 0

    while process.poll() is None and done() < 5:
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends: the whole process group, workers too
    out, err = process.communicate(timeout=120)
    assert (process.returncode, out) == (130, "")
    assert err.splitlines()[-1] == (
        "Interrupted: every file finished is stored and searchable; the same command again reads "
        "the rest"
    )
    stored = done()
    assert 5 <= stored < 400, (
        "the run finished before it could be interrupted: make the batch larger"
    )
    assert catalogue_rows(archive, "SELECT count(*) FROM files WHERE status != 'done'") == [(0,)]
    with Archive.open(archive) as opened:
        assert opened.search("xay dung dang").total == stored
        report = opened.ingest([folder])
        assert (report.new, report.skipped, report.failures) == (400 - stored, stored, [])
        assert opened.search("xay dung dang").total == 400

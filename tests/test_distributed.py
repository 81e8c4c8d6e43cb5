"""Extraction on a real Dask cluster of worker processes: same results, bounded, fault-tolerant."""

from __future__ import annotations

import os
import signal
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

distributed = pytest.importorskip("distributed")

import dask.config  # noqa: E402

from archive_search.index.errors import ExitCode, InputFileError, MissingDependencyError  # noqa: E402
from archive_search.ingest.distributed import (  # noqa: E402
    ClusterHandle,
    ClusterUnavailableError,
    RemoteTaskError,
    bounded_submit,
    connect_cluster,
    extract_remote,
)
from archive_search.ingest.executors import SerialExecutor  # noqa: E402
from archive_search.ingest.extract import ExtractTask, extract_file  # noqa: E402
from tools.docgen import write_pdf, write_scan_png, write_scan_tiff  # noqa: E402

SCAN = (
    "TỈNH ỦY BÌNH THUẬN\nSố 15-TB/TU\nPhan Thiết, ngày 4 tháng 5 năm 2020\n"
    "THÔNG BÁO\nkết luận của Ban Thường vụ về chuyển đổi số {n}"
)
PDF = (
    "Ban Thường vụ Tỉnh ủy xác định ứng dụng công nghệ thông tin là nhiệm vụ trọng tâm "
    "của các cấp ủy."
)
TEXT = (
    "Báo cáo tổng kết công tác xây dựng Đảng năm 2014\f"
    "Trang hai nói về công tác kiểm tra, giám sát."
)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("distributed")
    text = root / "2015-03-BC-TU.txt"
    text.write_text(TEXT, encoding="utf-8")
    fake = root / "giả.pdf"
    fake.write_text("<html>not a PDF</html>")
    return {
        "pdf": write_pdf(root / "2019-31-NQ-TU.pdf", [PDF]),
        "scan": write_scan_png(root / "2020-15-TB-TU.png", SCAN.format(n=1)),
        "text": text,
        "fake": fake,
    }


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    # One death is enough to call a task bad here (Dask's default is 3), to keep the test short.
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 1}),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as local,
    ):
        yield local


@pytest.fixture(scope="module")
def handle(cluster: Any) -> Iterator[ClusterHandle]:
    with connect_cluster(cluster.scheduler_address) as connected:
        yield connected


def _read(path: Path) -> tuple[ExtractTask, bytes]:
    return ExtractTask(path), path.read_bytes()


def test_cluster_handle_counts_worker_threads(handle: ClusterHandle) -> None:
    assert handle.workers == 2


def test_extract_remote_on_the_cluster_equals_extract_file(
    handle: ClusterHandle, files: dict[str, Path]
) -> None:
    results = {
        item: future.result()
        for item, future in bounded_submit(
            handle.executor, extract_remote, files.values(), make_args=_read, limit=2
        )
    }
    assert results == {path: extract_file(ExtractTask(path)) for path in files.values()}
    assert "chuyển đổi số" in results[files["scan"]].pages[0].text  # tesseract read it on a worker
    assert results[files["fake"]].error is not None
    assert results[files["fake"]].path == files["fake"]


def test_extract_remote_leaves_no_temporary_file(
    files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    for path in (files["text"], files["fake"]):
        assert extract_remote(*_read(path)) == extract_file(ExtractTask(path))
    assert list(tmp_path.iterdir()) == []


def test_on_a_worker_extract_remote_writes_in_the_workers_own_directory(
    handle: ClusterHandle, files: dict[str, Path]
) -> None:
    # The workers' system temp dir made unusable: a file written there would fail every attempt.
    handle.client.run(
        exec, "import tempfile; tempfile.tempdir = '/nonexistent/archive-search-tmp'", {}
    )
    try:
        paths = [files["text"], files["fake"]]
        outcomes = bounded_submit(handle.executor, extract_remote, paths, make_args=_read, limit=2)
        results = {path: future.result() for path, future in outcomes}
    finally:
        handle.client.run(exec, "import tempfile; tempfile.tempdir = None", {})
    assert results == {path: extract_file(ExtractTask(path)) for path in results}
    directories: dict[str, str] = handle.client.run(lambda dask_worker: dask_worker.local_directory)
    assert [
        name
        for folder in directories.values()
        for name in os.listdir(folder)
        if "archive-search" in name
    ] == []


def _process_pool() -> Executor:
    return ProcessPoolExecutor(max_workers=2)


@pytest.mark.parametrize("kind", ["serial", "process pool", "dask"])
def test_bounded_submit_keeps_at_most_limit_in_flight(kind: str, handle: ClusterHandle) -> None:
    limit, items = 3, list(range(12))
    in_flight, most, submitted_when = 0, 0, {}
    yielded: list[int] = []

    def make_args(item: int) -> tuple[float]:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        submitted_when[item] = len(yielded)
        return (0.05,)

    executor = {
        "serial": SerialExecutor,
        "process pool": _process_pool,
        "dask": lambda: handle.executor,
    }[kind]()
    for item, future in bounded_submit(
        executor, time.sleep, items, make_args=make_args, limit=limit
    ):
        future.result()
        in_flight -= 1
        yielded.append(item)
    if kind != "dask":
        executor.shutdown()
    assert sorted(yielded) == items
    assert most == limit
    assert all(
        submitted_when[item] >= item - limit + 1 for item in items
    )  # lazily, as others finish


def test_bounded_submit_returns_a_failing_make_args_as_that_items_failure() -> None:
    def make_args(path: Path) -> tuple[ExtractTask, bytes]:
        return _read(path)

    missing, text = Path("/nonexistent/a.txt"), Path(__file__)
    outcomes = dict(
        bounded_submit(
            SerialExecutor(), extract_remote, [missing, text], make_args=make_args, limit=1
        )
    )
    with pytest.raises(FileNotFoundError):
        outcomes[missing].result()
    assert outcomes[text].result().error is not None  # a .py file: unsupported, but not raised


def test_bounded_submit_ends_soon_after_stop_and_cancels_what_has_not_started() -> None:
    from concurrent.futures import ThreadPoolExecutor

    ran: list[float] = []
    finished: list[float] = []
    release, stopping = threading.Event(), threading.Event()

    def task(seconds: float) -> float:
        ran.append(seconds)
        release.wait(seconds)
        finished.append(seconds)
        return seconds

    with ThreadPoolExecutor(1) as pool:
        threading.Timer(0.1, stopping.set).start()
        submitted = bounded_submit(
            pool, task, [30.0, 31.0], make_args=lambda s: (s,), limit=2, stop=stopping.is_set
        )
        yielded = list(submitted)
        running_at_return = ran == [30.0] and finished == []
        release.set()  # the running task: the pool's to finish
    assert yielded == [] and ran == [30.0]  # the second never started
    assert running_at_return  # stop is looked at while a task runs, not after it ends


@pytest.mark.slow
def test_a_worker_killed_mid_run_loses_nothing(
    handle: ClusterHandle, files: dict[str, Path]
) -> None:
    scans = [
        write_scan_png(files["pdf"].parent / f"kill-{n}.png", SCAN.format(n=n)) for n in range(6)
    ]
    pids: dict[str, int] = handle.client.run(os.getpid)  # type: ignore[attr-defined]
    killer = threading.Timer(1.5, os.kill, (next(iter(pids.values())), signal.SIGKILL))
    killer.start()
    outcomes = list(
        bounded_submit(handle.executor, extract_remote, scans, make_args=_read, limit=4)
    )
    killer.join()
    assert Counter(item for item, _ in outcomes) == Counter(scans)  # every file exactly once
    for item, future in outcomes:
        result = future.result()
        assert result.path == item and result.error is None
        assert "chuyển đổi số" in result.pages[0].text
    assert set(handle.client.run(os.getpid).values()) != set(pids.values())  # type: ignore[attr-defined]


@pytest.mark.slow
def test_a_task_that_kills_every_worker_is_a_file_failure(handle: ClusterHandle) -> None:
    future = handle.executor.submit(os._exit, 1)
    with pytest.raises(RemoteTaskError, match="died on every attempt") as raised:
        future.result(timeout=60)
    assert isinstance(
        raised.value, InputFileError
    )  # recorded in the failures list; the batch goes on
    assert handle.executor.submit(sum, [1, 2]).result(timeout=30) == 3  # the cluster recovered


def test_a_task_that_raises_on_every_retry_is_a_file_failure(handle: ClusterHandle) -> None:
    with pytest.raises(RemoteTaskError, match=r"after 3 attempts: ValueError"):
        handle.executor.submit(int, "không phải số").result(timeout=30)


def test_losing_the_scheduler_fails_every_unfinished_task_clearly() -> None:
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as local:
        connected = connect_cluster(local.scheduler_address)
        assert connected.executor.submit(sum, [1, 2]).result(timeout=30) == 3
        waiting = connected.executor.submit(time.sleep, 60)
        time.sleep(0.5)
    with pytest.raises(ClusterUnavailableError, match=local.scheduler_address):
        waiting.result(timeout=30)
    with pytest.raises(ClusterUnavailableError):
        connected.executor.submit(sum, [1, 2])
    connected.close()


def test_without_dask_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the extra were not installed
    with pytest.raises(
        MissingDependencyError, match=r"pip install 'archive-search\[distributed\]'"
    ):
        connect_cluster("tcp://127.0.0.1:8786")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_scheduler_is_a_clear_error_quickly() -> None:
    address = f"tcp://127.0.0.1:{_free_port()}"
    started = time.monotonic()
    with pytest.raises(ClusterUnavailableError) as raised:
        connect_cluster(address, timeout=2)
    assert time.monotonic() - started < 10
    assert str(raised.value).startswith(f"cannot reach the Dask scheduler at {address} within 2 s")
    assert "\n" not in str(raised.value)
    assert raised.value.exit_code == ExitCode.MISSING_DEPENDENCY


def _catalogue(archive_path: Path) -> dict[str, list[tuple[int, str, str]]]:
    """Each document's source file name → its pages (number, text, method)."""
    from archive_search import Archive

    with Archive.open(archive_path) as archive:
        catalog = archive._catalog
        return {
            Path(doc.source).name: [
                (p.number, p.text, p.method.value) for p in catalog.pages(doc.num)
            ]
            for doc in catalog.iter_documents()
        }


def _ingest(
    archive_path: Path, paths: list[Path], cluster: str | None, pages_per_task: int = 4
) -> Any:
    from archive_search import Archive, IngestOptions

    with Archive.open(archive_path, create=True) as archive:
        return archive.ingest(
            paths, options=IngestOptions(workers=2, cluster=cluster, pages_per_task=pages_per_task)
        )


def test_ingestion_through_the_cluster_gives_the_local_catalogue(
    cluster: Any, files: dict[str, Path], tmp_path: Path
) -> None:
    paths = list(files.values())
    remote = _ingest(tmp_path / "remote", paths, cluster.scheduler_address)
    local = _ingest(tmp_path / "local", paths, None)
    assert (remote.new, remote.ocr_pages, len(remote.failures)) == (
        local.new,
        local.ocr_pages,
        len(local.failures),
    )
    assert [f.reason for f in remote.failures] == [f.reason for f in local.failures]
    assert _catalogue(tmp_path / "remote") == _catalogue(tmp_path / "local")


def test_extract_remote_reads_a_page_range(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "long.pdf", [f"{PDF} Trang {n}." for n in range(1, 5)])
    task = ExtractTask(path, page_range=(2, 3))
    assert extract_remote(task, path.read_bytes()) == extract_file(task)
    assert [page.number for page in extract_file(task).pages] == [2, 3]


def test_page_range_tasks_through_the_cluster_give_the_local_catalogue(
    cluster: Any, tmp_path: Path
) -> None:
    paths = [
        write_scan_tiff(tmp_path / "in" / "scans.tif", [SCAN.format(n=n) for n in range(3)]),
        write_pdf(tmp_path / "in" / "long.pdf", [f"{PDF} Trang {n}." for n in range(1, 4)]),
    ]
    remote = _ingest(tmp_path / "remote", paths, cluster.scheduler_address, pages_per_task=1)
    local = _ingest(tmp_path / "local", paths, None, pages_per_task=100)
    assert (remote.new, remote.pages, remote.ocr_pages, remote.failures) == (2, 6, 3, [])
    assert (local.new, local.pages, local.ocr_pages, local.failures) == (2, 6, 3, [])
    assert _catalogue(tmp_path / "remote") == _catalogue(tmp_path / "local")


def test_a_long_scan_a_killed_cluster_run_read_in_part_is_finished_from_the_ocr_cache(
    cluster: Any, tmp_path: Path
) -> None:
    from archive_search.index.catalog import Catalog

    scan = write_scan_tiff(tmp_path / "in" / "scans.tif", [SCAN.format(n=n) for n in range(3)])
    first = _ingest(tmp_path / "a", [scan], cluster.scheduler_address, pages_per_task=1)
    assert (first.new, first.ocr_pages, first.ocr_cached, first.failures) == (1, 3, 0, [])
    # What a run killed before the file's last page came back leaves (the kill itself is tested
    # on the local pool, test_ingest_resume): the file not stored, two of its pages' OCR cached.
    catalog = Catalog.open(tmp_path / "a" / "catalog.sqlite")
    with catalog.transaction() as db:
        held = catalog.document_of_file(str(scan.resolve()))
        db.execute(
            "DELETE FROM files WHERE path = ?", (str(scan.resolve()),)
        )  # not forget_file: the file
        catalog.release_document(str(held))  # is still there, and so is what was read of it
        db.execute(
            "DELETE FROM ocr_cache WHERE image_hash IN (SELECT image_hash FROM ocr_sources WHERE "
            "page = 3)"
        )
    catalog.close()
    again = _ingest(tmp_path / "a", [scan], cluster.scheduler_address, pages_per_task=1)
    assert (again.new, again.ocr_pages, again.ocr_cached, again.failures) == (
        1,
        3,
        2,
        [],
    )  # one page read again
    pages = _catalogue(tmp_path / "a")["scans.tif"]
    assert [(number, method) for number, _, method in pages] == [(1, "ocr"), (2, "ocr"), (3, "ocr")]
    assert all("chuyển đổi số" in text for _, text, _ in pages)


def test_killing_a_worker_mid_ingestion_loses_and_duplicates_nothing(
    cluster: Any, handle: ClusterHandle, tmp_path: Path
) -> None:
    scans = [
        write_scan_png(tmp_path / "scans" / f"scan-{n}.png", SCAN.format(n=n)) for n in range(6)
    ]
    pids = list(handle.client.run(os.getpid).values())
    killer = threading.Timer(2.0, os.kill, (pids[0], signal.SIGKILL))
    killer.start()
    try:
        report = _ingest(tmp_path / "archive", scans, cluster.scheduler_address)
    finally:
        killer.cancel()
    assert (report.new, report.ocr_pages, report.failures) == (6, 6, [])
    pages = _catalogue(tmp_path / "archive")
    assert sorted(pages) == sorted(scan.name for scan in scans)
    assert all(len(found) == 1 and "chuyển đổi số" in found[0][1] for found in pages.values())

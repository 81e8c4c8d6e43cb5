"""OCR throughput through a local Dask cluster vs the local process pool, same pages and cores.

``python -m bench.dask_ocr --pages 16 --workers 2 --repeats 3`` renders ``--pages`` distinct A4
scans at 300 dpi, OCRs them (no OCR cache) through ``ProcessPoolExecutor(workers)`` with
``extract_file`` and through ``LocalCluster(workers, 1 thread each)`` with ``extract_remote`` (the
file's bytes sent with each task), both fed by ``bounded_submit``, and prints the median
pages/min of ``--repeats`` runs as Markdown, with the scaling plan for the whole archive.
Start-up (pool, cluster, worker imports) is left out: each executor is warmed up first.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path

from archive_search.ingest.distributed import bounded_submit, connect_cluster, extract_remote
from archive_search.ingest.extract import ExtractResult, ExtractTask, extract_file
from tools.docgen import write_scan_png

ARCHIVE_PAGES = 83_946  # pages in the Party Committee archive to be OCR'd
PLAN_CORES = (2, 16, 64)
PAGE_TEXT = (
    "TỈNH ỦY BÌNH THUẬN\nSố {n}-TB/TU\nPhan Thiết, ngày 4 tháng 5 năm 2020\nTHÔNG BÁO\n"
    "kết luận của Ban Thường vụ về chuyển đổi số, trang {n}\n\n"
    "Ban Thường vụ thống nhất đẩy mạnh chuyển đổi số trong các cơ quan đảng, xây dựng chính quyền "
    "số và kinh tế số của tỉnh; giao Văn phòng Tỉnh ủy chủ trì số hoá tài liệu lưu trữ, lập mục "
    "lục hồ sơ, bảo quản bản gốc và báo cáo kết quả thực hiện trước ngày 31 tháng 12 năm {year}."
)
Submit = Callable[[Executor, Sequence[Path], int], list[ExtractResult]]


def render_pages(folder: Path, count: int) -> list[Path]:
    """``count`` different scanned pages (different text, so nothing is OCR'd twice)."""
    return [
        write_scan_png(folder / f"page-{n:03}.png", PAGE_TEXT.format(n=n + 1, year=2000 + n % 25))
        for n in range(count)
    ]


def run_local(executor: Executor, paths: Sequence[Path], limit: int) -> list[ExtractResult]:
    stream = bounded_submit(
        executor, extract_file, paths, make_args=lambda path: (ExtractTask(path),), limit=limit
    )
    return [future.result() for _, future in stream]


def run_remote(executor: Executor, paths: Sequence[Path], limit: int) -> list[ExtractResult]:
    def make_args(path: Path) -> tuple[ExtractTask, bytes]:
        return ExtractTask(path), path.read_bytes()

    stream = bounded_submit(executor, extract_remote, paths, make_args=make_args, limit=limit)
    return [future.result() for _, future in stream]


def one_run(executor: Executor, submit: Submit, paths: Sequence[Path], limit: int) -> float:
    """Pages/min of one run; every page must come back OCR'd."""
    started = time.perf_counter()
    results = submit(executor, paths, limit)
    elapsed = time.perf_counter() - started
    pages = sum(len(result.pages) for result in results if result.error is None)
    if pages != len(paths) or any(page.method.value != "ocr" for r in results for page in r.pages):
        raise RuntimeError(f"expected {len(paths)} OCR'd pages, got {pages}")
    return pages / elapsed * 60


def measure(
    paths: Sequence[Path], warm: Sequence[Path], workers: int, repeats: int
) -> dict[str, float]:
    """Median pages/min of each executor; runs alternate, so a busy machine slows both alike."""
    distributed = importlib.import_module("distributed")  # the optional extra, only partly typed
    limit = 2 * workers  # one task running and one waiting per worker: no worker ever idles
    rates: dict[str, list[float]] = {"local": [], "dask": []}
    cluster = distributed.LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    with (
        cluster,
        ProcessPoolExecutor(workers) as pool,
        connect_cluster(cluster.scheduler_address) as handle,
    ):
        run_local(pool, warm, limit)
        run_remote(handle.executor, warm, limit)
        for _ in range(repeats):
            rates["local"].append(one_run(pool, run_local, paths, limit))
            rates["dask"].append(one_run(handle.executor, run_remote, paths, limit))
    return {name: float(statistics.median(values)) for name, values in rates.items()}


def report(rates: dict[str, float], pages: int, workers: int, repeats: int) -> str:
    per_core_hour = rates["dask"] * 60 / workers
    lines = [
        f"OCR of {pages} scanned A4 pages at 300 dpi (tesseract -l vie, 1 thread per worker), "
        f"{workers} workers, median of {repeats} runs:",
        "",
        "| executor | pages/min | vs local pool |",
        "| --- | ---: | ---: |",
        f"| ProcessPoolExecutor({workers}) + extract_file | {rates['local']:.1f} | 100.0% |",
        f"| LocalCluster({workers} workers, 1 thread) + extract_remote | {rates['dask']:.1f} "
        f"| {100 * rates['dask'] / rates['local']:.1f}% |",
        "",
        f"Scaling plan: {per_core_hour:.0f} pages/hour/core measured through Dask; "
        f"{ARCHIVE_PAGES:,} pages, assuming linear scaling (OCR is CPU-bound, tasks are "
        "independent, the parent only writes):",
        "",
        "| cores | pages/hour | hours for the archive |",
        "| ---: | ---: | ---: |",
    ]
    for cores in PLAN_CORES:
        hourly = per_core_hour * cores
        lines.append(f"| {cores} | {hourly:,.0f} | {ARCHIVE_PAGES / hourly:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ["OMP_THREAD_LIMIT"] = "1"  # inherited by the pool's and the cluster's workers
    with tempfile.TemporaryDirectory(prefix="dask-ocr-") as folder:
        paths = render_pages(Path(folder), args.pages)
        warm = render_pages(Path(folder) / "warm", args.workers)
        rates = measure(paths, warm, args.workers, args.repeats)
    print(report(rates, args.pages, args.workers, args.repeats))


if __name__ == "__main__":
    main()

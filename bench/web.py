"""The web pages' bench: the search page's time and size, and the first page image of a scan.

``python -m bench.web --scale 0.02 --out bench/reports/web-scale-0.02.md``

Generates the scale corpus's text documents and catalogue records (bench/corpus.py, no PDFs or
scans) and one scanned 300 dpi A4 page, ingests them, adds a user, starts ``archive-search
serve`` on a loopback port and, signed in as that user, asks for the search page of every query
of the bench's query set (bench/run.py) ``--repeats`` times: the time from request to the last
byte (loopback, so the server's time and a millisecond of HTTP), and the HTML's size. Then the
page viewer of the scan and its first image, as a browser asks for them: the viewer's HTML,
then the image, timed together (the first image the server process makes, then warm); and in
Debian's chromium, from opening the viewer to its page image loaded.

``python -m bench.web --scale 1.0 --archive DIR --out bench/reports/web-scale-1.md`` serves a
scale archive built before (bench/run.py's, same scale, seed and text pool, which the query set
is drawn from) instead: the search pages only, as it holds no scan.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.corpus import DEFAULT_TEXT_POOL, ScaleCorpus, generate
from bench.peers import BenchQuery
from bench.run import long_query_set, percentile, query_set
from tools.docgen import write_scan_pdf

PASSWORD = "bench-web-password"
SCAN = "BÁO CÁO\nvề chuyển đổi số trong các cơ quan đảng\n\n" + (
    "Ban Thường vụ thống nhất đẩy mạnh chuyển đổi số, xây dựng chính quyền số và kinh tế số.\n" * 12
)


def build(work: Path, scale: float, seed: int, pool: Path) -> tuple[Path, ScaleCorpus]:
    """The scale corpus's text and records and one scanned page, ingested."""
    from archive_search import Archive, IngestOptions

    archive = work / "archive"
    shutil.rmtree(archive, ignore_errors=True)
    corpus = generate(work / "corpus", scale=scale, seed=seed, pool=pool, pdf_pages=0, scan_pages=0)
    write_scan_pdf(work / "corpus" / "scan-a4.pdf", [SCAN])
    with Archive.open(archive, create=True) as opened:
        opened.ingest(
            [corpus.root / "text", work / "corpus" / "scan-a4.pdf"],
            options=IngestOptions(manifest=corpus.manifest),
        )
    return archive, corpus


def add_user(archive: Path) -> str:
    """A new user of the highest clearance, named apart from any an earlier run added."""
    from archive_search import Accounts

    name = f"bench-{secrets.token_hex(3)}"
    accounts = Accounts.open(archive)
    try:
        accounts.add(name, PASSWORD, clearance="tuyet-mat")
    finally:
        accounts.close()
    return name


def archive_size(archive: Path) -> str:
    """Documents, records, pages and index size, as the archive counts them."""
    from archive_search import Archive

    with Archive.open(archive) as opened:
        stats = opened.statistics(clearance="tuyet-mat")
    return (
        f"{stats.documents:,} documents, {stats.records:,} catalogue records, {stats.pages:,} "
        f"pages, index {stats.index_bytes / 2**20:,.0f} MiB"
    )


def serve(archive: Path, port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "archive_search", "--archive", str(archive), "serve"]
    process = subprocess.Popen([*command, "--port", str(port)], stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


def signed_in(url: str, name: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=60, follow_redirects=True)
    form = client.get("/signin").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    client.post("/signin", data={"name": name, "password": PASSWORD, "csrf_token": token[1]})
    return client


def timed(client: httpx.Client, path: str, params: list[tuple[str, str]]) -> tuple[float, int]:
    """Milliseconds from request to the last byte, and the body's size."""
    started = time.perf_counter()
    response = client.get(path, params=params)  # type: ignore[arg-type]  # str values
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return elapsed, len(response.content)


def main(argv: list[str] | None = None) -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--scale", type=float, default=0.02)
    options.add_argument("--seed", type=int, default=1)
    options.add_argument("--repeats", type=int, default=5)
    options.add_argument("--port", type=int, default=8791)
    options.add_argument("--work", type=Path, default=Path("/tmp/archive-search-bench-web"))
    options.add_argument("--text-pool", type=Path, default=DEFAULT_TEXT_POOL)
    options.add_argument(
        "--archive",
        type=Path,
        help="serve this scale archive, built before from the same scale, seed and text pool, "
        "instead of building one (search pages only: it holds no scan)",
    )
    options.add_argument("--out", type=Path)
    args = options.parse_args(argv)
    args.command = "python -m bench.web " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.archive:
        archive = args.archive
        corpus = generate(
            args.work / "corpus", scale=args.scale, seed=args.seed, pool=args.text_pool,
            pdf_pages=0, scan_pages=0,
        )  # fmt: skip
    else:
        archive, corpus = build(args.work, args.scale, args.seed, args.text_pool)
    args.user = add_user(archive)
    queries, long = query_set(corpus, args.seed), long_query_set(corpus, args.seed)
    load_before = os.getloadavg()
    process = serve(archive, args.port)
    try:
        lines = measure(f"http://127.0.0.1:{args.port}", archive, (queries, long), args)
    finally:
        process.terminate()
        process.wait(timeout=30)
    lines += [
        "",
        f"Host load average (1, 5, 15 min): {_loads(load_before)} before, "
        f"{_loads(os.getloadavg())} after (2 cores shared with other work).",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report, encoding="utf-8")


def _loads(averages: tuple[float, float, float]) -> str:
    return " / ".join(f"{a:.2f}" for a in averages)


def _params(query: BenchQuery) -> list[tuple[str, str]]:
    params = [("q", query.text)]
    params += [("fond", fond) for fond in query.fond]
    params += [("year", f"{a}..{b}") for a, b in query.year]
    params += [("type", doc_type) for doc_type in query.doc_type]
    return params


def _search_pages(
    client: httpx.Client, queries: list[BenchQuery], repeats: int
) -> tuple[list[float], list[int]]:
    """Every query's search page ``repeats`` times: milliseconds and bytes of each."""
    times: list[float] = []
    sizes: list[int] = []
    for _ in range(repeats):
        for query in queries:
            elapsed, size = timed(client, "/search", _params(query))
            times.append(elapsed)
            sizes.append(size)
    return times, sizes


def measure(
    url: str,
    archive: Path,
    query_sets: tuple[list[BenchQuery], list[BenchQuery]],
    args: argparse.Namespace,
) -> list[str]:
    client = signed_in(url, args.user)
    queries, long = query_sets
    client.get("/search", params={"q": "khởi động"})  # the page's first-use costs, outside the set
    times, sizes = _search_pages(client, queries, args.repeats)
    long_times, long_sizes = _search_pages(client, long, args.repeats)
    lines = [
        f"# Web pages at scale {args.scale}",
        "",
        f"Command: `{args.command}` on this machine (2 shared cores), the server on a loopback "
        "port, one client at a time.",
        f"Archive ({archive}): {archive_size(archive)}; "
        + (
            "a scale archive built before."
            if args.archive
            else "the scale corpus's text documents and catalogue records plus one scanned 300 "
            "dpi A4 page."
        ),
        "",
        "| figure | value | target |",
        "| --- | --- | --- |",
        f"| search page, request to last byte, p50 | {statistics.median(times):.1f} ms | ≤ 30 ms "
        "(full scale) |",
        f"| search page, p99 | {percentile(times, 0.99):.1f} ms | |",
        f"| search page HTML, median / largest | {statistics.median(sizes) / 1024:.1f} KB / "
        f"{max(sizes) / 1024:.1f} KB | ≤ 100 KB |",
    ]
    if long:
        lines += [
            f"| search page of a query of 8-20 words, p50 / p99 | "
            f"{statistics.median(long_times):.1f} ms / {percentile(long_times, 0.99):.1f} ms | |",
            f"| its HTML, median / largest | {statistics.median(long_sizes) / 1024:.1f} KB / "
            f"{max(long_sizes) / 1024:.1f} KB | ≤ 100 KB |",
        ]
    if not args.archive:
        lines += _viewer_rows(url, client, args.repeats, args.user)
    lines += [
        "",
        f"{len(queries)} queries, {args.repeats} times each (bench/run.py's query set, as URL "
        f"parameters); then its {len(long)} queries of 8-20 words (`long_query_set`: headlines, "
        "lead sentences, questions), as many times.",
    ]
    if args.archive:
        lines.append(
            "The page viewer is not measured here: this archive holds no scan "
            "(bench/reports/web-scale-0.02.md measures it)."
        )
    return lines


def _viewer_rows(url: str, client: httpx.Client, repeats: int, name: str) -> list[str]:
    """The viewer of the scanned page: its HTML and image, first and warm, and in chromium."""
    viewer = _scan_viewer(client)
    first = _viewer(client, viewer)
    warm = [_viewer(client, viewer) for _ in range(repeats)]
    on_screen = [_on_screen(url, viewer, name) for _ in range(repeats)]
    image_size = timed(client, viewer + "/image", [("w", "1200")])[1]
    return [
        f"| viewer HTML + page image, first of the process | {first:.0f} ms | ≤ 1 s |",
        f"| viewer HTML + page image, warm, median | {statistics.median(warm):.0f} ms | ≤ 1 s |",
        f"| viewer opened in chromium to its page image loaded, median of {repeats} | "
        f"{statistics.median(on_screen):.0f} ms | ≤ 1 s |",
        f"| page image (1200 px wide JPEG of a 2480 x 3508 scan) | {image_size / 1024:.0f} KB | |",
    ]


def _scan_viewer(client: httpx.Client) -> str:
    """The viewer's URL of the scanned page (the one document with a page image)."""
    page = client.get("/search", params={"q": "chuyen doi so chinh quyen so"}).text
    for doc_id in dict.fromkeys(re.findall(r'href="/documents/([0-9a-f]{20})/pages/1', page)):
        if client.get(f"/documents/{doc_id}/pages/1/image").status_code == 200:
            return f"/documents/{doc_id}/pages/1"
    raise RuntimeError("the scanned page is not found")


def _on_screen(url: str, viewer: str, name: str) -> float:
    """Milliseconds from opening the viewer in chromium to its page image loaded.

    In a fresh browser, signed in: what a reader waits for.
    """
    from playwright.sync_api import sync_playwright

    from tools.web_screenshots import BROWSER_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS)
        page = browser.new_page()
        page.goto(url + "/signin")
        page.get_by_label("Tên đăng nhập").fill(name)
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(url + "/")
        page.goto(f"{url}{viewer}?q=chuyen+doi+so", wait_until="commit")
        loaded: float = page.evaluate(
            """() => new Promise(done => {
                const image = document.getElementById('page-image');
                const at = () => done(performance.now());
                if (image && image.complete && image.naturalWidth) { at(); }
                else { addEventListener('load', at); }
            })"""
        )
        browser.close()
    return loaded


def _viewer(client: httpx.Client, viewer: str) -> float:
    """The viewer's HTML, then its image, as a browser asks for them: milliseconds for both."""
    page = timed(client, viewer, [("q", "chuyen doi so")])[0]
    return page + timed(client, viewer + "/image", [("w", "1200")])[0]


if __name__ == "__main__":
    main()

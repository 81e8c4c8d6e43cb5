"""The server under load: concurrent clients searching over loopback, bounded in requests and time.

``python -m bench.server_load --scale 0.02 --out bench/reports/server-load-0.02.md``
``python -m bench.server_load --archive demo-archive``

It starts ``archive-search serve`` on a free loopback port (never another address), gives a bench
user of the highest clearance an API token, and runs ``--clients`` clients, each sending the
fixed query set's searches one after another, until ``--requests`` answers or ``--seconds`` have
passed, whichever comes first; then it stops the server with SIGTERM. It reports errors, latency
percentiles as the clients saw them (the clients share the host's cores with the server), the
throughput, and the server's RSS (now and at its peak). A second stage times a hidden id and a
missing one, alternated, as a public reader asks for them: the two should not differ.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from archive_search import Accounts, Archive, IngestOptions, SearchQuery
from bench.child import process_tree
from bench.corpus import REPO, generate

QUERIES: list[dict[str, Any]] = [
    {"q": "công nghệ thông tin"},
    {"q": "phát triển kinh tế"},
    {"q": "đảng viên"},
    {"q": "giao thông"},
    {"q": '"xây dựng nông thôn mới"'},
    {"q": '"Ban Thường vụ"'},
    {"q": "cong nghe thong tin"},
    {"q": "dang vien"},
    {"q": "nong thon moi"},
    {"q": "36-NQ/TW"},
    {"q": "kinh tế", "fond": "TU", "year": "2015..2019"},
    {"q": "đảng viên", "type": ["NQ", "CT"]},
    {"q": "", "fond": "HU-HTB", "year": "2000..2010"},
    {"q": "chuyen doi so", "year": "2018..2025"},
    {"q": 'kinh tế -"Hà Nội"'},
    {"q": "giáo dục", "sort": "date"},
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def build_archive(work: Path, scale: float) -> Path:
    """The scale corpus's text documents and catalogue records ingested into ``work/archive``."""
    corpus = generate(work / "corpus", scale=scale, pdf_pages=0, scan_pages=0)
    archive = work / "archive"
    with Archive.open(archive, create=True) as opened:
        opened.ingest([], options=IngestOptions(manifest=corpus.manifest, workers=1))
    return archive


def _user(archive: Path, clearance: str) -> str:
    """A new bench user of ``clearance`` and an API token for them."""
    accounts = Accounts.open(archive)
    name = f"bench-{clearance}-{secrets.token_hex(3)}"
    accounts.add(name, secrets.token_urlsafe(16), clearance=clearance)
    token = accounts.new_token(name)
    accounts.close()
    return token


def _start(archive: Path, workers: int = 1) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    command = [sys.executable, "-m", "archive_search", "--archive", str(archive), "serve",
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start within 60 s")


def _rss_kib(pid: int) -> dict[str, int]:
    """Resident memory of the server's processes, summed (now and each one's peak)."""
    fields = {"VmRSS": 0, "VmHWM": 0}
    for one in process_tree(pid):
        for line in Path(f"/proc/{one}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in fields:
                fields[key] += int(value.split()[0])
    return fields


class _Connection:
    """One keep-alive HTTP/1.1 connection that sends GETs and reads answers with a Content-Length.

    Written on asyncio's streams because a pooled client (httpx) spends more CPU a request than the
    server does, on the same cores: the bench would measure its client.
    """

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        parsed = urlsplit(url)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 80
        lines = [f"Host: {parsed.netloc}", *(f"{k}: {v}" for k, v in headers.items())]
        self._headers = "".join(f"{line}\r\n" for line in lines)
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str, params: dict[str, Any]) -> tuple[int, bytes]:
        """The status and body of ``GET path?params``.

        A connection the server closed while idle (its keep-alive timeout) is opened again, once.
        """
        target = f"{path}?{urlencode(params, doseq=True)}"
        request = f"GET {target} HTTP/1.1\r\n{self._headers}\r\n".encode()
        reused = self._streams is not None
        try:
            return await self._exchange(request)
        except (ConnectionError, EOFError):
            await self.close()
            if not reused:
                raise
        return await self._exchange(request)

    async def _exchange(self, request: bytes) -> tuple[int, bytes]:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._streams
        writer.write(request)
        await writer.drain()
        status_line = await reader.readline()
        if not status_line:
            raise EOFError("the server closed the connection")
        status = int(status_line.split()[1])
        length, closing = 0, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            closing |= name.lower() == "connection" and value.strip().lower() == "close"
        body = await reader.readexactly(length)
        if closing:
            await self.close()
        return status, body

    async def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


async def _load(
    url: str, token: str, clients: int, requests: int, seconds: float, think: float = 0.0
) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    sent = 0
    deadline = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {token}"}

    async def client(number: int) -> None:
        nonlocal sent
        order = random.Random(number)
        connection = _Connection(url, headers)
        if think:  # readers arrive one by one, not all at the same instant
            await asyncio.sleep(order.uniform(0, think))
        while sent < requests and time.monotonic() < deadline:
            sent += 1
            params = {**order.choice(QUERIES), "limit": "10"}
            started = time.perf_counter()
            try:
                status, body = await asyncio.wait_for(
                    connection.get("/api/v1/search", params), timeout=30
                )
                if status != 200:
                    errors.append(f"{status} {body[:80].decode('utf-8', 'replace')}")
            except (TimeoutError, OSError, EOFError, ValueError, IndexError) as exc:
                errors.append(type(exc).__name__)
                await connection.close()
            latencies.append((time.perf_counter() - started) * 1000)
            if think:  # a reader looks at the results before the next search
                await asyncio.sleep(order.expovariate(1 / think))
        await connection.close()

    warm = _Connection(url, headers)
    await warm.get("/api/v1/search", {"q": "khởi động"})  # warm: index opened
    await warm.close()
    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
        "seconds": round(elapsed, 2),
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(_percentile(latencies, 50), 1),
        "p90_ms": round(_percentile(latencies, 90), 1),
        "p99_ms": round(_percentile(latencies, 99), 1),
        "max_ms": round(latencies[-1], 1) if latencies else 0.0,
    }


def _costed(pid: int, stage: Coroutine[Any, Any, dict[str, Any]]) -> dict[str, Any]:
    """A load stage's figures, with the CPU time the server and the clients spent a request."""
    server, clients = _cpu_ms(pid), _own_cpu_ms()
    found = asyncio.run(stage)
    count = max(1, found["requests"])
    return found | {
        "server_cpu_ms": round((_cpu_ms(pid) - server) / count, 2),
        "client_cpu_ms": round((_own_cpu_ms() - clients) / count, 2),
    }


def _cpu_ms(pid: int) -> float:
    """CPU time (user and system) the server's processes have spent, from /proc."""
    total = 0
    for one in process_tree(pid):
        fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total * 1000 / os.sysconf("SC_CLK_TCK")


def _own_cpu_ms() -> float:
    spent = os.times()
    return (spent.user + spent.system) * 1000


def _percentile(values: list[float], percent: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, round(percent / 100 * (len(values) - 1)))]


def _hidden_id(archive: Path) -> str | None:
    with Archive.open(archive) as opened:
        for level in ("tuyet-mat", "toi-mat", "mat"):
            found = opened.run(SearchQuery.build(f"mat:{level}", clearance="tuyet-mat", limit=1))
            if found.hits:
                return found.hits[0].id
    return None


def _timing_tell(url: str, token: str, hidden: str, rounds: int) -> dict[str, Any]:
    """Median time of a public reader's request for a hidden id and for a missing one."""
    missing = secrets.token_hex(10)
    times: dict[str, list[float]] = {"hidden": [], "missing": []}
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
        for _ in range(rounds):
            for kind, doc in (("hidden", hidden), ("missing", missing)):
                started = time.perf_counter()
                answer = http.get(f"/api/v1/documents/{doc}")
                times[kind].append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 404
    return {f"{kind}_median_ms": round(statistics.median(t), 3) for kind, t in times.items()} | {
        "rounds": rounds
    }


def _archive_size(archive: Path) -> dict[str, Any]:
    with Archive.open(archive) as opened:
        stats = opened.statistics(clearance="tuyet-mat")
    return {"documents": stats.documents, "records": stats.records, "pages": stats.pages,
            "index_mb": round(stats.index_bytes / 2**20, 1)}  # fmt: skip


def run(args: argparse.Namespace) -> dict[str, Any]:
    archive = args.archive or build_archive(args.work, args.scale)
    size = _archive_size(archive)
    load_before = os.getloadavg()
    token, public_token = _user(archive, "tuyet-mat"), _user(archive, "public")
    process, url = _start(archive, args.workers)
    try:
        alone = _costed(process.pid, _load(url, token, 1, args.requests // 10, args.seconds / 4))
        load = _costed(
            process.pid,
            _load(url, token, args.clients, args.requests, args.seconds, think=args.think),
        )
        rss = _rss_kib(process.pid)
        hidden = _hidden_id(archive)
        tell = _timing_tell(url, public_token, hidden, args.rounds) if hidden else {}
    finally:
        process.send_signal(signal.SIGTERM)
        stopped = process.wait(timeout=30)
    return {
        "archive": str(archive),
        "size": size,
        "clients": args.clients,
        "workers": args.workers,
        "think_s": args.think,
        "one_client": alone,
        "load": load,
        "rss_mib": {k: round(v / 1024, 1) for k, v in rss.items()},
        "hidden_vs_missing": tell,
        "exit_code_after_sigterm": stopped,
        "host": f"{os.cpu_count()} cores, load average (1, 5, 15 min) {_loads(load_before)} at "
        f"the start, {_loads(os.getloadavg())} at the end",
    }


def _loads(averages: tuple[float, float, float]) -> str:
    return " / ".join(f"{a:.2f}" for a in averages)


def report(result: dict[str, Any], command: str) -> str:
    load, size = result["load"], result["size"]
    tell = result["hidden_vs_missing"]
    lines = [
        "# The server under load",
        "",
        f"`{command}`",
        "",
        f"Archive: {size['documents']} documents, {size['records']} catalogue records, "
        f"{size['pages']} pages, index {size['index_mb']} MB. {result['host']}. "
        f"Server processes: {result.get('workers', 1)} (`serve --workers`).",
        "",
        f"{result['clients']} concurrent clients over loopback (HTTP/1.1 keep-alive, bearer token, "
        "highest clearance), the fixed query set, 10 hits a page with facets and snippets; "
        + (
            f"each client pauses {result['think_s']} s on average between searches (at random, "
            "exponentially distributed), and starts after a pause of up to as long."
            if result["think_s"]
            else "each client sends its next search as soon as it has an answer."
        ),
        "",
        "| clients | requests | errors | seconds | requests/s "
        "| p50 ms | p90 ms | p99 ms | max ms | server CPU ms/request | clients' CPU ms/request |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *(
            f"| {clients} | {row['requests']} | {row['errors']} | {row['seconds']} | "
            f"{row['per_second']} | {row['p50_ms']} | {row['p90_ms']} | {row['p99_ms']} | "
            f"{row['max_ms']} | {row['server_cpu_ms']} | {row['client_cpu_ms']} |"
            for clients, row in ((1, result["one_client"]), (result["clients"], load))
        ),
        "",
        f"Server RSS after the run (its processes summed): {result['rss_mib'].get('VmRSS')} MiB "
        f"(peaks summed {result['rss_mib'].get('VmHWM')} MiB).",
        "",
        "Latency is what the clients measured, queueing included: the clients (one process, "
        "a keep-alive connection each, raw HTTP/1.1 on asyncio's streams) share the host's cores "
        "with the server. CPU is the processes' user and system time over the stage, a request.",
        "",
    ]
    if tell:
        lines += [
            f"A public reader asking for a hidden id and for a missing one, alternated "
            f"{tell['rounds']} times each: median {tell['hidden_median_ms']} ms and "
            f"{tell['missing_median_ms']} ms (the same 404 body).",
            "",
        ]
    lines.append(f"Exit code after SIGTERM: {result['exit_code_after_sigterm']}.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--archive", type=Path, help="An archive to serve (else one is built).")
    parser.add_argument("--scale", type=float, default=0.02, help="Corpus scale when building.")
    parser.add_argument("--work", type=Path, default=Path("/tmp/archive-search-server-bench"))
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1, help="The server's processes.")
    parser.add_argument("--requests", type=int, default=3000, help="Stop after this many.")
    parser.add_argument("--seconds", type=float, default=60, help="Stop after this long.")
    parser.add_argument(
        "--think", type=float, default=0.0, help="Mean pause of a client between searches (s)."
    )
    parser.add_argument("--rounds", type=int, default=300, help="Hidden/missing id pairs timed.")
    parser.add_argument("--out", type=Path, help="Write the report (Markdown) here.")
    args = parser.parse_args(argv)
    if args.scale >= 1.0 and args.archive is None:
        raise SystemExit("full scale is not run here: give --scale below 1")
    result = run(args)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.out:
        command = "python -m bench.server_load " + " ".join(argv or sys.argv[1:])
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report(result, command), encoding="utf-8")


if __name__ == "__main__":
    main()

"""The real server for tests: ``archive-search serve`` in a subprocess on a free loopback port.

With an archive of a public and a secret document, and users to read it.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.test_search_language import build_archive

SECRET_WORD = "quocphongxyz"  # only in the secret document
ROWS = [
    ("nq31.txt", "TU", "31-NQ/TU", "NQ", "TU", "2019-03-15",
     "Nghị quyết về công nghệ thông tin", "",
     "Ban Thường vụ Tỉnh ủy đẩy mạnh ứng dụng công nghệ thông tin trong các cơ quan đảng."
     "\fTrang hai: xây dựng cơ sở dữ liệu văn kiện."),
    ("ct05.txt", "TU", "05-CT/TU", "CT", "TU", "2016-06-02",
     "Chỉ thị về <b>công tác</b> phát triển đảng viên & đoàn viên", "",
     "Tỉnh uỷ yêu cầu nâng cao chất lượng kết nạp đảng viên; công nghệ mới <script>x</script>."),
    ("nq07.txt", "TU", "07-NQ/TU", "NQ", "TU", "2018-08-20",
     f"Nghị quyết mật về công nghệ {SECRET_WORD}", "mat",
     f"Danh mục hệ thống thông tin cần bảo vệ, công nghệ {SECRET_WORD}."),
]  # fmt: skip
PASSWORDS = {"alice": "alice-password-1", "bob": "bob-password-1"}
CLEARANCES = {"alice": "mat", "bob": "public"}


def cli(archive: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``archive-search --archive ARCHIVE ARGS…`` in a subprocess."""
    command = [sys.executable, "-m", "archive_search", "--archive", str(archive), *args]
    return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=120)


def make_archive(root: Path) -> Path:
    """The small archive, and users alice (mat) and bob (public)."""
    archive = build_archive(root, ROWS)
    for name, password in PASSWORDS.items():
        added = cli(archive, "users", "add", name, "--clearance", CLEARANCES[name],
                    "--password-stdin", stdin=password + "\n")  # fmt: skip
        assert added.returncode == 0, added.stderr
    return archive


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    url: str
    process: subprocess.Popen[str]
    archive: Path

    def client(self, **options: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **options)  # type: ignore[arg-type]

    def token(self, name: str) -> str:
        made = cli(self.archive, "users", "token", name)
        assert made.returncode == 0, made.stderr
        return made.stdout.strip()

    def as_user(self, name: str, **options: object) -> httpx.Client:
        """A client sending a new API token of ``name``."""
        return self.client(headers={"Authorization": f"Bearer {self.token(name)}"}, **options)

    def stop(self) -> tuple[int, str]:
        """SIGTERM, as a service manager stops it: its exit code and what it wrote on stderr."""
        self.process.send_signal(signal.SIGTERM)
        _, err = self.process.communicate(timeout=30)
        return self.process.returncode, err


def start(archive: Path, *options: str) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "archive_search", "--archive", str(archive), "serve",
               "--port", str(port), *options]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped: {process.communicate()[1]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return Server(url, process, archive)
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


@contextmanager
def serving(archive: Path, *options: str) -> Iterator[Server]:
    server = start(archive, *options)
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.stop()


def sign_in(client: httpx.Client, name: str, password: str) -> httpx.Response:
    """Sign in through the form, as a browser does: read the form's CSRF token, post it."""
    return client.post(
        "/signin",
        data={"name": name, "password": password, "csrf_token": csrf(client), "next": "/"},
    )


def csrf(client: httpx.Client) -> str:
    """The CSRF token of the sign-in form this client's browser gets."""
    form = client.get("/signin").text
    field = next(tag for tag in re.findall(r"<input[^>]*>", form) if "csrf_token" in tag)
    return re.findall(r'value="?([^" >]+)', field)[0]


@contextmanager
def serving_in_thread(app: object) -> Iterator[str]:
    """An app (one whose archive a test injects a fault into) under uvicorn on a thread."""
    import threading

    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="critical")  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)

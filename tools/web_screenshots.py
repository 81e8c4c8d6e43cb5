"""Takes the screenshots of the web pages in docs/screenshots/ (search page, page viewer).

``python -m tools.web_screenshots [OUT]``: builds the demo archive (tools/webdemo.py) in a
temporary folder, serves it on a loopback port, signs in as the archivist in Debian's chromium
(through Playwright) and saves ``search.png`` and ``viewer.png`` in OUT (docs/screenshots).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tools.webdemo import USERS, build

BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def shoot(url: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(url + "/")
        page.get_by_label("Tên đăng nhập").fill("archivist")
        page.get_by_label("Mật khẩu").fill(USERS["archivist"][1])
        page.get_by_role("button", name="Đăng nhập").click()
        page.goto(url + "/search?q=cong+nghe+thong+tin")
        page.screenshot(path=str(out / "search.png"))
        page.goto(url + "/search?q=chuyen+doi+so")
        page.locator(".hit").filter(has_text="15-TB/TU").get_by_role("link", name="Trang 1").click()
        page.wait_for_function("() => document.getElementById('page-image').naturalWidth > 0")
        page.screenshot(path=str(out / "viewer.png"))
        browser.close()


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        archive = build(Path(work))
        port = _port()
        command = [sys.executable, "-m", "archive_search", "--archive", str(archive), "serve"]
        server = subprocess.Popen([*command, "--port", str(port)], stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            shoot(url, out)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"saved {out / 'search.png'} and {out / 'viewer.png'}")


if __name__ == "__main__":
    main()

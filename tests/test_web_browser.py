"""The web pages in a real browser (Debian's chromium through Playwright), as archivists use them.

Sign in, search, filter, read a page with its words boxed, follow a citation, sign out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from archive_search.index.analysis import fold
from tests.serving import Server
from tools.webdemo import SCAN_TEXT, SECRET_TITLE, SECRET_WORD, USERS, drawn_words

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), "chromium is missing: scripts/setup.sh installs it"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    opened = context.new_page()
    yield opened
    context.close()


def sign_in(page: Page, server: Server, name: str) -> None:
    page.goto(server.url + "/")
    expect(page).to_have_url(re.compile(r"/signin\?next="))
    page.get_by_label("Tên đăng nhập").fill(name)
    page.get_by_label("Mật khẩu").fill(USERS[name][1])
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator(".who strong")).to_have_text(name)


def search(page: Page, text: str) -> None:
    box = page.get_by_role("searchbox")
    box.fill(text)
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q="))


def hit_symbols(page: Page) -> list[str]:
    return page.locator(".hit h3 .symbol").all_inner_texts()


def test_sign_in_search_filter_unfilter_and_sign_out(page: Page, web_server: Server) -> None:
    sign_in(page, web_server, "reader")
    search(page, "cong nghe thong tin")  # typed without diacritics
    first = hit_symbols(page)
    assert first[:2] == ["31-NQ/TU", "12-KL/HU"] and "07-NQ/TU" not in first
    marked = page.locator(".hit .snippet b").all_inner_texts()
    assert "công nghệ thông tin" in marked
    page.locator(".facet-fond").get_by_role("link", name="HU-HTB").click()
    expect(page).to_have_url(re.compile(r"fond=HU-HTB"))
    assert hit_symbols(page) == ["12-KL/HU"]
    chip = page.locator(".chips a.chip")
    expect(chip).to_contain_text("Phông: HU-HTB")
    chip.click()
    expect(page).not_to_have_url(re.compile(r"fond="))
    assert hit_symbols(page) == first
    expect(page.get_by_role("searchbox")).to_have_value("cong nghe thong tin")
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(re.compile(r"/signin$"))
    page.goto(web_server.url + "/search?q=cong")
    expect(page).to_have_url(re.compile(r"/signin\?next="))


def test_the_viewer_boxes_each_word_where_it_is_on_the_scan(page: Page, web_server: Server) -> None:
    sign_in(page, web_server, "archivist")
    search(page, "chuyen doi so")
    scan = page.locator(".hit").filter(has_text="15-TB/TU")
    scan.get_by_role("link", name="Trang 1").click()
    image = page.locator("#page-image")
    expect(image).to_be_visible()
    page.wait_for_function("() => document.getElementById('page-image').naturalWidth > 0")
    assert image.evaluate("img => img.naturalWidth") == 1200  # sized for a screen, not 2480
    frame = image.bounding_box()
    assert frame is not None
    marks = page.locator("svg.boxes rect.mark")
    words = marks.locator("title").all_text_contents()
    assert {word.strip(",.") for word in words} >= {"chuyển", "đổi", "số"}
    drawn: dict[str, list[tuple[float, float, float, float]]] = {}
    for word, places in drawn_words(SCAN_TEXT).items():  # by the word folded: OCR may misread
        drawn.setdefault(fold(word.strip(",.")), []).extend(places)  # a mark (số as sở)
    tolerance = 10 / 2480  # ten pixels of the 300 dpi scan
    for index, word in enumerate(fold(word.strip(",.")) for word in words):
        box = marks.nth(index).bounding_box()
        assert box is not None
        left = (box["x"] - frame["x"]) / frame["width"]
        top = (box["y"] - frame["y"]) / frame["height"]
        right = (box["x"] + box["width"] - frame["x"]) / frame["width"]
        bottom = (box["y"] + box["height"] - frame["y"]) / frame["height"]
        where = min(drawn[word], key=lambda d: abs(d[0] - left) + abs(d[1] - top))
        assert (left, top, right, bottom) == pytest.approx(where, abs=tolerance * 2), word
    page.screenshot(path=str(web_server.archive.parent / "viewer.png"))


def test_next_and_previous_match_across_pages_and_zoom(page: Page, web_server: Server) -> None:
    sign_in(page, web_server, "reader")
    search(page, "cong nghe thong tin")
    page.locator(".hit").first.get_by_role("link", name="Trang 1").click()
    expect(page.locator(".where")).to_have_text("Trang 1/3")
    page.get_by_role("link", name="Kết quả sau ▶").click()
    expect(page.locator(".where")).to_have_text("Trang 3/3")  # page 2 lacks the words
    expect(page.locator("svg.boxes rect.mark")).to_have_count(4)
    page.keyboard.press("p")  # the viewer's key for the previous match
    expect(page.locator(".where")).to_have_text("Trang 1/3")
    narrow = page.locator(".frame").bounding_box()
    page.get_by_role("link", name="+").click()
    expect(page).to_have_url(re.compile(r"zoom=2"))
    page.wait_for_function("() => document.getElementById('page-image').naturalWidth > 0")
    wide = page.locator(".frame").bounding_box()
    assert narrow is not None and wide is not None and wide["width"] > narrow["width"] * 1.4
    assert page.locator("#page-image").evaluate("img => img.naturalWidth") == 1600


def test_follow_a_citation_and_back(page: Page, web_server: Server) -> None:
    sign_in(page, web_server, "archivist")
    search(page, "31-NQ/TU")
    page.locator(".hit h3 a").first.click()
    expect(page.locator("h1")).to_contain_text("31-NQ/TU")
    cites = page.locator("section", has=page.locator("#cites-title"))
    cites.get_by_role("link", name="05-CT/TU").click()
    expect(page.locator("h1")).to_contain_text("05-CT/TU")
    cited_by = page.locator("section", has=page.locator("#cited-title"))
    cited_by.get_by_role("link", name="31-NQ/TU").click()
    expect(page.locator("h1")).to_contain_text("31-NQ/TU")
    expect(page.locator("section", has=page.locator("#cited-title"))).to_contain_text(SECRET_TITLE)


def test_a_public_and_a_mat_reader_see_different_results(
    browser: Browser, web_server: Server
) -> None:
    seen = {}
    for name in ("archivist", "reader"):
        context = browser.new_context()
        page = context.new_page()
        sign_in(page, web_server, name)
        page.goto(web_server.url + "/search?q=cong+nghe+thong+tin")
        seen[name] = (hit_symbols(page), page.content(), page.locator(".facet").all_inner_texts())
        if name == "reader":
            page.get_by_role("link", name="31-NQ/TU").first.click()  # the secret one cites it
            expect(page.locator("h1")).to_contain_text("31-NQ/TU")
            seen["reader's document"] = ([], page.content(), [])
        context.close()
    assert {"31-NQ/TU", "07-NQ/TU", "12-KL/HU"} <= set(seen["archivist"][0])
    assert SECRET_TITLE in seen["archivist"][1]
    assert any(text.startswith("Độ mật") for text in seen["archivist"][2])
    assert {"31-NQ/TU", "12-KL/HU"} <= set(seen["reader"][0]) and "07-NQ/TU" not in seen["reader"][
        0
    ]
    for _, html, facets in (seen["reader"], seen["reader's document"]):
        assert SECRET_WORD not in html and "07-NQ/TU" not in html
        assert not any(text.startswith("Độ mật") for text in facets)

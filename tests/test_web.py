"""The web pages over real HTTP: what each reader gets, escaping, secrecy, the audit, the images."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image

from tests.serving import Server, cli
from tests.webpages import document_ids, signed_in
from tools.webdemo import ESCAPED_TITLE, SECRET_TITLE, SECRET_WORD


@pytest.fixture(scope="module")
def archivist(web_server: Server) -> Iterator[httpx.Client]:
    client = signed_in(web_server, "archivist")
    yield client
    client.close()


@pytest.fixture(scope="module")
def reader(web_server: Server) -> Iterator[httpx.Client]:
    client = signed_in(web_server, "reader")
    yield client
    client.close()


@pytest.fixture(scope="module")
def ids(archivist: httpx.Client) -> dict[str, str]:
    return document_ids(archivist)


@pytest.mark.parametrize(
    "path",
    ["/", "/search?q=cong", "/documents/x", "/documents/x/pages/1", "/documents/x/pages/1/image"],
)
def test_every_page_needs_a_signed_in_reader(web_server: Server, path: str) -> None:
    response = httpx.get(web_server.url + path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin?next=")


def test_the_sign_in_page_is_in_vietnamese_and_switches_to_english(web_server: Server) -> None:
    with web_server.client(follow_redirects=True) as client:
        page = client.get("/signin").text
        assert '<html lang="vi">' in page and "Mật khẩu" in page
        english = client.get("/lang/en", params={"next": "/signin"})
        assert str(english.url).endswith("/signin")
        assert '<html lang="en">' in english.text and "Password" in english.text
        assert client.get("/lang/vi", params={"next": "//elsewhere.example/"}).url.path == "/signin"


def test_a_search_page_holds_hits_facets_and_the_whole_search_in_its_links(
    reader: httpx.Client,
) -> None:
    response = reader.get("/search", params=[("q", "cong nghe thong tin"), ("type", "NQ")])
    page = response.text
    assert response.status_code == 200
    assert '<input type="search" id="q" name="q" value="cong nghe thong tin"' in page
    assert page.count('<li class="hit">') == 1
    assert "31-NQ/TU" in page and "<b>công nghệ thông tin</b>" in page
    assert "Mục lục 1 · Hộp 12 · Hồ sơ 345" in page
    # the selected type is removable, and each facet value's link keeps the rest of the search
    assert (
        '<a class="chip" href="/search?q=cong+nghe+thong+tin" title="Bỏ lọc">Loại văn bản: NQ'
        in page
    )
    assert 'href="/search?q=cong+nghe+thong+tin&amp;fond=TU&amp;type=NQ"' in page
    assert (
        '<svg class="chart"' in page and 'href="/search?q=cong+nghe+thong+tin&amp;year=2019' in page
    )
    assert 'id="facet-secrecy"' not in page  # no secrecy facet for a public reader


def test_document_text_is_escaped_wherever_it_is_shown(
    archivist: httpx.Client, ids: dict[str, str]
) -> None:
    doc = ids[ESCAPED_TITLE]
    pages = [
        archivist.get("/search", params={"q": "ghi chu"}).text,
        archivist.get(f"/documents/{doc}").text,
        archivist.get(f"/documents/{doc}/pages/1", params={"q": "dac biet"}).text,
    ]
    for page in pages:
        assert "<script>alert" not in page and "<b>đậm</b>" not in page and "<i>" not in page
        assert (
            "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;đậm&lt;/b&gt;" in page
        )
    assert "&lt;i&gt;<mark" in pages[2] and ">đặc</mark> <mark" in pages[2]


def test_no_inline_script_or_style_so_the_strict_policy_holds(
    archivist: httpx.Client, ids: dict[str, str]
) -> None:
    doc = ids["31-NQ/TU"]
    for path in ["/search?q=cong", f"/documents/{doc}", f"/documents/{doc}/pages/1?q=cong"]:
        response = archivist.get(path)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page = response.text
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), path
        assert not re.search(r"\sstyle=|\son[a-z]+=|<style", page), path
        assert not re.search(r"(src|href)=\"(https?:)?//", page), path  # nothing from outside


def test_the_viewer_marks_the_words_and_links_the_next_match(
    archivist: httpx.Client, ids: dict[str, str]
) -> None:
    doc = ids["31-NQ/TU"]
    page = archivist.get(f"/documents/{doc}/pages/1", params={"q": "cong nghe"}).text
    assert "Trang 1/3" in page
    assert f'id="next-match" href="/documents/{doc}/pages/3?q=cong+nghe"' in page
    assert f'src="/documents/{doc}/pages/1/image?w=1200"' in page
    # both words twice, and "CỘNG" of the motto, spelled otherwise but the same folded
    assert page.count('<rect class="mark"') == 5 and "<title>CỘNG</title>" in page
    assert '<mark id="m0">CỘNG</mark>' in page and '<mark id="m1">công</mark>' in page
    zoomed = archivist.get(f"/documents/{doc}/pages/3", params={"q": "cong nghe", "zoom": "2"})
    assert f'src="/documents/{doc}/pages/3/image?w=1600"' in zoomed.text
    assert (
        f'id="previous-match" href="/documents/{doc}/pages/1?q=cong+nghe&amp;zoom=2"' in zoomed.text
    )


def test_page_images_are_jpeg_sized_for_a_screen(
    archivist: httpx.Client, ids: dict[str, str]
) -> None:
    response = archivist.get(f"/documents/{ids['15-TB/TU']}/pages/1/image", params={"w": "1200"})
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (1200, round(1200 * 3508 / 2480))
    assert len(response.content) < 300_000
    assert response.headers["cache-control"] == "no-store"
    note = archivist.get(f"/documents/{ids[ESCAPED_TITLE]}/pages/1/image")
    assert note.status_code == 404  # a text file's page has no image


def test_a_public_reader_never_meets_the_secret_document(
    web_server: Server, reader: httpx.Client, ids: dict[str, str]
) -> None:
    secret = ids["07-NQ/TU"]
    assert SECRET_WORD not in "".join(document_ids(reader))
    seen = [
        reader.get("/").text,
        reader.get("/search", params={"q": "cong nghe thong tin"}).text,
        reader.get("/search", params={"q": "hai dang"}).text,
        reader.get(f"/documents/{ids['31-NQ/TU']}").text,  # cited by the secret one
        reader.get(f"/documents/{ids['05-CT/TU']}").text,  # similar lists
        reader.get(f"/documents/{ids['31-NQ/TU']}/pages/3", params={"q": "hai dang"}).text,
    ]
    for page in seen:
        body = page.split("</header>")[1]
        assert SECRET_WORD not in page and secret not in page and "Mật" not in body
    asked = reader.get("/search", params={"q": "", "secrecy": "mat"}).text  # above the clearance
    assert "is above the clearance public" in asked and '<li class="hit">' not in asked
    none = "0" * len(secret)
    for suffix in ("", "/pages/1", "/pages/1/image"):  # as a missing id (the URL asked echoed)
        hidden = reader.get(f"/documents/{secret}{suffix}")
        missing = reader.get(f"/documents/{none}{suffix}")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.text.replace(secret, none) == missing.text
    assert reader.get(f"/documents/{secret}", params={"clearance": "mat"}).status_code == 404


def test_a_reader_cleared_for_mat_sees_it_and_its_secrecy_facet(
    archivist: httpx.Client, ids: dict[str, str]
) -> None:
    page = archivist.get("/search", params={"q": "cong nghe thong tin"}).text
    assert SECRET_TITLE in page and 'id="facet-secrecy"' in page
    lowered = archivist.get("/search", params={"q": "cong nghe thong tin", "clearance": "public"})
    assert SECRET_TITLE not in lowered.text
    cited = archivist.get(f"/documents/{ids['31-NQ/TU']}").text
    assert f'<a href="/documents/{ids["07-NQ/TU"]}">07-NQ/TU</a>' in cited


def test_views_are_audited_with_their_secrecy_and_no_title(
    web_server: Server, archivist: httpx.Client, reader: httpx.Client, ids: dict[str, str]
) -> None:
    secret = ids["07-NQ/TU"]
    archivist.get(f"/documents/{secret}/pages/1", params={"q": "hai dang"})
    archivist.get(f"/documents/{secret}/pages/1/image")
    reader.get(f"/documents/{secret}/pages/1/image")
    done = cli(web_server.archive, "audit", "--json")
    assert done.returncode == 0, done.stderr
    entries = (
        [json.loads(line) for line in done.stdout.splitlines()]
        if not done.stdout.startswith("[")
        else json.loads(done.stdout)
    )
    views = [e for e in entries if e["document"] == secret and e["action"] in ("page", "image")]
    assert [(e["user"], e["action"], e["secrecy"], e["outcome"]) for e in views[-3:]] == [
        ("archivist", "page", "mat", "ok"),
        ("archivist", "image", "mat", "ok"),
        ("reader", "image", "public", "not-found"),
    ]
    assert SECRET_WORD not in json.dumps(entries, ensure_ascii=False)  # ids, never titles


def test_documents_without_every_word_come_with_a_notice(reader: httpx.Client) -> None:
    page = reader.get("/search", params={"q": "cong nghe thong tin thuy loi"}).text
    assert '<p class="notice" role="status">Ít tài liệu có đủ mọi từ đã tìm' in page
    hits = re.findall(r'<li class="hit">.*?</li>\n  ', page, re.S)
    assert "12-KL/HU" in hits[0] and "từ" not in hits[0].split('class="meta"')[1].split("</p>")[0]
    assert any("có 4/6 từ" in hit for hit in hits[1:]), hits


def test_a_query_searched_as_words_says_so(reader: httpx.Client) -> None:
    page = reader.get("/search", params={"q": 'cong nghe thong tin "thuy loi ha tang"'}).text
    assert '<p class="notice" role="status">Không tài liệu nào khớp đúng như đã gõ' in page
    assert "12-KL/HU" in page

"""A deterministic scale corpus: a provincial Party archive built from real Vietnamese prose.

At scale 1.0: 38,047 documents over 83,946 pages and 125,864 catalogue records (the figures of the
provincial office's report in shared/vietnamese/seed-article.txt). The prose comes from the vietnews
articles in ``shared/corpus`` when present, otherwise from the project's own ``sample/`` texts.
Every document gets a Party-format header (issuer, ``Số n-TYPE/ISSUER``, place and date, heading,
summary), a few percent a secrecy mark, many a citation of another document (``Nghị quyết số
36-NQ/TW``), and a signature block. Same seed and scale, same corpus, byte for byte.
"""

from __future__ import annotations

import csv
import json
import lzma
import random
import re
import shutil
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from archive_search.ingest.manifest import COLUMNS as MANIFEST_COLUMNS

FULL_DOCUMENTS = 38_047
FULL_PAGES = 83_946
FULL_RECORDS = 125_864
PAGE_CHARS = 2_200
REPO = Path(__file__).resolve().parents[1]
_POOL_IN_SHARED = Path("shared") / "corpus" / "vietnews-val.jsonl.xz"
# The shared material beside the repository, or beside a folder holding it (a git worktree's).
DEFAULT_TEXT_POOL = next(
    (folder / _POOL_IN_SHARED for folder in REPO.parents if (folder / _POOL_IN_SHARED).is_file()),
    REPO.parent / _POOL_IN_SHARED,
)


@dataclass(frozen=True, slots=True)
class Fond:
    code: str
    superior: str
    body: str
    issuer: str
    place: str
    weight: float


FONDS = (
    Fond("TU", "ĐẢNG BỘ TỈNH BÌNH THUẬN", "TỈNH ỦY", "TU", "Phan Thiết", 30),
    Fond("VP-TU", "TỈNH ỦY BÌNH THUẬN", "VĂN PHÒNG", "VPTU", "Phan Thiết", 8),
    Fond("BTC-TU", "TỈNH ỦY BÌNH THUẬN", "BAN TỔ CHỨC", "BTCTU", "Phan Thiết", 7),
    Fond("BTG-TU", "TỈNH ỦY BÌNH THUẬN", "BAN TUYÊN GIÁO", "BTGTU", "Phan Thiết", 5),
    Fond("BDV-TU", "TỈNH ỦY BÌNH THUẬN", "BAN DÂN VẬN", "BDVTU", "Phan Thiết", 4),
    Fond("UBKT-TU", "TỈNH ỦY BÌNH THUẬN", "ỦY BAN KIỂM TRA", "UBKTTU", "Phan Thiết", 5),
    Fond("DUK", "ĐẢNG BỘ TỈNH BÌNH THUẬN", "ĐẢNG ỦY KHỐI CÁC CƠ QUAN TỈNH", "ĐU", "Phan Thiết", 5),
    Fond("ThU-PT", "ĐẢNG BỘ TỈNH BÌNH THUẬN", "THÀNH ỦY PHAN THIẾT", "ThU", "Phan Thiết", 6),
    Fond("TxU-LG", "ĐẢNG BỘ TỈNH BÌNH THUẬN", "THỊ ỦY LA GI", "TxU", "La Gi", 4),
    Fond("HU-TP", "ĐẢNG BỘ TỈNH BÌNH THUẬN", "HUYỆN ỦY TUY PHONG", "HU", "Tuy Phong", 4),
    Fond("HU-BB", "ĐẢNG BỘ TỈNH BÌNH THUẬN", "HUYỆN ỦY BẮC BÌNH", "HU", "Bắc Bình", 4),
    Fond("HU-HTB", "ĐẢNG BỘ TỈNH BÌNH THUẬN", "HUYỆN ỦY HÀM THUẬN BẮC", "HU", "Hàm Thuận Bắc", 4),
    Fond("HU-HTN", "ĐẢNG BỘ TỈNH BÌNH THUẬN", "HUYỆN ỦY HÀM THUẬN NAM", "HU", "Hàm Thuận Nam", 4),
    Fond("HU-TL", "ĐẢNG BỘ TỈNH BÌNH THUẬN", "HUYỆN ỦY TÁNH LINH", "HU", "Tánh Linh", 3),
    Fond("HU-DL", "ĐẢNG BỘ TỈNH BÌNH THUẬN", "HUYỆN ỦY ĐỨC LINH", "HU", "Đức Linh", 3),
    Fond("HU-HT", "ĐẢNG BỘ TỈNH BÌNH THUẬN", "HUYỆN ỦY HÀM TÂN", "HU", "Hàm Tân", 3),
    Fond("HU-PQ", "ĐẢNG BỘ TỈNH BÌNH THUẬN", "HUYỆN ỦY PHÚ QUÝ", "HU", "Phú Quý", 2),
)
# (abbreviation, heading, name, weight)
DOC_TYPES = (
    ("NQ", "NGHỊ QUYẾT", "Nghị quyết", 14),
    ("QĐ", "QUYẾT ĐỊNH", "Quyết định", 16),
    ("CT", "CHỈ THỊ", "Chỉ thị", 6),
    ("KL", "KẾT LUẬN", "Kết luận", 7),
    ("QĐi", "QUY ĐỊNH", "Quy định", 3),
    ("HD", "HƯỚNG DẪN", "Hướng dẫn", 6),
    ("TB", "THÔNG BÁO", "Thông báo", 12),
    ("BC", "BÁO CÁO", "Báo cáo", 16),
    ("KH", "KẾ HOẠCH", "Kế hoạch", 8),
    ("CTr", "CHƯƠNG TRÌNH", "Chương trình", 3),
    ("CV", "CÔNG VĂN", "Công văn", 6),
    ("TTr", "TỜ TRÌNH", "Tờ trình", 2),
    ("BB", "BIÊN BẢN", "Biên bản", 2),
    ("ĐA", "ĐỀ ÁN", "Đề án", 1),
)
CENTRAL_CITATIONS = (
    "36-NQ/TW",
    "05-CT/TW",
    "04-NQ/TW",
    "19-NQ/TW",
    "35-NQ/TW",
    "26-NQ/TW",
    "18-NQ/TW",
)
PAGE_COUNTS = (
    (1, 40),
    (2, 30),
    (3, 15),
    (4, 8),
    (5, 4),
    (6, 1),
    (8, 1),
    (10, 1),
)  # mean ≈ 2.2 pages
# A first page opens with the header's left column (superior body, issuing body, star, symbol), then
# its right column (motto, place and date): born-digital text runs them one after the other.
HEADER_LEFT_LINES = 4
HEADER_RIGHT_LINES = 2
SIGNERS = (
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Hoàng Minh",
    "Phạm Quốc Hùng",
    "Huỳnh Văn Sáu",
    "Đặng Thị Hoa",
)


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    title: str
    body: str


@dataclass(slots=True)
class GeneratedDoc:
    """One document of the scale corpus, with the truth its header and manifest row carry."""

    key: str
    fond: str
    symbol: str
    doc_type: str
    issuer: str
    date: str
    year: int
    title: str
    secrecy: str
    pages: list[str] = field(default_factory=list)


def split_header(first_page: str) -> tuple[list[str], list[str], str]:
    """A generated first page as (left header column, right header column, the rest)."""
    lines = first_page.split("\n")
    right_end = HEADER_LEFT_LINES + HEADER_RIGHT_LINES
    return (
        lines[:HEADER_LEFT_LINES],
        lines[HEADER_LEFT_LINES:right_end],
        "\n".join(lines[right_end:]),
    )


@dataclass(frozen=True, slots=True)
class CatalogueRecord:
    fond: str
    inventory: int
    box: int
    file: int
    symbol: str
    doc_type: str
    year: int
    title: str


def fold(text: str) -> str:
    """Lowercase, no diacritics, đ → d: what a peer is fed when it is given folded text."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def load_articles(pool: Path | None = DEFAULT_TEXT_POOL, limit: int | None = None) -> list[Article]:
    """The vietnews articles (``--text-pool``), or paragraphs of ``sample/`` without the default.

    A pool named but missing is an error, never a silent change of corpus.
    """
    if pool is not None and pool.is_file():
        return list(_read_jsonl(pool, limit))
    if pool is not None and pool != DEFAULT_TEXT_POOL:
        raise FileNotFoundError(f"text pool {pool} not found")
    if pool is not None:
        print(f"[bench] {pool} not found: the prose comes from sample/", file=sys.stderr)
    return _sample_articles(limit)


def _read_jsonl(pool: Path, limit: int | None) -> Iterator[Article]:
    opener = lzma.open if pool.suffix == ".xz" else open
    with opener(pool, "rt", encoding="utf-8") as handle:
        for count, line in enumerate(handle):
            if limit is not None and count >= limit:
                return
            item = json.loads(line)
            title, body = " ".join(item["title"].split()), item["body"].strip()
            if title and body:
                yield Article(item["id"], title, body)


def _sample_articles(limit: int | None) -> list[Article]:
    """Fallback prose: the sample archive's text files and generated sentences, mixed by a seed."""
    texts = [path.read_text(encoding="utf-8") for path in sorted((REPO / "sample").rglob("*.txt"))]
    sentences = [
        s.strip() for t in texts for s in re.split(r"(?<=[.!?])\s+|\f|\n", t) if len(s.split()) > 3
    ]
    sentences += [
        "Ban Thường vụ Tỉnh ủy xác định ứng dụng công nghệ thông tin là nhiệm vụ trọng tâm.",
        "Các cấp ủy đảng tăng cường công tác kiểm tra, giám sát và kỷ luật đảng.",
        "Phát triển kinh tế biển gắn với bảo đảm quốc phòng, an ninh trên địa bàn tỉnh.",
        "Đẩy mạnh chuyển đổi số trong các cơ quan đảng, xây dựng chính quyền số.",
        "Nâng cao chất lượng kết nạp đảng viên, chú trọng đoàn viên thanh niên ưu tú.",
        "Công trình thủy lợi bảo đảm nước tưới cho sản xuất nông nghiệp mùa khô.",
    ]
    rng = random.Random(7)
    articles = []
    for number in range(limit or 400):
        body = " ".join(rng.choice(sentences) for _ in range(18))
        title = " ".join(rng.choice(sentences).split()[:8]).rstrip(".,") + f" ({number})"
        articles.append(Article(f"sample-{number:05d}", title, body))
    return articles


@dataclass(frozen=True, slots=True)
class CorpusPlan:
    documents: int
    records: int

    @classmethod
    def at_scale(cls, scale: float) -> CorpusPlan:
        return cls(max(5, round(FULL_DOCUMENTS * scale)), max(2, round(FULL_RECORDS * scale)))


class Generator:
    """Deterministic documents and records from a seed and an article pool."""

    def __init__(self, articles: Sequence[Article], seed: int = 1) -> None:
        self.articles = articles
        self.rng = random.Random(seed)
        self._numbers: dict[tuple[str, int, str], int] = {}
        self._cursor = self.rng.randrange(len(articles))
        self._issued: list[str] = []

    def _next_article(self) -> Article:
        self._cursor = (self._cursor + 1) % len(self.articles)
        return self.articles[self._cursor]

    def document(self, number: int) -> GeneratedDoc:
        rng = self.rng
        fond = rng.choices(FONDS, weights=[f.weight for f in FONDS])[0]
        abbr, heading, name, _ = rng.choices(DOC_TYPES, weights=[t[3] for t in DOC_TYPES])[0]
        year = min(2025, 1975 + int(51 * rng.random() ** 0.7))
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        serial_key = (fond.code, year, abbr)
        self._numbers[serial_key] = self._numbers.get(serial_key, 0) + rng.randint(1, 4)
        symbol = f"{self._numbers[serial_key]}-{abbr}/{fond.issuer}"
        roll = rng.random()
        secrecy = "Tối mật" if roll < 0.005 else "Mật" if roll < 0.035 else ""
        article = self._next_article()
        title = f"{name} về {article.title}"
        doc = GeneratedDoc(
            f"d{number:06d}",
            fond.code,
            symbol,
            abbr,
            fond.issuer,
            f"{year:04d}-{month:02d}-{day:02d}",
            year,
            title,
            secrecy,
        )
        header = self._header(fond, doc, heading, article.title, (day, month, year))
        doc.pages = self._pages(header, article)
        self._issued.append(symbol)
        return doc

    def _header(
        self, fond: Fond, doc: GeneratedDoc, heading: str, summary: str, dmy: tuple[int, int, int]
    ) -> str:
        day, month, year = dmy
        left = [fond.superior, fond.body, "*", f"Số {doc.symbol}"]
        right = ["ĐẢNG CỘNG SẢN VIỆT NAM", f"{fond.place}, ngày {day} tháng {month} năm {year}"]
        lines = left + right
        if doc.secrecy:
            lines.append(doc.secrecy.upper())
        lines += [heading, f"về {summary}", ""]
        return "\n".join(lines)

    def _citation(self) -> str:
        rng = self.rng
        if self._issued and rng.random() < 0.6:
            cited = rng.choice(self._issued[-500:])
        else:
            cited = rng.choice(CENTRAL_CITATIONS)
        kind = {"NQ": "Nghị quyết", "CT": "Chỉ thị", "KL": "Kết luận"}.get(
            cited.split("-")[1].split("/")[0], "Văn bản"
        )
        day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1976, 2025)
        return f"Thực hiện {kind} số {cited} ngày {day}/{month}/{year}."

    def _pages(self, header: str, first: Article) -> list[str]:
        rng = self.rng
        count = rng.choices([c for c, _ in PAGE_COUNTS], weights=[w for _, w in PAGE_COUNTS])[0]
        prose = first.body
        while len(prose) < count * PAGE_CHARS:
            prose += "\n" + self._next_article().body
        pages, position = [], 0
        for index in range(count):
            cut = prose.find(" ", position + PAGE_CHARS - (len(header) if index == 0 else 0))
            cut = len(prose) if cut < 0 or index == count - 1 else cut
            pages.append(prose[position:cut].strip())
            position = cut
        if rng.random() < 0.7:
            pages[0] = self._citation() + "\n" + pages[0]
        pages[0] = header + "\n" + pages[0]
        signer = rng.choice(SIGNERS)
        pages[-1] += f"\n\nT/M BAN THƯỜNG VỤ\n{signer}\n\nNơi nhận:\n- Như trên,\n- Lưu VP."
        return [page[: PAGE_CHARS + 1200] for page in pages]

    def record(self) -> CatalogueRecord:
        rng = self.rng
        fond = rng.choices(FONDS, weights=[f.weight for f in FONDS])[0]
        abbr, _, name, _ = rng.choices(DOC_TYPES, weights=[t[3] for t in DOC_TYPES])[0]
        year = min(2025, 1975 + int(51 * rng.random() ** 0.7))
        article = self._next_article()
        symbol = f"{rng.randint(1, 300)}-{abbr}/{fond.issuer}" if rng.random() < 0.5 else ""
        return CatalogueRecord(
            fond.code,
            rng.randint(1, 6),
            rng.randint(1, 400),
            rng.randint(1, 9000),
            symbol,
            abbr,
            year,
            f"Hồ sơ {name.lower()} về {article.title}",
        )


@dataclass(slots=True)
class ScaleCorpus:
    """What was written: the documents (.txt), manifest, records, and a PDF and a scan subset."""

    root: Path
    documents: list[GeneratedDoc]
    records: list[CatalogueRecord]
    manifest: Path
    pdf_dir: Path
    pdf_pages: int
    scan_dir: Path
    scan_pages: int

    @property
    def pages(self) -> int:
        return sum(len(doc.pages) for doc in self.documents)


def generate(
    root: Path,
    *,
    scale: float,
    seed: int = 1,
    pool: Path | None = DEFAULT_TEXT_POOL,
    pdf_pages: int = 200,
    scan_pages: int = 4,
) -> ScaleCorpus:
    """Write the scale corpus under ``root`` (``text/``, ``manifest.csv``, ``pdf/``, ``scan/``).

    It replaces what an earlier run wrote there: the bench ingests every file of ``pdf/`` and
    ``scan/``, so another run's left there would be measured too.
    """

    for folder in ("text", "pdf", "scan"):
        shutil.rmtree(root / folder, ignore_errors=True)
    plan = CorpusPlan.at_scale(scale)
    generator = Generator(load_articles(pool, plan.documents * 3 + plan.records), seed)
    documents = [generator.document(n) for n in range(plan.documents)]
    records = [generator.record() for _ in range(plan.records)]
    text_dir = root / "text"
    for doc in documents:
        path = text_dir / doc.fond / f"{doc.key}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\f".join(doc.pages), encoding="utf-8")
    manifest = root / "manifest.csv"
    _write_manifest(manifest, documents, records)
    written_pdf = _write_pdfs(root / "pdf", documents, pdf_pages)
    written_scan = _write_scans(root / "scan", documents, scan_pages)
    return ScaleCorpus(
        root, documents, records, manifest, root / "pdf", written_pdf, root / "scan", written_scan
    )


def _write_manifest(
    path: Path, documents: Sequence[GeneratedDoc], records: Sequence[CatalogueRecord]
) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(MANIFEST_COLUMNS)
        for n, doc in enumerate(documents):
            # Archival placement and the register's metadata; title and secrecy come from the
            # header.
            writer.writerow(
                [
                    f"text/{doc.fond}/{doc.key}.txt",
                    doc.fond,
                    1 + n % 5,
                    1 + n // 40,
                    1 + n // 8,
                    doc.symbol,
                    doc.doc_type,
                    doc.issuer,
                    doc.date,
                    doc.year,
                    "",
                    "",
                ]
            )
        for rec in records:
            writer.writerow(
                [
                    "",
                    rec.fond,
                    rec.inventory,
                    rec.box,
                    rec.file,
                    rec.symbol,
                    rec.doc_type,
                    "",
                    "",
                    rec.year,
                    rec.title,
                    "",
                ]
            )


def _write_pdfs(folder: Path, documents: Sequence[GeneratedDoc], budget: int) -> int:
    """Born-digital PDFs of the first documents, up to ``budget`` pages."""
    from tools.docgen import write_pdf

    written = 0
    for doc in documents:
        if written >= budget:
            break
        write_pdf(folder / f"{doc.key}.pdf", doc.pages, title=doc.title)
        written += len(doc.pages)
    return written


def _write_scans(folder: Path, documents: Sequence[GeneratedDoc], budget: int) -> int:
    """Image-only PDFs (one scanned page each) of first pages, lightly degraded like real scans."""
    from tools.docgen import write_scan_pdf

    for number, doc in enumerate(documents[-budget:] if budget else []):
        text = doc.pages[0][:1500]
        write_scan_pdf(
            folder / f"scan-{number:04d}.pdf", [text], degrade="noise" if number % 2 else ""
        )
    return min(budget, len(documents))

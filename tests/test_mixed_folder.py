"""The librarian's batch end to end, killed mid-way and completed by the next run.

A folder of 200+ generated documents of every kind (born-digital PDFs, scanned PDFs, a
multi-page TIFF, PNG scans, TCVN3 text layers and text files), a dozen broken files and
duplicates, ingested with real tesseract by a run that is SIGKILLed mid-way and completed by the
next one: every good document once, every broken file recorded with its reason.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fpdf import FPDF

from archive_search import Archive, IngestOptions
from archive_search.index.legacy import TCVN3_CODES
from archive_search.index.search_index import SearchIndex
from tests.test_ingest_resume import catalogue_rows, start_and_kill
from tools.docgen import (
    find_font,
    write_decompression_bomb,
    write_pdf,
    write_scan_pdf,
    write_scan_png,
    write_scan_tiff,
)

BORN_DIGITAL, LEGACY_LAYERS, LEGACY_TEXTS, SCANNED_PDFS, PNG_SCANS = 170, 15, 10, 5, 3
TIFF_PAGES = 3


def header(number: int, kind: str) -> str:
    return (
        f"TỈNH ỦY BÌNH THUẬN\n*\nSố {number}-{kind}/TU\nPhan Thiết, ngày 5 tháng 6 năm 2018\n"
        f"THÔNG BÁO\nvề hội nghị lần thứ {number}\n\n"
    )


def tcvn3(text: str) -> str:
    return "".join(TCVN3_CODES.get(letter, letter) for letter in text)


@dataclass
class Batch:
    folder: Path
    good: dict[str, str] = field(
        default_factory=dict
    )  # file name → a symbol that finds its document
    broken: dict[str, str] = field(default_factory=dict)  # file name → words of the expected reason
    duplicates: list[str] = field(default_factory=list)


def _good(batch: Batch, number: int, kind: str, path: Path) -> None:
    batch.good[path.name] = f"{number}-{kind}/TU"


def _write_born_digital(batch: Batch) -> None:
    for n in range(1, BORN_DIGITAL + 1):
        body = f"Văn phòng Tỉnh ủy thông báo kết quả hội nghị về chuyển đổi số, lần {n}."
        _good(
            batch,
            n,
            "TB",
            write_pdf(batch.folder / "pdf" / f"tb-{n:03d}.pdf", [header(n, "TB") + body]),
        )


def _write_legacy(batch: Batch) -> None:
    body = "Nghị quyết về phát triển kinh tế biển của tỉnh, đẩy mạnh công nghiệp chế biến."
    for n in range(1, LEGACY_LAYERS + 1):
        path = write_pdf(
            batch.folder / "vntime" / f"nq-{n:02d}.pdf", [tcvn3(header(n, "NQ") + body)]
        )
        _good(batch, n, "NQ", path)
    for n in range(1, LEGACY_TEXTS + 1):
        path = batch.folder / "txt" / f"kl-{n:02d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(
            tcvn3(header(n, "KL") + body).encode("cp1252")
            if n % 2
            else (header(n, "KL") + body).encode()
        )
        _good(batch, n, "KL", path)


def _write_scans(batch: Batch) -> None:
    body = "Ban Thường vụ Tỉnh ủy chỉ đạo xây dựng nông thôn mới."
    for n in range(1, SCANNED_PDFS + 1):
        _good(
            batch,
            n,
            "CT",
            write_scan_pdf(batch.folder / "scan" / f"ct-{n}.pdf", [header(n, "CT") + body]),
        )
    for n in range(1, PNG_SCANS + 1):
        _good(
            batch,
            n,
            "BC",
            write_scan_png(batch.folder / "scan" / f"bc-{n}.png", header(n, "BC") + body),
        )
    later = (f"Trang {p}: các huyện ủy thực hiện nghiêm túc." for p in range(2, TIFF_PAGES + 1))
    pages = [header(1, "HD") + body, *later]
    _good(batch, 1, "HD", write_scan_tiff(batch.folder / "scan" / "hd-1.tif", pages))


def _write_broken(batch: Batch) -> None:
    folder = batch.folder / "broken"
    folder.mkdir(parents=True)
    good = (batch.folder / "pdf" / "tb-001.pdf").read_bytes()
    files = {
        "empty.pdf": (b"", "empty"),
        "empty.txt": (b"", "empty"),
        "truncated.pdf": (good[: len(good) // 3], "damaged"),
        "header-only.pdf": (b"%PDF-1.7\n", "damaged"),
        "not-a-pdf.pdf": ("Đây là thư, không phải PDF.".encode(), "not a PDF"),
        "garbage.jpg": (b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4, "cannot be read"),
        "garbage.tif": (b"II*\x00" + bytes(200), "cannot be read"),
        "binary.txt": (bytes(range(128, 256)) * 8, "not UTF-8"),
        "junk.pdf": (b"%PDF-1.4\n" + bytes(range(256)) * 16, "damaged"),
        "truncated.png": (
            (batch.folder / "scan" / "bc-1.png").read_bytes()[:2000],
            "cannot be read",
        ),
    }
    for name, (data, reason) in files.items():
        (folder / name).write_bytes(data)
        batch.broken[name] = reason
    write_decompression_bomb(folder / "bomb.png", 30_000, 30_000)
    batch.broken["bomb.png"] = "decompression bomb"
    write_scan_png(folder / "blank.png", "")
    batch.broken["blank.png"] = "no text"
    _encrypted(folder / "encrypted.pdf")
    batch.broken["encrypted.pdf"] = "encrypted"


def _encrypted(path: Path) -> None:
    pdf = FPDF()
    pdf.add_font("dejavu", "", str(find_font()))
    pdf.set_font("dejavu", size=12)
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.multi_cell(0, 8, "Tài liệu mật")
    pdf.output(str(path))


def _write_duplicates(batch: Batch) -> None:
    copies = batch.folder / "copies"
    copies.mkdir()
    for name in ("tb-002.pdf", "tb-050.pdf", "tb-100.pdf"):
        shutil.copy(batch.folder / "pdf" / name, copies / f"copy-of-{name}")
        batch.duplicates.append(f"copy-of-{name}")
    shutil.copy(batch.folder / "scan" / "ct-1.pdf", copies / "ct-1-again.pdf")
    batch.duplicates.append("ct-1-again.pdf")


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    made = Batch(tmp_path_factory.mktemp("mixed") / "in")
    for write in (
        _write_born_digital,
        _write_legacy,
        _write_scans,
        _write_broken,
        _write_duplicates,
    ):
        write(made)
    return made


def test_a_mixed_folder_killed_mid_run_is_completed_once(batch: Batch, tmp_path: Path) -> None:
    assert len(batch.good) >= 200 and len(batch.broken) >= 12
    archive_path = tmp_path / "archive"
    start_and_kill(archive_path, batch.folder, after_done=60)
    done_before = int(str(catalogue_rows(archive_path, "SELECT count(*) FROM files")[0][0]))
    with Archive.open(archive_path) as archive:
        report = archive.ingest([batch.folder], options=IngestOptions(workers=2))
        failed = {Path(f.path).name: f.reason for f in archive.failures()}
        assert failed.keys() == batch.broken.keys()
        for name, reason in batch.broken.items():
            assert reason.lower() in failed[name].lower(), (name, failed[name])
        for name, symbol in batch.good.items():
            assert archive.search(symbol).total == 1, (name, symbol)
        assert (
            archive.search('"nông thôn mới"').total == SCANNED_PDFS + PNG_SCANS + 1
        )  # read by tesseract
        assert (
            archive.search('"kinh tế biển"').total == LEGACY_LAYERS + LEGACY_TEXTS
        )  # TCVN3 converted
    total = len(batch.good) + len(batch.broken) + len(batch.duplicates)
    assert report.new + report.duplicates + len(report.failures) + report.skipped == total
    assert (
        done_before > 0 and report.skipped == done_before
    )  # what the killed run recorded is not redone
    statuses = dict(
        catalogue_rows(archive_path, "SELECT status, count(*) FROM files GROUP BY status")
    )
    assert statuses == {
        "done": len(batch.good),
        "failed": len(batch.broken),
        "duplicate": len(batch.duplicates),
    }
    documents = catalogue_rows(
        archive_path, "SELECT count(*), sum(indexed), count(DISTINCT id) FROM documents"
    )
    assert documents == [(len(batch.good), len(batch.good), len(batch.good))]
    pages = int(str(catalogue_rows(archive_path, "SELECT count(*) FROM pages")[0][0]))
    assert pages == len(batch.good) + TIFF_PAGES - 1
    assert SearchIndex.open(archive_path / "index").count() == len(batch.good) + pages

"""The bundled sample archive (README command 1) ingests cleanly and answers the demo's searches."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive_search import Archive, IngestOptions

SAMPLE = Path(__file__).resolve().parent.parent / "sample"


@pytest.mark.skipif(not (SAMPLE / "manifest.csv").is_file(), reason="sample/ not in this checkout")
def test_sample_archive_ingests_and_answers_the_demo(tmp_path: Path) -> None:
    with Archive.open(tmp_path / "archive", create=True) as archive:
        report = archive.ingest(
            [], options=IngestOptions(manifest=SAMPLE / "manifest.csv", workers=2)
        )
        assert (report.new, report.records, report.ocr_pages, len(report.failures)) == (9, 2, 2, 0)
        symbols = [hit.symbol for hit in archive.search("cong nghe thong tin").hits]
        assert symbols[0] == "31-NQ/TU"
        assert [hit.symbol for hit in archive.search("36-NQ/TW").hits] == ["31-NQ/TU"]
        assert "04-NQ/HU" not in [hit.symbol for hit in archive.search("an ninh").hits]
        cleared = archive.search("an ninh", clearance="mat")
        assert "04-NQ/HU" in [hit.symbol for hit in cleared.hits]

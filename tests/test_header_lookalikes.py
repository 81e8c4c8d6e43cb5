"""Cyrillic and Greek look-alikes inside Vietnamese words and symbols match what a person types."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive_search import Archive
from archive_search.index.analysis import fold, latin_look_alikes, normalize, terms
from archive_search.index.search_index import ANALYSIS_FIELD, symbol_key
from archive_search.ingest.options import IngestOptions

CYRILLIC_ES, CYRILLIC_O, GREEK_OMICRON, GREEK_ALPHA = "\u0421", "\u043e", "\u039f", "\u0391"


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        (f"TT-BT{CYRILLIC_ES}", "TT-BTC"),  # the last letter Cyrillic, as published
        (
            f"Ngh\u1ecb quy\u1ebft s\u1ed1 12/2024/N\u0110-{CYRILLIC_ES}P",
            "Nghị quyết số 12/2024/NĐ-CP",
        ),
        (f"c{CYRILLIC_O}ng v\u0103n", "cong v\u0103n"),
        (f"{GREEK_OMICRON}CR {GREEK_ALPHA}NH", "OCR ANH"),
        ("\u0189\u1ea3ng", "Đảng"),  # African D for Đ
    ],
)
def test_look_alikes_among_latin_letters_are_latin(written: str, typed: str) -> None:
    assert terms(written) == terms(typed)
    assert fold(written) == fold(typed)
    assert normalize(written) == normalize(typed)


def test_a_whole_russian_word_stays_russian() -> None:
    assert latin_look_alikes("Москва ТАСС TT-BT\u0421") == "Москва ТАСС TT-BTC"  # noqa: RUF001
    assert terms("Москва") == ["москва"]


def test_symbols_as_typed_and_as_published_have_one_key() -> None:
    assert symbol_key(f"Số: 144/2025/TT-BT{CYRILLIC_ES}") == symbol_key("144/2025/TT-BTC")
    assert symbol_key("Số: 20/2024/NĐ-CP") == symbol_key("so 20/2024/ND-CP") == "20-2024/nd/cp"


def test_offsets_stay_those_of_the_text_as_written() -> None:
    text = f"Theo TT-BT{CYRILLIC_ES} nay"
    assert latin_look_alikes(text) != text and len(latin_look_alikes(text)) == len(text)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    root = tmp_path_factory.mktemp("lookalikes")
    (root / "docs").mkdir()
    (root / "docs" / "tt.txt").write_text(
        f"BỘ TÀI CHÍNH\nSố: 144/2025/TT-BT{CYRILLIC_ES}\nTHÔNG TƯ\n"
        f"Hướng dẫn quản lý kinh phí c{CYRILLIC_O}ng tác\nCăn cứ Luật Ngân sách nhà nước;\n"
        "Trích dẫn báo Москва.\n",
        encoding="utf-8",
    )
    (root / "docs" / "cites.txt").write_text(
        "BỘ TÀI CHÍNH\nSố: 150/2025/TT-BTC\nTHÔNG TƯ\nSửa đổi Thông tư số 144/2025/TT-BTC\n"
        "Căn cứ Thông tư số 144/2025/TT-BTC;\nĐiều 1. Sửa Thông tư số 144/2025/TT-BTC.\n"
        "Điều 2. Bãi bỏ khoản 2 Thông tư số 144/2025/TT-BTC.\n",
        encoding="utf-8",
    )
    (root / "docs" / "nd.txt").write_text(
        "CHÍNH PHỦ\nSố: 20/2024/NĐ-CP\nNGHỊ ĐỊNH\nVề quỹ bảo trì đường bộ\n"
        "Căn cứ Luật Ngân sách;\n",
        encoding="utf-8",
    )
    (root / "docs" / "nd-cited.txt").write_text(
        "CHÍNH PHỦ\nSố: 21/2024/NĐ-CP\nNGHỊ ĐỊNH\nSửa đổi Nghị định số 20/2024/NĐ-CP\n"
        + "Căn cứ Nghị định số 20/2024/NĐ-CP;\n" * 4,
        encoding="utf-8",
    )
    with Archive.open(root / "archive", create=True) as archive:
        archive.ingest([root / "docs"], options=IngestOptions(workers=1))
        yield archive


def test_typed_symbol_finds_the_published_one_first_shown_as_written(archive: Archive) -> None:
    hits = archive.search("144/2025/TT-BTC").hits
    assert [hit.symbol for hit in hits][:1] == [f"144/2025/TT-BT{CYRILLIC_ES}"]
    assert [hit.symbol for hit in archive.search("so 150/2025/TT-BTC").hits][:1] == [
        "150/2025/TT-BTC"
    ]
    assert [hit.symbol for hit in archive.search("20/2024/ND-CP").hits][:1] == ["20/2024/NĐ-CP"]
    assert archive.search("cong tac").total == 1
    assert archive.search("Москва").total == 1


def test_an_index_of_an_earlier_analysis_asks_for_reindex(archive: Archive, tmp_path: Path) -> None:
    copy = tmp_path / "old"
    shutil.copytree(archive.path, copy)
    for meta_path in (copy / "index").glob("*/meta.json"):  # an index per secrecy level
        meta = json.loads(meta_path.read_text())
        meta["schema"] = [field for field in meta["schema"] if field["name"] != ANALYSIS_FIELD]
        meta_path.write_text(json.dumps(meta))
    with Archive.open(copy) as old:
        assert old.outdated_index() == [ANALYSIS_FIELD]
        assert old.reindex() == 4
        assert old.outdated_index() == []
        assert old.search("144/2025/TT-BTC").hits[0].symbol.startswith("144/")

"""Word segmentation agrees with pyvi exactly, without importing scikit-learn."""

from __future__ import annotations

import subprocess
import sys

import pytest

from archive_search.index.segment import candidate_compounds, compounds, segment
from tools.build_sample import PDF_DOCUMENTS, TEXT_REPORT

TEXTS = [page for pages in PDF_DOCUMENTS.values() for page in pages] + [
    TEXT_REPORT,
    "Ngày 22/6, cơ quan CSĐT Công an TX. Phú Mỹ đã ra quyết định khởi tố vụ án.",
    "Email: vanphong@tinhuy.vn, web https://tinhuy.vn ... ==> 1.250,5 tỷ đồng",
]


@pytest.mark.parametrize("text", TEXTS)
def test_segmentation_is_pyvis(text: str) -> None:
    pyvi = pytest.importorskip("pyvi.ViTokenizer")
    assert segment(text) == pyvi.tokenize(text).split()


def test_compounds_are_canonical_lowercase_multi_syllable_words() -> None:
    found = compounds("Tỉnh ủy đẩy mạnh ứng dụng công nghệ thông tin")
    assert "công_nghệ" in found or "công_nghệ_thông_tin" in found
    assert all("_" in word and word == word.lower() for word in found)
    assert compounds("Tỉnh uỷ") == compounds("Tỉnh ủy")


def test_query_candidates_are_every_adjacent_run() -> None:
    assert list(candidate_compounds(["cong", "nghe", "thong"])) == [
        "cong_nghe",
        "nghe_thong",
        "cong_nghe_thong",
    ]
    assert list(candidate_compounds(["dang"])) == []


def test_segmenting_does_not_import_scikit_learn() -> None:
    code = (
        "import sys; from index.segment import segment; segment('công nghệ thông tin'); "
        "print(any(name.split('.')[0] in ('sklearn', 'numpy', 'scipy') for name in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

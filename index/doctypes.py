"""Party document types (Hướng dẫn 36-HD/VPTW): name, symbol abbreviation, and the heading that
opens a document of the type. One table for reading headers and for the ``loai:`` search field."""

from __future__ import annotations

from dataclasses import dataclass

from archive_search.index.analysis import fold


@dataclass(frozen=True, slots=True)
class DocType:
    name: str  # Nghị quyết
    abbreviation: str  # NQ; types never abbreviated in a symbol have ""
    heading: str  # NGHỊ QUYẾT

    @property
    def code(self) -> str:
        """What the catalogue stores as the type: the abbreviation, else the name."""
        return self.abbreviation or self.name


DOC_TYPES = (
    DocType("Cương lĩnh", "", "CƯƠNG LĨNH"),
    DocType("Điều lệ", "", "ĐIỀU LỆ"),
    DocType("Nghị quyết", "NQ", "NGHỊ QUYẾT"),
    DocType("Quyết định", "QĐ", "QUYẾT ĐỊNH"),
    DocType("Chỉ thị", "CT", "CHỈ THỊ"),
    DocType("Kết luận", "KL", "KẾT LUẬN"),
    DocType("Quy chế", "QC", "QUY CHẾ"),
    DocType("Quy định", "QĐi", "QUY ĐỊNH"),
    DocType("Thông tri", "TT", "THÔNG TRI"),
    DocType("Hướng dẫn", "HD", "HƯỚNG DẪN"),
    DocType("Thông báo", "TB", "THÔNG BÁO"),
    DocType("Thông cáo", "TC", "THÔNG CÁO"),
    DocType("Tuyên bố", "", "TUYÊN BỐ"),
    DocType("Lời kêu gọi", "", "LỜI KÊU GỌI"),
    DocType("Báo cáo", "BC", "BÁO CÁO"),
    DocType("Kế hoạch", "KH", "KẾ HOẠCH"),
    DocType("Quy hoạch", "QH", "QUY HOẠCH"),
    DocType("Chương trình", "CTr", "CHƯƠNG TRÌNH"),
    DocType("Đề án", "ĐA", "ĐỀ ÁN"),
    DocType("Tờ trình", "TTr", "TỜ TRÌNH"),
    DocType("Biên bản", "BB", "BIÊN BẢN"),
    DocType("Công văn", "CV", "CÔNG VĂN"),
)
BY_HEADING = {t.heading: t.code for t in DOC_TYPES}
BY_FOLDED_NAME = {fold(t.name.lower()): t.code for t in DOC_TYPES}


def code_of_name(name: str) -> str | None:
    """The code of a type named with or without diacritics, in any case (``nghi quyet`` → NQ)."""
    return BY_FOLDED_NAME.get(" ".join(fold(name).split()))

"""Document types: name, symbol abbreviation, and the heading that opens a document of the type.

The Party's types (Hướng dẫn 36-HD/VPTW) and the state's (Luật Ban hành văn bản quy phạm pháp
luật): one table for reading headers and for the ``loai:`` search field. A Party ``Thông tri`` and
a state ``Thông tư`` share the abbreviation ``TT``, as their symbols do."""

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
    DocType("Hiến pháp", "", "HIẾN PHÁP"),
    DocType("Luật", "", "LUẬT"),
    DocType("Pháp lệnh", "", "PHÁP LỆNH"),
    DocType("Lệnh", "", "LỆNH"),
    DocType("Nghị định", "NĐ", "NGHỊ ĐỊNH"),
    DocType("Thông tư", "TT", "THÔNG TƯ"),
    DocType("Thông tư liên tịch", "TTLT", "THÔNG TƯ LIÊN TỊCH"),
    DocType("Nghị quyết liên tịch", "NQLT", "NGHỊ QUYẾT LIÊN TỊCH"),
    DocType("Văn bản hợp nhất", "VBHN", "VĂN BẢN HỢP NHẤT"),
)
BY_HEADING = {t.heading: t.code for t in DOC_TYPES}
ABBREVIATIONS = frozenset(t.abbreviation for t in DOC_TYPES if t.abbreviation)
BY_FOLDED_NAME = {fold(t.name.lower()): t.code for t in DOC_TYPES}


def code_of_name(name: str) -> str | None:
    """The code of a type named with or without diacritics, in any case (``nghi quyet`` → NQ)."""
    return BY_FOLDED_NAME.get(" ".join(fold(name).split()))


def doc_type_name(code: str) -> str | None:
    """The name of a type by its code, as the catalogue stores it (``NQ`` → Nghị quyết)."""
    return _BY_CODE.get(code)


_BY_CODE = {t.code: t.name for t in DOC_TYPES}

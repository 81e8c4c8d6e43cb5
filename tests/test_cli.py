"""The command line: exact output and exit codes, through click's CliRunner and a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archive_search import ExitCode, IngestReport
from archive_search.cli import cli, main
from tests.conftest import Corpus


def run(*args: str, archive: Path | None = None) -> Result:
    prefix = ["--archive", str(archive)] if archive else []
    return CliRunner().invoke(cli, [*prefix, *args], catch_exceptions=False, standalone_mode=True)


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Through ``main``, the one place errors become exit codes."""
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_search_prints_ranked_documents_with_pages_and_snippets(
    ingested: tuple[Path, IngestReport],
) -> None:
    result = run("search", "--all-words", "cong", "nghe", "thong", "tin", archive=ingested[0])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "1 document matches 'cong nghe thong tin' (showing 1-1)"
    assert lines[1:6] == [
        "  fond: TU (1)",
        "  year: 2019 (1)",
        "  doc_type: NQ (1)",
        "  issuer: TU (1)",
        "  decade: 2010-2019 (1)",
    ]
    assert lines[7] == (
        "  1. 31-NQ/TU  Nghị quyết về đẩy mạnh ứng dụng công nghệ thông tin  "
        "[TU · inv. 1 · box 12 · file 345 · 2019-03-15 · NQ]"
    )
    assert lines[8].endswith("2019-31-NQ-TU.pdf")
    assert lines[9].startswith("     p. 1: ")
    assert "[công nghệ thông tin]" in lines[9]
    assert lines[10].startswith("     p. 2: ")


def test_snippets_print_quotes_and_ampersands_as_written(tmp_path: Path) -> None:
    text = tmp_path / "tb.txt"
    text.write_text('Hội nghị bàn về chuyển đổi số: "Đảng uỷ" & <khối> cùng làm', encoding="utf-8")
    assert run("ingest", str(text), archive=tmp_path / "a").exit_code == 0
    result = run("search", "chuyen doi so", archive=tmp_path / "a")
    snippet = next(line for line in result.output.splitlines() if line.startswith("     p. 1: "))
    assert snippet == '     p. 1: Hội nghị bàn về [chuyển đổi số]: "Đảng uỷ" & <khối> cùng làm'
    data = json.loads(run("search", "--json", "chuyen doi so", archive=tmp_path / "a").output)
    assert data["hits"][0]["pages"][0]["snippet"].endswith(
        ": &quot;Đảng uỷ&quot; &amp; &lt;khối&gt; cùng làm"
    )


def test_search_json_shape(ingested: tuple[Path, IngestReport]) -> None:
    result = run("search", "--json", "36-NQ/TW", archive=ingested[0])
    data = json.loads(result.output)
    assert set(data) == {
        "query",
        "total",
        "offset",
        "hits",
        "facets",
        "warning",
        "exact",
        "relaxed",
        "words",
        "loosened",
    }
    assert data["warning"] is None
    assert (data["query"], data["total"], data["offset"]) == ("36-NQ/TW", 1, 0)
    hit = data["hits"][0]
    assert set(hit) == {
        "id",
        "kind",
        "title",
        "symbol",
        "doc_type",
        "fond",
        "year",
        "date",
        "issuer",
        "source",
        "score",
        "pages",
        "secrecy",
        "match",
        "inventory",
        "box",
        "file_no",
        "matched",
        "heading",
    }
    assert (hit["secrecy"], hit["match"]) == ("public", "exact")
    assert (hit["kind"], hit["symbol"], hit["year"], hit["fond"]) == (
        "document",
        "31-NQ/TU",
        2019,
        "TU",
    )
    assert hit["pages"] == [{"page": 2, "snippet": hit["pages"][0]["snippet"], "match": "exact"}]
    assert "<b>36-NQ/TW</b>" in hit["pages"][0]["snippet"]
    assert data["facets"]["year"] == [{"value": "2019", "count": 1}]


def test_search_filters_from_the_command_line(ingested: tuple[Path, IngestReport]) -> None:
    result = run(
        "search", "--json", "--year", "2015..2016", "--type", "CT", "", archive=ingested[0]
    )
    data = json.loads(result.output)
    assert [hit["symbol"] for hit in data["hits"]] == ["05-CT/TU"]
    result = run(
        "search",
        "--json",
        "--fond",
        "HU-HTB",
        "--fond",
        "TU",
        "--year",
        "2021",
        "",
        archive=ingested[0],
    )
    assert [hit["symbol"] for hit in json.loads(result.output)["hits"]] == ["12-KL/HU"]


def test_a_record_hit_says_where_the_file_is_kept(tmp_path: Path) -> None:
    """Files of one title in several boxes: the table tells them apart by inventory, box, file."""
    (tmp_path / "muc-luc.csv").write_text(
        "Phông,Mục lục số,Hộp số,Hồ sơ số,Tiêu đề hồ sơ,Thời gian bắt đầu\n"
        "TU,1,3,41,Tập công văn đi năm 2015,05/01/2015\n"
        "TU,1,4,57,Tập công văn đi năm 2015,\n",
        encoding="utf-8",
    )
    assert (
        run(
            "ingest", "--manifest", str(tmp_path / "muc-luc.csv"), "-q", archive=tmp_path / "a"
        ).exit_code
        == 0
    )
    table = run("search", "cong van di", "--sort", "date-asc", archive=tmp_path / "a").output
    assert "Tập công văn đi năm 2015  [TU · inv. 1 · box 3 · file 41 · 2015-01-05]" in table
    assert "Tập công văn đi năm 2015  [TU · inv. 1 · box 4 · file 57]" in table


def test_the_ingest_summary_says_which_records_a_catalogue_no_longer_lists(tmp_path: Path) -> None:
    """A row deleted from the catalogue: the next ingestion says so, and with --prune removes it."""
    catalogue = tmp_path / "muc-luc.csv"
    rows = [
        "Phông,Hộp số,Hồ sơ số,Tiêu đề hồ sơ\n",
        "TU,3,41,Tập công văn đi\n",
        "TU,4,57,Tập công văn đến\n",
    ]
    catalogue.write_text("".join(rows), encoding="utf-8")
    assert run("ingest", "--manifest", str(catalogue), "-q", archive=tmp_path / "a").exit_code == 0
    catalogue.write_text("".join(rows[:2]), encoding="utf-8")
    kept = run("ingest", "--manifest", str(catalogue), archive=tmp_path / "a")
    assert kept.output.endswith(
        "; 1 records are no longer in the catalogue (--prune removes them)\n"
    )
    pruned = run("ingest", "--manifest", str(catalogue), "--prune", archive=tmp_path / "a")
    assert pruned.output.endswith(", 1 records no longer in the catalogue removed\n")
    assert run("search", "cong van den", archive=tmp_path / "a").output.startswith(
        "0 documents match"
    )


def test_remove_takes_records_out_by_id_and_names_an_unknown_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalogue = tmp_path / "muc-luc.csv"
    rows = [
        "Phông,Hộp số,Hồ sơ số,Tiêu đề hồ sơ\n",
        "TU,3,41,Tập công văn đi\n",
        "TU,4,57,Tập công văn đến\n",
    ]
    catalogue.write_text("".join(rows), encoding="utf-8")
    assert run("ingest", "--manifest", str(catalogue), "-q", archive=tmp_path / "a").exit_code == 0
    found = json.loads(run("search", "cong van den", "--json", archive=tmp_path / "a").output)
    record = found["hits"][0]["id"]
    status, _, err = run_main(
        capsys, "--archive", str(tmp_path / "a"), "remove", record, "khong-co"
    )
    assert status == ExitCode.NOT_FOUND
    assert "no document or record with id 'khong-co': nothing was removed" in err
    assert (
        run("remove", record, archive=tmp_path / "a").output == "removed 1 documents and records\n"
    )
    assert run("search", "cong van den", archive=tmp_path / "a").output.startswith(
        "0 documents match"
    )
    assert run("search", "cong van di", archive=tmp_path / "a").output.startswith(
        "1 document matches"
    )


def test_show_prints_metadata_and_one_page(ingested: tuple[Path, IngestReport]) -> None:
    doc_id = json.loads(run("search", "--json", "31-NQ/TU", archive=ingested[0]).output)["hits"][0][
        "id"
    ]
    result = run("show", doc_id, "--page", "2", archive=ingested[0])
    assert result.exit_code == 0
    assert "  symbol: 31-NQ/TU" in result.output.splitlines()
    sources = next(line for line in result.output.splitlines() if line.startswith("  sources: "))
    assert "symbol=" in sources and "{" not in sources  # key=value, not a Python dict
    assert "--- page 2 (text) ---" in result.output
    assert "--- page 1" not in result.output


def test_show_a_page_the_document_lacks_is_not_found(
    capsys: pytest.CaptureFixture[str], ingested: tuple[Path, IngestReport]
) -> None:
    doc_id = json.loads(run("search", "--json", "31-NQ/TU", archive=ingested[0]).output)["hits"][0][
        "id"
    ]
    pages = len(json.loads(run("show", "--json", doc_id, archive=ingested[0]).output)["pages"])
    status, out, err = run_main(
        capsys, "--archive", str(ingested[0]), "show", doc_id, "--page", str(pages + 1)
    )
    assert (status, out) == (ExitCode.NOT_FOUND, "")
    assert err == f"Error: {doc_id} has no page {pages + 1}: its pages are 1-{pages}\n"


def test_stats_and_failures(ingested: tuple[Path, IngestReport], corpus: Corpus) -> None:
    stats = json.loads(run("stats", "--json", archive=ingested[0]).output)
    index_bytes = stats.pop("index_bytes")
    assert index_bytes > 0
    assert stats == {  # the one secret document (a page of text) is not counted at public
        "documents": 6,
        "records": 1,
        "pages": 8,
        "ocr_pages": 2,
        "born_digital_pages": 6,
        "failed_files": 4,
        "clearance": "public",
        "by_fond": [{"value": "TU", "count": 6}, {"value": "HU-HTB", "count": 1}],
        "by_year": [
            {"value": str(year), "count": 1} for year in (2010, 2015, 2016, 2017, 2019, 2020, 2021)
        ],
        "by_type": [{"value": "NQ", "count": 2}]
        + [{"value": t, "count": 1} for t in ("BC", "CT", "HD", "KL", "TB")],
    }
    cleared = json.loads(run("stats", "--json", "--clearance", "Mật", archive=ingested[0]).output)
    assert cleared["by_fond"][0] == {"value": "TU", "count": 7}
    assert (cleared["documents"], cleared["pages"], cleared["born_digital_pages"]) == (7, 9, 7)
    listed = run("failures", archive=ingested[0]).output.splitlines()
    assert (
        f"{corpus.broken['encrypted'].resolve()}: PDF is encrypted: decrypt it and ingest it again"
        in listed
    )
    assert len(listed) == 4


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["search", "--strict", '"open'],
            ExitCode.QUERY,
            'Error: unbalanced quote in query: close the phrase with a second "',
        ),
        (
            ["search", "--strict", "phongg:TU"],
            ExitCode.QUERY,
            "Error: unknown field 'phongg': use one of so:",
        ),
        (
            ["search", "x", "--clearance", "secret"],
            ExitCode.QUERY,
            "Error: unknown secrecy level 'secret'",
        ),
        (["similar", "nope"], ExitCode.NOT_FOUND, "Error: no document with id 'nope'"),
        (["search", "x", "--year", "soon"], ExitCode.QUERY, "Error: bad year 'soon'"),
        (["show", "nope"], ExitCode.NOT_FOUND, "Error: no document with id 'nope'"),
        (
            ["search", "😀"],
            ExitCode.QUERY,
            "Error: nothing to search in '😀': type a word, a symbol or a field",
        ),
        (["export", "-"], ExitCode.QUERY, "Error: nothing to search in '-'"),
    ],
)
def test_errors_are_one_line_with_an_exit_code(
    capsys: pytest.CaptureFixture[str],
    ingested: tuple[Path, IngestReport],
    args: list[str],
    code: int,
    message: str,
) -> None:
    status, out, err = run_main(capsys, "--archive", str(ingested[0]), *args)
    assert (status, out) == (code, "")
    assert err.startswith(message)
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_missing_archive(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, err = run_main(capsys, "--archive", str(tmp_path / "none"), "search", "x")
    assert status == ExitCode.ARCHIVE
    assert err == (
        "Error: no archive here: ingest files first (`archive-search ingest PATH`) or pass "
        f"--archive ({tmp_path / 'none'})\n"
    )


def test_archive_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, ingested: tuple[Path, IngestReport]
) -> None:
    monkeypatch.setenv("ARCHIVE_SEARCH_HOME", str(ingested[0]))
    assert json.loads(run("search", "--json", "05-CT/TU").output)["total"] >= 1


def test_ingest_with_failures_exits_6_after_indexing_the_good_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, corpus: Corpus
) -> None:
    good = corpus.root / "documents" / "2016-05-CT-TU.pdf"
    status, out, err = run_main(
        capsys,
        "--archive",
        str(tmp_path / "a"),
        "ingest",
        "--workers",
        "1",
        "--fond",
        "TU",
        str(good),
        str(corpus.broken["fake"]),
    )
    assert status == ExitCode.SOME_FILES_FAILED
    assert out.startswith(
        "1 new, 0 unchanged, 0 duplicates, 0 catalogue records, 1 pages (0 OCR), 1 failed in "
    )
    assert err.splitlines() == [
        f"failed: {corpus.broken['fake'].resolve()}: not a PDF: the file has no PDF header",
        "Error: 1 file(s) failed; every other file is indexed (`archive-search failures` lists "
        "them)",
    ]
    _, out, _ = run_main(capsys, "--archive", str(tmp_path / "a"), "search", "--json", "dang vien")
    assert json.loads(out)["hits"][0]["fond"] == "TU"


@pytest.mark.parametrize(
    ("names", "line"),
    [
        (["to-trinh.docx"], "1 file of an unsupported type ignored (.docx)"),
        (
            ["a.docx", "b.DOCX", "GHI-CHU"],
            "3 files of unsupported types ignored (.docx, no extension)",
        ),
        (
            ["a.docx", "sub/b.xls", "sub/c.docx", ".DS_Store", ".git/config"],
            "3 files of unsupported types ignored (.docx, .xls)",
        ),
        (
            ["manifest.csv"],
            "1 file of an unsupported type ignored (.csv); "
            "a .csv is read as a manifest only when given with --manifest",
        ),
        (
            ["muc-luc.xlsx", "cat.csv"],
            "2 files of unsupported types ignored (.csv, .xlsx); "
            "a .csv or .xlsx is read as a manifest only when given with --manifest",
        ),
    ],
)
def test_ingest_summary_names_the_files_of_unsupported_types_it_ignored(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, names: list[str], line: str
) -> None:
    folder = tmp_path / "in"
    for name in [*names, "bc.txt"]:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("Báo cáo tổng kết công tác xây dựng Đảng.", encoding="utf-8")
    status, out, err = run_main(
        capsys, "--archive", str(tmp_path / "a"), "ingest", "--workers", "1", str(folder)
    )
    assert (status, err) == (ExitCode.OK, "")
    assert out.startswith(
        "1 new, 0 unchanged, 0 duplicates, 0 catalogue records, 1 pages (0 OCR), 0 failed in "
    )
    assert out.split(" s; ")[1] == line + "\n"
    status, out, _ = run_main(
        capsys, "--archive", str(tmp_path / "a"), "ingest", "--json", str(folder)
    )
    listed = [
        str((folder / name).resolve())
        for name in sorted(names, key=Path)
        if not name.startswith(".")
    ]
    assert (status, json.loads(out)["unsupported"]) == (ExitCode.OK, listed)


def test_an_unsupported_file_named_on_the_command_line_fails_with_its_path_and_reason(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    named = tmp_path / "to-trinh.docx"
    named.write_bytes(b"PK\x03\x04")
    status, out, err = run_main(
        capsys, "--archive", str(tmp_path / "a"), "ingest", "--workers", "1", str(named)
    )
    assert status == ExitCode.SOME_FILES_FAILED
    assert out.startswith(
        "0 new, 0 unchanged, 0 duplicates, 0 catalogue records, 0 pages (0 OCR), 1 failed in "
    )
    assert "ignored" not in out
    assert err.splitlines()[0] == (
        f"failed: {named.resolve()}: unsupported file type .docx: "
        "archive-search reads PDF, PNG, JPEG and TIFF files and .txt text files"
    )


def test_verbose_shows_the_traceback(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, err = run_main(capsys, "-v", "--archive", str(tmp_path / "none"), "search", "x")
    assert status == ExitCode.ARCHIVE
    assert "Traceback" in err


def test_reindex_command(archive_copy: Path) -> None:
    result = run("reindex", archive=archive_copy)
    assert (result.exit_code, result.output) == (0, "reindexed 8 documents\n")


def test_python_dash_m_runs_the_cli(ingested: tuple[Path, IngestReport]) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "archive_search",
            "--archive",
            str(ingested[0]),
            "search",
            "--json",
            '"hoa binh"',
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["hits"][0]["symbol"] == "31-NQ/TU"


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert cli.commands[command].help


def _id_of(archive: Path, symbol: str) -> str:
    return str(
        json.loads(run("search", "--json", f"so:{symbol}", archive=archive).output)["hits"][0]["id"]
    )


def test_a_bad_query_is_searched_as_plain_words_with_a_warning(
    capsys: pytest.CaptureFixture[str], ingested: tuple[Path, IngestReport]
) -> None:
    status, out, err = run_main(
        capsys,
        "--archive",
        str(ingested[0]),
        "search",
        "--json",
        "--all-words",
        '"cong nghe (thong tin',
    )
    assert status == 0
    assert err == (
        'Warning: unbalanced quote in query: close the phrase with a second "; '
        "searched the words as plain text instead\n"
    )
    data = json.loads(out)
    assert [hit["symbol"] for hit in data["hits"]] == ["31-NQ/TU"]
    assert data["warning"].startswith("unbalanced quote")


def test_query_language_from_the_command_line(ingested: tuple[Path, IngestReport]) -> None:
    result = run(
        "search",
        "--json",
        "--sort",
        "date-asc",
        "(chuyen OR kinh) loai:TB,NQ nam:2015..2020",
        archive=ingested[0],
    )
    assert [hit["symbol"] for hit in json.loads(result.output)["hits"]] == ["31-NQ/TU", "15-TB/TU"]


def test_an_exclusion_typed_as_its_own_word_is_part_of_the_query(
    capsys: pytest.CaptureFixture[str], ingested: tuple[Path, IngestReport]
) -> None:
    def symbols(*args: str) -> list[str]:
        status, out, _ = run_main(capsys, "--archive", str(ingested[0]), "search", "--json", *args)
        assert status == 0
        return [hit["symbol"] for hit in json.loads(out)["hits"]]

    everything, without = symbols("chuyen OR kinh"), symbols("chuyen OR kinh -chuyen")
    assert without and set(without) < set(everything)
    assert symbols("chuyen", "OR", "kinh", "-chuyen") == without  # not "no such option -c"
    assert symbols("-chuyen", "--limit", "10", "chuyen", "OR", "kinh") == without
    assert symbols("-chuyen", "--", "chuyen", "OR", "kinh") == without
    status, _, err = run_main(
        capsys, "--archive", str(ingested[0]), "search", "kinh", "--limt", "3"
    )
    assert status == 2 and "No such option '--limt'" in err  # a misspelt option is still refused
    status, out, _ = run_main(capsys, "search", "-h")
    assert status == 0 and out.startswith("Usage: ")


def test_facets_command(ingested: tuple[Path, IngestReport]) -> None:
    result = run("facets", "--issuer", "HU", archive=ingested[0])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "  fond: HU-HTB (1)",
        "  year: 2021 (1)",
        "  doc_type: KL (1)",
        "  issuer: TU (5), HU (1)",
        "  decade: 2020-2029 (1)",
    ]


@pytest.mark.parametrize("export_format", ["csv", "jsonl"])
def test_export_writes_every_hit(ingested: tuple[Path, IngestReport], export_format: str) -> None:
    result = run("export", "", "--sort", "date-asc", "--format", export_format, archive=ingested[0])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    if export_format == "csv":
        assert lines[0] == (
            "id,kind,symbol,title,doc_type,fond,inventory,box,file_no,year,date,issuer,secrecy,source,score,page,snippet"
        )
        symbols = [line.split(",")[2] for line in lines[1:]]
    else:
        symbols = [json.loads(line)["symbol"] for line in lines]
    assert symbols == [
        "45-NQ/TU",
        "03-BC/TU",
        "05-CT/TU",
        "09-HD/TU",
        "31-NQ/TU",
        "15-TB/TU",
        "12-KL/HU",
    ]


def test_similar_command(ingested: tuple[Path, IngestReport]) -> None:
    doc_id = _id_of(ingested[0], "31-NQ/TU")
    data = json.loads(run("similar", doc_id, "--json", archive=ingested[0]).output)
    symbols = [hit["symbol"] for hit in data["hits"]]
    assert "31-NQ/TU" not in symbols and "07-NQ/TU" not in symbols  # itself, and the secret one
    assert symbols and data["total"] == len(symbols)
    cleared = json.loads(
        run("similar", doc_id, "--json", "--clearance", "mat", archive=ingested[0]).output
    )
    assert (
        cleared["hits"][0]["symbol"] == "07-NQ/TU"
    )  # shares "công nghệ thông tin", "ban thường vụ"
    table = run("similar", doc_id, "--limit", "2", archive=ingested[0]).output.splitlines()
    assert (
        table[0] == f"The 2 documents most like {doc_id}, most alike first"
    )  # no total: most share a word
    assert table[2].startswith(f"  1. {symbols[0]}  ")


def test_show_lists_what_a_document_cites(ingested: tuple[Path, IngestReport]) -> None:
    result = run("show", _id_of(ingested[0], "31-NQ/TU"), "--page", "1", archive=ingested[0])
    lines = result.output.splitlines()
    assert lines[lines.index("  cites:") + 1] == "    36-NQ/TW  (not in the archive)"
    assert "  cited by:" not in lines


def test_search_does_not_import_ingestion_libraries(ingested: tuple[Path, IngestReport]) -> None:
    script = (
        "import json, sys\nfrom cli import main\n"
        f"try:\n    main(['--archive', {str(ingested[0])!r}, 'search', '--json', 'cong nghe'])\n"
        "except SystemExit:\n    pass\n"
        "heavy = {'pyvi', 'sklearn', 'pdfminer', 'pytesseract', 'pypdfium2', 'PIL', 'fpdf'}\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules} & heavy)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert json.loads(out[0])["total"] == 1  # the search ran
    assert json.loads(out[-1]) == []


def test_exact_finds_counts_and_exports_only_the_spelling_typed(
    ingested: tuple[Path, IngestReport],
) -> None:
    archive = ingested[0]
    folded = json.loads(run("search", "--json", "đang", archive=archive).output)
    exact = json.loads(run("search", "--json", "--exact", "đang", archive=archive).output)
    assert folded["total"] > 1  # đảng is dang too, accent-insensitively
    assert exact["total"] == 1 and [hit["symbol"] for hit in exact["hits"]] == ["12-KL/HU"]
    assert (exact["exact"], folded["exact"]) == (True, False)  # what the total counts, for scripts
    snippet = exact["hits"][0]["pages"][0]["snippet"]
    assert snippet.count("<b>đang</b>") == 2 and "<b>" not in snippet.replace("<b>đang</b>", "")
    facets = json.loads(run("facets", "--json", "--exact", "đang", archive=archive).output)
    assert facets["doc_type"] == [{"value": "KL", "count": 1}]
    exported = run(
        "export", "--exact", "--format", "jsonl", "đang", archive=archive
    ).output.splitlines()
    assert [json.loads(line)["symbol"] for line in exported] == ["12-KL/HU"]

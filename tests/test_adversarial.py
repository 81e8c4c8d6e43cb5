"""Adversarial input and faults: each test holds one way a new user broke archive-search."""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive_search import Archive, ExitCode, IngestOptions, QueryError, SearchQuery
from archive_search.cli import main
from archive_search.export import neutralised
from archive_search.index.records import Secrecy
from archive_search.ingest.manifest import secrecy_of
from archive_search.query import MAX_NESTING, MAX_QUERY_WORDS, parse_query

NOBODY = 65534


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Through ``main``, the one place errors become exit codes."""
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def cli(
    *args: str, timeout: float = 300, user: int | None = None, temp: str = "/tmp"
) -> subprocess.CompletedProcess[str]:
    """``archive-search ARGS`` in a process of its own (as ``user``, when given)."""
    command = [sys.executable, "-m", "archive_search", *args]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "TMPDIR": temp}
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, env=environment, check=False
    )


def text_file(path: Path, title: str, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"BÁO CÁO\n{title}\n\n{body}\n", encoding="utf-8")
    return path


def manifest(path: Path, header: str, *rows: str) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def small(tmp_path: Path) -> Path:
    """An archive of two text files, one of them secret."""
    text_file(tmp_path / "docs" / "a.txt", "Báo cáo công tác", "Nội dung alphaword chung.")
    text_file(tmp_path / "docs" / "b.txt", "Báo cáo mật", "Nội dung betaword riêng.")
    listing = manifest(
        tmp_path / "m.csv",
        "path,fond,title,secrecy",
        "docs/a.txt,TU,Báo cáo công tác,",
        "docs/b.txt,TU,Báo cáo mật,mat",
    )
    archive = tmp_path / "archive"
    with Archive.open(archive, create=True) as opened:
        opened.ingest(options=IngestOptions(manifest=listing, workers=1))
    return archive


# ---- 31.8 and 31.17: queries too deep or too long --------------------------------------------


def test_deeply_nested_parentheses_are_one_error_or_plain_words(
    small: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = "(" * 300 + "alphaword" + ")" * 300
    code, _, err = run_main(capsys, "--archive", str(small), "search", "--strict", deep)
    assert (code, err) == (
        ExitCode.QUERY,
        f"Error: parentheses nested more than {MAX_NESTING} levels deep: remove some\n",
    )
    code, out, err = run_main(capsys, "--archive", str(small), "search", deep)
    assert code == ExitCode.OK
    assert "1 document matches" in out and err.startswith("Warning: parentheses nested")


def test_parentheses_as_deep_as_allowed_are_read() -> None:
    assert parse_query("(" * MAX_NESTING + "x" + ")" * MAX_NESTING).root is not None


def test_a_query_of_thousands_of_words_is_refused_with_its_limit(
    small: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    words = " ".join(["công nghệ thông tin"] * 5_000)
    code, _, err = run_main(capsys, "--archive", str(small), "search", words)
    assert (code, err) == (
        ExitCode.QUERY,
        "Error: query is 99,999 characters long: at most 2,000 are searched; shorten it\n",
    )
    many = " ".join(["tin"] * (MAX_QUERY_WORDS + 1))
    code, _, err = run_main(capsys, "--archive", str(small), "search", many)
    assert (code, err) == (
        ExitCode.QUERY,
        f"Error: query has {MAX_QUERY_WORDS + 1} words: at most {MAX_QUERY_WORDS} are searched; "
        "shorten it\n",
    )


def test_search_query_built_directly_takes_a_clearance_by_name(small: Path) -> None:
    with Archive.open(small) as archive:
        assert archive.run(SearchQuery(text="betaword", clearance="mat")).total == 1
        assert archive.run(SearchQuery(text="betaword", clearance="public")).total == 0
        assert archive.run(SearchQuery(text="alphaword", fond="TU", year=("2019",))).total == 0
        with pytest.raises(QueryError, match="unknown secrecy level 'secret'"):
            SearchQuery(text="x", clearance="secret")


# ---- 31.9: arguments that are not UTF-8 ------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["show", "\udcff"], "DOC_ID"),
        (["similar", "\udcff"], "DOC_ID"),
        (["remove", "\udcff"], "ID..."),
        (["search", "x", "--fond", "\udcff"], "--fond"),
        (["search", "x", "--type", "\udcff"], "--type"),
        (["search", "x", "--issuer", "\udcff"], "--issuer"),
        (["facets", "\udcffx"], "QUERY"),
        (["export", "x", "--cites", "\udcff"], "--cites"),
    ],
)
def test_arguments_that_are_not_utf8_are_a_usage_error(
    small: Path, capsys: pytest.CaptureFixture[str], args: list[str], shown: str
) -> None:
    code, _, err = run_main(capsys, "--archive", str(small), *args)
    assert code == ExitCode.USAGE
    assert err.startswith(f"Error: {shown} '") and err.endswith(
        "' is not valid UTF-8: give it as UTF-8 text\n"
    )
    assert len(err.splitlines()) == 1


def test_a_file_whose_name_is_not_utf8_fails_alone(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    text_file(folder / "good.txt", "Báo cáo", "Nội dung goodword.")
    text_file(Path(os.fsdecode(bytes(folder) + b"/bad\xff.txt")), "Báo cáo", "Nội dung badword.")
    with Archive.open(tmp_path / "archive", create=True) as archive:
        report = archive.ingest([folder], options=IngestOptions(workers=1))
        assert report.new == 1
        assert [failure.reason for failure in report.failures] == [
            "file name is not valid UTF-8: rename the file (the catalogue keeps names as text)"
        ]
        assert archive.search("goodword").total == 1


# ---- 31.11: FIFOs and devices ----------------------------------------------------------------


def test_fifos_and_devices_fail_with_a_reason_and_never_hang(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    text_file(folder / "a.txt", "Báo cáo", "Nội dung alphaword.")
    os.mkfifo(folder / "pipe.txt")
    listing = manifest(tmp_path / "m.csv", "path,title", "/dev/zero,z", "docs/pipe.txt,p")
    archive = str(tmp_path / "archive")
    ingest = ["--archive", archive, "ingest", "--workers", "1", "--manifest", str(listing)]
    done = cli(*ingest, "--allow-outside-paths", timeout=120)
    assert done.returncode == ExitCode.SOME_FILES_FAILED, done.stderr
    assert done.stderr.splitlines()[:2] == [
        "failed: /dev/zero: not a regular file but a character device: only files are read",
        f"failed: {folder / 'pipe.txt'}: not a regular file but a FIFO (named pipe): only files "
        "are read",
    ]
    done = cli("--archive", archive, "ingest", "--workers", "2", str(folder), timeout=120)
    assert done.returncode == ExitCode.SOME_FILES_FAILED, done.stderr
    assert done.stdout.startswith("1 new, 0 unchanged")
    assert "pipe.txt: not a regular file but a FIFO" in done.stderr


# ---- 31.12: an archive the reader cannot write to --------------------------------------------


@pytest.fixture()
def read_only_copy(small: Path) -> Iterator[Path]:
    """A copy of ``small`` that nobody may write, in a folder every account can reach.

    Files 0444, folders 0555; pytest's own folder is root's alone.
    """
    outer = Path(tempfile.mkdtemp(prefix="archive-ro-", dir="/tmp"))
    copy = outer / "archive"
    shutil.copytree(small, copy)
    for path in [copy, *copy.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    outer.chmod(0o755)
    yield copy
    for path in [copy, *copy.rglob("*")]:
        path.chmod(0o755)
    shutil.rmtree(outer)


def _reader() -> int | None:
    """The account to read as: this one when permissions bind it, else (root) ``nobody``."""
    if os.geteuid() != 0:
        return None
    if shutil.which("setpriv") is None:
        pytest.skip("root ignores file permissions and setpriv is missing to run as nobody")
    return NOBODY


def test_a_read_only_archive_can_be_searched_shown_counted_and_exported(
    read_only_copy: Path,
) -> None:
    """Run as an account that cannot write the archive: reading works, writing says why not.

    The account is ``nobody`` when the tests run as root: every reading command works, and writing
    ones say why they cannot.
    """
    user, archive = _reader(), str(read_only_copy)
    temp = read_only_copy.parent / "temp"  # the reader's own temporary folder
    temp.mkdir(mode=0o1777)
    temp.chmod(0o1777)
    found = cli("--archive", archive, "search", "--json", "alphaword", user=user, temp=str(temp))
    assert found.returncode == 0, found.stderr
    doc_id = __import__("json").loads(found.stdout)["hits"][0]["id"]
    for args in (
        ["show", doc_id],
        ["similar", doc_id],
        ["facets", "alphaword"],
        ["export", "alphaword"],
        ["stats", "--clearance", "mat"],
        ["failures"],
    ):
        done = cli("--archive", archive, *args, user=user, temp=str(temp))
        assert done.returncode == 0, (args, done.stderr)
    assert "alphaword" in cli("--archive", archive, "export", "alphaword", user=user).stdout
    refused = cli("--archive", archive, "ingest", archive, user=user)
    assert refused.returncode == ExitCode.ARCHIVE
    assert refused.stderr.startswith("Error: archive is read-only for this account")
    assert not list(temp.iterdir())  # the stand-ins are removed


# ---- 31.13: workers outlive a killed parent --------------------------------------------------


def test_pool_workers_exit_when_their_parent_is_killed(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = textwrap.dedent(
        f"""
        import os, time
        from archive_search.index.processes import WorkerPool

        def stay():
            with open({str(pids)!r}, "a") as out:
                out.write(f"{{os.getpid()}}\\n")
            time.sleep(600)

        if __name__ == "__main__":
            with WorkerPool(2) as pool:
                for _ in range(2):
                    pool.submit(stay)
                time.sleep(600)
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        while not pids.exists() or len(pids.read_text().split()) < 2:
            time.sleep(0.1)
            assert parent.poll() is None
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    workers = [int(pid) for pid in pids.read_text().split()]
    for _ in range(300):  # they look every second; a minute is far beyond that
        if not any(_alive(pid) for pid in workers):
            return
        time.sleep(0.2)
    for pid in workers:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    pytest.fail("workers outlived their killed parent")


def test_pool_workers_run_whatever_the_default_start_method() -> None:
    # forkserver is Python 3.14's default on Linux: its workers' parent is the fork server
    script = textwrap.dedent(
        """
        import multiprocessing, os
        from archive_search.index.processes import WorkerPool

        if __name__ == "__main__":
            multiprocessing.set_start_method("forkserver")
            with WorkerPool(2) as pool:
                print(sorted(pool.map(abs, [-1, -2, -3], timeout=60)))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert (done.returncode, done.stdout) == (0, "[1, 2, 3]\n"), done.stderr[-2000:]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split(") ")[-1].startswith("Z"))


# ---- 31.14: a catalogue lost beside its index ------------------------------------------------


@pytest.mark.parametrize("loss", ["missing", "empty (0 bytes)"])
def test_a_lost_catalogue_beside_an_index_is_refused(
    small: Path, capsys: pytest.CaptureFixture[str], loss: str
) -> None:
    catalogue = small / "catalog.sqlite"
    catalogue.unlink()
    if loss != "missing":
        catalogue.touch()
    for command in (["ingest", str(small.parent / "docs")], ["search", "alphaword"]):
        code, _, err = run_main(capsys, "--archive", str(small), *command)
        assert (code, err) == (
            ExitCode.ARCHIVE,
            f"Error: catalogue is {loss} beside a search index: restore catalog.sqlite from a "
            "backup, or move index/ and catalog.sqlite aside and ingest the files again "
            f"({catalogue})\n",
        )
    assert (
        catalogue.exists() == (loss != "missing") and catalogue.stat().st_size == 0
        if (loss != "missing")
        else not catalogue.exists()
    )


# ---- 31.16: formulas in CSV exports ----------------------------------------------------------


def test_csv_export_neutralises_cells_a_spreadsheet_would_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    titles = ['=HYPERLINK("http://x";"y")', "@SUM(1+1)", "+1", "-2+3", "\uff1dA1", "Báo cáo"]
    for number, title in enumerate(titles):
        text_file(tmp_path / "docs" / f"{number}.txt", title, f"Nội dung formulaword {number}.")
    rows = [f'docs/{n}.txt,"{t.replace(chr(34), chr(34) * 2)}"' for n, t in enumerate(titles)]
    listing = manifest(tmp_path / "m.csv", "path,title", *rows)
    archive = str(tmp_path / "archive")
    assert run_main(capsys, "--archive", archive, "ingest", "--manifest", str(listing))[0] == 0
    code, out, _ = run_main(capsys, "--archive", archive, "export", "formulaword")
    assert code == 0
    exported = {row["title"] for row in csv.DictReader(io.StringIO(out))}
    assert exported == {"'" + title for title in titles[:-1]} | {"Báo cáo"}
    code, out, _ = run_main(
        capsys, "--archive", archive, "export", "--format", "jsonl", "formulaword"
    )
    assert "=HYPERLINK" in out and "'=HYPERLINK" not in out  # JSON Lines keeps values as they are


@given(st.text())
def test_no_neutralised_cell_starts_like_a_formula(value: str) -> None:
    cell = neutralised(value)
    assert isinstance(cell, str)
    assert not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r"))
    assert cell in (value, "'" + value)


# ---- 31.17: terminal escape sequences in titles ----------------------------------------------


def test_control_characters_in_titles_are_printed_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    title = "Báo cáo \x1b]0;pwned\x07\x1b[2J\rxong\u202e"
    text_file(tmp_path / "docs" / "a.txt", title, "Nội dung escapeword \x1b[31mđỏ\x1b[0m.")
    listing = tmp_path / "m.csv"
    with listing.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["path", "title"], ["docs/a.txt", title]])
    archive = str(tmp_path / "archive")
    assert run_main(capsys, "--archive", archive, "ingest", "--manifest", str(listing))[0] == 0
    code, out, _ = run_main(capsys, "--archive", archive, "search", "escapeword")
    assert code == 0 and "\x1b" not in out and "\r" not in out and "\u202e" not in out
    assert "Báo cáo \\x1b]0;pwned\\x07\\x1b[2J\\x0dxong\\u202e" in out
    doc_id = out.splitlines()[-2].split()[0]
    code, out, _ = run_main(capsys, "--archive", archive, "show", doc_id)
    assert code == 0 and "\x1b" not in out and "\\x1b[31mđỏ\\x1b[0m" in out
    code, out, _ = run_main(capsys, "--archive", archive, "search", "--json", "escapeword")
    assert code == 0 and "\x1b" not in out and "\\u001b]0;pwned" in out


# ---- 31.1: reclassification ------------------------------------------------------------------


def _visible(archive: Path, clearance: str, query: str = "") -> set[str]:
    with Archive.open(archive) as opened:
        return {hit.title for hit in opened.hits(SearchQuery.build(query, clearance=clearance))}


def test_a_reclassified_manifest_takes_effect_for_unchanged_files_and_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's steps: a row and a record changed from public to mat, ingested again."""
    text_file(tmp_path / "docs" / "a.txt", "x", "Nội dung reclassword.")
    listing = manifest(
        tmp_path / "m.csv",
        "path,fond,title,secrecy",
        "docs/a.txt,TU,Báo cáo,",
        ",TU,Hồ sơ recword,",
    )
    archive = str(tmp_path / "archive")
    assert run_main(capsys, "--archive", archive, "ingest", "--manifest", str(listing))[0] == 0
    with Archive.open(archive) as opened:
        record_id = opened.search("recword").hits[0].id
    listing.write_text(listing.read_text().replace(",\n", ",mat\n"), encoding="utf-8")
    code, out, _ = run_main(capsys, "--archive", archive, "ingest", "--manifest", str(listing))
    assert code == 0
    assert out.startswith("0 new, 1 unchanged, 0 duplicates, 0 catalogue records")
    assert out.rstrip().endswith(
        "; metadata of 2 held documents or records updated from the manifest, secrecy level "
        "changed for 1 document and 1 record"
    )
    for query in ("reclassword", "recword"):
        assert run_main(capsys, "--archive", archive, "search", query)[1].startswith(
            f"0 documents match '{query}'"
        )
    with Archive.open(archive) as opened:
        hits = opened.search("recword", clearance="mat").hits
        assert [(hit.id, hit.secrecy) for hit in hits] == [(record_id, "mat")]  # the same record
        assert opened.search("reclassword", clearance="mat").hits[0].secrecy == "mat"
    code, out, _ = run_main(capsys, "--archive", archive, "ingest", "--manifest", str(listing))
    assert "updated" not in out  # nothing changed: nothing rewritten


LEVELS = ["", "mat", "toi-mat", "tuyet-mat"]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    runs=st.lists(st.lists(st.sampled_from(LEVELS), min_size=4, max_size=4), min_size=2, max_size=3)
)
def test_every_clearance_sees_exactly_the_levels_the_last_manifest_gives(
    runs: list[list[str]],
) -> None:
    """Two files and two records reclassified at random, run after run, seen at each clearance.

    At every clearance, search shows exactly those the manifest of the last run puts at or below it.
    """
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name in ("f0", "f1"):
            text_file(root / f"{name}.txt", "x", f"Nội dung {name} levelword.")
        archive = root / "archive"
        for levels in runs:
            listing = manifest(
                root / "m.csv",
                "path,title,secrecy",
                f"f0.txt,f0 levelword,{levels[0]}",
                f"f1.txt,f1 levelword,{levels[1]}",
                f",r0 levelword,{levels[2]}",
                f",r1 levelword,{levels[3]}",
            )
            with Archive.open(archive, create=True) as opened:
                opened.ingest(options=IngestOptions(manifest=listing, workers=1))
            for clearance in ("public", "mat", "toi-mat", "tuyet-mat"):
                allowed = {
                    "",
                    *LEVELS[1 : LEVELS.index("" if clearance == "public" else clearance) + 1],
                }
                expected = {
                    title
                    for title, level in zip(("f0", "f1", "r0", "r1"), levels, strict=True)
                    if level in allowed
                }
                assert {t.split()[0] for t in _visible(archive, clearance, "levelword")} == expected


# ---- 31.2: secret documents that silently became public ---------------------------------------


def _levels(archive: Path, query: str) -> dict[str, str]:
    with Archive.open(archive) as opened:
        hits = opened.search(query, clearance="tuyet-mat", limit=100).hits
    return {hit.title: hit.secrecy for hit in hits}


@pytest.mark.parametrize("column", ["Mức độ mật", "Độ mật:", "classification", "secrecy level"])
def test_the_usual_names_of_a_secrecy_column_are_read_as_secrecy(
    tmp_path: Path, column: str
) -> None:
    text_file(tmp_path / "a.txt", "x", "Nội dung columnword.")
    listing = manifest(tmp_path / "m.csv", f"path,title,{column}", "a.txt,Báo cáo,Mật")
    with Archive.open(tmp_path / "archive", create=True) as archive:
        archive.ingest(options=IngestOptions(manifest=listing, workers=1))
    assert _levels(tmp_path / "archive", "columnword") == {"Báo cáo": "mat"}


@pytest.mark.parametrize(
    ("header", "row", "message"),
    [
        (
            "path,title,Ghi chú",
            "a.txt,Báo cáo,(MẬT)",
            "column 'ghi_chu' holds secrecy levels ('(MẬT)') but is not read as secrecy: name it "
            "'secrecy' (độ mật), or remove the levels from it",
        ),
        (
            "path,title,Độ mật,classification",
            "a.txt,Báo cáo,,Mật",
            "more than one 'secrecy' column",
        ),
    ],
)
def test_a_manifest_whose_secrecy_could_be_misread_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], header: str, row: str, message: str
) -> None:
    text_file(tmp_path / "a.txt", "x", "Nội dung refusedword.")
    listing = manifest(tmp_path / "m.csv", header, row)
    archive = str(tmp_path / "archive")
    code, _, err = run_main(capsys, "--archive", archive, "ingest", "--manifest", str(listing))
    assert code == ExitCode.INPUT_FILE and message in err and len(err.splitlines()) == 1
    with Archive.open(archive) as opened:
        assert opened.search("refusedword", clearance="tuyet-mat").total == 0


def test_a_row_with_an_unknown_level_fails_alone_and_its_file_is_not_ingested(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text_file(tmp_path / "a.txt", "x", "Nội dung rowword một.")
    text_file(tmp_path / "b.txt", "x", "Nội dung rowword hai.")
    listing = manifest(tmp_path / "m.csv", "path,title,secrecy", "a.txt,A,bí mật", "b.txt,B,mat")
    archive = str(tmp_path / "archive")
    code, out, err = run_main(capsys, "--archive", archive, "ingest", "--manifest", str(listing))
    assert code == ExitCode.SOME_FILES_FAILED
    assert out.startswith("1 new")
    assert f"failed: {tmp_path / 'a.txt'}: {listing}, line 2: unknown secrecy level 'bí mật'" in err
    assert _levels(tmp_path / "archive", "rowword") == {"B": "mat"}


def test_one_file_listed_twice_or_with_its_copy_takes_the_highest_level(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text_file(tmp_path / "docs" / "d.txt", "x", "Nội dung twiceword.")
    text_file(tmp_path / "docs" / "e.txt", "x", "Nội dung copyword.")
    shutil.copyfile(tmp_path / "docs" / "e.txt", tmp_path / "docs" / "e-copy.txt")
    listing = manifest(
        tmp_path / "m.csv",
        "path,title,secrecy",
        "docs/d.txt,D,mat",
        "./docs/../docs/d.txt,D,",
        "docs/e.txt,E,",
        "docs/e-copy.txt,E,toi-mat",
    )
    archive = str(tmp_path / "archive")
    code, out, err = run_main(capsys, "--archive", archive, "ingest", "--manifest", str(listing))
    assert code == 0 and "2 conflicts between the manifest and the files (listed on stderr)" in out
    assert err.splitlines() == [
        f"conflict: {tmp_path / 'docs' / 'd.txt'}: listed on lines 2, 3 with different "
        "metadata; secrecy public and mat: the higher, mat, kept",
        f"conflict: {tmp_path / 'docs' / 'e.txt'}: listed public but the same content, "
        f"{tmp_path / 'docs' / 'e-copy.txt'}, is listed toi-mat: the higher kept",
    ]
    assert _levels(tmp_path / "archive", "twiceword") == {"D": "mat"}
    assert _levels(tmp_path / "archive", "copyword") == {"E": "toi-mat"}


def test_a_header_marked_higher_than_the_manifest_keeps_its_level(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "h.txt").write_text(
        "TỈNH ỦY BÌNH THUẬN\nSố 31-NQ/TU\nTỐI MẬT\nNGHỊ QUYẾT\nvề headerword\n\nNội dung "
        "headerword.\n",
        encoding="utf-8",
    )
    listing = manifest(tmp_path / "m.csv", "path,title,secrecy", "h.txt,Nghị quyết,thường")
    archive = str(tmp_path / "archive")
    code, _, err = run_main(capsys, "--archive", archive, "ingest", "--manifest", str(listing))
    assert code == 0
    assert err == (
        f"conflict: {tmp_path / 'h.txt'}: the manifest (line 2) gives public, the document's "
        "header toi-mat: the higher kept\n"
    )
    assert _levels(tmp_path / "archive", "headerword") == {"Nghị quyết": "toi-mat"}


def test_a_workbook_formula_without_a_saved_value_fails_its_row_naming_the_cell(
    tmp_path: Path,
) -> None:
    import openpyxl

    text_file(tmp_path / "a.txt", "x", "Nội dung formulaword.")
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["path", "title", "secrecy", "level code"])
    sheet.append(["a.txt", "Báo cáo", '=IF(D2=1,"mat","")', 1])
    book.save(tmp_path / "m.xlsx")
    with Archive.open(tmp_path / "archive", create=True) as archive:
        report = archive.ingest(options=IngestOptions(manifest=tmp_path / "m.xlsx", workers=1))
        assert report.new == 0
        assert [(f.path, f.reason.split(": ", 1)[1]) for f in report.failures] == [
            (
                str(tmp_path / "a.txt"),
                "cell C2 holds a formula whose value was never saved: open the workbook in a "
                "spreadsheet program and save it, or type the value",
            )
        ]
        assert archive.search("formulaword", clearance="tuyet-mat").total == 0


@given(
    level=st.sampled_from(["Mật", "MẬT", "mat", "Tối mật", "TỐI MẬT", "tuyệt mật", "TUYET MAT"]),
    before=st.sampled_from(["", "(", "[", "| ", "Độ mật: ", "Mức độ mật: ", "* "]),
    after=st.sampled_from(["", ")", "]", " |", ".", ":", " *"]),
)
def test_a_secrecy_cell_is_read_however_its_mark_is_written(
    level: str, before: str, after: str
) -> None:
    assert secrecy_of(before + level + after) == Secrecy.parse(level)


# ---- 31.15: manifest paths outside its folder ------------------------------------------------


def test_manifest_paths_outside_its_folder_are_refused_unless_allowed(tmp_path: Path) -> None:
    catalogue = tmp_path / "catalogue"
    text_file(catalogue / "in.txt", "x", "Nội dung pathword trong.")
    text_file(tmp_path / "elsewhere" / "out.txt", "x", "Nội dung pathword ngoài.")
    text_file(tmp_path / "given" / "g.txt", "x", "Nội dung pathword cho.")
    (catalogue / "link.txt").symlink_to(tmp_path / "elsewhere" / "out.txt")
    listing = manifest(
        catalogue / "m.csv",
        "path,title",
        "in.txt,Trong",
        "../elsewhere/out.txt,Ngoài",
        f"{tmp_path / 'elsewhere' / 'out.txt'},Tuyệt đối",
        "link.txt,Liên kết",
        "../given/g.txt,Cho",
    )
    archive = tmp_path / "archive"
    with Archive.open(archive, create=True) as opened:
        report = opened.ingest(
            [catalogue, tmp_path / "given"], options=IngestOptions(manifest=listing, workers=1)
        )
    assert (
        sorted(failure.path for failure in report.failures)
        == [str(tmp_path / "elsewhere" / "out.txt")] * 3
    )
    assert all("outside the manifest's folder" in f.reason for f in report.failures)
    assert _visible(archive, "public", "pathword") == {"Trong", "Cho"}
    with Archive.open(archive) as opened:
        report = opened.ingest(
            options=IngestOptions(manifest=listing, workers=1, allow_outside_paths=True)
        )
    assert report.failures == []
    assert _visible(archive, "public", "pathword") == {"Trong", "Cho", "Liên kết"}


# ---- 31.10: a full disk ----------------------------------------------------------------------


def test_a_full_disk_stops_ingestion_with_one_line_and_the_next_run_completes(
    tmp_path: Path,
) -> None:
    """The file-size limit (``ulimit -f``) stands for a full disk: SQLite and tantivy meet it."""
    import resource

    folder = tmp_path / "docs"
    for number in range(40):
        pages = [
            f"Trang {page} của báo cáo số {number}: " + "công tác đảng " * 300 for page in range(3)
        ]
        text_file(folder / f"{number:02d}.txt", f"số {number}", "\f".join(pages))
    archive = tmp_path / "archive"

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))

    command = [sys.executable, "-m", "archive_search", "--archive", str(archive), "ingest"]
    full = subprocess.run(
        [*command, "--workers", "1", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=limited,
        check=False,
    )
    assert full.returncode == ExitCode.ARCHIVE, full.stderr
    assert full.stderr.startswith("Error: cannot write to the archive (")
    assert full.stderr.endswith(
        "is its disk full? Every file finished before is stored; free some space and run the "
        f"same command again ({archive})\n"
    )
    assert len(full.stderr.splitlines()) == 1
    again = subprocess.run(
        [*command, "--workers", "1", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    with Archive.open(archive) as opened:
        assert opened.search("").total == 40
        assert opened.statistics(clearance="tuyet-mat").documents == 40


# ---- any text as a query, any title on a terminal --------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from('()"-* |:aăđ123ORNQ/TUloainam.\x00\ud7ff'), max_size=300))
def test_any_text_parses_or_is_one_query_error(text: str) -> None:
    """Whatever is typed, the parser answers with a tree or a ``QueryError``.

    A syntax error falls back to plain words, which always read: never a RecursionError or another
    crash.
    """
    from archive_search.query import QuerySyntaxError, plain_words

    try:
        parse_query(text)
    except QuerySyntaxError:
        plain_words(text)
    except QueryError:
        pass


@given(st.text())
def test_printed_text_holds_no_character_a_terminal_acts_on(text: str) -> None:
    from archive_search.cli import _printable

    shown = _printable(text)
    assert not any(
        (ord(char) < 0x20 and char not in "\t\n") or 0x7F <= ord(char) <= 0x9F for char in shown
    )

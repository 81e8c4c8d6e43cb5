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
from hypothesis import given
from hypothesis import strategies as st

from archive_search import Archive, ExitCode, IngestOptions, QueryError, SearchQuery
from archive_search.cli import main
from archive_search.export import neutralised
from archive_search.query import MAX_NESTING, MAX_QUERY_WORDS, parse_query

NOBODY = 65534


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Through ``main``, the one place errors become exit codes."""
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def cli(
    *args: str, timeout: float = 300, user: int | None = None
) -> subprocess.CompletedProcess[str]:
    """``archive-search ARGS`` in a process of its own (as ``user``, when given)."""
    command = [sys.executable, "-m", "archive_search", *args]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "TMPDIR": "/tmp"}
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
    done = cli(
        "--archive", archive, "ingest", "--workers", "1", "--manifest", str(listing), timeout=120
    )
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
    """A copy of ``small`` that nobody may write: files 0444, folders 0555, in a folder every
    account can reach (pytest's own is root's alone)."""
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
    """Run as an account that cannot write the archive (``nobody`` when the tests run as
    root): every reading command works, and writing ones say why they cannot."""
    user, archive = _reader(), str(read_only_copy)
    found = cli("--archive", archive, "search", "--json", "alphaword", user=user)
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
        done = cli("--archive", archive, *args, user=user)
        assert done.returncode == 0, (args, done.stderr)
    assert "alphaword" in cli("--archive", archive, "export", "alphaword", user=user).stdout
    refused = cli("--archive", archive, "ingest", archive, user=user)
    assert refused.returncode == ExitCode.ARCHIVE
    assert refused.stderr.startswith("Error: archive is read-only for this account")
    assert not list(Path("/tmp").glob("archive-search-index-*"))  # the stand-ins are removed


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

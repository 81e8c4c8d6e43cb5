"""The server over time: SIGTERM, a restart that loses nothing, an ingestion or a reindex meanwhile.

Also the archive's files closed to other accounts, and the users command.
"""

from __future__ import annotations

import csv
import json
import os
import pty
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from archive_search import Accounts, Archive, SearchQuery
from archive_search.index.search_index import ANALYSIS_FIELD
from tests.serving import PASSWORDS, SECRET_WORD, cli, make_archive, serving, sign_in


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return make_archive(tmp_path)


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGKILL"])
def test_a_restart_loses_no_user_token_session_or_audit_entry(archive: Path, stop: str) -> None:
    with serving(archive) as server:
        token = server.token("alice")
        with server.client() as browser:
            assert sign_in(browser, "bob", PASSWORDS["bob"]).status_code == 303
            session = browser.cookies["as_session"]
            with server.client(headers={"Authorization": f"Bearer {token}"}) as alice:
                assert alice.get("/api/v1/search", params={"q": "cong"}).status_code == 200
        audit_before = cli(archive, "audit", "--json").stdout
        if stop == "SIGTERM":
            code, err = server.stop()
            assert code == 0
            assert "stopped: every request answered, the archive closed" in err
            assert "Traceback" not in err
        else:
            server.process.kill()
            assert server.process.wait(timeout=30) == -signal.SIGKILL
    with serving(archive) as again:
        with again.client(headers={"Authorization": f"Bearer {token}"}) as alice:
            assert alice.get("/api/v1/me").json()["name"] == "alice"
            assert alice.get("/api/v1/search", params={"q": "cong"}).status_code == 200
        with again.client(cookies={"as_session": session}) as bob:
            assert bob.get("/api/v1/me").json()["name"] == "bob"
        audit_after = cli(archive, "audit", "--json").stdout
    assert audit_after.startswith(audit_before)
    assert len(audit_after.splitlines()) == len(audit_before.splitlines()) + 1


def _reports(folder: Path, count: int) -> Path:
    """A manifest of ``count`` short reports on mass mobilisation (dân vận), and their files."""
    folder.mkdir()
    with (folder / "manifest.csv").open("w", newline="", encoding="utf-8") as handle:
        rows = csv.writer(handle)
        rows.writerow(["path", "fond", "title"])
        for number in range(count):
            name = f"bc{number:03}.txt"
            (folder / name).write_text(
                f"Báo cáo số {number} về công tác dân vận.", encoding="utf-8"
            )
            rows.writerow([name, "TU", f"Báo cáo {number} về công tác dân vận"])
    return folder / "manifest.csv"


def _ingest_reports(archive: Path, folder: Path, count: int) -> None:
    made = cli(
        archive, "ingest", "--manifest", str(_reports(folder, count)), "--workers", "1", "-q"
    )
    assert made.returncode == 0, made.stderr


def test_worker_processes_share_the_port_the_sessions_and_the_audit_log(archive: Path) -> None:
    with serving(archive, "--workers", "2") as server:
        pid = server.process.pid
        workers = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        assert len(workers) >= 2
        with server.client() as browser:  # a session made by one worker, read by either
            assert sign_in(browser, "alice", PASSWORDS["alice"]).status_code == 303
            for _ in range(12):  # a new connection each: the workers take turns accepting
                answer = browser.get(
                    "/api/v1/search", params={"q": SECRET_WORD}, headers={"Connection": "close"}
                )
                assert answer.status_code == 200 and answer.json()["total"] == 1
        code, err = server.stop()
    assert code == 0 and "Traceback" not in err
    assert "stopped: every request answered" in err
    searches = [line for line in cli(archive, "audit").stdout.splitlines() if " search " in line]
    assert len(searches) == 12


def test_it_keeps_answering_during_an_ingestion(archive: Path, tmp_path: Path) -> None:
    manifest = _reports(tmp_path / "more", 120)
    with serving(archive) as server, server.as_user("bob") as bob:
        ingest = subprocess.Popen(
            [sys.executable, "-m", "archive_search", "--archive", str(archive), "ingest",
             "--manifest", str(manifest), "--workers", "1", "-q"],
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        totals = []
        while ingest.poll() is None:
            response = bob.get("/api/v1/search", params={"q": "dan van", "limit": "1"})
            assert response.status_code == 200
            totals.append(response.json()["total"])
        assert ingest.returncode == 0, ingest.stderr.read() if ingest.stderr else ""
        final = bob.get("/api/v1/search", params={"q": "dan van"}).json()["total"]
    assert totals == sorted(totals)  # each search sees the last commit, never less
    assert final == 120
    assert len(totals) > 1


def test_it_keeps_answering_while_reindex_swaps_the_index_in(archive: Path, tmp_path: Path) -> None:
    """Searches see the old index, then the new one, and never an error between them."""
    snapshot = tmp_path / "index-before"
    shutil.copytree(archive / "index", snapshot)
    _ingest_reports(archive, tmp_path / "more", 120)
    shutil.rmtree(archive / "index")
    snapshot.rename(archive / "index")  # an index that lacks the 120 reports the catalogue holds
    with serving(archive) as server, server.as_user("alice") as alice:
        before = alice.get("/api/v1/search", params={"q": "dan van"}).json()["total"]
        reindex = subprocess.Popen(
            [sys.executable, "-m", "archive_search", "--archive", str(archive), "reindex"],
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        totals, secret = [], []
        while reindex.poll() is None:
            for query, seen in (("dan van", totals), (SECRET_WORD, secret)):
                response = alice.get("/api/v1/search", params={"q": query, "limit": "1"})
                assert response.status_code == 200, response.text
                seen.append(response.json()["total"])
        assert reindex.returncode == 0, reindex.stderr.read() if reindex.stderr else ""
        final = alice.get("/api/v1/search", params={"q": "dan van"}).json()["total"]
        code, err = server.stop()
    assert before < 120 == final
    assert totals == sorted(totals) and set(totals) <= {before, final}  # the old, then the new
    assert set(secret) == {1}  # the secret level's index too, before and after
    assert code == 0 and "Traceback" not in err and "error" not in err


def test_a_search_between_the_two_renames_of_a_swap_reads_the_index_it_had(
    archive: Path,
) -> None:
    """``reindex`` moves the index aside, then the new one in: a search in between still answers."""
    with Archive.open(archive) as opened:
        query = SearchQuery.build("cong nghe", clearance="mat")
        before = opened.run(query).total
        (archive / "index").rename(archive / "index.old")
        try:
            assert opened.run(query).total == before
        finally:
            (archive / "index.old").rename(archive / "index")
        assert opened.run(query).total == before


def test_the_archive_is_closed_to_other_accounts(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Báo cáo về công tác dân vận.", encoding="utf-8")
    archive = tmp_path / "new-archive"
    ingested = subprocess.run(
        [sys.executable, "-m", "archive_search", "--archive", str(archive), "ingest", str(docs)],
        capture_output=True, text=True, env={**os.environ}, check=False,
    )  # fmt: skip
    assert ingested.returncode == 0, ingested.stderr
    assert cli(archive, "users", "add", "dan", "--clearance", "public", "--password-stdin",
               stdin="dan-password\n").returncode == 0  # fmt: skip
    for path in [archive, *archive.rglob("*")]:
        assert not path.stat().st_mode & stat.S_IRWXO, path
    assert stat.S_IMODE((archive / "server.sqlite").stat().st_mode) == 0o600
    with serving(archive) as server:
        _, quiet = server.stop()
    assert "other accounts" not in quiet
    archive.chmod(0o755)
    with serving(archive) as server:
        _, warned = server.stop()
    assert f"warning: {archive} can be read by other accounts of this machine" in warned


def test_serve_warns_when_an_older_version_built_the_index(archive: Path, tmp_path: Path) -> None:
    copy = tmp_path / "old"
    shutil.copytree(archive, copy)
    for meta_path in (copy / "index").glob("*/meta.json"):  # an index per secrecy level
        meta = json.loads(meta_path.read_text())
        meta["schema"] = [field for field in meta["schema"] if field["name"] != ANALYSIS_FIELD]
        meta_path.write_text(json.dumps(meta))
    with serving(copy) as server:
        _, warned = server.stop()
    assert (
        f"warning: an older archive-search built the search index (no {ANALYSIS_FIELD}): "
        "searches answer 503 until `archive-search reindex` has rebuilt it"
    ) in warned
    with serving(archive) as server:
        _, quiet = server.stop()
    assert "older archive-search" not in quiet


def test_the_users_command(archive: Path) -> None:
    listed = cli(archive, "users", "list").stdout.splitlines()
    assert listed == ["alice  mat  0 tokens", "bob  public  0 tokens"]
    exists = cli(archive, "users", "add", "bob", "--clearance", "mat", "--password-stdin",
                 stdin="another-password\n")  # fmt: skip
    assert (exists.returncode, exists.stderr) == (
        2, "Error: user 'bob' exists already: `users set` changes them\n",
    )  # fmt: skip
    short = cli(archive, "users", "add", "eve", "--clearance", "mat", "--password-stdin",
                stdin="short\n")  # fmt: skip
    assert short.returncode == 2 and "too short" in short.stderr
    bad_level = cli(archive, "users", "add", "eve", "--clearance", "top", "--password-stdin",
                    stdin="long-enough-1\n")  # fmt: skip
    assert bad_level.returncode == 5 and "unknown secrecy level 'top'" in bad_level.stderr
    no_tty = cli(archive, "users", "add", "eve", "--clearance", "mat")
    assert no_tty.returncode == 2 and "--password-stdin" in no_tty.stderr
    assert cli(archive, "users", "set", "bob", "--clearance", "toi-mat").returncode == 0
    assert cli(archive, "users", "set", "nobody", "--clearance", "mat").returncode == 8
    token = cli(archive, "users", "token", "bob").stdout.strip()
    assert token.startswith("as_") and len(token) > 40
    assert "bob  toi-mat  1 tokens" in cli(archive, "users", "list").stdout
    assert cli(archive, "users", "remove", "bob").returncode == 0
    accounts = Accounts.open(archive)
    assert [user.name for user in accounts.users()] == ["alice"]
    assert accounts.by_token(token) is None
    accounts.close()
    missing = cli(archive.parent / "nowhere", "users", "list")
    assert missing.returncode == 4 and "no archive here" in missing.stderr


def test_users_add_asks_for_the_password_twice_on_a_terminal(archive: Path) -> None:
    main, terminal = pty.openpty()
    adding = subprocess.Popen(
        [sys.executable, "-m", "archive_search", "--archive", str(archive), "users", "add",
         "dora", "--clearance", "toi-mat"],
        stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    os.close(terminal)
    for prompt in (b"Password: ", b"Repeat for confirmation: "):
        assert adding.stderr is not None
        seen = b""
        while not seen.endswith(prompt):
            seen += adding.stderr.read(1)
        os.write(main, b"dora-password\n")
    assert adding.wait(timeout=60) == 0
    os.close(main)
    accounts = Accounts.open(archive)
    assert accounts.authenticate("dora", "dora-password") is not None
    accounts.close()


def test_the_load_bench_runs_and_stops_by_itself(archive: Path, tmp_path: Path) -> None:
    from bench import server_load

    out = tmp_path / "report.md"
    server_load.main(["--archive", str(archive), "--clients", "5", "--requests", "40",
                      "--seconds", "30", "--rounds", "3", "--out", str(out)])  # fmt: skip
    report = out.read_text(encoding="utf-8")
    assert "| 5 | 40 | 0 |" in report  # 5 clients, 40 requests, no error
    assert "Exit code after SIGTERM: 0." in report
    assert "3 documents, 0 catalogue records" in report

"""The server's commands of the CLI: ``users``, ``audit`` and ``serve`` (registered by cli.py).

Imports neither Starlette nor uvicorn until ``serve`` runs, so other commands start as fast.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from archive_search import Accounts, Archive, AuditLog, default_archive_path, to_json

if TYPE_CHECKING:
    from starlette.applications import Starlette


def _archive_path() -> Path:
    given = getattr(click.get_current_context().find_root().obj, "archive_path", None)
    return Path(given) if given is not None else default_archive_path()


@contextmanager
def _accounts() -> Iterator[Accounts]:
    accounts = Accounts.open(_archive_path())
    try:
        yield accounts
    finally:
        accounts.close()


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise click.UsageError("no terminal to ask for the password: pipe it with --password-stdin")
    password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


_PASSWORD_STDIN = click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
_LEVEL = click.option(
    "--clearance",
    required=True,
    help="Highest secrecy level the user may read: public, mat, toi-mat, tuyet-mat.",
)


@click.group()
def users() -> None:
    """Accounts of the server: who may read, and up to which secrecy level."""


@users.command("add")
@click.argument("name")
@_LEVEL
@_PASSWORD_STDIN
def users_add(name: str, clearance: str, password_stdin: bool) -> None:
    """Add a user (the password is asked for on the terminal, or read with --password-stdin)."""
    password = _read_password(password_stdin)
    with _accounts() as accounts:
        user = accounts.add(name, password, clearance=clearance)
    click.echo(f"added {user.name} (clearance {user.clearance.value})")


@users.command("list")
@click.option("--json", "as_json", is_flag=True)
def users_list(as_json: bool) -> None:
    """List users, their clearance, whether disabled, and their number of API tokens."""
    with _accounts() as accounts:
        found = accounts.users()
    if as_json:
        click.echo(to_json(found))
    for user in [] if as_json else found:
        off = "  disabled" if user.disabled else ""
        click.echo(f"{user.name}  {user.clearance.value}  {user.tokens} tokens{off}")


@users.command("set")
@click.argument("name")
@click.option("--clearance", help="A new clearance.")
@click.option("--password", "new_password", is_flag=True, help="Set a new password (asked for).")
@_PASSWORD_STDIN
def users_set(name: str, clearance: str | None, new_password: bool, password_stdin: bool) -> None:
    """Change a user's clearance (at once, in their open sessions too) or password."""
    if clearance is None and not (new_password or password_stdin):
        raise click.UsageError("give --clearance LEVEL or --password")
    with _accounts() as accounts:
        if clearance is not None:
            accounts.set_clearance(name, clearance)
        if new_password or password_stdin:
            accounts.set_password(name, _read_password(password_stdin))
        user = accounts.user(name)
    click.echo(f"{user.name}: clearance {user.clearance.value}")


@users.command("disable")
@click.argument("name")
@click.option("--enable", is_flag=True, help="Allow the user again.")
def users_disable(name: str, enable: bool) -> None:
    """Stop a user's sign-ins, sessions and tokens (or allow them again with --enable)."""
    with _accounts() as accounts:
        accounts.disable(name, disabled=not enable)
    click.echo(f"{name}: {'enabled' if enable else 'disabled'}")


@users.command("remove")
@click.argument("name")
def users_remove(name: str) -> None:
    """Delete a user and their tokens; the audit log keeps their entries."""
    with _accounts() as accounts:
        accounts.remove(name)
    click.echo(f"removed {name}")


@users.command("token")
@click.argument("name")
@click.option("--revoke", is_flag=True, help="Revoke every API token of the user instead.")
def users_token(name: str, revoke: bool) -> None:
    """Print a new API token for NAME (shown once: only its hash is kept)."""
    with _accounts() as accounts:
        if revoke:
            click.echo(f"revoked {accounts.revoke_tokens(name)} tokens of {name}")
        else:
            click.echo(accounts.new_token(name))


@click.command("audit")
@click.option("--user", help="Only this user's entries.")
@click.option("--since", help="From this date or time (UTC), e.g. 2026-12-01.")
@click.option("--secret-only", is_flag=True, help="Only entries touching documents above public.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
def audit(user: str | None, since: str | None, secret_only: bool, as_json: bool) -> None:
    """Read the audit log: sign-ins, searches, documents and pages read, exports."""
    log = AuditLog.open(_archive_path())
    try:
        entries = log.entries(user=user, since=since, secret_only=secret_only)
    finally:
        log.close()
    for entry in entries:
        if as_json:
            click.echo(to_json({**dataclasses.asdict(entry), "secret": entry.secret}))
            continue
        what = " ".join(
            part
            for part in (
                repr(entry.query) if entry.query is not None else "",
                " ".join(f"{k}={v}" for k, v in entry.filters.items()),
                f"{entry.hits} hits" if entry.hits is not None else "",
                entry.document or "",
                f"p. {entry.page}" if entry.page is not None else "",
            )
            if part
        )
        mark = f" [{entry.secrecy.value}]" if entry.secret else ""
        click.echo(
            f"{entry.seq:>6} {entry.time} {entry.user or '-'} {entry.address or '-'} "
            f"{entry.action} {entry.outcome}{mark} {what}".rstrip()
        )


_ARCHIVE_VARIABLE = "ARCHIVE_SEARCH_HOME"  # what default_archive_path() reads


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Server processes sharing the port (about one a core): searches hold Python's GIL.",
)
@click.option(
    "--forwarded-allow-ips",
    help="Trust X-Forwarded-For/-Proto from this proxy (comma-separated addresses).",
)
@click.option("--access-log", is_flag=True, help="Log every request (URLs hold the queries).")
def serve(
    host: str, port: int, workers: int, forwarded_allow_ips: str | None, access_log: bool
) -> None:
    """Serve the archive over HTTP: sign-in, the JSON API and the web pages.

    Each user reads at their clearance, every read audited. Stops cleanly on Ctrl-C or SIGTERM.
    """
    import uvicorn

    from archive_search.server import app as server_app

    path = _archive_path()
    app: Starlette | str
    if workers == 1:
        app = server_app.create_app(path)
        found = app.state.server.accounts.users()
    else:  # each worker process makes its own app, for the archive named in its environment
        os.environ[_ARCHIVE_VARIABLE] = str(path.resolve())
        app = "archive_search.server.app:app_from_environment"
        with _accounts() as accounts:
            found = accounts.users()
    for warning in _warnings(path, host, found):
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"serving {path} on http://{host}:{port}/ (Ctrl-C stops)", err=True)
    # uvicorn finishes the requests in flight on SIGTERM, then raises the signal again: here
    # that ends the command with exit 0, as a service manager expects of a clean stop. With
    # workers, uvicorn's supervisor stops them and returns.
    previous = signal.signal(signal.SIGTERM, _stopped)
    try:
        uvicorn.run(
            app,
            host=host,
            port=port,
            workers=workers,
            factory=workers > 1,
            log_level="warning",
            access_log=access_log,
            proxy_headers=forwarded_allow_ips is not None,
            forwarded_allow_ips=forwarded_allow_ips,
            server_header=False,
            timeout_graceful_shutdown=10,
        )
    except _Stopped:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    click.echo("stopped: every request answered, the archive closed", err=True)


class _Stopped(Exception):
    """SIGTERM arrived and the server has shut down."""


def _stopped(signum: int, frame: object) -> None:
    raise _Stopped


def _warnings(path: Path, host: str, users: list[object]) -> list[str]:
    found = []
    mode = os.stat(path).st_mode
    if mode & (stat.S_IROTH | stat.S_IXOTH):
        found.append(
            f"{path} can be read by other accounts of this machine, which bypasses every "
            f"clearance: chmod -R o-rwx {path}"
        )
    if not users:
        found.append("no users yet: add one with `archive-search users add NAME --clearance LEVEL`")
    with Archive.open(path) as archive:
        outdated = archive.outdated_index()
    if outdated:
        found.append(
            f"an older archive-search built the search index (no {', '.join(outdated)}): searches "
            "answer 503 until `archive-search reindex` has rebuilt it"
        )
    if host not in ("127.0.0.1", "localhost", "::1"):
        found.append("passwords and documents travel unencrypted: put a TLS proxy in front")
    return found


SERVER_COMMANDS = (users, audit, serve)

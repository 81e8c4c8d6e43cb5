"""The ``archive-search`` command: a thin adapter over ``archive_search``."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from archive_search import (
    Archive,
    ArchiveSearchError,
    ExitCode,
    IngestFailuresError,
    IngestOptions,
    IngestReport,
    OcrMode,
    SearchResults,
    Secrecy,
)
from archive_search.archive import ENVIRONMENT_VARIABLE

_TAG_RE = re.compile(r"<b>(.*?)</b>")
_SECRECY_CHOICE = click.Choice([level.value for level in Secrecy])


class _Context:
    def __init__(self, archive_path: Path | None, verbose: bool) -> None:
        self.archive_path = archive_path
        self.verbose = verbose

    @contextmanager
    def archive(self, *, create: bool = False) -> Iterator[Archive]:
        archive = Archive.open(self.archive_path, create=create)
        try:
            yield archive
        finally:
            archive.close()


pass_context = click.make_pass_decorator(_Context)


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, default=_jsonable))


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "value"):
        return value.value
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _highlight(snippet: str) -> str:
    """Matched words in bold on a terminal, in [brackets] elsewhere."""
    if sys.stdout.isatty():
        return _TAG_RE.sub(lambda m: click.style(m.group(1), bold=True, fg="yellow"), snippet)
    return _TAG_RE.sub(r"[\1]", snippet)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--archive",
    "archive_path",
    type=click.Path(file_okay=False, path_type=Path),
    envvar=ENVIRONMENT_VARIABLE,
    help=f"Archive directory (default: ${ENVIRONMENT_VARIABLE} or ./archive).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log progress details and show tracebacks.")
@click.version_option(package_name="archive-search")
@click.pass_context
def cli(ctx: click.Context, archive_path: Path | None, verbose: bool) -> None:
    """Full-text search over a Vietnamese Party Committee archive."""
    logging.basicConfig(level=logging.INFO if verbose else logging.ERROR, format="%(message)s")
    ctx.obj = _Context(archive_path, verbose)


class _Bar:
    """Draws ingestion progress with click on a terminal."""

    def __init__(self) -> None:
        self._bar: Any = None
        self.pages = 0

    def start(self, total: int) -> None:
        self._bar = click.progressbar(
            length=total, label="Ingesting", show_pos=True, show_eta=True, file=sys.stderr,
            item_show_func=lambda _: f"{self.pages} pages",
        )
        self._bar.__enter__()

    def advance(self, path: Path, pages: int) -> None:
        self.pages += pages
        if self._bar is not None:
            self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


def _summary(report: IngestReport) -> str:
    return (
        f"{report.new} new, {report.skipped} unchanged, {report.duplicates} duplicates, "
        f"{report.records} catalogue records, {report.pages} pages ({report.ocr_pages} OCR), "
        f"{len(report.failures)} failed in {report.elapsed:.1f} s"
    )


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path), help="Manifest CSV.")
@click.option("--fond", help="Fond code for files the manifest does not place.")
@click.option("--ocr", type=click.Choice([m.value for m in OcrMode]), default="auto", show_default=True,
              help="OCR pages only without a usable text layer, always, or never.")
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes (default: all cores).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_context
def ingest(
    ctx: _Context, paths: tuple[Path, ...], manifest: Path | None, fond: str | None, ocr: str,
    workers: int | None, quiet: bool, as_json: bool,
) -> None:
    """Ingest PDFs, scans and text files (folders are walked) into the archive."""
    if not paths and manifest is None:
        raise click.UsageError("give files or folders to ingest, or --manifest")
    options = IngestOptions(manifest=manifest, fond=fond, ocr=OcrMode(ocr), workers=workers)
    bar = _Bar() if sys.stderr.isatty() and not quiet else None
    with ctx.archive(create=True) as archive:
        try:
            report = archive.ingest(paths, options=options, progress=bar)
        finally:
            if bar:
                bar.close()
    if as_json:
        _echo_json(report)
    elif not quiet:
        click.echo(_summary(report))
        for failure in report.failures:
            click.echo(f"failed: {failure.path}: {failure.reason}", err=True)
    if report.failures:
        raise IngestFailuresError(
            f"{len(report.failures)} file(s) failed; every other file is indexed "
            "(`archive-search failures` lists them)"
        )


def _print_results(results: SearchResults) -> None:
    shown = f"{results.offset + 1}-{results.offset + len(results.hits)}" if results.hits else "0"
    noun = "document matches" if results.total == 1 else "documents match"
    click.echo(f"{results.total} {noun} {results.query!r} (showing {shown})")
    for name, counts in results.facets.items():
        if counts:
            click.echo(f"  {name}: " + ", ".join(f"{c.value} ({c.count})" for c in counts[:10]))
    for rank, hit in enumerate(results.hits, start=results.offset + 1):
        details = " · ".join(str(v) for v in (hit.fond, hit.date or hit.year, hit.doc_type) if v)
        click.echo(f"\n{rank:>3}. {hit.symbol or '-'}  {hit.title or '(untitled)'}  [{details}]")
        click.echo(f"     {hit.id}  {hit.source or 'catalogue record'}")
        for page in hit.pages:
            click.echo(f"     p. {page.page}: {_highlight(page.snippet)}")


@cli.command()
@click.argument("query", nargs=-1)
@click.option("--fond", multiple=True, help="Only this fond (repeatable).")
@click.option("--year", multiple=True, help="A year or a range such as 2015..2019 (repeatable).")
@click.option("--type", "doc_type", multiple=True, help="Document type such as NQ (repeatable).")
@click.option("--clearance", type=_SECRECY_CHOICE, default="public", show_default=True,
              help="Highest secrecy level the reader may see.")
@click.option("--limit", type=click.IntRange(0, 10_000), default=10, show_default=True)
@click.option("--offset", type=click.IntRange(min=0), default=0)
@click.option("--sort", type=click.Choice(["relevance", "date", "date-asc"]), default="relevance",
              show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_context
def search(
    ctx: _Context, query: tuple[str, ...], fond: tuple[str, ...], year: tuple[str, ...],
    doc_type: tuple[str, ...], clearance: str, limit: int, offset: int, sort: Any, as_json: bool,
) -> None:
    """Search the archive: words with or without diacritics, "phrases", -exclusions, symbols."""
    with ctx.archive() as archive:
        results = archive.search(
            " ".join(query), fond=fond, year=year, doc_type=doc_type, clearance=clearance,
            limit=limit, offset=offset, sort=sort,
        )
    if as_json:
        _echo_json(results)
    else:
        _print_results(results)


@cli.command()
@click.argument("doc_id")
@click.option("--page", type=click.IntRange(min=1), help="Only this page.")
@click.option("--clearance", type=_SECRECY_CHOICE, default="public", show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def show(ctx: _Context, doc_id: str, page: int | None, clearance: str, as_json: bool) -> None:
    """Show a document's metadata and the text of its pages."""
    with ctx.archive() as archive:
        view = archive.document(doc_id, clearance=Secrecy(clearance))
    pages = [p for p in view.pages if page is None or p.number == page]
    if as_json:
        _echo_json({**dataclasses.asdict(view), "pages": pages})
        return
    click.echo(f"{view.id}  {view.source or 'catalogue record'}")
    for key, value in view.metadata.items():
        if value not in ("", None, {}):
            click.echo(f"  {key}: {value}")
    for item in pages:
        click.echo(f"\n--- page {item.number} ({item.method.value}) ---\n{item.text}")


@cli.command()
@pass_context
def reindex(ctx: _Context) -> None:
    """Rebuild the search index from the catalogue alone (no extraction, no OCR)."""
    with ctx.archive() as archive:
        count = archive.reindex()
    click.echo(f"reindexed {count} documents")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@pass_context
def failures(ctx: _Context, as_json: bool) -> None:
    """List files whose ingestion failed, with the reason."""
    with ctx.archive() as archive:
        found = archive.failures()
    if as_json:
        _echo_json(found)
    for failure in [] if as_json else found:
        click.echo(f"{failure.path}: {failure.reason}")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@pass_context
def stats(ctx: _Context, as_json: bool) -> None:
    """Counts of documents, catalogue records, pages and failures."""
    with ctx.archive() as archive:
        counts = archive.stats()
    if as_json:
        _echo_json(counts)
    for key, value in {} if as_json else counts.items():
        click.echo(f"{key}: {value}")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; every library error becomes one line on stderr and its exit code."""
    verbose = "-v" in (argv or sys.argv[1:]) or "--verbose" in (argv or sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="archive-search", standalone_mode=False)
    except ArchiveSearchError as exc:
        if verbose:
            traceback.print_exc()
        click.echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Interrupted", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    sys.exit(ExitCode.OK)


if __name__ == "__main__":
    main()

"""The ``archive-search`` command: a thin adapter over ``archive_search``."""

from __future__ import annotations

import dataclasses
import functools
import html
import logging
import os
import re
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from archive_search import (
    Archive,
    ArchiveSearchError,
    DocumentRef,
    ExitCode,
    FacetCount,
    Hit,
    IngestFailuresError,
    SearchQuery,
    SearchResults,
    Secrecy,
    UsageError,
)
from archive_search.archive import ENVIRONMENT_VARIABLE
from archive_search.jsonable import to_json
from archive_search.server.commands import SERVER_COMMANDS

if TYPE_CHECKING:  # ingestion is imported by the ingest command alone: searching stays light
    from archive_search import IngestReport

_TAG_RE = re.compile(r"<b>(.*?)</b>")
# Characters a terminal may act on (escape sequences, carriage return, bidirectional overrides):
# text from the archive shows them as escapes. Tab and newline are kept.
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_C1_RE = re.compile("[\x7f-\x9f]")  # what JSON leaves unescaped of those


def _printable(text: str) -> str:
    """``text`` with each control character written as an escape (``\\x1b``).

    So a title cannot move the cursor, recolour or retitle the reader's terminal.
    """
    return _CONTROL_RE.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _say(text: str, *, err: bool = False) -> None:
    """Print a line of text that may hold what the archive holds, control characters escaped."""
    click.echo(_printable(text), err=err)


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
    click.echo(_C1_RE.sub(lambda found: f"\\u{ord(found.group()):04x}", to_json(value)))


def _highlight(snippet: str) -> str:
    """A snippet (HTML: ``<b>`` marks, ``&quot;`` escapes) as text for the terminal or a pipe.

    Matched words are in bold on a terminal, in [brackets] elsewhere, and ``"``, ``&``, ``<`` are as
    the document writes them.
    """
    terminal = sys.stdout.isatty()
    parts = [
        _printable(html.unescape(part)) for part in _TAG_RE.split(snippet)
    ]  # text, marked word, text, …
    for marked in range(1, len(parts), 2):
        word = parts[marked]
        parts[marked] = click.style(word, bold=True, fg="yellow") if terminal else f"[{word}]"
    return "".join(parts)


_LITERAL = "\x00"  # carries a query word that looks like an option through click's parser


class _QueryCommand(click.Command):
    """A command whose arguments are the words of a query, exclusions included.

    ``-tin`` or ``-"kinh tế"`` (which the shell passes as ``-kinh tế``) is an exclusion, not an
    unknown option. Only the command's own option names are options; a misspelt long option
    (``--limt``) is still refused.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        options = [param for param in self.get_params(ctx) if isinstance(param, click.Option)]
        names = {name for option in options for name in (*option.opts, *option.secondary_opts)}
        valued = {
            name
            for option in options
            if not option.is_flag and not option.count
            for name in option.opts
        }
        words: list[str] = []
        for index, arg in enumerate(args):
            if arg == "--":
                words += args[index:]
                break
            exclusion = arg[:1] == "-" and arg[1:2] not in ("", "-") and arg not in names
            words.append(
                _LITERAL + arg if exclusion and (not words or words[-1] not in valued) else arg
            )
        rest = super().parse_args(ctx, words)
        ctx.params["query"] = tuple(
            word.removeprefix(_LITERAL) for word in ctx.params.get("query", ())
        )
        return rest


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
    os.umask(os.umask(0o027) | 0o027)  # what the archive's custodians write, others cannot read
    ctx.obj = _Context(archive_path, verbose)


class _Bar:
    """Draws ingestion progress with click on a terminal: files, pages, pages/s and ETA."""

    def __init__(self) -> None:
        self._bar: Any = None
        self.pages = 0
        self._started = time.monotonic()

    def _pages(self, _: object) -> str:
        rate = self.pages / max(time.monotonic() - self._started, 1e-6)
        return f"{self.pages} pages, {rate:.1f} pages/s"

    def start(self, total: int) -> None:
        self._started = time.monotonic()
        self._bar = click.progressbar(
            length=total,
            label="Ingesting",
            show_pos=True,
            show_eta=True,
            file=sys.stderr,
            item_show_func=self._pages,
        )
        self._bar.__enter__()

    def advance(self, path: Path, pages: int) -> None:
        self.pages += pages
        if self._bar is not None:
            self._bar.update(1, path)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


class _ReindexBar:
    """Draws a rebuild's progress (documents and ETA) on a terminal."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._done = 0

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = click.progressbar(
                length=total, label="Reindexing", show_pos=True, show_eta=True, file=sys.stderr
            )
            self._bar.__enter__()
        self._bar.update(done - self._done)
        self._done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


def _reindex(archive: Archive, *, quiet: bool = False) -> int:
    bar = _ReindexBar() if sys.stderr.isatty() and not quiet else None
    try:
        return archive.reindex(progress=bar)
    finally:
        if bar:
            bar.close()


def _rebuild_if_outdated(archive: Archive, *, quiet: bool = False) -> None:
    """Rebuild, saying so, an index an older archive-search built.

    Ingest and prune would rebuild it first anyway, without a word, for minutes at full scale.
    """
    if outdated := archive.outdated_index():
        if not quiet:
            click.echo(
                "rebuilding the search index from the catalogue first: "
                "an older archive-search built it "
                f"(no {', '.join(outdated)})",
                err=True,
            )
        _reindex(archive, quiet=quiet)


def _summary(report: IngestReport) -> str:
    cached = f", {report.ocr_cached} from the OCR cache" if report.ocr_cached else ""
    pruned = f", {report.pruned} missing files pruned" if report.pruned else ""
    if report.pruned_records:
        pruned += f", {report.pruned_records} records no longer in the catalogue removed"
    if report.unlisted_records:
        pruned += (
            f"; {report.unlisted_records} records are no longer in the catalogue"
            " (--prune removes them)"
        )
    if report.failed_before:
        pruned += (
            f"; {report.failed_before} unchanged files failed before"
            " (--retry-failed reads them again)"
        )
    pruned += _relabelled(report)
    return (
        f"{report.new} new, {report.skipped} unchanged, {report.duplicates} duplicates, "
        f"{report.records} catalogue records, "
        f"{report.pages} pages ({report.ocr_pages} OCR{cached}), "
        f"{len(report.failures)} failed in {report.elapsed:.1f} s{pruned}"
        f"{_unsupported(report.unsupported)}"
    )


def _relabelled(report: IngestReport) -> str:
    """What a run changed in held documents and records, as a clause of the summary.

    '; metadata of 3 held documents or records updated from the manifest, secrecy level changed for
    2 documents and 1 record; 1 conflict', or nothing.
    """
    said = ""
    if report.updated:
        said += (
            f"; metadata of {report.updated} held documents or records updated from the manifest"
        )
    if report.reclassified_documents or report.reclassified_records:
        documents = _count(report.reclassified_documents, "document")
        records = _count(report.reclassified_records, "record")
        said += f", secrecy level changed for {documents} and {records}"
    if report.conflicts:
        conflicts = _count(len(report.conflicts), "conflict")
        said += f"; {conflicts} between the manifest and the files (listed on stderr)"
    return said


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _unsupported(paths: list[str], *, shown: int = 6) -> str:
    """The files of unsupported types ignored, as a clause of the summary.

    '; 3 files of unsupported types ignored (.docx, .xls)', or nothing when there are none. A
    manifest left in the folder would otherwise be ignored without a word on how to read it.
    """
    if not paths:
        return ""
    suffixes = sorted({Path(path).suffix.lower() or "no extension" for path in paths})
    files = "1 file" if len(paths) == 1 else f"{len(paths)} files"
    kinds = "an unsupported type" if len(suffixes) == 1 else "unsupported types"
    listed = ", ".join(suffixes[:shown]) + (", …" if len(suffixes) > shown else "")
    sheets = sorted({".csv", ".xlsx"} & set(suffixes))
    hint = (
        f"; a {' or '.join(sheets)} is read as a manifest only when given with --manifest"
        if sheets
        else ""
    )
    return f"; {files} of {kinds} ignored ({listed}){hint}"


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--manifest", type=click.Path(dir_okay=False, path_type=Path), help="Manifest: CSV or .xlsx."
)
@click.option("--fond", help="Fond code for files the manifest does not place.")
@click.option(
    "--ocr",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="OCR pages only without a usable text layer, always, or never.",
)
@click.option(
    "--workers", type=click.IntRange(min=1), help="Worker processes (default: all cores)."
)
@click.option(
    "--pages-per-task",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="A longer PDF or TIFF is read as tasks of this many pages, on several cores at once.",
)
@click.option(
    "--retry-failed", is_flag=True, help="Ingest again only the files that failed before."
)
@click.option(
    "--prune",
    is_flag=True,
    help="First forget files that no longer exist; then records the --manifest no longer lists.",
)
@click.option(
    "--cluster",
    metavar="tcp://HOST:8786",
    help=(
        "Extract and OCR on this Dask scheduler's workers "
        "(pip install 'archive-search[distributed]')."
    ),
)
@click.option(
    "--allow-outside-paths",
    is_flag=True,
    help="Let manifest rows name files outside the manifest's folder and the paths given.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_context
def ingest(
    ctx: _Context,
    paths: tuple[Path, ...],
    manifest: Path | None,
    fond: str | None,
    ocr: str,
    workers: int | None,
    pages_per_task: int,
    retry_failed: bool,
    prune: bool,
    cluster: str | None,
    allow_outside_paths: bool,
    quiet: bool,
    as_json: bool,
) -> None:
    """Ingest PDFs, scans and text files (folders are walked) into the archive."""
    from archive_search import IngestOptions, OcrMode

    if not paths and manifest is None and not retry_failed and not prune:
        raise click.UsageError(
            "give files or folders to ingest, or --manifest, --retry-failed or --prune"
        )
    options = IngestOptions(
        manifest=manifest,
        fond=fond,
        ocr=OcrMode(ocr),
        workers=workers,
        retry_failed=retry_failed,
        prune=prune,
        cluster=cluster,
        allow_outside_paths=allow_outside_paths,
        pages_per_task=pages_per_task,
    )
    bar = _Bar() if sys.stderr.isatty() and not quiet else None
    with ctx.archive(create=True) as archive:
        _rebuild_if_outdated(archive, quiet=quiet)
        try:
            report: IngestReport | None = archive.ingest(paths, options=options, progress=bar)
        except KeyboardInterrupt:  # Ctrl-C: the run has stored and indexed every file it finished
            report = None
        finally:
            if bar:
                bar.close()
    if report is None:
        click.echo(
            "Interrupted: every file finished is stored and searchable; "
            "the same command again reads the rest",
            err=True,
        )
        sys.exit(ExitCode.INTERRUPTED)
    if as_json:
        _echo_json(report)
    elif not quiet:
        _say(_summary(report))
        for conflict in report.conflicts:
            _say(f"conflict: {conflict.path}: {conflict.reason}", err=True)
        for failure in report.failures:
            _say(f"failed: {failure.path}: {failure.reason}", err=True)
    if report.failures:
        raise IngestFailuresError(
            f"{len(report.failures)} file(s) failed; every other file is indexed "
            "(`archive-search failures` lists them)"
        )


_CLEARANCE = click.option(
    "--clearance",
    default="public",
    show_default=True,
    help=(
        "Highest secrecy level the reader may see: public, mat, toi-mat, tuyet-mat "
        "(or Mật, Tối mật…)."
    ),
)
_FILTERS = (
    click.option("--fond", multiple=True, help="Only this fond (repeatable)."),
    click.option(
        "--year", multiple=True, help="A year or a range such as 2015..2019 (repeatable)."
    ),
    click.option(
        "--type", "doc_type", multiple=True, help="Document type such as NQ (repeatable)."
    ),
    click.option("--issuer", multiple=True, help="Issuing body such as TU (repeatable)."),
    click.option(
        "--cites", multiple=True, help="Only documents citing this symbol, e.g. 36-NQ/TW."
    ),
    click.option(
        "--exact",
        is_flag=True,
        help="Words only as typed, diacritics included: đảng, not đang or dang (hoà is still hòa).",
    ),
    click.option(
        "--all-words",
        is_flag=True,
        help="Every word required: never list documents with most of the words.",
    ),
    _CLEARANCE,
)
_SORT = click.option(
    "--sort",
    type=click.Choice(["relevance", "date", "date-asc"]),
    default="relevance",
    show_default=True,
)


def _with_filters(command: Any) -> Any:
    for option in reversed(_FILTERS):
        command = option(command)
    return command


def _print_facets(facets: dict[str, tuple[FacetCount, ...]], *, top: int = 10) -> None:
    for name, counts in facets.items():
        if counts:
            _say(f"  {name}: " + ", ".join(f"{c.value} ({c.count})" for c in counts[:top]))


def _print_hit(rank: int, hit: Hit, words: int | None = None) -> None:
    kept = (
        ("inv.", hit.inventory),
        ("box", hit.box),
        ("file", hit.file_no),
    )  # where the archive keeps it
    place = (f"{label} {value}" for label, value in kept if value)
    details = " · ".join(
        str(v) for v in (hit.fond, *place, hit.date or hit.year, hit.doc_type) if v
    )
    if words and hit.matched is not None:  # a relaxed search: how many of the words it holds
        details = " · ".join(filter(None, [details, f"{hit.matched}/{words} words"]))
    name = hit.heading or Path(hit.source).name or hit.id  # a title, else the first line
    _say(f"\n{rank:>3}. {hit.symbol or '-'}  {name}  [{details}]")
    _say(f"     {hit.id}  {hit.source or 'catalogue record'}")
    for page in hit.pages:
        click.echo(f"     p. {page.page}: {_highlight(page.snippet)}")


def _print_results(results: SearchResults, *, heading: str | None = None) -> None:
    shown = f"{results.offset + 1}-{results.offset + len(results.hits)}" if results.hits else "0"
    noun = "document matches" if results.total == 1 else "documents match"
    _say(heading or f"{results.total} {noun} {results.query!r} (showing {shown})")
    if results.loosened:
        _say(
            "  Nothing matches the query as written: its phrases and symbols were searched as words"
        )
    if results.relaxed:
        _say(
            "  Few documents hold every word: those holding most of them follow "
            "(--all-words for every word only)"
        )
    _print_facets(results.facets)
    words = results.words if results.relaxed else None
    for rank, hit in enumerate(results.hits, start=results.offset + 1):
        _print_hit(rank, hit, words)


@cli.command(cls=_QueryCommand)
@click.argument("query", nargs=-1)
@_with_filters
@click.option("--limit", type=click.IntRange(0, 10_000), default=10, show_default=True)
@click.option("--offset", type=click.IntRange(min=0), default=0)
@_SORT
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse a query that cannot be read instead of searching its words.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_context
def search(ctx: _Context, /, query: tuple[str, ...], as_json: bool, **options: Any) -> None:
    """Search: words, "phrases", -exclusions, OR, (groups), prefix*, symbols and fields.

    The fields are so:, loai:, phong:, nam:, coquan:, mat:, tieude: and trichdan:.
    """
    with ctx.archive() as archive:
        results = archive.run(SearchQuery.build(" ".join(query), **options))
    if results.warning:
        _say(f"Warning: {results.warning}", err=True)
    if as_json:
        _echo_json(results)
    else:
        _print_results(results)


@cli.command(cls=_QueryCommand)
@click.argument("query", nargs=-1)
@_with_filters
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_context
def facets(ctx: _Context, /, query: tuple[str, ...], as_json: bool, **options: Any) -> None:
    """Document counts by fond, year, decade, type, issuer (and secrecy, if cleared) for a query."""
    with ctx.archive() as archive:
        found = archive.facets(SearchQuery.build(" ".join(query), **options))
    if as_json:
        _echo_json(found)
    else:
        _print_facets(found, top=100)


@cli.command(cls=_QueryCommand)
@click.argument("query", nargs=-1)
@_with_filters
@_SORT
@click.option(
    "--format",
    "export_format",
    type=click.Choice(["csv", "jsonl"]),
    default="csv",
    show_default=True,
)
@pass_context
def export(ctx: _Context, /, query: tuple[str, ...], export_format: Any, **options: Any) -> None:
    """Write every document matching a query (no limit) to stdout as CSV or JSON Lines."""
    with ctx.archive() as archive:
        archive.export(
            SearchQuery.build(" ".join(query), **options), sys.stdout, format=export_format
        )


@cli.command()
@click.argument("doc_id")
@_CLEARANCE
@click.option("--limit", type=click.IntRange(0, 10_000), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_context
def similar(ctx: _Context, doc_id: str, clearance: str, limit: int, as_json: bool) -> None:
    """Documents most like a document (more like this over its text)."""
    with ctx.archive() as archive:
        results = archive.similar(doc_id, clearance=clearance, limit=limit)
    if as_json:
        _echo_json(results)
    elif results.hits:  # not "N documents match": nearly every one shares a word with it
        count = len(results.hits)
        which = "The document" if count == 1 else f"The {count} documents"
        _print_results(results, heading=f"{which} most like {doc_id}, most alike first")
    else:
        _say(f"No document is like {doc_id}")


def _print_refs(label: str, refs: tuple[DocumentRef, ...]) -> None:
    if refs:
        click.echo(f"  {label}:")
    for ref in refs:
        where = f"{ref.id}  {ref.title}" if ref.id else "(not in the archive)"
        _say(f"    {ref.symbol}  {where}")


@cli.command()
@click.argument("doc_id")
@click.option("--page", type=click.IntRange(min=1), help="Only this page.")
@_CLEARANCE
@click.option("--json", "as_json", is_flag=True)
@pass_context
def show(ctx: _Context, doc_id: str, page: int | None, clearance: str, as_json: bool) -> None:
    """Show a document's metadata, what it cites and what cites it, and the text of its pages."""
    with ctx.archive() as archive:
        view = archive.document(doc_id, clearance=clearance)
    if page is not None:
        view = view.only_page(page)
    if as_json:
        _echo_json(view)
        return
    _say(f"{view.id}  {view.source or 'catalogue record'}")
    for key, value in view.metadata.items():
        if value not in ("", None, {}):
            shown = (
                ", ".join(f"{k}={v}" for k, v in value.items())
                if isinstance(value, dict)
                else value
            )
            _say(f"  {key}: {shown}")
    _print_refs("cites", view.cites)
    _print_refs("cited by", view.cited_by)
    for item in view.pages:
        _say(f"\n--- page {item.number} ({item.method.value}) ---\n{item.text}")


@cli.command()
@pass_context
def reindex(ctx: _Context) -> None:
    """Rebuild the search index from the catalogue alone (no extraction, no OCR)."""
    with ctx.archive() as archive:
        try:
            count = _reindex(archive)
        except KeyboardInterrupt:
            click.echo(
                "Interrupted: the search index is as it was; `archive-search reindex` starts the "
                "rebuild again",
                err=True,
            )
            sys.exit(ExitCode.INTERRUPTED)
    click.echo(f"reindexed {count} documents")


@cli.command()
@click.option("--ocr", is_flag=True, help="Also OCR again the OCR'd pages that lack boxes (slow).")
@pass_context
def boxes(ctx: _Context, ocr: bool) -> None:
    """Read the word boxes of the pages ingested before they were kept, for the page viewer.

    Born-digital pages are read again from their PDFs (which must still be where they were
    ingested); OCR'd pages get theirs when OCR'd again (--ocr), else they are counted."""
    with ctx.archive() as archive:
        report = archive.fill_boxes(ocr=ocr)
    click.echo(f"word boxes read for {report.pages} pages")
    if report.unreadable:
        click.echo(f"{report.unreadable} pages could not be read (their files moved?)", err=True)
    if report.ocr_pages_left:
        click.echo(
            f"{report.ocr_pages_left} OCR'd pages have no word boxes: --ocr reads them", err=True
        )


@cli.command()
@_CLEARANCE
@click.option("--json", "as_json", is_flag=True)
@pass_context
def failures(ctx: _Context, clearance: str, as_json: bool) -> None:
    """List files whose ingestion failed, with the reason (those visible at the clearance)."""
    with ctx.archive() as archive:
        found = archive.failures(clearance=clearance)
    if as_json:
        _echo_json(found)
    for failure in [] if as_json else found:
        _say(f"{failure.path}: {failure.reason}")


@cli.command()
@pass_context
def prune(ctx: _Context) -> None:
    """Forget files that no longer exist: remove them from the catalogue and the index."""
    with ctx.archive() as archive:
        _rebuild_if_outdated(archive)
        count = archive.prune()
    click.echo(f"pruned {count} missing files")


@cli.command()
@click.argument("doc_ids", nargs=-1, required=True, metavar="ID...")
@pass_context
def remove(ctx: _Context, doc_ids: tuple[str, ...]) -> None:
    """Remove documents and catalogue records by id (as `search` shows them).

    They leave the catalogue and the index; ingesting a removed document's file again adds it back.
    """
    with ctx.archive() as archive:
        _rebuild_if_outdated(archive)
        count = archive.remove(doc_ids)
    click.echo(f"removed {count} documents and records")


@cli.command()
@_CLEARANCE
@click.option("--json", "as_json", is_flag=True)
@pass_context
def stats(ctx: _Context, clearance: str, as_json: bool) -> None:
    """Documents, records, pages (OCR'd, born-digital), failures, index size; by fond/year/type."""
    with ctx.archive() as archive:
        found = archive.statistics(clearance=clearance)
    if as_json:
        _echo_json(found)
        return
    for key, value in dataclasses.asdict(found).items():
        if not isinstance(value, tuple):
            _say(f"{key}: {value.value if isinstance(value, Secrecy) else value}")
    _print_facets(
        {"fond": found.by_fond, "year": found.by_year, "doc_type": found.by_type}, top=100
    )


# Files to ingest: one whose name is not UTF-8 fails alone, with its reason.
_FILE_ARGUMENTS = {"paths"}


def _undecodable(value: object) -> str | None:
    """The first text in ``value`` (a string, a path or a tuple of them) not valid UTF-8, or None.

    Such text is what the shell passed as bytes Python could only decode with surrogates.
    """
    for item in value if isinstance(value, tuple) else (value,):
        text = str(item) if isinstance(item, str | Path) else ""
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return text
    return None


def _utf8_only(command: click.Command) -> None:
    """Refuse, as a usage error, an argument or option of ``command`` that is not valid UTF-8.

    For instance ``show $'\\xff'``: the catalogue and the index hold only text.
    """
    run = command.callback
    if run is None:
        return

    shown = {
        param.name: param.opts[0] if isinstance(param, click.Option) else param.human_readable_name
        for param in command.params
    }

    def checked(*args: Any, **kwargs: Any) -> Any:
        for name, value in kwargs.items():
            if name not in _FILE_ARGUMENTS and (bad := _undecodable(value)) is not None:
                raise UsageError(
                    f"{shown.get(name, name)} {bad!r} is not valid UTF-8: give it as UTF-8 text"
                )
        return run(*args, **kwargs)

    command.callback = functools.update_wrapper(checked, run)


for _command in cli.commands.values():
    _utf8_only(_command)


for _command in SERVER_COMMANDS:  # users, audit, serve: defined with the server
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; every library error becomes one line on stderr and its exit code."""
    verbose = "-v" in (argv or sys.argv[1:]) or "--verbose" in (argv or sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="archive-search", standalone_mode=False)
    except ArchiveSearchError as exc:
        if verbose:
            traceback.print_exc()
        _say(f"Error: {exc}", err=True)
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

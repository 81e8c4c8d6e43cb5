"""The real-scan OCR bench: tesseract by hand, ocrmypdf and this project on archive-like pages.

Pages made the way archives scan them, and real scans (issue 28, items 3 and 4).

``python -m bench.ocr_real --pages 2 --out bench/reports/ocr-real.md`` (several minutes). Every
system reads the same image files in the same run. Word recall is the share of the true text's words
(with repeats) that the read text holds, in any order; "folded" ignores diacritics; CER is the
character error rate. Real scans have no true text: they are read at their own resolution for a
look, and reduced to 70 and 100 dpi (as a phone photograph or a low-resolution scan gives them),
where what tesseract read at full resolution is the reference.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from functools import partial
from pathlib import Path

from PIL import Image, ImageOps

from archive_search.index.records import PageMethod, PageText
from archive_search.index.syllables import vietnamese_share
from archive_search.ingest import ocr_model
from archive_search.ingest.extract import ExtractTask, extract_file
from archive_search.ingest.ocr import OcrSteps, ocr_image
from archive_search.ingest.ocr_correct import Corrector
from archive_search.ingest.ocr_model import shipped_model
from archive_search.ingest.ocr_words import page_text, parse_tsv
from bench.corpus import DEFAULT_TEXT_POOL, load_articles
from bench.ocr_measure import cer, word_recall
from bench.ocr_scans import CLEAN_LOW_DPI, KINDS, make_page

REAL_SCANS = DEFAULT_TEXT_POOL.parents[1] / "real" / "scans"  # shared/real/scans
SYSTEMS = (
    "tesseract",
    "tesseract + correction",
    "ocrmypdf",
    "ours, no correction",
    "ours",
    "ours, as indexed",  # the corrected text and the words as read that the correction replaced
)
_ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}


@dataclass(slots=True)
class Page:
    """One image file to read, its group in the report, and the text it shows (or a reference)."""

    group: str
    path: Path
    truth: str
    read: dict[str, str] = field(default_factory=dict)


def _tesseract(path: Path, *configs: str) -> str:
    """``tesseract -l vie`` by hand on the image at ``path``: its text, or ``tsv`` and the like."""
    out = subprocess.run(
        ["tesseract", str(path), "stdout", "-l", "vie", *configs],
        env=_ENV,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return out.stdout


def _ocrmypdf(path: Path, work: Path) -> str:
    """ocrmypdf's text of an image, given the image's resolution (it refuses under 72 dpi)."""
    sidecar = work / f"{path.stem}.ocrmypdf.txt"
    with Image.open(path) as image:
        dpi = round(image.info.get("dpi", (300, 300))[0])
    subprocess.run(
        [
            "ocrmypdf",
            "-l",
            "vie",
            "--jobs",
            "1",
            "--output-type",
            "pdf",
            "--optimize",
            "0",
            "--image-dpi",
            str(dpi),
            "--sidecar",
            str(sidecar),
            str(path),
            str(work / f"{path.stem}.ocrmypdf.pdf"),
        ],
        env=_ENV,
        capture_output=True,
        check=True,
        timeout=600,
    )
    return sidecar.read_text(encoding="utf-8")


def read_page(page: Page, work: Path, without: Sequence[str] = ()) -> None:
    """Every system's text of ``page``; ours also without each step named in ``without``."""
    words = parse_tsv(_tesseract(page.path, "tsv"))
    page.read["tesseract"] = page_text(words)
    page.read["tesseract + correction"] = page_text(Corrector(shipped_model()).correct(words))
    try:
        page.read["ocrmypdf"] = _ocrmypdf(page.path, work)
    except subprocess.CalledProcessError as exc:
        page.read["ocrmypdf"] = ""
        print(f"ocrmypdf failed on {page.path.name}: {exc.stderr[-300:]!r}")
    with Image.open(page.path) as image:  # as extraction reads an image file
        upright = ImageOps.exif_transpose(image)
        ours = ocr_image(upright, timeout=600, scratch=work)
        for step in without:
            steps = OcrSteps(**{step: False})
            page.read[f"ours, no {step}"] = ocr_image(
                upright, timeout=600, scratch=work, steps=steps
            ).text
    page.read["ours"] = ours.text
    page.read["ours, no correction"] = ours.read if ours.read is not None else ours.text
    page.read["ours, as indexed"] = PageText(
        1, ours.text, PageMethod.OCR, read=ours.read
    ).indexed_text


def generated_pages(work: Path, count: int, corpus: Path, kinds: Sequence[str] = ()) -> list[Page]:
    """``count`` pages of every kind (or of those named in ``kinds``), each from another article.

    A page is the same whichever kinds are chosen.
    """
    articles = [a for a in load_articles(corpus, limit=400) if len(a.body) > 1500]
    rng = random.Random(28)
    pages = []
    for number, kind in enumerate(KINDS):
        for copy in range(count):
            article = rng.choice(articles)
            if kinds and not any(name in kind.name for name in kinds):
                continue
            image, truth = make_page(article.body, kind, seed=number * 100 + copy)
            path = work / f"gen-{number:02d}-{copy}.png"
            image.save(path, dpi=(kind.dpi, kind.dpi))
            pages.append(Page(kind.name, path, truth))
    return pages


def _first_picture(pdf: Path) -> Image.Image:
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        page = document[0]
        width_points = page.get_size()[0]
        for item in page.get_objects():
            if item.type == 3:  # an image object
                picture: Image.Image = item.get_bitmap(
                    render=False
                ).to_pil()  # in colour, as ingest
                picture.info["dpi"] = round(picture.width / (width_points / 72))
                return picture
        raise ValueError(f"{pdf} has no picture on its first page")
    finally:
        document.close()


def real_pages(work: Path, scans: Path) -> tuple[list[Page], list[Page]]:
    """The real scans' first pages as scanned, and reduced to 70 and 100 dpi with JPEG."""
    full, reduced = [], []
    for pdf in sorted(scans.glob("*.pdf")):
        picture = _first_picture(pdf)
        dpi = int(picture.info["dpi"])
        path = work / f"real-{pdf.stem}.png"
        picture.save(path, dpi=(dpi, dpi))
        full.append(Page(f"real scan {pdf.name} ({dpi} dpi)", path, ""))
        for target in (70, 100):
            factor = target / dpi
            small = picture.resize(
                (round(picture.width * factor), round(picture.height * factor)),
                Image.Resampling.LANCZOS,
            )
            buffer = io.BytesIO()
            small.save(buffer, format="JPEG", quality=70)
            small_path = work / f"real-{pdf.stem}-{target}.png"
            Image.open(buffer).save(small_path, dpi=(target, target))
            reduced.append(Page(f"real scans at {target} dpi", small_path, str(path)))
    return full, reduced


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _cpu_of(action: Callable[[], object]) -> float:
    started = _cpu()
    action()
    return _cpu() - started


def throughput(pages: Sequence[Page], work: Path, repeats: int) -> dict[str, float]:
    """CPU seconds a 300 dpi page of tesseract by hand and of ours, and of the correction alone.

    Ours is extraction as ingest runs it; repeats are interleaved.
    """
    shipped_model()  # loaded once per worker process, as ingest does
    tesseract, ours, correction = [], [], []
    for _ in range(repeats):
        for page in pages:
            tesseract.append(_cpu_of(partial(_tesseract, page.path)))
            ours.append(_cpu_of(partial(extract_file, ExtractTask(page.path, scratch=work))))
            words = parse_tsv(_tesseract(page.path, "tsv"))
            started = time.process_time()
            Corrector(shipped_model()).correct(words)
            correction.append(time.process_time() - started)
    return {
        "tesseract": statistics.median(tesseract),
        "ours": statistics.median(ours),
        "correction": statistics.median(correction),
    }


def _scores(pages: Sequence[Page], system: str) -> tuple[float, float, float]:
    recall = statistics.mean(word_recall(p.truth, p.read[system]) for p in pages)
    folded = statistics.mean(word_recall(p.truth, p.read[system], folded=True) for p in pages)
    errors = statistics.mean(cer(p.truth, p.read[system]) for p in pages)
    return recall, folded, errors


def _head(systems: Sequence[str]) -> list[str]:
    return [
        "| pages | " + " | ".join(systems) + " |",
        "| --- | " + " | ".join("---:" for _ in systems) + " |",
    ]


def _table(pages: Sequence[Page], systems: Sequence[str]) -> list[str]:
    groups = list(dict.fromkeys(page.group for page in pages))
    lines = _head(systems)
    for group in [*groups, "all"]:
        chosen = [p for p in pages if group in ("all", p.group)]
        cells = []
        for system in systems:
            recall, folded, errors = _scores(chosen, system)
            cells.append(f"{recall:.1%} / {folded:.1%} / {errors:.1%}")
        lines.append(f"| {group} ({len(chosen)}) | " + " | ".join(cells) + " |")
    return lines


def _real_look(pages: Sequence[Page]) -> list[str]:
    lines = [
        "| scan | system | words | Vietnamese syllables | first line |",
        "| --- | --- | ---: | ---: | --- |",
    ]
    for page in pages:
        for system in ("tesseract", "ocrmypdf", "ours"):
            text = page.read[system]
            first = next((line for line in text.splitlines() if len(line) > 20), "")[:70]
            lines.append(
                f"| {page.group} | {system} | {len(text.split())} | "
                f"{vietnamese_share(text):.1%} | `{first}` |"
            )
    return lines


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2, help="generated pages of each kind")
    parser.add_argument("--repeats", type=int, default=2, help="throughput repeats")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_TEXT_POOL)
    parser.add_argument("--real", type=Path, default=REAL_SCANS, help="folder of real scans")
    parser.add_argument("--no-real", action="store_true", help="leave the real scans out")
    parser.add_argument(
        "--kind",
        action="append",
        default=[],
        help="only the generated kinds whose name holds this (repeatable)",
    )
    parser.add_argument(
        "--without",
        action="append",
        default=[],
        choices=[step.name for step in fields(OcrSteps) if step.type in (bool, "bool")],
        help="also run ours without this step (repeatable): what the step gains",
    )
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help="the correction's syllable model (default the shipped one; tools/build_ocr_model.py "
        "--skip 400 makes one without the articles the pages are drawn from)",
    )
    parser.add_argument("--out", type=Path, default=Path("bench/reports/ocr-real.md"))
    parser.add_argument("--workers", type=int, default=2)
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    if args.model is not None:  # read by shipped_model() the first time it is asked, below
        if not args.model.is_file():
            raise SystemExit(f"no model at {args.model}")
        ocr_model.MODEL_PATH = args.model
    systems = [*SYSTEMS, *(f"ours, no {step}" for step in args.without)]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ocr-real-") as folder:
        work = Path(folder)
        generated = generated_pages(work, args.pages, args.corpus, args.kind)
        real = not args.no_real and args.real.is_dir()
        full, reduced = real_pages(work, args.real) if real else ([], [])
        everything = [*generated, *full, *reduced]
        with ThreadPoolExecutor(args.workers) as pool:
            list(pool.map(partial(read_page, work=work, without=args.without), everything))
        for page in reduced:  # the reference: what tesseract read on the full-resolution scan
            page.truth = next(p.read["tesseract"] for p in full if str(p.path) == page.truth)
        clean300 = [p for p in generated if p.group == "clean 300 dpi"]
        speed = throughput(clean300, work, args.repeats) if clean300 and args.repeats else None
    elapsed = time.perf_counter() - started
    report = _report(args, systems, (generated, full, reduced), speed, elapsed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    print(report)


def _command(args: argparse.Namespace) -> str:
    options = [f"--pages {args.pages}", f"--repeats {args.repeats}", f"--corpus {args.corpus}"]
    options += [f"--real {args.real}"] if not args.no_real else ["--no-real"]
    options += [f"--kind '{kind}'" for kind in args.kind]
    options += [f"--without {step}" for step in args.without]
    options += [f"--model {args.model}"] if args.model is not None else []
    return "python -m bench.ocr_real " + " ".join(options)


def _speed(speed: dict[str, float] | None, args: argparse.Namespace) -> list[str]:
    if speed is None:
        return ["(not measured: no clean 300 dpi page, or --repeats 0)"]
    return [
        f"CPU a page (median of {args.repeats} x {args.pages} pages): "
        f"tesseract by hand {speed['tesseract']:.2f} s, ours {speed['ours']:.2f} s: "
        f"**{speed['tesseract'] / speed['ours']:.0%} of the tesseract limit**; "
        f"the correction {speed['correction'] * 1000:.0f} ms "
        f"({speed['correction'] / speed['ours']:.1%} of our page)."
    ]


def _report(
    args: argparse.Namespace,
    systems: Sequence[str],
    pages: tuple[Sequence[Page], Sequence[Page], Sequence[Page]],
    speed: dict[str, float] | None,
    elapsed: float,
) -> str:
    generated, full, reduced = pages
    clean_low = [p for p in generated if p.group in CLEAN_LOW_DPI]
    degraded = [p for p in generated if p.group not in CLEAN_LOW_DPI and "300" not in p.group]
    summary = [
        f"| {name} | " + " | ".join(f"{_scores(chosen, s)[0]:.1%}" for s in systems) + " |"
        for name, chosen in (("clean, 70-150 dpi", clean_low), ("degraded", degraded))
        if chosen
    ]
    lines = [
        "# OCR on real-looking and real scans",
        "",
        f"`{_command(args)}`: {len(generated)} generated pages ({args.pages} of each kind, text "
        f"from `{args.corpus.name}`), {len(full)} real scans and {len(reduced)} reduced copies; "
        f"{elapsed / 60:.1f} min on this host ({os.cpu_count()} cores, shared; load average "
        f"{os.getloadavg()[0]:.1f} at the end).",
        "",
        "## Word recall, clean low-resolution pages and degraded ones",
        "",
        *_head(systems),
        *summary,
        "",
        "## Per kind of page: word recall / recall without diacritics / CER",
        "",
        *(_table(generated, systems) if generated else ["(no generated pages)"]),
        "",
        "## Real scans reduced to 70 and 100 dpi (JPEG), against tesseract at full resolution",
        "",
        *(_table(reduced, systems) if reduced else ["(no real scans)"]),
        "",
        "## Real scans at their own resolution (no true text)",
        "",
        *(_real_look(full) if full else ["(no real scans)"]),
        "",
        "## Throughput at 300 dpi",
        "",
        *_speed(speed, args),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

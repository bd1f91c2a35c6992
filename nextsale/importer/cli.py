"""The importer's batch and command line: import files into a folder, report on every one.

    python -m nextsale.importer SOURCE... [--settings FILE] [--dest DIR]
        [--date YYYY-MM-DD] [--force] [--report FILE.json] [--taxonomy FILE]

The site's own settings file (default: pelicanconf.py) gives the cruft rules'
CRUFT_* settings, the content folder PATH (articles go to PATH/articles) and
the taxonomy the build matches tags with, so an import cleans and tags a post
exactly as a build of that site would.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from dataclasses import asdict
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from pelican.settings import read_settings

from nextsale.cruft.rules import compile_rules
from nextsale.site import PROJECT_ROOT, display_path

from .article import convert, recovered_post
from .detect import BY_NAME, detect, is_export_folder, reader_module
from .frontmatter_posts import read_front_matter_post
from .images import finish_batch
from .links import same_import
from .model import FileReport, ImportFailure
from .report import format_report, totals
from .slugs import Slugs
from .sources import POST_SUFFIXES, iter_sources
from .tags import load_tags, site_taxonomy
from .writer import Categories, origin, write_post

DEFAULT_SETTINGS = PROJECT_ROOT / "pelicanconf.py"
DEFAULT_REPORT = Path("import-report.json")
OK_STATUSES = ("imported", "unchanged", "ignored", "split")
# The module reading each export format (each has iter_posts(path, settings)).
READERS = {"wordpress": "wxr", "blogger": "blogger", "ghost": "ghost",
           "substack": "substack", "medium": "medium", "feed": "feed"}  # fmt: skip


def read_site_settings(path: Path | str) -> dict[str, Any]:
    """Read a site's Pelican settings file as the build does, or fail clearly."""
    path = Path(path)
    if not path.is_file():
        raise ImportFailure(
            f"{path}: no such settings file; pass --settings with the site's pelicanconf.py"
        )
    try:
        # Importing renders nothing, so the theme is never needed.
        settings = read_settings(str(path), override={"THEME": "simple"})
    except Exception as err:  # a settings file is Python: it may raise anything
        raise ImportFailure(f"{path}: cannot read the settings ({err}); fix the file") from None
    try:
        compile_rules(settings)
    except ValueError as err:
        raise ImportFailure(f"{path}: {err}") from None
    return settings


def import_posts(
    sources: list[Path | str],
    dest: Path | str | None = None,
    *,
    date: date | None = None,
    force: bool = False,
    taxonomy: Path | str | None = None,
    settings: dict | None = None,
    fetch_images: bool = False,
) -> list[FileReport]:
    """Import every source into `dest`; return one report per file.

    `settings` are the site's Pelican settings (its CRUFT_* settings apply;
    `dest` defaults to PATH/articles); `taxonomy` is the taxonomy file tags
    are matched with, None to keep every tag as written.
    """
    settings = settings or {}
    if dest is None:
        if not settings.get("PATH"):
            raise ImportFailure("no destination: pass dest, or settings with PATH")
        dest = Path(settings["PATH"]) / "articles"
    dest = Path(dest)
    try:
        compile_rules(settings)
    except ValueError as err:
        raise ImportFailure(str(err)) from None
    check_dest(dest)
    known_tags = load_tags(taxonomy, settings)
    slugs = Slugs(dest, settings)
    batch = Batch(dest, force, known_tags, settings, slugs)
    reports: list[FileReport] = []
    for source, in_folder in iter_sources([Path(s) for s in sources], whole=is_export_folder):
        report = FileReport(str(source))
        reports.append(report)
        try:
            report.format = detect(source)
        except ImportFailure as err:
            if in_folder and source.suffix.lower() not in POST_SUFFIXES:
                report.status = "ignored"
                report.notes.append("not a post or an export; name it directly to import it")
            else:
                report.status = "failed"
                report.error = str(err)
            continue
        if BY_NAME[report.format].export:
            _import_export(source, report, batch, reports)
            continue
        if in_folder and source.suffix.lower() not in POST_SUFFIXES:
            report.status = "ignored"
            report.notes.append("not a text or HTML file; name it directly to import it")
            continue
        try:
            _import_one(source, date, report, batch)
        except (ImportFailure, ValueError) as err:
            report.status = "failed"
            report.error = str(err)
        except RecursionError:
            report.status = "failed"
            report.error = (
                f"{source}: nested too deeply to convert (hundreds of elements inside one "
                "another); flatten the markup or save the post as text, and import it again"
            )
        except Exception as err:  # one broken file never stops the batch
            report.status = "failed"
            report.error = (
                f"{source}: cannot be converted ({type(err).__name__}: {err}); "
                "save the post as text and import it again"
            )
    finish_batch(reports, dest, settings, fetch=fetch_images)  # links, then images
    return reports


class Batch:
    """What every source of one import shares: where posts and pages go, slugs taken,
    the site's categories (read, and IMPORT_CATEGORY_MAP checked, before any source)."""

    def __init__(self, dest: Path, force: bool, known_tags, settings: dict, slugs: Slugs):
        self.force, self.known_tags, self.settings = force, known_tags, settings
        pages = dest.parent / "pages"
        self.places = {"article": (dest, slugs), "page": (pages, Slugs(pages, settings))}
        self.written: dict[str, str] = {}
        self.categories = Categories(settings)


def _import_one(source: Path, date: date | None, report: FileReport, batch: Batch) -> None:
    """Convert and write one source, filling in `report`; raise ImportFailure."""
    if not source.exists():
        raise ImportFailure(f"{source}: no such file or folder")
    dest, slugs = batch.places["article"]
    settings, known_tags = batch.settings, batch.known_tags
    free = lambda slug: slugs.free(slug, source, report)  # noqa: E731
    post = read_front_matter_post(source, settings, report)
    if post is None:
        meta, body = convert(source, settings, report)
        post = recovered_post(meta, body, source, report)
    made = write_post(
        post, settings, known_tags, report, free, categories=batch.categories, fill_date=date
    )
    _write(made, source, dest, batch.force, report, slugs, batch.written)


def _import_export(
    source: Path, report: FileReport, batch: Batch, reports: list[FileReport]
) -> None:
    """Write every post and page of one export, one report each (appended to
    `reports` as it is written, so a later error keeps them); counts in `report`."""
    fmt = BY_NAME[report.format]
    module = reader_module(READERS[fmt.name])
    counts: Counter = Counter()
    report.status = "split"
    try:
        for post in _read(module, source, batch.settings, counts):
            kind = post.kind if post.kind in batch.places else "article"
            counts[kind] += 1
            entry = FileReport(post.ident, format=fmt.name)
            reports.append(entry)
            _export_post(post, kind, source, entry, batch)
    except ImportFailure as err:
        report.status = "failed"
        report.error = (str(err).splitlines() or [""])[0]
    except (OSError, ValueError, SyntaxError, LookupError, TypeError, RecursionError) as err:
        report.status = "failed"
        reason = (str(err).splitlines() or [type(err).__name__])[0] or type(err).__name__
        report.error = (
            f"{source}: cannot read the {fmt.noun} ({reason}); the posts before "
            "that point were imported; export it again"
        )
    report.metadata.update({k: str(v) for k, v in sorted(counts.items())})
    found = ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "nothing"
    report.notes.append(f"{fmt.label}: {found}; only posts (articles) and pages are imported")
    if note := getattr(module, "EXPORT_NOTE", None):
        report.notes.append(note)


def _export_post(post, kind: str, source: Path, entry: FileReport, batch: Batch) -> None:
    """Write one post of an export; a post that cannot be written fails alone."""
    folder, slugs = batch.places[kind]
    # An earlier import of this post names its address, not the export's file.
    same = SimpleNamespace(name=origin(post))
    free = lambda slug: slugs.free(slug, same, entry)  # noqa: E731
    try:
        made = write_post(
            post, batch.settings, batch.known_tags, entry, free, categories=batch.categories
        )
        _write(made, source, folder, batch.force, entry, slugs, batch.written)
    except (ImportFailure, ValueError) as err:
        entry.status, entry.error = "failed", str(err)
    except RecursionError:
        entry.status = "failed"
        entry.error = (
            f"{entry.source}: nested too deeply to convert; flatten the post's markup "
            "on the old site and export it again"
        )
    except Exception as err:  # one broken post never stops the export
        entry.status = "failed"
        entry.error = f"{entry.source}: cannot be converted ({type(err).__name__}: {err})"


def _read(module, source: Path, settings: dict, counts: Counter):
    """The posts of an export; the reader also counts what it skips (comments, ...)."""
    return module.iter_posts(source, settings, counts=counts)


def _write(
    made: tuple[str, str], source: Path, dest: Path, force: bool, report: FileReport,
    slugs: Slugs, written: dict[str, str],
) -> None:  # fmt: skip
    """Write one article or page, once per batch, filling in `report`."""
    slug, text = made
    target = dest / f"{slug}.md"
    key = str(target)
    report.output = str(target)
    if key in written:
        raise ImportFailure(
            f"{report.source}: gives the same slug '{slug}' as {written[key]}; "
            "change one title and import again"
        )
    written[key] = report.source
    slugs.claim(slug)
    try:
        if target.exists():
            if same_import(target.read_text(encoding="utf-8"), text):
                report.status = "unchanged"
                return
            if not force:
                report.status = "skipped"
                report.error = (
                    f"{source}: {target} already exists and differs; pass --force to overwrite it"
                )
                return
            report.notes.append("overwrote the existing file (--force)")
        dest.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        reason = getattr(err, "strerror", None) or str(err)
        raise ImportFailure(
            f"{source}: cannot write {target} ({reason}); check the --dest folder"
        ) from None
    # A body much smaller than its page is written, but not reported as a success.
    report.status = "incomplete" if report.status == "incomplete" else "imported"


def check_dest(dest: Path) -> None:
    """Refuse a destination that is not, and cannot become, a writable folder."""
    _check_place(dest, "--dest", "the folder the articles go to", folder=True)


def check_report(path: Path, sources: list[Path]) -> None:
    """Refuse a report path that is a folder, cannot be written or is a source."""
    _check_place(path, "--report", "a file name such as import-report.json", folder=False)
    resolved = path.resolve()
    for source in sources:
        if source.resolve() == resolved:
            raise ImportFailure(
                f"{path}: --report names a source file and would overwrite it; pass "
                "another file name such as import-report.json"
            )


def _check_place(path: Path, option: str, wanted: str, *, folder: bool) -> None:
    if path.exists() or path.is_symlink():
        if folder and not path.is_dir():
            raise ImportFailure(f"{path}: {option} is a file, not a folder; pass {wanted}")
        if not folder and path.is_dir():
            raise ImportFailure(f"{path}: {option} is a folder, not a file; pass {wanted}")
        if not folder and not path.is_file():
            raise ImportFailure(f"{path}: {option} is not a regular file; pass {wanted}")
        if not os.access(path, os.W_OK | (os.X_OK if folder else 0)):
            raise ImportFailure(f"{path}: {option} cannot be written (permission denied)")
        return
    parent = path.parent
    while not (parent.exists() or parent.is_symlink()) and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise ImportFailure(
            f"{path}: {option} cannot be created because {parent} is a file; pass {wanted}"
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ImportFailure(
            f"{path}: {option} cannot be created in {parent} (permission denied); "
            f"pass {wanted} somewhere you can write"
        )


def site_url(value: str) -> str:
    """--site-url: an http(s) address with a host."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a site address; give it as https://old.example/"
        )
    return value.strip()


def main(argv: list[str] | None = None) -> int:
    """Run the importer from the command line; 0 when every file imported."""
    parser = argparse.ArgumentParser(
        prog="python -m nextsale.importer",
        description="Import scraped posts as Markdown articles.",
    )
    parser.add_argument("sources", nargs="+", type=Path, metavar="SOURCE")
    parser.add_argument(
        "--settings",
        type=Path,
        default=DEFAULT_SETTINGS,
        help="the site's Pelican settings file: PATH, CRUFT_*, TAXONOMY_FILE "
        "(default: pelicanconf.py)",
    )
    parser.add_argument(
        "--dest", type=Path, help="folder for the articles (default: PATH/articles)"
    )
    parser.add_argument("--date", type=date.fromisoformat, help="YYYY-MM-DD for undated posts")
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    parser.add_argument(
        "--fetch-images",
        action="store_true",
        help="download each post's images into PATH/images/<slug>/ and link the copies",
    )
    parser.add_argument(
        "--site-url",
        type=site_url,
        help="the old site's address, for links relative to it in posts that do not "
        "carry their own (default: IMPORT_SITE_URL)",
    )
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT)
    parser.add_argument(
        "--taxonomy",
        type=Path,
        help="taxonomy file to match tags with (default: the build's, PATH/TAXONOMY_FILE)",
    )
    args = parser.parse_args(argv)
    try:
        check_report(args.report, args.sources)
        if args.dest is not None:
            check_dest(args.dest)
        settings = read_site_settings(args.settings)
        if args.site_url:
            settings["IMPORT_SITE_URL"] = args.site_url
        if args.taxonomy is not None:
            taxonomy, used = args.taxonomy, display_path(args.taxonomy)
        else:
            taxonomy, used = site_taxonomy(settings)
        print(f"settings: {display_path(args.settings)}")
        print(f"taxonomy: {used}")
        reports = import_posts(
            args.sources,
            args.dest,
            date=args.date,
            force=args.force,
            taxonomy=taxonomy,
            settings=settings,
            fetch_images=args.fetch_images,
        )
    except ImportFailure as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(format_report(reports))
    try:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(
            json.dumps(
                {"files": [asdict(r) for r in reports], "totals": totals(reports)},
                indent=2,
                ensure_ascii=False,
            )
            + "\n",
            encoding="utf-8",
        )
    except OSError as err:
        print(
            f"error: {args.report}: cannot write the report ({err.strerror or err}); "
            "pass --report with a file you can write",
            file=sys.stderr,
        )
        return 1
    print(f"report written to {args.report}")
    return 0 if all(r.status in OK_STATUSES for r in reports) else 1

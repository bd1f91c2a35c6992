"""Draft the next newsletter issue from the articles published since the last one.

    python -m nextsale.newsletter.draft [--settings pelicanconf.py] [--date "YYYY-MM-DD HH:MM"]
                                        [--subject TEXT] [--slug SLUG]

Writes content/<NEWSLETTER_PATH>/NNN-slug.md with `Status: draft`, listing the
new articles explicitly so they can be reordered or pruned. Never overwrites.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pelican.contents import Article
from pelican.readers import Readers
from pelican.settings import read_settings
from pelican.utils import get_date, slugify

from nextsale.newsletter.issues import FILENAME_RE, Issue, IssueError, read_issue_file

DEFAULT_PATH = "newsletter"


def latest_issue(folder: Path, content: Path, timezone: str) -> Issue | None:
    """Return the highest-numbered issue, or None; raise IssueError if it is unreadable."""
    numbered = sorted(
        (int(m["number"]), p) for p in folder.glob("*.md") if (m := FILENAME_RE.match(p.name))
    )
    if not numbered:
        return None
    return read_issue_file(numbered[-1][1], content, timezone)


def published_articles(settings: dict[str, Any], skip: str) -> list[Article]:
    """Read every article's metadata with Pelican's own readers."""
    content = Path(settings["PATH"])
    readers = Readers(settings)
    found = []
    for top in settings.get("ARTICLE_PATHS") or [""]:
        for dirpath, dirnames, filenames in os.walk(content / top):
            dirnames[:] = sorted(d for d in dirnames if (Path(dirpath) / d) != content / skip)
            for name in sorted(filenames):
                if Path(name).suffix.lstrip(".") not in readers.extensions:
                    continue
                rel = (Path(dirpath) / name).relative_to(content).as_posix()
                try:
                    article = readers.read_file(str(content), rel, content_class=Article)
                except Exception as exc:
                    print(f"skipped {rel}: {exc}", file=sys.stderr)
                    continue
                if getattr(article, "status", "published") == "published" and hasattr(
                    article, "date"
                ):
                    found.append(article)
    return found


def draft_text(subject: str, date: datetime, articles: list[Article]) -> str:
    refs = ",\n    ".join(f"{{filename}}/{a.get_relative_source_path()}" for a in articles)
    return (
        f"Subject: {subject}\n"
        f"Date: {date:%Y-%m-%d %H:%M}\n"
        "Status: draft\n"
        f"Articles: {refs}\n"
        "\n"
        "Replace this paragraph with two or three sentences on what these posts have\n"
        "in common and what a reader could try this week. Remove the 'Status: draft'\n"
        "line when the issue is ready to go out.\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--settings", default="pelicanconf.py", help="Pelican settings file")
    parser.add_argument("--date", help="issue date, YYYY-MM-DD HH:MM (default: now)")
    parser.add_argument("--subject", help="subject line (default: the newest article's title)")
    parser.add_argument("--slug", help="file name slug (default: from the subject)")
    args = parser.parse_args(argv)

    # Reading metadata only: Pelican's chatter is noise here, but the level is
    # put back so a caller in the same process (tests, tools) keeps its logs.
    pelican_log = logging.getLogger("pelican")
    previous = pelican_log.level
    pelican_log.setLevel(logging.ERROR)
    try:
        return _draft(args)
    finally:
        pelican_log.setLevel(previous)


def _draft(args) -> int:
    if not Path(args.settings).is_file():
        print(
            f"error: settings file {args.settings} not found; pass --settings",
            file=sys.stderr,
        )
        return 2
    try:
        # Drafting reads metadata only: no theme, no plugins, no cache.
        settings = read_settings(
            args.settings,
            override={
                "LOAD_CONTENT_CACHE": False,
                "CACHE_CONTENT": False,
                "THEME": "simple",
                "PLUGINS": [],
            },
        )
    except (OSError, SyntaxError, ValueError) as exc:
        print(f"error: cannot read {args.settings}: {exc}", file=sys.stderr)
        return 2
    timezone = settings.get("TIMEZONE", "UTC")
    content = Path(settings["PATH"])
    folder_name = settings.get("NEWSLETTER_PATH", DEFAULT_PATH)
    folder = content / folder_name
    try:
        date = (
            get_date(args.date).replace(tzinfo=ZoneInfo(timezone))
            if args.date
            else datetime.now(ZoneInfo(timezone)).replace(second=0, microsecond=0)
        )
    except ValueError:
        print(
            f"error: cannot read --date {args.date!r}; use YYYY-MM-DD HH:MM",
            file=sys.stderr,
        )
        return 2

    try:
        last = latest_issue(folder, content, timezone)
    except IssueError as exc:
        print(f"error: {exc}; fix it before drafting the next issue", file=sys.stderr)
        return 1
    if last and last.status == "draft":
        print(
            f"error: {last.source_path} is still a draft; finish it (remove 'Status: draft') "
            "or delete it before drafting another",
            file=sys.stderr,
        )
        return 1

    articles = [
        a
        for a in published_articles(settings, folder_name)
        if a.date <= date and (last is None or a.date > last.date)
    ]
    if not articles:
        since = f" since issue {last.number_text} ({last.date:%Y-%m-%d})" if last else ""
        print(f"Nothing to draft: no articles published{since} up to {date:%Y-%m-%d %H:%M}.")
        return 1
    articles.sort(key=lambda a: (a.date, a.get_relative_source_path()), reverse=True)

    number = (last.number + 1) if last else 1
    width = max(3, len(last.number_text)) if last else 3
    number_text = f"{number:0{width}d}"
    subject = args.subject or articles[0].title
    slug = args.slug or slugify(subject, regex_subs=settings.get("SLUG_REGEX_SUBSTITUTIONS", []))
    if not FILENAME_RE.match(f"{number_text}-{slug}.md"):
        print(
            f"error: '{slug}' is not a usable slug; pass --slug with lowercase words and dashes",
            file=sys.stderr,
        )
        return 2
    clash = sorted(folder.glob(f"{number_text}-*.md"))
    target = folder / f"{number_text}-{slug}.md"
    if clash:
        print(f"error: {clash[0]} already exists; not overwriting it", file=sys.stderr)
        return 1
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("x", encoding="utf-8") as handle:  # "x": never overwrite
            handle.write(draft_text(subject, date, articles))
    except FileExistsError:
        print(f"error: {target} already exists; not overwriting it", file=sys.stderr)
        return 1
    print(
        f"Drafted {target} with {len(articles)} article(s). "
        "Edit the intro, then remove 'Status: draft'."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

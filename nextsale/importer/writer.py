"""The one writer of exported posts: a `Post` becomes an article or page in Markdown.

Every export reader (WordPress, Blogger, Ghost, Substack, Medium, feeds)
yields `Post`s; the front matter is decided here only: dates in the site's
TIMEZONE, drafts for anything not published, categories mapped into the
site's own through IMPORT_CATEGORY_MAP, tags through the taxonomy.

    IMPORT_CATEGORY_MAP = {"Uncategorized": "Retention", "news": "Follow-up"}

A source category is looked up in IMPORT_CATEGORY_MAP (ignoring case), then
among the categories the site's articles already use (their `Category:`
lines under PATH); the first that matches is kept, and a post with none is
given DEFAULT_CATEGORY, which the report says.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from nextsale.cruft.rules import compile_rules, normalise

from .convert import html_to_markdown
from .dates import format_date
from .markdown import even_headings, md_inline
from .model import FileReport, ImportFailure
from .post import Post
from .slugs import make_slug
from .tags import tag_lines

CATEGORY_RE = re.compile(r"^category:\s*(?P<name>.+?)\s*$", re.I)
SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
DEFAULT_CATEGORY = "misc"  # Pelican's own default


class Categories:
    """How source categories become the site's: the map, then the site's own."""

    def __init__(self, settings: Mapping[str, Any]) -> None:
        mapping = settings.get("IMPORT_CATEGORY_MAP") or {}
        if not isinstance(mapping, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in mapping.items()
        ):
            raise ImportFailure(
                "IMPORT_CATEGORY_MAP: must map each source category to a site category, "
                'e.g. {"Uncategorized": "Retention"}; fix the settings file'
            )
        self.mapping = {normalise(k).casefold(): normalise(v) for k, v in mapping.items()}
        self.default = normalise(str(settings.get("DEFAULT_CATEGORY") or DEFAULT_CATEGORY))
        self.site = {self.default.casefold(): self.default}
        for name in site_categories(settings.get("PATH")):
            self.site.setdefault(name.casefold(), name)

    def resolve(self, names: list[str], report: FileReport) -> str:
        """The site category for a post listing `names`; the report says why."""
        if names:
            report.metadata["source_categories"] = list(names)
        for name in names:
            key = normalise(name).casefold()
            if key in self.mapping:
                chosen = self.mapping[key]
                if chosen.casefold() != key:
                    report.notes.append(
                        f"category '{name}' mapped to '{chosen}' (IMPORT_CATEGORY_MAP)"
                    )
                break
            if key in self.site:
                chosen = self.site[key]
                break
        else:
            chosen = self.default
            if names:
                report.notes.append(
                    f"category '{names[0]}' defaulted to '{self.default}'; "
                    "map it in IMPORT_CATEGORY_MAP"
                )
            else:
                report.missing.append("category")
                report.notes.append(f"no category in the export; given '{self.default}'")
            return chosen
        others = [n for n in names if normalise(n).casefold() != key]
        if others:
            report.notes.append(f"only one category is kept; also listed: {', '.join(others)}")
        return chosen


def site_categories(path: str | Path | None) -> list[str]:
    """The categories the site's articles name in their `Category:` lines."""
    if not path or not Path(path).is_dir():
        return []
    found: list[str] = []
    for file in sorted(Path(path).rglob("*")):
        if file.suffix.lower() not in SUFFIXES or not file.is_file():
            continue
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        for line in text.split("\n\n", 1)[0].splitlines():
            match = CATEGORY_RE.match(line)
            if match:
                found.append(normalise(match.group("name")))
    return found


def body_of(post: Post, settings: Mapping[str, Any], report: FileReport) -> str:
    """The post's Markdown, its headings under the page's title."""
    body, changed = even_headings(_markdown(post, settings, report))
    if changed:
        moves = ", ".join(sorted({f"h{old}→h{new}" for old, new in changed}))
        report.notes.append(f"headings renumbered under the page's title (h1): {moves}")
    return body


def _markdown(post: Post, settings: Mapping[str, Any], report: FileReport) -> str:
    """The post's Markdown: as the reader gave it, else converted from its HTML."""
    if post.body_markdown is not None:
        return post.body_markdown.strip("\n")
    # The rules the build cleans the post with: they know its author (a bio at the end).
    rules = compile_rules(settings, normalise(post.author or "") or None)
    base_url = post.url or settings.get("IMPORT_SITE_URL") or None
    return html_to_markdown(post.body_html or "", rules, report, base_url=base_url).strip("\n")


def write_post(
    post: Post, settings: Mapping[str, Any], taxonomy, report: FileReport,
    free_slug: Callable[[str], str] | None = None, *, categories: Categories | None = None,
    fill_date: date | None = None,
) -> tuple[str, str]:  # fmt: skip
    """Return (slug, Markdown text) for one post or page, filling in `report`.

    `categories` is built once per batch by the caller; without it the site's
    articles are read for this post alone. `fill_date` (--date) dates a post
    that has none.
    """
    report.format = post.format
    report.metadata["kind"] = post.kind
    report.notes.extend(post.notes)
    title = normalise(post.title or "")
    if not title:
        title = "Untitled post"
        report.missing.append("title")
        report.notes.append("no title in the export")
    slug = make_slug(normalise(post.slug or "") or title, Path(post.ident), report)
    if free_slug is not None:
        slug = free_slug(slug)
    lines = [f"Title: {title}"]
    report.metadata["title"] = title
    if post.date is not None:
        when = format_date(post.date, settings)
        lines.append(f"Date: {when}")
        report.metadata["date"] = when
        if post.modified is not None and post.modified > _comparable(post.date, post.modified):
            changed = format_date(post.modified, settings)
            if changed > when:
                lines.append(f"Modified: {changed}")
                report.metadata["modified"] = changed
    elif fill_date is not None:
        lines.append(f"Date: {fill_date.isoformat()}")
        report.metadata["date"] = fill_date.isoformat()
        report.missing.append("date")
        report.notes.append("no date in the post; used --date")
    else:
        report.missing.append("date")
        report.notes.append("no date in the post: imported as a draft; add a Date")
    body = body_of(post, settings, report)
    if not body.strip():
        report.notes.append("empty body in the export: written as a draft")
    undated = post.date is None and fill_date is None
    if post.status != "published" or undated or not body.strip():
        lines.append("Status: draft")
        report.metadata["status"] = "draft"
    else:
        report.metadata["status"] = "published"
    authors = [a for a in (normalise(n) for n in post.authors or [post.author or ""]) if a]
    if authors:
        lines.append(f"{'Authors' if len(authors) > 1 else 'Author'}: {', '.join(authors)}")
        report.metadata["author"] = ", ".join(authors)
    else:
        report.missing.append("author")
    if post.kind == "article":
        category = (categories or Categories(settings)).resolve(post.categories, report)
        lines.append(f"Category: {category}")
        report.metadata["category"] = category
    tags = tag_lines([normalise(t) for t in post.tags if normalise(t)], taxonomy, report)
    lines += tags
    if not tags:
        report.missing.append("tags")
    summary = normalise(post.summary or "")
    if summary:
        lines.append(f"Summary: {md_inline(summary, line_start=False)}")
        report.metadata["summary"] = summary
    else:
        report.missing.append("summary")
    aliases = [a for a in (normalise(x) for x in post.aliases) if a and "," not in a]
    if aliases:
        # Old addresses: the build writes a redirect page at each (plugins/redirects).
        lines.append(f"Aliases: {', '.join(aliases)}")
        report.metadata["aliases"] = aliases
    lines.append(f"Slug: {slug}")
    lines.append(f"Imported-From: {origin(post)}")
    return slug, "\n".join(lines) + "\n\n" + body + "\n"


def origin(post: Post) -> str:
    """The `Imported-From:` value: the post's old address, else the export's file name."""
    return normalise(post.url or "") or Path(post.ident.split("#", 1)[0]).name


def _comparable(date: datetime, other: datetime) -> datetime:
    """`date` made comparable with `other` (one may lack a zone)."""
    if (date.tzinfo is None) == (other.tzinfo is None):
        return date
    return date.replace(tzinfo=other.tzinfo)

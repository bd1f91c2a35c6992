"""WordPress (and Squarespace) WXR exports: one file, many posts and pages.

The file is streamed with `lxml.etree.iterparse`; each `<item>` is cleared
once read, so memory stays bounded whatever the export's size.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from bs4 import BeautifulSoup
from lxml import etree

from nextsale.cruft.rules import compile_rules, normalise
from nextsale.sanitise import sanitise

from .html import html_paragraphs
from .markdown import md_inline, render_body
from .model import FileReport
from .slugs import make_slug
from .tags import resolve_tags
from .text import format_date

WP_NS = "http://wordpress.org/export/"
NAMESPACES = {
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
}
KINDS = {"post": "article", "page": "page"}
PUBLISHED = "publish"
BLOCK_RE = re.compile(
    r"^\s*<(?:ul|ol|pre|blockquote|div|h[1-6]|table|figure|p|hr|dl|li|address|section)\b",
    re.I,
)
PRE_RE = re.compile(r"<pre\b.*?</pre>", re.I | re.S)
CAPTION_RE = re.compile(r"\[caption([^\]]*)\](.*?)\[/caption\]", re.S)
EMBED_RE = re.compile(r"\[embed[^\]]*\](.*?)\[/embed\]", re.S)
SHORTCODE_RE = re.compile(r"\[(/?)([a-z][\w-]*)(?:\s[^\]]*)?\]")
BARE_URL_RE = re.compile(r"^\s*(https?://[^\s<>\"]+)\s*$", re.M)


def is_wxr(source: Path) -> bool:
    """True when `source` is an RSS document in WordPress's export namespace."""
    try:
        with source.open("rb") as handle:
            head = handle.read(8192)
    except OSError:
        return False
    return b"<rss" in head and WP_NS.encode() in head


def _key(tag: str) -> str:
    qname = etree.QName(tag)
    ns = qname.namespace or ""
    if ns.startswith(WP_NS):
        prefix = "excerpt" if ns.rstrip("/").endswith("excerpt") else "wp"
        return f"{prefix}:{qname.localname}"
    prefix = NAMESPACES.get(ns)
    return f"{prefix}:{qname.localname}" if prefix else qname.localname


def iter_items(source: Path) -> Iterator[tuple[dict, dict[str, str]]]:
    """Yield (item fields, author display names by login) for every `<item>`."""
    authors: dict[str, str] = {}
    parser = etree.iterparse(
        str(source), events=("end",), resolve_entities=False, no_network=True, huge_tree=False
    )
    for _, elem in parser:
        if not isinstance(elem.tag, str):
            continue
        key = _key(elem.tag)
        if key == "wp:author":
            fields = {_key(c.tag): (c.text or "").strip() for c in elem if isinstance(c.tag, str)}
            login = fields.get("wp:author_login", "")
            authors[login.lower()] = fields.get("wp:author_display_name") or login
            elem.clear()
        elif key == "item":
            item: dict = {"categories": [], "tags": [], "comments": 0}
            for child in elem:
                if not isinstance(child.tag, str):
                    continue
                ck = _key(child.tag)
                if ck == "category":
                    domain = child.get("domain")
                    text = normalise(child.text or "")
                    if domain == "category" and text:
                        item["categories"].append(text)
                    elif domain == "post_tag" and text:
                        item["tags"].append(text)
                elif ck == "wp:comment":
                    item["comments"] += 1
                elif ck not in item:
                    item[ck] = child.text or ""
            yield item, authors
            elem.clear()
            while elem.getprevious() is not None:
                del elem.getparent()[0]


def wpautop(html: str) -> str:
    """WordPress's paragraph rules: blank lines make paragraphs, single newlines `<br>`."""
    html = html.replace("\r\n", "\n").replace("\r", "\n")
    kept: list[str] = []

    def hold(match: re.Match) -> str:
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    html = PRE_RE.sub(hold, html)
    out = []
    for chunk in re.split(r"\n\s*\n", html):
        if not chunk.strip():
            continue
        if BLOCK_RE.match(chunk) or re.fullmatch(r"\s*\x00\d+\x00\s*", chunk):
            out.append(chunk)
        else:
            out.append("<p>" + chunk.strip().replace("\n", "<br>\n") + "</p>")
    html = "\n\n".join(out)
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], html)


def shortcodes(html: str, report: FileReport) -> str:
    """`[caption]` → figure, `[embed]` and bare URLs → links, other shortcodes reported."""

    def caption(match: re.Match) -> str:
        attrs, inner = match.groups()
        text = re.search(r'caption="([^"]*)"', attrs)
        image = re.search(r"<img\b[^>]*>", inner)
        words = normalise(re.sub(r"<[^>]+>", " ", inner))
        label = text.group(1) if text else words
        return f"<figure>{image.group(0) if image else ''}<figcaption>{label}</figcaption></figure>"

    html = CAPTION_RE.sub(caption, html)
    html = EMBED_RE.sub(
        lambda m: f'<p><a href="{m.group(1).strip()}">{m.group(1).strip()}</a></p>', html
    )
    html = BARE_URL_RE.sub(lambda m: f'<p><a href="{m.group(1)}">{m.group(1)}</a></p>', html)
    found = [m.group(0) for m in SHORTCODE_RE.finditer(html) if not m.group(1)]
    if found:
        report.notes.append(f"shortcodes not converted (removed): {', '.join(found)}")
        html = SHORTCODE_RE.sub("", html)
    return html


def body_markdown(html: str, settings: dict, report: FileReport) -> str:
    """The post's HTML as Markdown, through the import sanitiser and the HTML path."""
    html = wpautop(shortcodes(html, report))
    clean = BeautifulSoup(sanitise(html, "import"), "html.parser")
    return render_body(html_paragraphs(clean, compile_rules(settings), report))


def _date(item: dict) -> datetime | None:
    for key in ("wp:post_date_gmt", "wp:post_date"):
        value = (item.get(key) or "").strip()
        if value and not value.startswith("0000"):
            try:
                return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
            except ValueError:
                continue
    return None


def wxr_article(
    item: dict, authors: dict[str, str], source: Path, settings: dict, taxonomy,
    report: FileReport, free_slug: Callable[[str], str] | None = None,
) -> tuple[str, str]:  # fmt: skip
    """Return (slug, Markdown text) for one post or page of an export."""
    title = normalise(item.get("title") or "")
    if not title:
        title = "Untitled post"
        report.missing.append("title")
        report.notes.append("no title in the export")
    slug = make_slug(normalise(item.get("wp:post_name") or "") or title, source, report)
    if free_slug is not None:
        slug = free_slug(slug)
    lines = [f"Title: {title}"]
    report.metadata["title"] = title
    when = _date(item)
    if when is not None:
        lines.append(f"Date: {format_date(when)}")
        report.metadata["date"] = format_date(when)
    else:
        report.missing.append("date")
    status = (item.get("wp:status") or "").strip()
    if status != PUBLISHED or when is None:
        lines.append("Status: draft")
        report.metadata["status"] = "draft"
    else:
        report.metadata["status"] = "published"
    login = normalise(item.get("dc:creator") or "")
    author = authors.get(login.lower(), login)
    if author:
        lines.append(f"Author: {author}")
        report.metadata["author"] = author
    else:
        report.missing.append("author")
    categories = item["categories"]
    if categories:
        lines.append(f"Category: {categories[0]}")
        report.metadata["category"] = categories[0]
        if len(categories) > 1:
            report.notes.append(f"only the first category is kept; also listed: {categories[1:]}")
    tags = resolve_tags(item["tags"], taxonomy, report)
    if tags:
        lines.append(f"Tags: {', '.join(tags)}")
        report.metadata["tags"] = tags
    summary = normalise(re.sub(r"<[^>]+>", " ", item.get("excerpt:encoded") or ""))
    if summary:
        lines.append(f"Summary: {md_inline(summary, line_start=False)}")
        report.metadata["summary"] = summary
    lines.append(f"Slug: {slug}")
    lines.append(f"Imported-From: {origin(item, source)}")
    body = body_markdown(item.get("content:encoded") or "", settings, report)
    if not body.strip():
        report.notes.append("empty body in the export")
    return slug, "\n".join(lines) + "\n\n" + body + "\n"


def origin(item: dict, source: Path) -> str:
    """The `Imported-From:` value: the post's address, else the export's file name."""
    return normalise(item.get("link") or "") or source.name


def count_item(item: dict, counts: Counter) -> str | None:
    """Count an item; return "article" or "page" when it is imported, else None."""
    counts["comments"] += item["comments"]
    kind = (item.get("wp:post_type") or "").strip()
    status = (item.get("wp:status") or "").strip()
    if kind in KINDS and status not in ("trash", "auto-draft", "inherit"):
        return KINDS[kind]
    counts[kind or "unknown"] += 1
    return None

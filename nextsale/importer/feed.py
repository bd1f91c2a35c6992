"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds: each entry a post, read with feedparser.

feedparser reads every dialect, sanitises the entries' HTML, resolves
addresses relative to the feed and gives dates as UTC. An entry with its full
text (`content:encoded`, Atom `<content>`) is imported as it was published;
one that carries only a summary is imported as a draft, with a note, since
the rest of the post is not in the feed.
"""

from __future__ import annotations

import calendar
import html
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax import SAXException

import feedparser
from bs4 import BeautifulSoup

from nextsale.cruft.rules import normalise

from .model import ImportFailure
from .post import Post

HTML_TYPES = ("text/html", "application/xhtml+xml")
EXPORT_NOTE = (
    "a feed lists only the posts it was publishing (often the latest 10 or 20); "
    "import the blog's own export for the older ones"
)
SUMMARY_ONLY = (
    "the feed carries only a summary of this post: imported as a draft; paste the "
    "rest of the post before publishing it"
)


def iter_posts(path: Path, settings: dict, counts: Counter | None = None) -> Iterator[Post]:
    """Every entry of the feed as an article; entries with no text counted."""
    counts = Counter() if counts is None else counts
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ImportFailure(f"{path}: cannot read the feed ({err.strerror})") from None
    # Bytes, never the path: feedparser would fetch a string that looks like an address.
    parsed = feedparser.parse(data, sanitize_html=True, resolve_relative_uris=True)
    if parsed.bozo and not parsed.entries:
        reason = str(parsed.get("bozo_exception") or "not well-formed").splitlines()[0]
        raise ImportFailure(
            f"{path}: cannot read the feed ({reason}); save the feed again from the blog"
        )
    broken = isinstance(parsed.get("bozo_exception"), SAXException)
    reason = str(parsed.get("bozo_exception") or "").splitlines()[0] if parsed.bozo else ""
    for number, entry in enumerate(parsed.entries, start=1):
        post = to_post(entry, f"{path}#article-{number}")
        if post is None:
            counts["entries without text"] += 1
            continue
        if parsed.bozo and not broken:
            post.notes.append(f"the feed is not quite well-formed ({reason}); check the post")
        yield post
    if broken:
        raise ImportFailure(
            f"{path}: cannot read the feed ({reason}); the entries before that point were "
            "imported; save the feed again from the blog"
        )


def to_post(entry, ident: str) -> Post | None:
    """One feed entry as a Post, or None when it holds no text at all."""
    body, full = _body(entry)
    if not body.strip():
        return None
    post = Post(format="feed", ident=ident, title=_plain(entry.get("title_detail")))
    post.body_html = body
    # dict.get: feedparser's own get() maps a missing date to the other one.
    published, updated = dict.get(entry, "published_parsed"), dict.get(entry, "updated_parsed")
    post.date = _utc(published or updated)
    if published and updated:
        post.modified = _utc(updated)
    detail = entry.get("author_detail") or {}
    post.author = normalise(detail.get("name") or entry.get("author") or "") or None
    post.tags = [normalise(t.get("term") or t.get("label") or "") for t in entry.get("tags", [])]
    post.tags = [t for t in post.tags if t]
    post.url = entry.get("link") or None
    post.slug = _slug_from(post.url)
    if full:
        summary = _plain(entry.get("summary_detail"))
        if summary and summary != normalise(BeautifulSoup(body, "html.parser").get_text(" ")):
            post.summary = summary
    else:
        post.status = "draft"
        post.notes.append(SUMMARY_ONLY)
    return post


def _body(entry) -> tuple[str, bool]:
    """The entry's HTML and whether it is the full text (not only a summary)."""
    contents = [c for c in entry.get("content", []) if (c.get("value") or "").strip()]
    if contents:
        best = max(contents, key=lambda c: (c.get("type") in HTML_TYPES, len(c["value"])))
        return _as_html(best), True
    summary = entry.get("summary_detail")
    if summary and (summary.get("value") or "").strip():
        return _as_html(summary), False
    return "", False


def _as_html(detail) -> str:
    if detail.get("type") in HTML_TYPES:
        return detail["value"]
    paragraphs = [p for p in detail["value"].split("\n\n") if p.strip()]
    return "".join(f"<p>{html.escape(p.strip())}</p>" for p in paragraphs)


def _plain(detail) -> str:
    if not detail or not detail.get("value"):
        return ""
    if detail.get("type") in HTML_TYPES:
        return normalise(BeautifulSoup(detail["value"], "html.parser").get_text(" "))
    return normalise(detail["value"])


def _utc(parsed) -> datetime | None:
    """feedparser's dates are UTC time tuples."""
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)


def _slug_from(url: str | None) -> str | None:
    """The last part of the post's address ("/2020/05/the-second-order/" → "the-second-order")."""
    if not url:
        return None
    parts = [p for p in urlsplit(url).path.split("/") if p]
    if not parts:
        return None
    last = Path(parts[-1]).stem if parts[-1] not in ("index.html", "index.htm") else ""
    if not last and len(parts) > 1:
        last = parts[-2]
    return last if any(ch.isalpha() for ch in last) else None

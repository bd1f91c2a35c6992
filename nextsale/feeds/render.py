"""Feed documents: Atom 1.0 and RSS 2.0 (with feedgen) and JSON Feed 1.1, as bytes.

Every function here is pure: the same meta and items give the same bytes, so
two builds of the same content write byte-identical feeds.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from feedgen.feed import FeedGenerator

from nextsale.feeds.items import FeedSite, Item

# An empty feed still needs an `updated` date; a fixed one keeps builds
# byte-identical where "now" would not.
EMPTY_FEED_UPDATED = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

MIME = {
    "atom": "application/atom+xml",
    "rss": "application/rss+xml",
    "json": "application/feed+json",
}
LABEL = {"atom": "Atom", "rss": "RSS", "json": "JSON Feed"}


@dataclass(frozen=True)
class FeedMeta:
    """One feed's own title, addresses and description."""

    title: str
    description: str
    home_url: str  # the HTML page the feed follows
    save_as: str  # output-relative path
    self_url: str  # the feed's own absolute address


def feed_updated(items: Sequence[Item]) -> dt.datetime:
    """Return the newest item's date; never the build time."""
    return max((item.updated for item in items), default=EMPTY_FEED_UPDATED)


def build_feedgen(meta: FeedMeta, items: Sequence[Item], site: FeedSite, source: str) -> Any:
    """Fill a FeedGenerator with items in the given (newest first) order."""
    fg = FeedGenerator()
    if any(item.authors for item in items):
        # RSS has no author name of its own: dc:creator carries it.
        fg.load_extension("dc", atom=False, rss=True)
    if any(item.image for item in items):
        # media:content is where RSS-to-email templates look for an item's image.
        fg.load_extension("media", atom=True, rss=True)
    fg.id(meta.home_url)
    fg.title(meta.title)
    fg.subtitle(meta.description)
    fg.description(meta.description)
    fg.author({"name": site.author})
    fg.language(site.language)
    fg.link(href=meta.self_url, rel="self", type=MIME[source])
    # RSS takes the last link as the channel link: the HTML page goes last.
    fg.link(href=meta.home_url, rel="alternate", type="text/html")
    fg.updated(feed_updated(items))  # also sets RSS lastBuildDate, which defaults to now
    if items:
        fg.pubDate(max(item.published for item in items))
    for item in items:
        entry = fg.add_entry(order="append")
        entry.guid(item.id, permalink=False)
        entry.title(item.title)
        entry.link(href=item.url, rel="alternate", type="text/html")
        entry.content(item.content_for(source, site), type="html")
        if item.summary_html:
            entry.summary(item.summary_html, type="html")
        entry.published(item.published)
        entry.updated(item.updated)
        for name in item.authors:
            entry.author(
                {"name": name, "email": item.author_email} if item.author_email else {"name": name}
            )
            entry.dc.dc_creator(name)
        if item.image:
            image = item.image
            entry.enclosure(image.url, str(image.length), image.type)
            media = {"url": image.url, "type": image.type, "medium": "image"}
            if image.length:
                media["fileSize"] = str(image.length)
            # group=None: a direct child of the item, where mail services look.
            entry.media.content(media, group=None)
        terms = ([item.category] if item.category else []) + list(item.tags)
        for term in terms:
            entry.category(term=term.name, scheme=term.url)
    return fg


def atom_bytes(meta: FeedMeta, items: Sequence[Item], site: FeedSite) -> bytes:
    """Return an Atom 1.0 document."""
    return build_feedgen(meta, items, site, "atom").atom_str(pretty=True)


def rss_bytes(meta: FeedMeta, items: Sequence[Item], site: FeedSite) -> bytes:
    """Return an RSS 2.0 document."""
    return build_feedgen(meta, items, site, "rss").rss_str(pretty=True)


def json_feed(meta: FeedMeta, items: Sequence[Item], site: FeedSite) -> dict[str, Any]:
    """Return a JSON Feed 1.1 document as a dict."""
    feed: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": meta.title,
        "home_page_url": meta.home_url,
        "feed_url": meta.self_url,
        "description": meta.description,
        "language": site.language,
        "authors": [{"name": site.author}],
        "items": [],
    }
    for item in items:
        entry: dict[str, Any] = {
            "id": item.id,
            "url": item.url,
            "title": item.title,
            "content_html": item.content_for("json", site),
        }
        if item.summary_text:
            entry["summary"] = item.summary_text
        entry["date_published"] = item.published.isoformat()
        entry["date_modified"] = item.updated.isoformat()
        if item.authors:
            entry["authors"] = [{"name": name} for name in item.authors]
        names = ([item.category.name] if item.category else []) + [t.name for t in item.tags]
        if names:
            entry["tags"] = list(dict.fromkeys(names))
        feed["items"].append(entry)
    return feed


def json_bytes(meta: FeedMeta, items: Sequence[Item], site: FeedSite) -> bytes:
    """Return a JSON Feed 1.1 document."""
    text = json.dumps(json_feed(meta, items, site), ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


RENDER = {"atom": atom_bytes, "rss": rss_bytes, "json": json_bytes}

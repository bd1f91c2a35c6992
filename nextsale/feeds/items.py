"""Feed items: what a feed says about one article or newsletter issue.

An item is built once from plain inputs (paths, dates, HTML, names) and then
rendered into every feed that lists it. Its id is a stable RFC 4151 tag URI
(`stable_id`): the same policy for the site feeds and the newsletter feed.
"""

from __future__ import annotations

import datetime as dt
import html
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from nextsale.guidance import HEADING, GuidanceLink
from nextsale.sanitise import ImagePolicy, sanitise
from nextsale.text import clean_text, html_to_text
from nextsale.urls import absolute, absolutise, with_utm


@dataclass(frozen=True)
class FeedSite:
    """What every feed of one site shares."""

    canonical: str  # the site's absolute address, without a trailing slash
    author: str  # the feed's author, and each item's when it names none
    language: str = "en"
    utm: dict[str, str] | None = None  # added to guidance links; `source` is the format
    third_party_images: str = "report"  # THIRD_PARTY_IMAGES: "report", "remove" or "keep"
    own_hosts: frozenset[str] = frozenset()  # the site's hosts besides the canonical one

    @property
    def authority(self) -> str:
        return urlsplit(self.canonical).hostname or ""

    def image_policy(self) -> ImagePolicy:
        """The third-party image policy for one item: images from other hosts."""
        return ImagePolicy(self.third_party_images, self.own_hosts | {self.authority.lower()})

    def absolute(self, rel: str) -> str:
        """Return the canonical URL of a site-relative path."""
        return f"{self.canonical}/{rel.lstrip('/')}"


def aware(moment: dt.datetime) -> dt.datetime:
    """Return a plain, timezone-aware datetime (naive ones are taken as UTC).

    Plain: Pelican's own datetimes format themselves in Python, and a feed formats
    two dates per item (an eighth of an RSS feed's rendering).
    """
    plain = dt.datetime.combine(moment.date(), moment.timetz())  # (its zone and fold too)
    return plain if plain.tzinfo else plain.replace(tzinfo=dt.UTC)


def stable_id(
    source_path: str, date: dt.datetime, authority: str, explicit: str | None = None
) -> str:
    """Return an RFC 4151 tag URI that survives edits, retitles and new slugs.

    It is built from the source file's path (without extension) and the
    original publication date; an explicit `Id:`/`Guid:` wins (a full URI as
    is, anything else as the path part).
    """
    if explicit:
        explicit = clean_text(str(explicit)).strip()
        if ":" in explicit:
            return explicit
        specific = explicit if explicit.startswith("/") else "/" + explicit
    else:
        stem = posixpath.splitext(source_path.replace("\\", "/"))[0]
        specific = "/" + stem.lstrip("/")
    return f"tag:{authority},{date:%Y-%m-%d}:{quote(specific, safe='/-._~')}"


def feed_html(fragment: str, base: str, canonical: str) -> str:
    """Return HTML ready for a feed: clean, absolute and safe.

    One pass of the sanitiser does both: it drops what is not allowed and
    rewrites every URL attribute it keeps to an absolute URL.
    """
    return sanitise(clean_text(fragment), "feed", rewrite=absolutise(base, canonical))


def guidance_block(
    link: GuidanceLink | None, canonical: str, utm: dict[str, str] | None, source: str
) -> str:
    """Render the guidance block that ends an item, or '' when there is no guidance.

    `source` is the feed format (`atom`, `rss`, `json`), the link's utm_source.
    """
    if link is None:
        return ""
    url = absolute(canonical, link.url)
    href = html.escape(with_utm(url, utm, source=source), quote=True)
    title = html.escape(clean_text(link.title or url))
    cta = html.escape(clean_text(link.cta))
    lead = f"{cta} " if cta else ""
    return (
        '<aside class="keep-them-coming-back">'
        f"<h3>{HEADING}</h3>"
        f'<p>{lead}<a href="{href}">{title}</a></p>'
        "</aside>"
    )


@dataclass(frozen=True)
class Term:
    """A category or tag as a feed reader sees it."""

    name: str
    url: str


@dataclass(frozen=True)
class LeadImage:
    """An item's lead image, as RSS-to-email templates read it (enclosure, media:content)."""

    url: str  # absolute
    type: str  # MIME type, e.g. image/png
    length: int = 0  # bytes; 0 when the file is not on this site


@dataclass
class Item:
    """Everything a feed needs about one entry, built once per build.

    `content_html` and `summary_html` are already safe and absolute.
    """

    id: str
    url: str
    title: str
    content_html: str
    summary_html: str
    summary_text: str
    published: dt.datetime
    updated: dt.datetime
    authors: tuple[str, ...] = ()
    category: Term | None = None
    tags: tuple[Term, ...] = ()
    guidance: GuidanceLink | None = None
    # Images from other hosts found in the content and summary (kept or removed, by policy).
    third_party_images: tuple[str, ...] = ()
    author_email: str | None = None  # RSS `author` needs an address; dc:creator has the name
    image: LeadImage | None = None
    _content: dict[str, str] = field(default_factory=dict, repr=False)

    def content_for(self, source: str, site: FeedSite) -> str:
        """Return the full item HTML, with the guidance block for `source`."""
        if source not in self._content:
            block = guidance_block(self.guidance, site.canonical, site.utm, source)
            self._content[source] = self.content_html + block
        return self._content[source]


def make_item(
    site: FeedSite,
    *,
    source_path: str,
    url: str,
    title: str,
    content: str,
    summary: str,
    summary_base: str,
    date: dt.datetime,
    modified: dt.datetime | None = None,
    authors: Iterable[str] = (),
    category: tuple[str, str] | None = None,
    tags: Iterable[tuple[str, str]] = (),
    guidance: GuidanceLink | None = None,
    explicit_id: str | None = None,
) -> Item:
    """Build the item for one article.

    `url` is the article's absolute address and `content` its HTML with links
    relative to it; `summary` is HTML whose relative links resolve against
    `summary_base`. `category` and `tags` are (name, site-relative URL) pairs.
    """
    published = aware(date)
    updated = max(published, aware(modified)) if modified else published
    images = site.image_policy()
    content_html = images.apply(feed_html(content, url, site.canonical))
    summary_html = images.apply(feed_html(summary, summary_base, site.canonical))
    names = tuple(clean_text(str(name)) for name in authors)
    return Item(
        id=stable_id(source_path, published, site.authority, explicit_id),
        url=url,
        title=clean_text(str(title)).strip() or url,
        content_html=content_html,
        summary_html=summary_html,
        summary_text=html_to_text(summary_html),
        published=published,
        updated=updated,
        authors=names or (site.author,),
        category=Term(clean_text(str(category[0])), site.absolute(category[1]))
        if category
        else None,
        tags=tuple(Term(clean_text(str(name)), site.absolute(rel)) for name, rel in tags),
        guidance=guidance,
        third_party_images=tuple(images.found),
    )

"""Write RSS 2.0, Atom and JSON Feed 1.1 files with feedgen.

Pure functions build items and feeds; the signal glue at the bottom only
reads Pelican's context and writes the bytes they return.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import posixpath
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

import nh3
from bs4 import BeautifulSoup
from feedgen.feed import FeedGenerator
from lxml import etree
from pelican import signals
from pelican.generators import Generator
from pelican.utils import (
    strip_toc_elements_from_html,
    truncate_html_paragraphs,
    truncate_html_words,
)

log = logging.getLogger(__name__)
PLUGIN_NAME = __name__.rpartition(".")[0] or "feeds"

DEFAULTS: dict[str, Any] = {
    "FEEDS_ALL_ATOM": "feeds/all.atom.xml",
    "FEEDS_ALL_RSS": "feeds/all.rss.xml",
    "FEEDS_ALL_JSON": "feeds/all.json",
    "FEEDS_CATEGORY_ATOM": "feeds/category/{slug}.atom.xml",
    "FEEDS_CATEGORY_RSS": "feeds/category/{slug}.rss.xml",
    "FEEDS_TAG_ATOM": "feeds/tags/{slug}.atom.xml",
    "FEEDS_TAG_RSS": "feeds/tags/{slug}.rss.xml",
    "FEEDS_MAX_ITEMS": 20,
    "FEEDS_UTM": None,
    "FEEDS_XSL": True,
}

# The newsletter plugin writes this feed; its setting decides where.
NEWSLETTER_FEED_DEFAULT = "newsletter/feed.rss.xml"
XSL_SOURCE = Path(__file__).with_name("feed.xsl")
XSL_SAVE_AS = "feeds/feed.xsl"
GUIDANCE_HEADING = "Keep them coming back"
# An empty feed still needs an `updated` date; a fixed one keeps builds
# byte-identical where "now" would not.
EMPTY_FEED_UPDATED = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

MIME = {
    "atom": "application/atom+xml",
    "rss": "application/rss+xml",
    "json": "application/feed+json",
}
LABEL = {"atom": "Atom", "rss": "RSS", "json": "JSON Feed"}

# XML 1.0 refuses C0 controls (except tab, newline, carriage return) and
# the non-characters U+FFFE/U+FFFF; C1 controls are legal but invisible
# noise that validators flag, so they go too.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

# Attributes that carry a URL, per tag, made absolute before sanitising.
_URL_ATTRS: dict[str, tuple[str, ...]] = {
    "a": ("href",),
    "area": ("href",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "blockquote": ("cite",),
    "q": ("cite",),
    "del": ("cite",),
    "ins": ("cite",),
}

_SANITISE_TAGS = nh3.ALLOWED_TAGS | {"picture", "source", "figure", "figcaption"}
_SANITISE_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "*": {"lang", "title", "dir"},
    "img": nh3.ALLOWED_ATTRIBUTES["img"] | {"srcset", "sizes"},
    "source": {"srcset", "sizes", "type", "media"},
    "abbr": {"title"},
    "time": {"datetime"},
}
_URL_SCHEMES = {"http", "https", "mailto"}


class FeedsError(ValueError):
    """A feeds setting is missing or malformed."""


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class FeedsConfig:
    """Validated feeds settings plus the site facts every feed needs."""

    canonical: str
    sitename: str
    description: str
    author: str
    language: str
    all_atom: str | None
    all_rss: str | None
    all_json: str | None
    category_atom: str | None
    category_rss: str | None
    tag_atom: str | None
    tag_rss: str | None
    max_items: int | None
    utm: dict[str, str] | None
    xsl: bool
    newsletter_feed: str | None

    @property
    def authority(self) -> str:
        return urlsplit(self.canonical).hostname or ""

    def absolute(self, rel: str) -> str:
        """Return the canonical URL of a site-relative path."""
        return f"{self.canonical}/{rel.lstrip('/')}"


def _setting(settings: dict[str, Any], name: str) -> Any:
    return settings.get(name, DEFAULTS[name])


def _path_setting(settings: dict[str, Any], name: str, needs_slug: bool) -> str | None:
    value = _setting(settings, name)
    if not value:
        return None
    if not isinstance(value, str):
        raise FeedsError(
            f"feeds: setting {name} in your settings file must be a path string "
            f"like {DEFAULTS[name]!r}, or None to switch that feed off (got {value!r})."
        )
    if needs_slug and "{slug}" not in value:
        raise FeedsError(
            f"feeds: setting {name} = {value!r} in your settings file must contain "
            f"'{{slug}}' so each feed gets its own file, e.g. {DEFAULTS[name]!r}."
        )
    if value.startswith("/") or ".." in value.split("/"):
        raise FeedsError(
            f"feeds: setting {name} = {value!r} must be a path inside the output "
            "folder, without a leading '/' or '..'."
        )
    return value


def load_config(settings: dict[str, Any]) -> FeedsConfig:
    """Merge feeds settings over DEFAULTS and validate them loudly."""
    canonical = settings.get("SITE_CANONICAL_URL") or settings.get("SITEURL") or ""
    parts = urlsplit(str(canonical))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FeedsError(
            "feeds: feeds need the site's absolute address. Set SITE_CANONICAL_URL "
            "in your settings file to something like 'https://example.com' "
            f"(got {canonical!r})."
        )

    max_items = _setting(settings, "FEEDS_MAX_ITEMS")
    if max_items is not None and (
        isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 1
    ):
        raise FeedsError(
            "feeds: setting FEEDS_MAX_ITEMS in your settings file must be a whole "
            f"number of at least 1, or None for no cap (got {max_items!r})."
        )

    utm = _setting(settings, "FEEDS_UTM")
    if utm is not None:
        if (
            not isinstance(utm, dict)
            or set(utm) != {"medium", "campaign"}
            or not all(isinstance(v, str) and v.strip() for v in utm.values())
        ):
            raise FeedsError(
                "feeds: setting FEEDS_UTM in your settings file must be None or a "
                "dict with exactly the keys 'medium' and 'campaign', both non-empty "
                "text, e.g. {'medium': 'feed', 'campaign': 'keep-them-coming-back'} "
                f"(got {utm!r}). utm_source is set per feed format."
            )
        utm = {"medium": utm["medium"].strip(), "campaign": utm["campaign"].strip()}

    xsl = _setting(settings, "FEEDS_XSL")
    if not isinstance(xsl, bool):
        raise FeedsError(
            f"feeds: setting FEEDS_XSL in your settings file must be True or False (got {xsl!r})."
        )

    sitename = clean_text(str(settings.get("SITENAME") or parts.hostname))
    return FeedsConfig(
        canonical=str(canonical).rstrip("/"),
        sitename=sitename,
        description=clean_text(
            str(
                settings.get("SITE_DESCRIPTION")
                or settings.get("SITESUBTITLE")
                or f"Latest posts from {sitename}"
            )
        ),
        author=clean_text(str(settings.get("AUTHOR") or sitename)),
        language=str(settings.get("DEFAULT_LANG") or "en"),
        all_atom=_path_setting(settings, "FEEDS_ALL_ATOM", False),
        all_rss=_path_setting(settings, "FEEDS_ALL_RSS", False),
        all_json=_path_setting(settings, "FEEDS_ALL_JSON", False),
        category_atom=_path_setting(settings, "FEEDS_CATEGORY_ATOM", True),
        category_rss=_path_setting(settings, "FEEDS_CATEGORY_RSS", True),
        tag_atom=_path_setting(settings, "FEEDS_TAG_ATOM", True),
        tag_rss=_path_setting(settings, "FEEDS_TAG_RSS", True),
        max_items=max_items,
        utm=utm,
        xsl=xsl,
        newsletter_feed=_newsletter_feed(settings),
    )


def _newsletter_feed(settings: dict[str, Any]) -> str | None:
    if not _plugin_enabled(settings, "newsletter"):
        return None
    path = settings.get("NEWSLETTER_FEED_SAVE_AS", NEWSLETTER_FEED_DEFAULT)
    return str(path).lstrip("/") if path else None


def _plugin_enabled(settings: dict[str, Any], name: str) -> bool:
    for plugin in settings.get("PLUGINS") or []:
        plugin_name = plugin if isinstance(plugin, str) else getattr(plugin, "__name__", "")
        if plugin_name == name or plugin_name.endswith(f".{name}"):
            return True
    return False


# ------------------------------------------------------------ text and HTML


def clean_text(text: str) -> str:
    """Drop characters that XML cannot carry or that only hide in text."""
    return _CONTROL_CHARS.sub("", text)


def _absolute_url(url: str, base: str, canonical: str) -> str:
    url = url.strip()
    if not url:
        return url
    # Site-root links ("/2024/slug/", what Pelican writes with an empty
    # SITEURL) belong under the canonical URL, which may carry a path.
    if url.startswith("/") and not url.startswith("//"):
        return canonical + url
    return urljoin(base, url)


def _absolute_srcset(value: str, base: str, canonical: str) -> str:
    candidates = []
    for candidate in value.split(","):
        words = candidate.split()
        if words:
            words[0] = _absolute_url(words[0], base, canonical)
            candidates.append(" ".join(words))
    return ", ".join(candidates)


def _absolute_attribute(base: str, canonical: str):
    """An nh3 attribute filter that makes link and media URLs absolute."""

    def rewrite(tag: str, attribute: str, value: str) -> str:
        if attribute not in _URL_ATTRS.get(tag, ()):
            return value
        if attribute == "srcset":
            return _absolute_srcset(value, base, canonical)
        return _absolute_url(value, base, canonical)

    return rewrite


def sanitise(fragment: str, rewrite=None) -> str:
    """Keep only allow-listed tags, attributes and URL schemes."""
    return nh3.clean(
        fragment,
        tags=_SANITISE_TAGS,
        attributes=_SANITISE_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel=None,
        attribute_filter=rewrite,
    )


def feed_html(fragment: str, base: str, canonical: str) -> str:
    """Return article HTML ready for a feed: clean, absolute and safe.

    One pass of the nh3 parser does both: it drops what is not allowed and
    rewrites every URL attribute it keeps to an absolute URL.
    """
    return sanitise(clean_text(fragment), _absolute_attribute(base, canonical))


_BLOCKS = [
    "p",
    "div",
    "li",
    "br",
    "blockquote",
    "pre",
    "tr",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "dt",
    "dd",
    "figcaption",
]


def html_to_text(fragment: str) -> str:
    """Return the visible text of an HTML fragment on one line."""
    soup = BeautifulSoup(fragment, "html.parser")
    # Inline tags join their neighbours ("first." not "first ."); block
    # tags are separated by a space so paragraphs do not run together.
    for tag in soup.find_all(_BLOCKS):
        tag.insert_after(" ")
    return " ".join(soup.get_text().split())


def with_utm(url: str, utm: dict[str, str] | None, source: str) -> str:
    """Add utm_source/medium/campaign to a URL, keeping its query and fragment."""
    if not utm:
        return url
    parts = urlsplit(url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.startswith("utm_")
    ]
    query += [
        ("utm_source", source),
        ("utm_medium", utm["medium"]),
        ("utm_campaign", utm["campaign"]),
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


def guidance_block(guidance: Any, canonical: str, utm: dict[str, str] | None, source: str) -> str:
    """Render the "keep them coming back" block for one article, or ''.

    `guidance` is the taxonomy's choice for the article (`.title`, `.url`
    site-relative, `.cta`); None means no block.
    """
    if guidance is None or not getattr(guidance, "url", None):
        return ""
    url = _absolute_url(str(guidance.url), canonical + "/", canonical)
    href = html.escape(with_utm(url, utm, source), quote=True)
    title = html.escape(clean_text(str(getattr(guidance, "title", "") or url)))
    cta = html.escape(clean_text(str(getattr(guidance, "cta", "") or "")))
    lead = f"{cta} " if cta else ""
    return (
        '<aside class="keep-them-coming-back">'
        f"<h3>{GUIDANCE_HEADING}</h3>"
        f'<p>{lead}<a href="{href}">{title}</a></p>'
        "</aside>"
    )


# --------------------------------------------------------------- items


def aware(moment: dt.datetime) -> dt.datetime:
    """Return a timezone-aware datetime (naive ones are taken as UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def stable_id(
    source_path: str, date: dt.datetime, authority: str, explicit: str | None = None
) -> str:
    """Return an RFC 4151 tag URI that survives edits, retitles and new slugs.

    It is built from the source file's path (without extension) and the
    original publication date; an explicit `Id:`/`Guid:` wins.
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


@dataclass(frozen=True)
class Term:
    """A category or tag as a feed reader sees it."""

    name: str
    url: str


@dataclass
class Item:
    """Everything a feed needs about one article, built once per build."""

    id: str
    url: str
    title: str
    content_html: str
    summary_html: str
    summary_text: str
    published: dt.datetime
    updated: dt.datetime
    authors: tuple[str, ...]
    category: Term | None
    tags: tuple[Term, ...]
    guidance: Any = None
    _content: dict[str, str] = field(default_factory=dict, repr=False)

    def content_for(self, source: str, cfg: FeedsConfig) -> str:
        """Return the full item HTML with the guidance block for `source`."""
        if source not in self._content:
            block = guidance_block(self.guidance, cfg.canonical, cfg.utm, source)
            self._content[source] = self.content_html + block
        return self._content[source]


def article_summary(article: Any, cfg: FeedsConfig, url: str) -> tuple[str, str]:
    """Return (summary HTML, base URL for its relative links).

    Pelican resolves a `Summary:` field's links once, against SITEURL (empty
    in development, so they are site-root relative); an automatic summary is
    cut from the content rendered against the canonical URL, exactly as
    Pelican cuts it, so neither depends on the page being written.
    """
    if "summary" in article.metadata:
        return str(article.metadata["summary"] or ""), cfg.canonical + "/"
    content = article.get_content(cfg.canonical)
    settings = article.settings
    max_paragraphs = settings.get("SUMMARY_MAX_PARAGRAPHS")
    if max_paragraphs is not None:
        content = truncate_html_paragraphs(content, max_paragraphs)
    max_words = settings.get("SUMMARY_MAX_LENGTH")
    if max_words is not None:
        content = truncate_html_words(content, max_words, settings.get("SUMMARY_END_SUFFIX", "…"))
    # Pelican drops table-of-contents blocks from summaries: their anchors
    # only work on the article page.
    return strip_toc_elements_from_html(content), url


def make_item(article: Any, cfg: FeedsConfig) -> Item:
    """Build the feed item for one Pelican article."""
    url = cfg.absolute(article.url)
    published = aware(article.date)
    modified = getattr(article, "modified", None)
    updated = max(published, aware(modified)) if modified else published
    explicit = article.metadata.get("id") or article.metadata.get("guid")
    summary_html = feed_html(*article_summary(article, cfg, url), cfg.canonical)
    authors = tuple(clean_text(str(a.name)) for a in getattr(article, "authors", []) or [])
    category = getattr(article, "category", None)
    return Item(
        id=stable_id(article.relative_source_path, published, cfg.authority, explicit),
        url=url,
        title=clean_text(str(article.title)).strip() or url,
        content_html=feed_html(article.get_content(cfg.canonical), url, cfg.canonical),
        summary_html=summary_html,
        summary_text=html_to_text(summary_html),
        published=published,
        updated=updated,
        authors=authors or (cfg.author,),
        category=Term(clean_text(str(category.name)), cfg.absolute(category.url))
        if category
        else None,
        tags=tuple(
            Term(clean_text(str(t.name)), cfg.absolute(t.url))
            for t in getattr(article, "tags", []) or []
        ),
        guidance=getattr(article, "guidance", None),
    )


def newest_first(articles: Iterable[Any]) -> list[Any]:
    """Sort articles newest first, ties broken by source path for stability."""
    return sorted(
        articles,
        key=lambda a: (aware(a.date), a.relative_source_path),
        reverse=True,
    )


# --------------------------------------------------------------- feeds


@dataclass(frozen=True)
class FeedMeta:
    """One feed's own title, addresses and description."""

    title: str
    description: str
    home_url: str
    save_as: str
    self_url: str


def feed_updated(items: Sequence[Item]) -> dt.datetime:
    """Return the newest item's date; never the build time."""
    return max((item.updated for item in items), default=EMPTY_FEED_UPDATED)


def build_feedgen(
    meta: FeedMeta, items: Sequence[Item], cfg: FeedsConfig, source: str
) -> FeedGenerator:
    """Fill a FeedGenerator with items in the given (newest first) order."""
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.id(meta.home_url)
    fg.title(meta.title)
    fg.subtitle(meta.description)
    fg.description(meta.description)
    fg.author({"name": cfg.author})
    fg.language(cfg.language)
    fg.link(href=meta.self_url, rel="self", type=MIME[source])
    # RSS takes the last link as the channel link: the HTML page goes last.
    fg.link(href=meta.home_url, rel="alternate", type="text/html")
    updated = feed_updated(items)
    fg.updated(updated)  # also sets RSS lastBuildDate, which defaults to now
    if items:
        fg.pubDate(max(item.published for item in items))
    for item in items:
        entry = fg.add_entry(order="append")
        entry.guid(item.id, permalink=False)
        entry.title(item.title)
        entry.link(href=item.url, rel="alternate", type="text/html")
        entry.content(item.content_for(source, cfg), type="html")
        if item.summary_html:
            entry.summary(item.summary_html, type="html")
        entry.published(item.published)
        entry.updated(item.updated)
        for name in item.authors:
            entry.author({"name": name})
            entry.dc.dc_creator(name)
        terms = ([item.category] if item.category else []) + list(item.tags)
        for term in terms:
            entry.category(term=term.name, scheme=term.url)
    return fg


def _with_stylesheet(xml: bytes, href: str | None) -> bytes:
    if not href:
        return xml
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(xml, parser)
    root.addprevious(
        etree.ProcessingInstruction("xml-stylesheet", f'type="text/xsl" href="{href}"')
    )
    return etree.tostring(
        root.getroottree(), encoding="UTF-8", xml_declaration=True, pretty_print=True
    )


def xsl_href(save_as: str, cfg: FeedsConfig) -> str | None:
    """Return the stylesheet's address relative to a feed, or None."""
    if not cfg.xsl:
        return None
    return posixpath.relpath(XSL_SAVE_AS, posixpath.dirname(save_as) or ".")


def atom_bytes(meta: FeedMeta, items: Sequence[Item], cfg: FeedsConfig) -> bytes:
    """Return an Atom 1.0 document."""
    xml = build_feedgen(meta, items, cfg, "atom").atom_str(pretty=True)
    return _with_stylesheet(xml, xsl_href(meta.save_as, cfg))


def rss_bytes(meta: FeedMeta, items: Sequence[Item], cfg: FeedsConfig) -> bytes:
    """Return an RSS 2.0 document."""
    xml = build_feedgen(meta, items, cfg, "rss").rss_str(pretty=True)
    return _with_stylesheet(xml, xsl_href(meta.save_as, cfg))


def json_feed(meta: FeedMeta, items: Sequence[Item], cfg: FeedsConfig) -> dict[str, Any]:
    """Return a JSON Feed 1.1 document as a dict."""
    feed: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": meta.title,
        "home_page_url": meta.home_url,
        "feed_url": meta.self_url,
        "description": meta.description,
        "language": cfg.language,
        "authors": [{"name": cfg.author}],
        "items": [],
    }
    for item in items:
        entry: dict[str, Any] = {
            "id": item.id,
            "url": item.url,
            "title": item.title,
            "content_html": item.content_for("json", cfg),
        }
        if item.summary_text:
            entry["summary"] = item.summary_text
        entry["date_published"] = item.published.isoformat()
        entry["date_modified"] = item.updated.isoformat()
        entry["authors"] = [{"name": name} for name in item.authors]
        names = ([item.category.name] if item.category else []) + [t.name for t in item.tags]
        if names:
            entry["tags"] = list(dict.fromkeys(names))
        feed["items"].append(entry)
    return feed


def json_bytes(meta: FeedMeta, items: Sequence[Item], cfg: FeedsConfig) -> bytes:
    """Return a JSON Feed 1.1 document."""
    text = json.dumps(json_feed(meta, items, cfg), ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


RENDER = {"atom": atom_bytes, "rss": rss_bytes, "json": json_bytes}


# ------------------------------------------------- theme interface: `feeds`


class FeedLinks:
    """The `feeds` template variable: autodiscovery and subscribe links.

    `site` lists the site-wide feeds; `tag(slug)` and `category(slug)` list
    one taxonomy term's feeds. URLs are site-relative, like Pelican's.
    """

    def __init__(self, cfg: FeedsConfig) -> None:
        self._cfg = cfg
        # Filled once the articles are read; until then every slug is
        # accepted so templates rendered early still get links.
        self._names: dict[str, dict[str, str]] | None = None
        self.site: list[dict[str, str]] = [
            self._link(f"{cfg.sitename} ({LABEL[kind]})", kind, path)
            for kind, path in (
                ("atom", cfg.all_atom),
                ("rss", cfg.all_rss),
                ("json", cfg.all_json),
            )
            if path
        ]
        if cfg.newsletter_feed:
            self.site.append(
                self._link(f"{cfg.sitename} newsletter (RSS)", "rss", cfg.newsletter_feed)
            )

    @staticmethod
    def _link(title: str, kind: str, url: str) -> dict[str, str]:
        return {"title": title, "type": MIME[kind], "url": url}

    def set_names(self, tags: dict[str, str], categories: dict[str, str]) -> None:
        """Record which tags and categories have feeds, with display names."""
        self._names = {"tag": tags, "category": categories}

    def _term(self, kind: str, slug: str, patterns: dict[str, str | None]) -> list[dict]:
        if self._names is not None and slug not in self._names[kind]:
            return []
        name = (self._names or {}).get(kind, {}).get(slug, slug)
        return [
            self._link(
                f"{self._cfg.sitename}: {name} ({LABEL[fmt]})",
                fmt,
                pattern.format(slug=slug),
            )
            for fmt, pattern in patterns.items()
            if pattern
        ]

    def tag(self, slug: str) -> list[dict[str, str]]:
        return self._term("tag", slug, {"atom": self._cfg.tag_atom, "rss": self._cfg.tag_rss})

    def category(self, slug: str) -> list[dict[str, str]]:
        return self._term(
            "category",
            slug,
            {"atom": self._cfg.category_atom, "rss": self._cfg.category_rss},
        )


# ------------------------------------------------------------ the build


def plan_feeds(
    articles: Sequence[Any],
    tags: Iterable[tuple[Any, Sequence[Any]]],
    categories: Iterable[tuple[Any, Sequence[Any]]],
    cfg: FeedsConfig,
) -> list[tuple[str, FeedMeta, list[Any]]]:
    """List every feed to write as (format, meta, newest-first capped articles)."""
    cap = cfg.max_items
    home = cfg.canonical + "/"
    plan: list[tuple[str, FeedMeta, list[Any]]] = []

    def add(
        fmt: str,
        save_as: str | None,
        *,
        title: str,
        description: str,
        home_url: str,
        group: Sequence[Any],
    ) -> None:
        if not save_as:
            return
        meta = FeedMeta(title, description, home_url, save_as, cfg.absolute(save_as))
        plan.append((fmt, meta, list(group[:cap] if cap else group)))

    site = newest_first(articles)
    for fmt, path in (
        ("atom", cfg.all_atom),
        ("rss", cfg.all_rss),
        ("json", cfg.all_json),
    ):
        add(
            fmt,
            path,
            title=cfg.sitename,
            description=cfg.description,
            home_url=home,
            group=site,
        )

    for kind, groups, patterns in (
        (
            "category",
            categories,
            (("atom", cfg.category_atom), ("rss", cfg.category_rss)),
        ),
        ("tag", tags, (("atom", cfg.tag_atom), ("rss", cfg.tag_rss))),
    ):
        for term, group in sorted(groups, key=lambda pair: pair[0].slug):
            members = newest_first(group)
            if not members:
                continue
            name = clean_text(str(term.name))
            description = clean_text(str(getattr(term, "description", "") or "")) or (
                f"Posts in {name} from {cfg.sitename}"
                if kind == "category"
                else f"Posts tagged {name} from {cfg.sitename}"
            )
            for fmt, pattern in patterns:
                add(
                    fmt,
                    pattern.format(slug=term.slug) if pattern else None,
                    title=f"{cfg.sitename}: {name}",
                    description=description,
                    home_url=cfg.absolute(term.url),
                    group=members,
                )
    return plan


def render_feeds(
    plan: Sequence[tuple[str, FeedMeta, list[Any]]], cfg: FeedsConfig
) -> dict[str, bytes]:
    """Render every planned feed; each article's item is built only once."""
    items: dict[int, Item] = {}
    out: dict[str, bytes] = {}
    for fmt, meta, group in plan:
        feed_items = []
        for article in group:
            key = id(article)
            if key not in items:
                items[key] = make_item(article, cfg)
            feed_items.append(items[key])
        out[meta.save_as] = RENDER[fmt](meta, feed_items, cfg)
    return out


def is_feedable(article: Any, now: dt.datetime) -> bool:
    """Keep published, already-dated articles; drafts, hidden, future go."""
    return getattr(article, "status", "published") == "published" and aware(article.date) <= now


class FeedsGenerator(Generator):
    """Write every feed once, after all content has been read."""

    def generate_context(self) -> None:
        self.cfg = load_config(self.settings)
        # The clock only decides which articles are due, never what a
        # feed says; WITH_FUTURE_DATES = False makes Pelican do it too.
        now = dt.datetime.now(dt.UTC)
        published = self.context.get("articles", [])
        self.articles = [a for a in published if is_feedable(a, now)]
        held = len(published) - len(self.articles)
        if held:
            log.info("feeds: left out %s future-dated article(s)", held)
        keep = {id(a) for a in self.articles}
        self.tags = [
            (t, [a for a in arts if id(a) in keep]) for t, arts in self.context.get("tags", [])
        ]
        self.categories = [
            (c, [a for a in arts if id(a) in keep])
            for c, arts in self.context.get("categories", [])
        ]
        links = self.context.get("feeds")
        if isinstance(links, FeedLinks):
            links.set_names(
                {t.slug: clean_text(str(t.name)) for t, arts in self.tags if arts},
                {c.slug: clean_text(str(c.name)) for c, arts in self.categories if arts},
            )

    def generate_output(self, writer: Any) -> None:
        plan = plan_feeds(self.articles, self.tags, self.categories, self.cfg)
        rendered = render_feeds(plan, self.cfg)
        output = Path(self.output_path)
        for save_as, data in sorted(rendered.items()):
            target = output / save_as
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            log.debug("feeds: wrote %s", save_as)
        if self.cfg.xsl and any(fmt != "json" for fmt, _, _ in plan):
            target = output / XSL_SAVE_AS
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(XSL_SOURCE, target)
        log.info("feeds: wrote %s feeds for %s articles", len(rendered), len(self.articles))


# --------------------------------------------------------------- glue


def add_feed_links(generator: Any) -> None:
    """Give every template the `feeds` variable before anything renders."""
    if not _plugin_enabled(generator.settings, PLUGIN_NAME):
        return
    # Pelican shares one context dict between generators; the first one to
    # start this run installs the links, so autoreload gets fresh ones.
    if not isinstance(generator.context.get("feeds"), FeedLinks):
        generator.context["feeds"] = FeedLinks(load_config(generator.settings))


def get_generators(pelican: Any) -> type[Generator] | None:
    """Add the generator that writes the feeds."""
    # Signals outlive a run: in a process that builds several sites, stay
    # out of any build that did not ask for this plugin.
    if not _plugin_enabled(pelican.settings, PLUGIN_NAME):
        return None
    return FeedsGenerator


def register() -> None:
    """Connect the feeds plugin to Pelican's signals."""
    # generator_init: the first generator of a run sees a fresh context,
    # so the `feeds` variable is in place before any template renders.
    signals.generator_init.connect(add_feed_links)
    # get_generators: feeds are written once, after every article is read.
    signals.get_generators.connect(get_generators)

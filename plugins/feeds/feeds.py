"""The feeds plugin: Pelican glue around the feed builder in `nextsale.feeds`.

It reads and checks the FEEDS_* settings, gives templates the `feeds` variable
(autodiscovery and subscribe links, `links.py`), and adds a generator that,
once every article is read, turns the published articles into items, plans the
site, category and tag feeds, has the builder render them and writes the bytes.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pelican import signals
from pelican.generators import Generator
from pelican.utils import (
    strip_toc_elements_from_html,
    truncate_html_paragraphs,
    truncate_html_words,
)

from nextsale.feeds import (
    RENDER,
    FeedMeta,
    FeedSite,
    Item,
    aware,
    make_item,
    stylesheet_href,
)
from nextsale.guidance import guidance_link
from nextsale.newsletter import feed_path, newsletter_title
from nextsale.site import plugin_enabled, setting
from nextsale.text import clean_text
from nextsale.urls import UtmSettingError, utm_setting

from .links import FeedLinks

log = logging.getLogger(__name__)
PLUGIN_NAME = "feeds"

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

XSL_SOURCE = Path(__file__).with_name("feed.xsl")
XSL_SAVE_AS = "feeds/feed.xsl"


class FeedsError(ValueError):
    """A feeds setting is missing or malformed."""


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class FeedsConfig:
    """Validated feeds settings plus the site facts every feed needs."""

    site: FeedSite
    sitename: str
    description: str
    all_atom: str | None
    all_rss: str | None
    all_json: str | None
    category_atom: str | None
    category_rss: str | None
    tag_atom: str | None
    tag_rss: str | None
    max_items: int | None
    xsl: bool
    newsletter_feed: str | None  # listed in `feeds.site`; the newsletter plugin writes it
    newsletter_title: str

    @property
    def canonical(self) -> str:
        return self.site.canonical

    def absolute(self, rel: str) -> str:
        """Return the canonical URL of a site-relative path."""
        return self.site.absolute(rel)

    def meta(self, save_as: str, title: str, description: str, home_url: str) -> FeedMeta:
        """Describe the feed saved at `save_as`, pointing at the stylesheet if on."""
        stylesheet = stylesheet_href(save_as, XSL_SAVE_AS) if self.xsl else None
        return FeedMeta(title, description, home_url, save_as, self.absolute(save_as), stylesheet)


def _path_setting(settings: dict[str, Any], name: str, needs_slug: bool) -> str | None:
    value = setting(settings, DEFAULTS, name)
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

    max_items = setting(settings, DEFAULTS, "FEEDS_MAX_ITEMS")
    if max_items is not None and (
        isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 1
    ):
        raise FeedsError(
            "feeds: setting FEEDS_MAX_ITEMS in your settings file must be a whole "
            f"number of at least 1, or None for no cap (got {max_items!r})."
        )

    try:
        utm = utm_setting(setting(settings, DEFAULTS, "FEEDS_UTM"), "FEEDS_UTM", filled=("source",))
    except UtmSettingError as exc:
        raise FeedsError(
            f"feeds: setting FEEDS_UTM in your settings file {exc}; e.g. "
            "{'medium': 'feed', 'campaign': 'keep-them-coming-back'} "
            "(source is the feed format unless given)."
        ) from None

    xsl = setting(settings, DEFAULTS, "FEEDS_XSL")
    if not isinstance(xsl, bool):
        raise FeedsError(
            f"feeds: setting FEEDS_XSL in your settings file must be True or False (got {xsl!r})."
        )

    sitename = clean_text(str(settings.get("SITENAME") or parts.hostname))
    newsletter = plugin_enabled(settings, "newsletter")
    return FeedsConfig(
        site=FeedSite(
            canonical=str(canonical).rstrip("/"),
            author=clean_text(str(settings.get("AUTHOR") or sitename)),
            language=str(settings.get("DEFAULT_LANG") or "en"),
            utm=utm,
        ),
        sitename=sitename,
        description=clean_text(
            str(
                settings.get("SITE_DESCRIPTION")
                or settings.get("SITESUBTITLE")
                or f"Latest posts from {sitename}"
            )
        ),
        all_atom=_path_setting(settings, "FEEDS_ALL_ATOM", False),
        all_rss=_path_setting(settings, "FEEDS_ALL_RSS", False),
        all_json=_path_setting(settings, "FEEDS_ALL_JSON", False),
        category_atom=_path_setting(settings, "FEEDS_CATEGORY_ATOM", True),
        category_rss=_path_setting(settings, "FEEDS_CATEGORY_RSS", True),
        tag_atom=_path_setting(settings, "FEEDS_TAG_ATOM", True),
        tag_rss=_path_setting(settings, "FEEDS_TAG_RSS", True),
        max_items=max_items,
        xsl=xsl,
        newsletter_feed=feed_path(settings) if newsletter else None,
        newsletter_title=clean_text(newsletter_title(settings)),
    )


# --------------------------------------------------- articles into items


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


def item_for(article: Any, cfg: FeedsConfig) -> Item:
    """Gather what the builder needs from one Pelican article."""
    url = cfg.absolute(article.url)
    summary, summary_base = article_summary(article, cfg, url)
    category = getattr(article, "category", None)
    return make_item(
        cfg.site,
        source_path=article.relative_source_path,
        url=url,
        title=article.title,
        content=article.get_content(cfg.canonical),
        summary=summary,
        summary_base=summary_base,
        date=article.date,
        modified=getattr(article, "modified", None),
        authors=[a.name for a in getattr(article, "authors", []) or []],
        category=(category.name, category.url) if category else None,
        tags=[(t.name, t.url) for t in getattr(article, "tags", []) or []],
        guidance=guidance_link(article),
        explicit_id=article.metadata.get("id") or article.metadata.get("guid"),
    )


def newest_first(articles: Iterable[Any]) -> list[Any]:
    """Sort articles newest first, ties broken by source path for stability."""
    return sorted(
        articles,
        key=lambda a: (aware(a.date), a.relative_source_path),
        reverse=True,
    )


def is_feedable(article: Any, now: dt.datetime) -> bool:
    """Keep published, already-dated articles; drafts, hidden, future go."""
    return getattr(article, "status", "published") == "published" and aware(article.date) <= now


# ------------------------------------------------------------ the build


def plan_feeds(
    articles: Sequence[Any],
    tags: Iterable[tuple[Any, Sequence[Any]]],
    categories: Iterable[tuple[Any, Sequence[Any]]],
    cfg: FeedsConfig,
) -> list[tuple[str, FeedMeta, list[Any]]]:
    """List every feed to write as (format, meta, newest-first capped articles)."""
    cap = cfg.max_items
    plan: list[tuple[str, FeedMeta, list[Any]]] = []

    def add(fmt: str, save_as: str | None, meta: tuple[str, str, str], group: Sequence[Any]):
        if save_as:
            plan.append((fmt, cfg.meta(save_as, *meta), list(group[:cap] if cap else group)))

    site = newest_first(articles)
    home = (cfg.sitename, cfg.description, cfg.canonical + "/")
    for fmt, path in (("atom", cfg.all_atom), ("rss", cfg.all_rss), ("json", cfg.all_json)):
        add(fmt, path, home, site)

    for kind, groups, patterns in (
        ("category", categories, (("atom", cfg.category_atom), ("rss", cfg.category_rss))),
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
            meta = (f"{cfg.sitename}: {name}", description, cfg.absolute(term.url))
            for fmt, pattern in patterns:
                add(fmt, pattern.format(slug=term.slug) if pattern else None, meta, members)
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
                items[key] = item_for(article, cfg)
            feed_items.append(items[key])
        out[meta.save_as] = RENDER[fmt](meta, feed_items, cfg.site)
    return out


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
    if not plugin_enabled(generator.settings, PLUGIN_NAME):
        return
    # Pelican shares one context dict between generators; the first one to
    # start this run installs the links, so autoreload gets fresh ones.
    if not isinstance(generator.context.get("feeds"), FeedLinks):
        generator.context["feeds"] = FeedLinks(load_config(generator.settings))


def get_generators(pelican: Any) -> type[Generator] | None:
    """Add the generator that writes the feeds."""
    # Signals outlive a run: in a process that builds several sites, stay
    # out of any build that did not ask for this plugin.
    if not plugin_enabled(pelican.settings, PLUGIN_NAME):
        return None
    return FeedsGenerator


def register() -> None:
    """Connect the feeds plugin to Pelican's signals."""
    # generator_init: the first generator of a run sees a fresh context,
    # so the `feeds` variable is in place before any template renders.
    signals.generator_init.connect(add_feed_links)
    # get_generators: feeds are written once, after every article is read.
    signals.get_generators.connect(get_generators)

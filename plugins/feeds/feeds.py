"""The feeds plugin: Pelican glue around the feed builder in `nextsale.feeds`.

With the FEEDS_* settings checked by `config.py`, it gives templates the `feeds`
variable (autodiscovery and subscribe links, `links.py`), and adds a generator that,
once every article is read, turns the published articles into items, plans the
site, category, tag and topic feeds, has the builder render them and writes the bytes.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from typing import Any

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
    Item,
    aware,
    make_item,
)
from nextsale.guidance import guidance_link
from nextsale.site import PreparedOutput, plugin_enabled, write_generated
from nextsale.text import clean_text

from .config import FeedsConfig, load_config
from .links import FeedLinks

log = logging.getLogger(__name__)
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


def item_inputs(article: Any, cfg: FeedsConfig) -> dict[str, Any]:
    """Gather what the builder needs from one Pelican article, as plain values."""
    url = cfg.absolute(article.url)
    summary, summary_base = article_summary(article, cfg, url)
    category = getattr(article, "category", None)
    return {
        "source_path": article.relative_source_path,
        "url": url,
        "title": article.title,
        "content": article.get_content(cfg.canonical),
        "summary": summary,
        "summary_base": summary_base,
        "date": article.date,
        "modified": getattr(article, "modified", None),
        "authors": tuple(a.name for a in getattr(article, "authors", []) or []),
        "category": (category.name, category.url) if category else None,
        "tags": tuple((t.name, t.url) for t in getattr(article, "tags", []) or []),
        "guidance": guidance_link(article),
        "explicit_id": article.metadata.get("id") or article.metadata.get("guid"),
    }


def item_for(article: Any, cfg: FeedsConfig) -> Item:
    """Build the item for one Pelican article."""
    return make_item(cfg.site, **item_inputs(article, cfg))


def inputs_key(inputs: dict[str, Any]) -> tuple | None:
    """A key equal only for inputs that give the same item; None when unsure.

    Types are part of it (a str subclass may print differently), and dates are
    compared by their ISO form, which tells time zones apart.
    """
    key = tuple(
        (
            name,
            type(value).__name__,
            (value.isoformat(), value.tzinfo) if isinstance(value, dt.datetime) else value,
        )
        for name, value in inputs.items()
    )
    try:
        hash(key)
    except TypeError:
        return None
    return key


def newest_first(articles: Iterable[Any]) -> list[Any]:
    """Sort articles newest first, ties broken by source path for stability."""
    return sorted(articles, key=_age, reverse=True)


def _age(article: Any) -> tuple:
    return aware(article.date), article.relative_source_path


class Order:
    """`newest_first` for the groups of one list of articles (tags, categories ...):
    each article's place in the whole list sorted once, instead of its date and
    path compared again in every group it is in."""

    def __init__(self, articles: Sequence[Any]) -> None:
        self.articles = newest_first(articles)
        # Articles of equal age share a place, so a group keeps its own order for them.
        self.place: dict[int, int] = {}
        last, first = None, 0
        for number, article in enumerate(self.articles):
            age = _age(article)
            if age != last:
                last, first = age, number
            self.place[id(article)] = first

    def of(self, group: Sequence[Any]) -> list[Any]:
        """`newest_first(group)`."""
        place = self.place
        if all(id(article) in place for article in group):
            return sorted(group, key=lambda article: place[id(article)])
        return newest_first(group)


def is_feedable(article: Any, now: dt.datetime) -> bool:
    """Keep published, already-dated articles; drafts, hidden, future go."""
    return getattr(article, "status", "published") == "published" and aware(article.date) <= now


# ------------------------------------------------------------ the build


def plan_feeds(
    articles: Sequence[Any],
    tags: Iterable[tuple[Any, Sequence[Any]]],
    categories: Iterable[tuple[Any, Sequence[Any]]],
    cfg: FeedsConfig,
    topics: Iterable[tuple[Any, Sequence[Any]]] = (),
) -> list[tuple[str, FeedMeta, list[Any]]]:
    """List every feed to write as (format, meta, newest-first capped articles)."""
    cap = cfg.max_items
    plan: list[tuple[str, FeedMeta, list[Any]]] = []

    def add(fmt: str, save_as: str | None, meta: tuple[str, str, str], group: Sequence[Any]):
        if save_as:
            plan.append((fmt, cfg.meta(save_as, *meta), list(group[:cap] if cap else group)))

    order = Order(articles)
    site = order.articles
    home = (cfg.sitename, cfg.description, cfg.canonical + "/")
    for fmt, path in (("atom", cfg.all_atom), ("rss", cfg.all_rss), ("json", cfg.all_json)):
        add(fmt, path, home, site)

    for kind, groups, patterns in (
        ("category", categories, (("atom", cfg.category_atom), ("rss", cfg.category_rss))),
        ("tag", tags, (("atom", cfg.tag_atom), ("rss", cfg.tag_rss))),
        ("topic", topics, (("atom", cfg.topic_atom), ("rss", cfg.topic_rss))),
    ):
        for term, group in sorted(groups, key=lambda pair: pair[0].slug):
            members = order.of(group)
            if not members:
                continue
            name = clean_text(str(term.name))
            description = clean_text(str(getattr(term, "description", "") or "")) or (
                f"Posts tagged {name} from {cfg.sitename}"
                if kind == "tag"
                else f"Posts in {name} from {cfg.sitename}"
            )
            # A topic often shares its name with one of its tags: say which is which.
            label = f"all of {name}" if kind == "topic" else name
            meta = (f"{cfg.sitename}: {label}", description, cfg.absolute(term.url))
            for fmt, pattern in patterns:
                add(fmt, pattern.format(slug=term.slug) if pattern else None, meta, members)
    return plan


def render_feeds(
    plan: Sequence[tuple[str, FeedMeta, list[Any]]],
    cfg: FeedsConfig,
    memory: dict | None = None,
) -> dict[str, bytes]:
    """Render every planned feed; each article's item is built only once.

    Given `memory` (a live session's ENGINE_MEMORY), the items and feeds of the
    previous build are reused when every input they are made from is the same.
    """
    memo = FeedsMemo(memory, cfg)
    items: dict[int, Item] = {}
    out: dict[str, bytes] = {}
    for fmt, meta, group in plan:
        feed_items = []
        for article in group:
            key = id(article)
            if key not in items:
                items[key] = memo.item(article, cfg)
                report_images(items[key], article.relative_source_path, cfg)
            feed_items.append(items[key])
        out[meta.save_as] = memo.feed(fmt, meta, feed_items, cfg)
    memo.keep()
    return out


class FeedsMemo:
    """One live session's items and feeds, from one build to the next.

    Items are kept by everything `make_item` is given, so an item is made again
    whenever anything it says could differ; a feed is kept with the very item
    objects it was rendered from. Without a session, nothing is kept.
    """

    KEY = "feeds"

    def __init__(self, memory: dict | None, cfg: FeedsConfig) -> None:
        self.memory = memory
        kept = memory.get(self.KEY) if isinstance(memory, dict) else None
        if not isinstance(kept, dict) or kept.get("site") != cfg.site:
            kept = {"items": {}, "feeds": {}}
        self.kept = kept
        self.fresh: dict[str, Any] = {"site": cfg.site, "items": {}, "feeds": {}}

    def item(self, article: Any, cfg: FeedsConfig) -> Item:
        inputs = item_inputs(article, cfg)
        key = inputs_key(inputs) if self.memory is not None else None
        if key is None:
            return make_item(cfg.site, **inputs)
        item = self.kept["items"].get(key) or self.fresh["items"].get(key)
        if item is None:
            item = make_item(cfg.site, **inputs)
        self.fresh["items"][key] = item
        return item

    def feed(self, fmt: str, meta: FeedMeta, items: list[Item], cfg: FeedsConfig) -> bytes:
        if self.memory is None:
            return RENDER[fmt](meta, items, cfg.site)
        key = (fmt, meta)
        kept = self.kept["feeds"].get(key)
        if (
            kept is not None
            and len(kept[0]) == len(items)
            and all(old is new for old, new in zip(kept[0], items, strict=True))
        ):
            self.fresh["feeds"][key] = kept
            return kept[1]
        data = RENDER[fmt](meta, items, cfg.site)
        self.fresh["feeds"][key] = (tuple(items), data)
        return data

    def keep(self) -> None:
        if isinstance(self.memory, dict):
            self.memory[self.KEY] = self.fresh


def report_images(item: Item, source: str, cfg: FeedsConfig) -> None:
    """Say in the build log which images of an item load from another host."""
    for url in item.third_party_images:
        if cfg.site.third_party_images == "remove":
            log.info(
                "feeds: %s: removed the third-party image %s from its feed items "
                '(THIRD_PARTY_IMAGES = "remove")',
                source,
                url,
            )
        else:
            log.info(
                "feeds: %s: third-party image %s in its feed items tells that host who reads "
                'it; set THIRD_PARTY_IMAGES = "remove" to drop it, or "keep"',
                source,
                url,
            )


class FeedsGenerator(PreparedOutput, Generator):
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
        # Topics come from the taxonomy plugin, when it is on.
        self.topics = [
            (t, [a for a in getattr(t, "articles", []) if id(a) in keep])
            for t in self.context.get("topics") or []
        ]
        links = self.context.get("feeds")
        if isinstance(links, FeedLinks):
            links.set_names(
                {t.slug: clean_text(str(t.name)) for t, arts in self.tags if arts},
                {c.slug: clean_text(str(c.name)) for c, arts in self.categories if arts},
                {t.slug: f"all of {clean_text(str(t.name))}" for t, arts in self.topics if arts},
            )

    def work_out_output(self) -> int:
        """Render and write every feed (see PreparedOutput): a live session's tag edit
        writes megabytes of feeds, better done while the pages are shared. Returns
        how many feeds the site has."""
        plan = plan_feeds(self.articles, self.tags, self.categories, self.cfg, self.topics)
        rendered = render_feeds(plan, self.cfg, self.settings.get("ENGINE_MEMORY"))
        for save_as, data in sorted(rendered.items()):
            if write_generated(self.output_path, save_as, data):
                log.debug("feeds: wrote %s", save_as)
        return len(rendered)

    def generate_output(self, writer: Any) -> None:
        feeds = self.prepared_output()
        log.info("feeds: wrote %s feeds for %s articles", feeds, len(self.articles))


# --------------------------------------------------------------- glue


def add_feed_links(generator: Any) -> None:
    """Give every template the `feeds` variable before anything renders."""
    if not plugin_enabled(generator.settings, "feeds"):
        return
    # Pelican shares one context dict between generators; the first one to
    # start this run installs the links, so autoreload gets fresh ones.
    if not isinstance(generator.context.get("feeds"), FeedLinks):
        generator.context["feeds"] = FeedLinks(load_config(generator.settings))


def get_generators(pelican: Any) -> type[Generator] | None:
    """Add the generator that writes the feeds."""
    # Signals outlive a run: in a process that builds several sites, stay
    # out of any build that did not ask for this plugin.
    if not plugin_enabled(pelican.settings, "feeds"):
        return None
    return FeedsGenerator


def register() -> None:
    """Connect the feeds plugin to Pelican's signals."""
    # generator_init: the first generator of a run sees a fresh context,
    # so the `feeds` variable is in place before any template renders.
    signals.generator_init.connect(add_feed_links)
    # get_generators: feeds are written once, after every article is read.
    signals.get_generators.connect(get_generators)

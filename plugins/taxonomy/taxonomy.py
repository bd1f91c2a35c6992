"""Curated tag taxonomy: canonical tags, topics, guidance and related reading.

Articles' tags are mapped through `content/taxonomy.toml` before Pelican builds
its tag index, so tag pages, counts and feeds only see canonical tags. Each
article then gets `article.guidance` (where to send the reader next) and
`article.related` (articles sharing its rarer tags), and topic hub pages are
written from a generator.
"""

from __future__ import annotations

import copy
import logging
import os
import types
from collections import defaultdict
from functools import partial

from pelican import signals
from pelican.generators import ArticlesGenerator, Generator, PelicanTemplateNotFound
from pelican.urlwrappers import Tag, URLWrapper

from nextsale import contracts
from nextsale.guidance import expose_heading
from nextsale.site import display_path, plugin_enabled
from nextsale.taxonomy.core import (
    DEFAULT_FILE,
    Match,
    Taxonomy,
    TaxonomyError,
    load_taxonomy,
    taxonomy_path,
)
from nextsale.taxonomy.ranking import (
    by_rank,
    choose_guidance_tag,
    cloud_weights,
    idf_weights,
    newest_first,
    related_items,
)
from nextsale.taxonomy.related import RelatedMemo

log = logging.getLogger(__name__)

DEFAULTS = {
    "TAXONOMY_FILE": DEFAULT_FILE,
    "TAXONOMY_STRICT": False,
    "TAXONOMY_DEFAULT_GUIDANCE": None,
    "TAXONOMY_RELATED_MAX": 5,
    "TAXONOMY_RELATED_SCAN": 50,
    "TOPIC_URL": "topics/{slug}/",
    "TOPIC_SAVE_AS": "topics/{slug}/index.html",
    "TOPICS_URL": "topics/",
    "TOPICS_SAVE_AS": "topics/index.html",
}
STATE_ATTR = "taxonomy_state"  # per-run state lives on the ArticlesGenerator


def setting(settings: dict, name: str):
    """Read one of this plugin's settings, falling back to its default."""
    return settings.get(name, DEFAULTS[name])


class _PlainWhenPickled:
    """Pickle as plain data; copy as usual.

    Pelican pickles content (and the context it holds) into its cache. Plain
    data there keeps the cache loadable when this plugin is switched off.
    """

    def _plain(self) -> dict:
        raise NotImplementedError

    def __reduce__(self):
        return (types.SimpleNamespace, (), self._plain())

    def __copy__(self):
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        return clone

    def __deepcopy__(self, memo):
        clone = object.__new__(type(self))
        memo[id(self)] = clone
        clone.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return clone


class Guidance(_PlainWhenPickled):
    """Where a tag, topic or article sends the reader next.

    `title` and `url` are read from the target page or article when asked, so
    they are right whichever generator has run.
    """

    def __init__(self, target: str, cta: str, content: dict, tag: Tag | None = None):
        self.target = target  # source path relative to PATH, e.g. pages/guide.md
        self.cta = cta
        self.tag = tag
        self._content = content  # the build's context["generated_content"]

    @property
    def page(self):
        return self._content.get(self.target)

    @property
    def title(self) -> str:
        page = self.page
        return page.title if page is not None else ""

    @property
    def url(self) -> str:
        page = self.page
        return page.url if page is not None else ""

    def __bool__(self) -> bool:
        return self.page is not None

    def __repr__(self) -> str:
        return f"<Guidance {self.target!r} via {self.tag.slug if self.tag else 'site'}>"

    def _plain(self) -> dict:
        return {"title": self.title, "url": self.url, "cta": self.cta}


class Topic(_PlainWhenPickled, URLWrapper):
    """A group of tags with a hub page at TOPIC_URL."""

    def __init__(self, name: str, settings: dict, *, slug: str, description: str):
        super().__init__(name, settings)
        self.slug = slug
        self.description = description
        self.guidance: Guidance | None = None
        self.tags: list[tuple[Tag, int, int]] = []
        self.articles: list = []

    def _from_settings(self, key, get_page_name=False):
        value = setting(self.settings, f"TOPIC_{key}")
        if get_page_name:
            # As Pelican does for its own URL settings.
            return os.path.splitext(value)[0].format(slug=self.slug)  # noqa: PTH122
        return value.format(slug=self.slug)

    page_name = property(lambda self: self._from_settings("URL", get_page_name=True))
    url = property(lambda self: self._from_settings("URL"))
    save_as = property(lambda self: self._from_settings("SAVE_AS"))

    def _plain(self) -> dict:
        return {"name": self.name, "slug": self.slug, "description": self.description}


class State:
    """Everything one build knows about the taxonomy."""

    def __init__(self, taxonomy: Taxonomy, settings: dict, content: dict):
        self.taxonomy = taxonomy
        self.settings = settings
        self.topics = {
            slug: Topic(spec.name, settings, slug=slug, description=spec.description)
            for slug, spec in taxonomy.topics.items()
        }
        self.fallback = (
            Guidance(taxonomy.site_guidance, taxonomy.site_cta or "", content)
            if taxonomy.site_guidance
            else None
        )
        for slug, spec in taxonomy.topics.items():
            if spec.guidance:
                self.topics[slug].guidance = Guidance(spec.guidance, spec.cta or "", content)
            else:
                self.topics[slug].guidance = self.fallback
        self._matches: dict[str, Match] = {}
        self.tags: dict[str, Tag] = {}
        for slug, spec in taxonomy.tags.items():
            tag = Tag(spec.name, settings)
            tag.slug = slug
            tag.description = spec.description
            tag.topic = self.topics.get(spec.topic)
            tag.guidance = Guidance(spec.guidance, spec.cta, content, tag)
            self.tags[slug] = tag

    def lookup(self, name: str) -> Match:
        """Resolve a spelling, remembering the answer for the rest of the build."""
        match = self._matches.get(name)
        if match is None:
            match = self._matches[name] = self.taxonomy.lookup(name)
        return match


def enabled(settings: dict) -> bool:
    return plugin_enabled(settings, "taxonomy")


def check_plugin_order(pelican) -> None:
    """Stop the build when a plugin that reads article.guidance runs before us."""
    if enabled(pelican.settings):
        contracts.check(pelican.settings)


def load_state(generator: ArticlesGenerator) -> State | None:
    """Read the taxonomy file once per build; None leaves tags untouched."""
    settings = generator.settings
    path = taxonomy_path({**DEFAULTS, **settings})
    if not path.is_file():
        log.info("taxonomy: no %s, tags are used as written", display_path(path))
        return None
    try:
        taxonomy = load_taxonomy(
            path, default_guidance=setting(settings, "TAXONOMY_DEFAULT_GUIDANCE")
        )
    except TaxonomyError as err:
        for problem in err.problems:
            log.error("%s", problem.replace(str(path), display_path(path), 1))
        log.error("taxonomy: %s is invalid, so tags are used as written", display_path(path))
        return None
    taxonomy.source = display_path(path)
    return State(taxonomy, settings, generator.context["generated_content"])


def _unknown_tag(tag: Tag, state: State, content, strict: bool) -> Tag:
    """Report a tag the taxonomy does not know and keep it as written."""
    report = log.error if strict else log.warning
    name = tag.name
    where = display_path(content.source_path)
    match = state.taxonomy.lookup(name)
    if match.lookalike:
        report(
            "%s: tag %r differs from the known tag %r only in symbols such as + or #, "
            "so it was not merged; add it to %s or use the known spelling.",
            where,
            name,
            match.lookalike,
            state.taxonomy.source,
        )
    else:
        close = state.taxonomy.suggest(name)
        report(
            "%s: unknown tag %r; closest known tags: %s. Add it to %s or use one of those.",
            where,
            name,
            ", ".join(repr(slug) for slug in close) or "none",
            state.taxonomy.source,
        )
    kept = Tag(name, state.settings)
    kept.description = ""
    kept.topic = None
    kept.guidance = None
    return kept


def normalise(content, state: State, strict: bool) -> None:
    """Replace a content's tags by canonical Tag objects, in order, once each."""
    # metadata keeps the tags as the author wrote them, so a cached article is
    # normalised afresh each build against the current taxonomy.
    written = content.metadata.get("tags", getattr(content, "tags", None))
    if not written:
        return
    tags: list[Tag] = []
    seen: set[str] = set()
    for raw in written:
        name = str(raw)
        match = state.lookup(name)
        if match.slug is not None:
            tag = state.tags[match.slug]
            if match.alias:
                log.debug("taxonomy: %s: %r -> %s", content.source_path, name, match.slug)
        else:
            tag = _unknown_tag(
                raw if isinstance(raw, Tag) else Tag(name, state.settings),
                state,
                content,
                strict,
            )
        if tag.slug not in seen:
            seen.add(tag.slug)
            tags.append(tag)
    content.tags = tags


def all_articles(generator: ArticlesGenerator) -> list:
    """Return every article the generator read: listed, hidden, drafts, translations."""
    return [
        *generator.articles,
        *generator.translations,
        *generator.hidden_articles,
        *generator.hidden_translations,
        *generator.drafts,
        *generator.drafts_translations,
    ]


def on_pretaxonomy(generator: ArticlesGenerator) -> None:
    """Normalise tags before Pelican files articles under them."""
    if not enabled(generator.settings):
        return
    state = load_state(generator)
    setattr(generator, STATE_ATTR, state)
    if state is None:
        return
    strict = bool(setting(generator.settings, "TAXONOMY_STRICT"))
    for article in all_articles(generator):
        normalise(article, state, strict)


def on_articles_finalized(generator: ArticlesGenerator) -> None:
    """Count tags, build topics, and pick guidance and related reading."""
    state: State | None = getattr(generator, STATE_ATTR, None)
    if state is None:
        return
    settings = generator.settings
    published = sorted(generator.articles, key=newest_first)
    ranks = {id(article): number for number, article in enumerate(published)}

    # The inverted index, built once: canonical slug -> its articles, newest first.
    postings: dict[str, list] = defaultdict(list)
    for article in published:
        for tag in getattr(article, "tags", ()):
            postings[tag.slug].append(article)
    counts = {slug: len(items) for slug, items in postings.items()}
    weights = cloud_weights(counts)
    rarity = idf_weights(counts, len(published))

    for tag in generator.tags:
        tag.count = counts.get(tag.slug, 0)
        tag.weight = weights.get(tag.slug, 0)
    generator.context["tags"] = sorted(
        generator.tags.items(), key=lambda item: (item[0].name.casefold(), item[0].slug)
    )

    topics = _build_topics(state, generator.tags, counts, weights, by_rank(ranks))
    generator.context["topics"] = topics

    guidance_of = {slug: tag.guidance.target for slug, tag in state.tags.items()}
    limit = int(setting(settings, "TAXONOMY_RELATED_MAX"))
    scan = max(int(setting(settings, "TAXONOMY_RELATED_SCAN")), limit)
    memory = settings.get("ENGINE_MEMORY")
    memo = RelatedMemo(memory, published, (limit, scan), postings=postings, weights=rarity)
    shared: dict = {}  # each set of tags' best candidates, found once (see related_items)
    for article in all_articles(generator):
        slugs = [tag.slug for tag in getattr(article, "tags", ())]
        chosen = choose_guidance_tag(slugs, counts, guidance_of, memo.source(article))
        article.guidance = state.tags[chosen].guidance if chosen else state.fallback
        # One extra, because the guidance target is left out: it is linked already.
        related = memo.related(
            article,
            slugs,
            partial(
                related_items,
                article,
                slugs,
                postings,
                weights=rarity,
                shared=shared,
            ),
            rank=ranks,
            limit=limit + 1,
            scan=scan,
        )
        target = article.guidance.page if article.guidance is not None else None
        article.related = [other for other in related if other is not target][:limit]
    log.info(
        "taxonomy: %d canonical tags in use across %d topics, %d articles",
        len(counts),
        len(topics),
        len(published),
    )


def _build_topics(state: State, tag_index, counts, weights, order) -> list[Topic]:
    """Fill each topic's tags and articles (newest first: `order`, a sort key);
    return the topics that have articles."""
    members: dict[str, list[Tag]] = defaultdict(list)
    for tag in tag_index:
        topic = getattr(tag, "topic", None)
        if topic is not None:
            members[topic.slug].append(tag)
    topics = []
    for slug, topic in state.topics.items():
        tags = sorted(members.get(slug, []), key=lambda t: (t.name.casefold(), t.slug))
        topic.tags = [(tag, counts.get(tag.slug, 0), weights.get(tag.slug, 0)) for tag in tags]
        unique = {id(a): a for tag in tags for a in tag_index[tag]}
        topic.articles = sorted(unique.values(), key=order)
        if topic.articles:
            topics.append(topic)
        else:
            log.debug("taxonomy: topic %s has no articles, no hub page", slug)
    return sorted(topics, key=lambda t: (t.name.casefold(), t.slug))


def on_all_finalized(generators: list) -> None:
    """Check every guidance target once pages and articles have all been read."""
    for generator in generators:
        state = getattr(generator, STATE_ATTR, None)
        if isinstance(generator, ArticlesGenerator) and state is not None:
            check_targets(state)


def check_targets(state: State) -> None:
    """Log an error for each guidance that points at nothing readers can open."""
    owners = [(f"tags.{slug}.guidance", tag.guidance) for slug, tag in state.tags.items()]
    owners += [
        (f"topics.{slug}.guidance", topic.guidance)
        for slug, topic in state.topics.items()
        if topic.guidance is not state.fallback
    ]
    if state.fallback is not None:
        owners.append(("site.guidance", state.fallback))
    for key, guidance in owners:
        page = guidance.page
        if page is None:
            log.error(
                "%s: %s: %r is not a page or article of this site; create it or "
                "point to an existing one (paths are relative to the content folder)",
                state.taxonomy.source,
                key,
                guidance.target,
            )
        elif getattr(page, "status", "published") not in ("published", "hidden"):
            log.error(
                "%s: %s: %r is a %s, so readers cannot open it; publish it or "
                "point to a published page",
                state.taxonomy.source,
                key,
                guidance.target,
                page.status,
            )


class TopicsGenerator(Generator):
    """Write one hub page per topic and the topics index."""

    def generate_output(self, writer) -> None:
        topics = self.context.get("topics")
        if topics is None:
            return
        try:
            topic_template = self.get_template("topic")
            index_template = self.get_template("topics")
        except PelicanTemplateNotFound:
            log.warning(
                "taxonomy: the theme has no topic.html/topics.html, so no topic pages "
                "were written; add them to the theme"
            )
            return
        relative = self.settings["RELATIVE_URLS"]
        for topic in topics:
            writer.write_file(
                topic.save_as,
                topic_template,
                self.context,
                relative,
                template_name="topic",
                url=topic.url,
                topic=topic,
                articles=topic.articles,
                page_name=topic.page_name,
            )
        save_as = setting(self.settings, "TOPICS_SAVE_AS")
        if save_as:
            url = setting(self.settings, "TOPICS_URL")
            writer.write_file(
                save_as,
                index_template,
                self.context,
                relative,
                template_name="topics",
                url=url,
                topics=topics,
                page_name=os.path.splitext(save_as)[0],  # noqa: PTH122
            )


def get_generators(pelican):
    """Add the topic page writer to builds that enable the plugin."""
    return TopicsGenerator if enabled(pelican.settings) else None


def register() -> None:
    # Before anything is read: consumers of article.guidance must come after us.
    signals.initialized.connect(check_plugin_order)
    # Every template reads the guidance block's heading as GUIDANCE_HEADING.
    signals.generator_init.connect(expose_heading)
    # pretaxonomy: the one point after reading where tags can change before
    # Pelican groups articles under them.
    signals.article_generator_pretaxonomy.connect(on_pretaxonomy)
    # finalized: generator.tags is complete, so counts and the index are final.
    signals.article_generator_finalized.connect(on_articles_finalized)
    # all finalized: pages are read after articles, and guidance may name a page.
    signals.all_generators_finalized.connect(on_all_finalized)
    signals.get_generators.connect(get_generators)

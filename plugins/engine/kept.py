"""Articles kept whole from one build of a live session to the next.

Pelican's reader-level content cache (its default) spares converting an
unchanged file, but each build still makes every article again: Pelican
filters its metadata, builds the object and sends the read-time signals for
each file, about a tenth of a second per thousand articles. A live session
keeps the articles themselves instead, as Pelican's own generator-level cache
(`CONTENT_CACHING_LAYER = "generator"`) does: Pelican's loop takes an unchanged
file's article from the articles generator's cache and reads only the files
that changed.

An article comes back as it was when Pelican cached it, right after making it:
before any later handler (the content checks' fixes, the taxonomy's tags,
related reading) changed it, and with this build's settings, context and URL
memo. So every later signal of every build meets an article equal to one made
afresh. The warnings logged while its file was read are logged again when
Pelican's loop reaches it, where a fresh read would log them. The read-time
signals (`READ_TIME`) are not sent again for a kept article, so the session
keeps articles only while every receiver of them is marked `lasts_with_content`
(nextsale.site): its whole effect is on the new article, kept with it, or
messages about its file, logged again.
"""

from __future__ import annotations

import logging

from pelican import signals
from pelican.contents import Content

from nextsale import compat
from nextsale.site import LASTS_WITH_CONTENT

from . import urls
from .listening import describe_listener, listeners
from .reading import Collector, replay_logs

log = logging.getLogger(__name__)

# Sent for each file Pelican reads, so never for an article kept.
READ_TIME = (
    signals.article_generator_preread,
    signals.article_generator_context,
    signals.content_object_init,
)

# What an article holds for one build only: given afresh each time it is kept.
PER_BUILD = frozenset({"settings", "_context", "get_url_setting"})

# In the session's memory: why articles are not kept, once said.
NOT_KEPT = "articles not kept"


# Copied when an article is kept or given back, so one build's changes to them stay in it.
MUTABLE = (list, dict, set)


def _copied(value):
    return value.copy() if isinstance(value, MUTABLE) else value


class KeptArticles:
    """What a live session keeps of the articles generator's articles: each one as
    it was made, and what was logged while it was read."""

    def __init__(self) -> None:
        self.cache: dict[str, tuple] = {}  # the generator's own: path -> (stamp, article)
        self.as_made: dict[str, dict] = {}
        self.mutable: dict[str, tuple[str, ...]] = {}  # the names of its lists, dicts, sets
        self.said: dict[str, list] = {}  # each file's warnings, logged while reading it
        # What Pelican's loop works out of each article, once per file made: where
        # it is filed (its source path relative to the content folder) and the
        # files its {static} links name, by file (see `add_source_path`).
        self.located: dict[str, str] = {}
        self.linked: dict[str, frozenset[str]] = {}
        self.files: dict[int, str] = {}  # the file of each article of this build, by id
        self.asked: set[str] = set()  # the files Pelican's loop looked up this build
        self.heard: Collector | None = None
        self.reading_from = 0
        self.generator = None
        self.urls: urls.Memo | None = None
        self._look_up = self._store = None

    def start(self, generator, url_memo: urls.Memo) -> None:
        """Stand in for the generator's cache lookups while its loop reads."""
        self.generator, self.urls = generator, url_memo
        self.asked = set()
        self._listen()
        compat.keep_made_content(generator, self.cache)
        self.files = {}
        self._look_up, self._store = generator.get_cached_data, generator.cache_data
        generator.get_cached_data, generator.cache_data = self.look_up, self.store
        self._add_source_path = generator.add_source_path
        self._add_static_links = generator.add_static_links
        generator.add_source_path = self.add_source_path
        generator.add_static_links = self.add_static_links

    def look_up(self, path: str, default=None):
        """Pelican's `get_cached_data`: an unchanged file's article, as it was made."""
        self.asked.add(path)
        article = self._look_up(path, None)
        if article is None:
            self.reading_from = len(self.heard.records)
            return default
        fields = vars(article)
        fields.clear()
        made = self.as_made[path]
        fields.update(made)
        for name in self.mutable[path]:
            fields[name] = made[name].copy()
        article.settings = self.generator.settings
        compat.rebind_context(article, self.generator.context)
        urls.remember(article, self.urls)
        replay_logs(self.said.get(path, ()))  # where a fresh read would have logged them
        self.files[id(article)] = path
        return article

    def store(self, path: str, article) -> None:
        """Pelican's `cache_data`, right after making an article: keep it as it is now."""
        self._store(path, article)
        made = self.as_made[path] = {
            name: _copied(value) for name, value in vars(article).items() if name not in PER_BUILD
        }
        self.mutable[path] = tuple(name for name, kept in made.items() if isinstance(kept, MUTABLE))
        self.said[path] = self.heard.records[self.reading_from :]
        self.files[id(article)] = path
        self.located.pop(path, None)
        self.linked.pop(path, None)

    def add_source_path(self, content, static=False) -> None:
        """Pelican's `add_source_path`, with the relative path worked out once per file
        made: an article given back has the same source path, under the same settings."""
        path = self._file(content)
        if path is None:
            self._add_source_path(content, static)
            return
        location = self.located.get(path)
        if location is None:
            location = self.located[path] = content.get_relative_source_path()
        table = "static_content" if static else "generated_content"
        self.generator.context[table][location] = content

    def add_static_links(self, content) -> None:
        """Pelican's `add_static_links`, with the links found once per file made: an
        article given back has the very same HTML."""
        path = self._file(content)
        if path is None:
            self._add_static_links(content)
            return
        links = self.linked.get(path)
        if links is None:
            links = self.linked[path] = frozenset(content.get_static_links())
        self.generator.context["static_links"] |= links

    def _file(self, content) -> str | None:
        """The file of an article of this build whose filing Pelican's own methods
        work out (so the answers hold as long as the article is the same)."""
        path = self.files.get(id(content))
        return path if path is not None and _files_plainly(content) else None

    def finish(self) -> None:
        """Pelican's loop is over: stop listening, forget the files it no longer found."""
        self._listen(False)
        for path in set(self.cache).difference(self.asked):
            del self.cache[path], self.as_made[path], self.mutable[path], self.said[path]
            self.located.pop(path, None)
            self.linked.pop(path, None)

    def _listen(self, on: bool = True) -> None:
        root = logging.getLogger()
        if self.heard is not None:  # (still there when the last build failed while reading)
            root.removeHandler(self.heard)
        self.heard = Collector() if on else None
        if on:
            root.addHandler(self.heard)


def _files_plainly(article) -> bool:
    """Whether Pelican's own methods work out where an article is filed and what
    static files it links to (so the answers hold as long as it is the same)."""
    kind = type(article)
    return (
        kind.get_relative_source_path is Content.get_relative_source_path
        and kind.get_static_links is Content.get_static_links
        and not {"get_relative_source_path", "get_static_links"} & vars(article).keys()
    )


def unmarked_receiver() -> str | None:
    """A receiver of a read-time signal that must hear every file, if any."""
    for sent in READ_TIME:
        for receiver in listeners(sent):
            if not getattr(receiver, LASTS_WITH_CONTENT, False):
                return f"{describe_listener(receiver)} listens to {sent.name}"
    return None


def keep_articles(generator, settings_digest: str, url_memo: urls.Memo) -> KeptArticles | None:
    """In a live session, have the articles generator keep its articles for the next build."""
    settings = generator.settings
    memory = settings.get("ENGINE_MEMORY")
    if memory is None or not settings.get("CACHE_CONTENT"):
        return None
    if settings.get("CONTENT_CACHING_LAYER") != "reader":
        return None  # Pelican keeps them itself
    reason = unmarked_receiver()
    if reason is not None:
        if memory.get(NOT_KEPT) != reason:
            log.info("engine: making every article again in each build: %s", reason)
        memory[NOT_KEPT] = reason
        return None
    key = ("articles", settings_digest)
    kept = memory.get(key)
    if kept is None:
        for stale in [other for other in memory if isinstance(other, tuple) and other[0] == key[0]]:
            del memory[stale]  # made with other settings
        kept = memory[key] = KeptArticles()
    # Pelican's memos of each content's HTML and summary would answer for a kept
    # article as last build resolved it.
    compat.forget_rendered_content(summaries=True)
    kept.start(generator, url_memo)
    return kept

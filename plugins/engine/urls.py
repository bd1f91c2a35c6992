"""Work out each article's and page's URL once, not on every mention.

Pelican computes `url` and `save_as` from the URL settings on every access
(copying the metadata and resolving paths each time), through the content's
public `get_url_setting`; plugins and templates mention an article's URL in
its own page, every listing, feed, related-reading block, neighbour link and
address check. Each article and page gets, as soon as it exists
(`content_object_init`), a memo standing in for its `get_url_setting`. The
memo asks Pelican on a miss and keys each answer on everything Pelican's answer
is made of: the key, the content's class, status and language, its slug, date,
author, category and source path, and the metadata the site's URL settings
name. Whatever a plugin changes later (a slug, a category), the next mention
misses and asks Pelican again, so the answer is always Pelican's own.

Once Pelican asks for a writer, every plugin has had its say: unless another
plugin listens while pages are written, the memo settles (`Memo.settle`) and each
content then answers each key as it did the first time, without working the
key's inputs out again.

One memo serves a whole build; a long-lived process (`nextsale.live`) passes
the same memo from build to build (`ENGINE_MEMORY`), so an unchanged article's
URL is not worked out again after an edit. Pelican's `override_url` and
`override_save_as` are never set, so the writer's overwrite protection and
every plugin see the content exactly as Pelican made it; a content that has
them set is answered by Pelican directly.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

from pelican.contents import Page

from nextsale import compat

# The lists Pelican's articles and pages generators keep their content in.
CONTENT_LISTS = (
    "articles",
    "translations",
    "drafts",
    "drafts_translations",
    "hidden_articles",
    "hidden_translations",
    "pages",
    "hidden_pages",
    "draft_pages",
    "draft_translations",
)

# What Pelican's `url_format` puts over the metadata (each also in the key).
OWN_FIELDS = {"path", "slug", "lang", "date", "author", "category"}

# The settings Pelican makes a tag's, category's or author's slug with, from its name.
SLUG_SETTINGS = (
    "SLUG_REGEX_SUBSTITUTIONS",
    "AUTHOR_REGEX_SUBSTITUTIONS",
    "CATEGORY_REGEX_SUBSTITUTIONS",
    "TAG_REGEX_SUBSTITUTIONS",
    "SLUGIFY_PRESERVE_CASE",
    "SLUGIFY_USE_UNICODE",
)


class Memo:
    """The URL answers of one build (or of one live session's builds), by their inputs."""

    def __init__(self, settings: dict, kept: dict | None = None) -> None:
        patterns = sorted(
            (name, str(value))
            for name, value in settings.items()
            if name.endswith(("_URL", "_SAVE_AS")) and isinstance(value, str)
        )
        # Metadata fields that some URL setting names, beyond Pelican's own fields.
        fields = set()
        self.pages_dated = False
        for setting, pattern in patterns:
            named = {
                name.split(".")[0].split("[")[0]
                for _, name, _, _ in string.Formatter().parse(pattern)
                if name
            }
            fields |= named
            # A page has no date: Pelican formats the time of the call into a
            # page URL that names the date, so such answers cannot be kept.
            self.pages_dated |= "PAGE" in setting and "date" in named
        self.fields = tuple(sorted(fields - OWN_FIELDS))
        self.settings = settings
        # Answers depend on the URL settings, on the content folder a source path
        # is relative to and on how slugs are made: other settings, other answers.
        self.slugs_made_by = _slug_settings(settings)
        kept = {} if kept is None else kept
        self.answers: dict = kept.setdefault(
            ("urls", tuple(patterns), settings.get("PATH"), repr(self.slugs_made_by)), {}
        )
        # Set once nothing can change a URL for the rest of the build (see settle).
        self.settled = False
        self._alike: dict[int, tuple[Any, bool]] = {}  # see slugs_alike

    def slugs_alike(self, settings: Any) -> bool:
        """Whether a tag's, category's or author's `settings` make slugs from names
        as this build's do. A live session's kept articles keep the tags, category
        and author objects of the build that made them, with that build's settings:
        their answers then have the same key as in that build."""
        if settings is self.settings:
            return True
        known = self._alike.get(id(settings))
        if known is None or known[0] is not settings:
            alike = isinstance(settings, dict) and _slug_settings(settings) == self.slugs_made_by
            known = self._alike[id(settings)] = (settings, alike)  # held: its id stays its own
        return known[1]

    def settle(self) -> None:
        """From now on, each content answers each key as it did the first time.

        The engine settles the memo when Pelican asks for a writer: every plugin
        has had its say, and none listens while pages are written. Writing then
        mentions every URL many times (listings, feeds, the sitemap, the page
        memo's link checks) without working out its inputs again.
        """
        self.settled = True


def _slug_settings(settings: dict) -> list:
    """The values of the settings slugs are made with (`SLUG_SETTINGS`)."""
    return [settings.get(name) for name in SLUG_SETTINGS]


def slug_made_of(wrapper: Any, alike: Callable[[Any], bool] | None = None) -> Any:
    """What a tag's, category's or author's slug is made of: (its class, its name)
    when Pelican makes the slug from the name (with settings `alike` accepts,
    when given), else the slug itself; None for no wrapper.

    Pelican gives every article it makes new tag, author and category objects,
    and each works its slug out again (slugify) when first asked; the
    name says the same without asking. (What a page shows of the author is
    noted through the article's `author` anyway.)
    """
    if wrapper is None:
        return None
    source = compat.slug_source(wrapper)
    if source is not None and (alike is None or alike(source[1])):
        return (type(wrapper), source[0])
    return getattr(wrapper, "slug", None)


class RememberedUrls:
    """Stands in for one content's `get_url_setting`, asking Pelican on a miss."""

    __slots__ = ("compute", "content", "made_of", "memo", "settled")

    def __init__(self, content, memo: Memo) -> None:
        self.compute = content.get_url_setting
        self.content = content
        self.memo = memo
        self.settled: dict[str, str] | None = None  # answers given since the memo settled
        self.made_of: tuple | None = None  # what every answer is made of, once settled

    def inputs(self, key: str) -> tuple | None:
        """Everything Pelican's answer for `key` is made of; None when it cannot be memoized."""
        content = self.content
        if hasattr(content, "override_" + key):
            return None
        made_of = self.made_of if self.memo.settled else None
        if made_of is None:
            made_of = self._made_of()
            if self.memo.settled:
                self.made_of = made_of  # (nothing changes once settled: one for every key)
        return None if made_of is None else (key, *made_of)

    def _made_of(self) -> tuple | None:
        """What Pelican's answer for any key is made of, but the key."""
        content = self.content
        date = getattr(content, "date", None)
        if date is None and (self.memo.pages_dated or not isinstance(content, Page)):
            return None  # Pelican would format the time of the call
        metadata = content.metadata
        memo = self.memo
        return (
            type(content),
            content.status,
            content.in_default_lang,
            getattr(content, "slug", ""),
            getattr(content, "lang", "en"),
            type(date),
            date,
            getattr(date, "tzinfo", None),
            # (with settings that make slugs as the build's do: these answers outlive the build)
            slug_made_of(getattr(content, "author", None), memo.slugs_alike),
            slug_made_of(getattr(content, "category", None), memo.slugs_alike),
            metadata.get("path"),
            content.source_path,  # (the relative path is made of it and the content folder)
            tuple([metadata.get(name) for name in memo.fields]) if memo.fields else (),
        )

    def __call__(self, key: str) -> str:
        if self.memo.settled:
            settled = self.settled
            if settled is None:
                settled = self.settled = {}
            try:
                return settled[key]
            except KeyError:
                inputs = self.inputs(key)
                value = self._answer(key, inputs)
                if inputs is not None:  # (else Pelican answers every time)
                    settled[key] = value
                return value
        return self._answer(key, self.inputs(key))

    def _answer(self, key: str, inputs: tuple | None) -> str:
        if inputs is None:
            return self.compute(key)
        answers = self.memo.answers
        try:
            return answers[inputs]
        except KeyError:
            value = answers[inputs] = self.compute(key)
            return value
        except TypeError:  # metadata a URL names that cannot be a key (a list)
            return self.compute(key)


def remember(content, memo: Memo) -> bool:
    """Give one article or page its URL memo; False when it already has one."""
    if isinstance(content.get_url_setting, RememberedUrls):
        return False
    content.get_url_setting = RememberedUrls(content, memo)
    return True


def remember_all(generators, memo: Memo) -> int:
    """Give every article and page that has none its URL memo; return how many got one."""
    count = 0
    for generator in generators:
        for name in CONTENT_LISTS:
            for content in getattr(generator, name, None) or ():
                count += remember(content, memo)
    return count

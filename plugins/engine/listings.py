"""Answer "is this article in that tag's list?" at once instead of by scanning.

For every tag, category and author page, Pelican picks the articles of the
site's date list that are in the page's list, one `in` test per article: a
scan of that list each time, so the work grows with the square of the site
(about five seconds at 10,000 articles, in every build, even when only one
page is rendered). Just before writing, the engine gives each of those lists
the same items, in the same order, in a list that answers `in` from a set of
its items' identities. Articles compare by identity (Pelican's contents
define no equality), so every answer is the one the scan would give; a list
holding anything that defines its own equality is scanned as before.
"""

from __future__ import annotations

from itertools import groupby
from operator import attrgetter
from typing import Any


def _plain_equality(value: Any) -> bool:
    return type(value).__eq__ is object.__eq__


class Members(list):
    """A list whose `in` looks its items up by identity (see the module's docstring)."""

    __slots__ = ("_ids",)

    def __init__(self, items=()) -> None:
        super().__init__(items)
        self._ids: set[int] | None = None

    def __contains__(self, item: Any) -> bool:
        ids = self._ids
        if ids is None:
            if not all(_plain_equality(value) for value in self):
                return super().__contains__(item)
            ids = self._ids = {id(value) for value in self}
        if id(item) in ids:
            return True
        return False if _plain_equality(item) else super().__contains__(item)


# Whatever changes the items forgets the set; it is made again when next asked.
CHANGES = (
    "append",
    "extend",
    "insert",
    "remove",
    "pop",
    "clear",
    "__setitem__",
    "__delitem__",
    "__iadd__",
    "__imul__",
)


def _forgetting(name: str):
    method = getattr(list, name)

    def changed(self, *args):
        self._ids = None
        return method(self, *args)

    changed.__name__ = changed.__qualname__ = name
    return changed


for _name in CHANGES:
    setattr(Members, _name, _forgetting(_name))


def index(generators) -> int:
    """Give every tag's, category's and author's article list its set; return how many."""
    count = 0
    for generator in generators:
        tags = getattr(generator, "tags", None)
        if isinstance(tags, dict):
            for tag, articles in tags.items():
                if type(articles) is list:
                    tags[tag] = Members(articles)
                    count += 1
        for name in ("categories", "authors"):
            pairs = getattr(generator, name, None)
            if not isinstance(pairs, list):
                continue
            for number, pair in enumerate(pairs):
                if isinstance(pair, tuple) and len(pair) == 2 and type(pair[1]) is list:
                    pairs[number] = (pair[0], Members(pair[1]))
                    count += 1
    return count


def period_archives(pelican_s_own):
    """Pelican's year, month and day archives, each period's articles found at once.

    Pelican picks each period's articles with one `in` test of the period's
    list per article of the site: the work grows with the square of the site
    (about two seconds at 10,000 articles). Here Pelican builds every archive
    with no articles to pick from (its names, URLs and dates as ever), and
    each archive then gets the site's articles that are among its dates, in
    the site's order: by identity, which is what the scan compares when no
    item defines its own equality (otherwise Pelican's own way is kept).
    """

    def build(sorted_articles, articles, settings):
        if not all(_plain_equality(article) for article in articles):
            return pelican_s_own(sorted_articles, articles, settings)
        archives = pelican_s_own(sorted_articles, [], settings)
        place = {id(article): number for number, article in enumerate(articles)}
        for periods in archives.values():
            for archive in periods:
                found = {place[id(a)]: a for a in archive["dates"] if id(a) in place}
                archive["articles"] = [found[number] for number in sorted(found)]
        return archives

    return build


def translations_by_group(own):
    """Pelican's `process_translations`, run on each group of contents sharing a
    translation id in turn.

    Pelican sorts the contents by translation id, finds each group's originals,
    then finds the translations by looking every content up in the list of all
    originals: a scan per content (half a second a build at 10,000 articles).
    Run on one group at a time, Pelican's own function gives each group's
    originals and translations, the same attributes and the same warnings;
    joined in the order of the groups, they are its answer for the whole list,
    since contents compare by identity. Anything that defines its own equality
    goes to Pelican's function whole."""

    def process_translations(content_list, translation_id=None):
        if not translation_id or not all(map(_plain_equality, content_list)):
            return own(content_list, translation_id)
        names = {translation_id} if isinstance(translation_id, str) else translation_id
        key = attrgetter(*names)
        try:
            content_list.sort(key=key)
        except (TypeError, AttributeError):
            return own(content_list, translation_id)  # (which says what is wrong)
        originals, translations = [], []
        for _, group in groupby(content_list, key):
            found = own(list(group), translation_id)
            originals += found[0]
            translations += found[1]
        return originals, translations

    return process_translations

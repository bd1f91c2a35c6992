"""Related reading kept from one build to the next of a live session.

An article's related reading depends only on its own tags and on the tags,
dates and slugs of every published article (and on the two limits). While
those are all the same as in the previous build, as after an edit of one
article's body, each article's list is the one found last time, as source
paths mapped back to this build's articles.

When the same articles are published but some changed their tags, only the
articles sharing a tag with them (before or after the change) are searched
again. Any other article's candidates are the same articles, with the same
tags, weighed the same (a tag's weight depends only on how many articles have
it, and how many there are), in the same order relative to each other (the
changed articles move, the others keep theirs). A new, deleted or published
article changes every weight: everything is searched again.

An article that only moved in the newest-first order (a new date or slug, the
same tags) changes no weight and no other article's order: a list that does
not hold it, and that it cannot now enter (it scores less for that article
than the list's last), is still the list a search would find. Only the lists
that hold it or that it may enter are searched again, and every list of a tag
whose scanned entries (the newest `scan` + 1) are no longer the same articles.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

KEY = "taxonomy related"
# Scores closer than this are taken as a tie (the search rounds them to 9 places):
# the order then rests on dates, and the list is searched again.
TOO_CLOSE = 1e-6
PATHS = "taxonomy source paths"


class RelatedMemo:
    """The related reading of the previous build, while it still holds."""

    def __init__(
        self,
        memory: dict | None,
        published: Sequence[Any],
        limits: tuple,
        postings: Mapping[str, Sequence[Any]] | None = None,
        weights: Mapping[str, float] | None = None,
    ) -> None:
        """`limits`: (related, scan). With the search's `postings` (tag -> articles,
        newest first) and tag `weights`, an article that only moved is told apart."""
        self.memory = memory if isinstance(memory, dict) else None
        self.weights = weights
        self.moved: dict[str, frozenset[str]] = {}  # source path -> its tags
        self.found: dict[tuple, tuple[str, ...]] = {}
        self.kept: dict[tuple, tuple[str, ...]] = {}
        self.by_path: dict[str, Any] = {}
        self.paths: dict[tuple, str] = {}
        if self.memory is None:
            return
        self.cwd = str(Path.cwd())
        self.kept_paths = self.memory.get(PATHS) or {}
        self.memory[PATHS] = self.paths
        by_path = {article.source_path: article for article in published}
        if len(by_path) != len(published):
            self.memory.pop(KEY, None)
            self.memory = None  # two articles from one file: not worth the risk
            return
        self.by_path = by_path
        # What each article's place and tags in the search are made of, by source path.
        self.site = (
            limits,
            {
                article.source_path: (
                    article.slug,
                    article.date,  # (equal dates in two zones differ by the zone next)
                    article.date.tzinfo,
                    tuple(tag.slug for tag in getattr(article, "tags", ())),
                )
                for article in published
            },
        )
        # Tags whose articles or weights changed: an article with one is searched again.
        self.stirred: set[str] = set()
        heads = None
        if postings is not None and weights is not None:
            scanned = limits[1] + 1
            heads = {
                slug: frozenset(other.source_path for other in items[:scanned])
                for slug, items in postings.items()
            }
        previous = self.memory.get(KEY)
        if previous is not None and previous[0][0] == limits:
            before, now = previous[0][1], self.site[1]
            if before.keys() == now.keys():
                for path, (*_, tags) in now.items():
                    if before[path] == now[path]:
                        continue
                    if heads is not None and before[path][3] == tags:
                        self.moved[path] = frozenset(tags)
                    else:
                        self.stirred.update(tags, before[path][3])
                if self.moved:  # a move may change which articles a long tag's scan reads
                    last_heads = previous[2] or {}
                    self.stirred.update(
                        slug
                        for slug in heads.keys() | last_heads.keys()
                        if heads.get(slug) != last_heads.get(slug)
                    )
                self.kept = previous[1]
        self.memory[KEY] = (self.site, self.found, heads)

    def related(self, article: Any, slugs: list[str], find: Callable, **limits) -> list:
        """The article's related articles: as found last time, or `find(**limits)`."""
        if self.memory is None:
            return find(**limits)
        key = (article.source_path, tuple(slugs))
        paths = self.kept.get(key)
        if (
            paths is not None
            and not self.stirred.intersection(slugs)
            and not self._moved_into(article, slugs, paths, limits.get("limit"))
        ):
            related = [self.by_path.get(path) for path in paths]
            if all(other is not None and other is not article for other in related):
                self.found[key] = paths
                return related
        related = find(**limits)
        self.found[key] = tuple(other.source_path for other in related)
        return related

    def _moved_into(self, article: Any, slugs: list[str], paths: tuple, limit: int | None) -> bool:
        """Whether an article that only moved may change this list (see the module's
        docstring): it is in it, or it is this article, or the list is short, or it
        scores for this article about as much as the list's last, or more."""
        if not self.moved:
            return False
        mine = set(slugs)
        last = None
        for path, tags in self.moved.items():
            shared = mine & tags
            if not shared:
                continue  # not a candidate
            if path == article.source_path or path in paths or not paths or limit is None:
                return True
            if len(paths) < limit:
                return True
            if last is None:
                last = self._score(mine, self.site[1][paths[-1]][3])
            if self._score(mine, shared) > last - TOO_CLOSE:
                return True
        return False

    def _score(self, mine: set[str], tags) -> float:
        return sum(self.weights.get(slug, 0.0) for slug in mine.intersection(tags))

    def source(self, article: Any) -> str:
        """`article.get_relative_source_path()`, kept by what it is made from."""
        if self.memory is None:
            return article.get_relative_source_path()
        where = article.settings.get("PATH")
        if where is None:
            return article.get_relative_source_path()
        key = (article.source_path, where, self.cwd)
        path = self.kept_paths.get(key) or self.paths.get(key)
        if path is None:
            path = article.get_relative_source_path()
        self.paths[key] = path
        return path

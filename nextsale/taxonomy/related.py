"""Related reading kept from one build to the next of a live session.

An article's related reading depends only on its own tags and on the tags,
dates and slugs of every published article (and on the two limits). While
those are all the same as in the previous build, as after an edit of one
article's body, each article's list is the one found last time, as source
paths mapped back to this build's articles. Any change to them starts afresh.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

KEY = "taxonomy related"
PATHS = "taxonomy source paths"


class RelatedMemo:
    """The related reading of the previous build, while it still holds."""

    def __init__(self, memory: dict | None, published: Sequence[Any], limits: tuple) -> None:
        self.memory = memory if isinstance(memory, dict) else None
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
        self.site = (
            limits,
            tuple(
                (
                    article.source_path,
                    article.slug,
                    article.date.isoformat(),
                    article.date.tzinfo,
                    tuple(tag.slug for tag in getattr(article, "tags", ())),
                )
                for article in published
            ),
        )
        previous = self.memory.get(KEY)
        if previous is not None and previous[0] == self.site:
            self.kept = previous[1]
        self.memory[KEY] = (self.site, self.found)

    def related(self, article: Any, slugs: list[str], find: Callable, **limits) -> list:
        """The article's related articles: as found last time, or `find(**limits)`."""
        if self.memory is None:
            return find(**limits)
        key = (article.source_path, tuple(slugs))
        paths = self.kept.get(key)
        if paths is not None:
            related = [self.by_path.get(path) for path in paths]
            if all(other is not None and other is not article for other in related):
                self.found[key] = paths
                return related
        related = find(**limits)
        self.found[key] = tuple(other.source_path for other in related)
        return related

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

"""The `feeds` template variable: which feeds exist, for autodiscovery and subscribe links."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nextsale.feeds import LABEL, MIME

if TYPE_CHECKING:
    from .config import FeedsConfig


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
                self._link(f"{cfg.newsletter_title} (RSS)", "rss", cfg.newsletter_feed)
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

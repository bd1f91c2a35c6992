"""The `feeds` template variable: which feeds exist, for autodiscovery and subscribe links."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nextsale.feeds import LABEL, MIME

if TYPE_CHECKING:
    from .config import FeedsConfig


class FeedLinks:
    """The `feeds` template variable: autodiscovery and subscribe links.

    `site` lists the site-wide feeds; `tag(slug)`, `category(slug)` and
    `topic(slug)` list one term's feeds. URLs are site-relative, like Pelican's.
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
        # The site's own feeds, without the newsletter's.
        self.posts: list[dict[str, str]] = list(self.site)
        self.newsletter: dict[str, str] | None = None
        if cfg.newsletter_feed:
            self.newsletter = self._link(
                f"{cfg.newsletter_title} (RSS)", "rss", cfg.newsletter_feed
            )
            self.site.append(self.newsletter)

    @staticmethod
    def _link(title: str, kind: str, url: str) -> dict[str, str]:
        # `format` is the plain name a list of feeds shows ("Atom", "RSS").
        return {"title": title, "type": MIME[kind], "url": url, "format": LABEL[kind]}

    def set_names(
        self, tags: dict[str, str], categories: dict[str, str], topics: dict[str, str] | None = None
    ) -> None:
        """Record which tags, categories and topics have feeds, with display names."""
        self._names = {"tag": tags, "category": categories, "topic": topics or {}}

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

    def topic(self, slug: str) -> list[dict[str, str]]:
        return self._term("topic", slug, {"atom": self._cfg.topic_atom, "rss": self._cfg.topic_rss})

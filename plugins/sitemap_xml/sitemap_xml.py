"""Write sitemap.xml from the content itself, so it is absolute and reproducible.

The official sitemap plugin lists whatever files were written, uses the
(empty, in development) SITEURL and stamps listing pages with the build time,
so two builds of the same content differ. Here every URL is absolute (from
SITE_CANONICAL_URL) and every `lastmod` comes from content dates: an article's
modified/published date, a listing's newest article.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from xml.sax.saxutils import escape

from pelican import signals

from nextsale.site import PreparedOutput, plugin_enabled, write_generated

log = logging.getLogger(__name__)

DEFAULTS = {"SITEMAP_SAVE_AS": "sitemap.xml"}


def _updated(article) -> object:
    return getattr(article, "modified", None) or article.date


def sitemap_entries(context: dict) -> list[tuple[str, object | None]]:
    """(site-relative URL, lastmod or None) for every public page of the site."""
    articles = context.get("articles", [])
    # Each article's date is looked up once: listings name every article several times.
    updated = {id(a): _updated(a) for a in articles}

    def newest(listed: Iterable) -> object | None:
        return max((updated.get(id(a)) or _updated(a) for a in listed), default=None)

    entries = [("", max(updated.values(), default=None))]
    entries += [(a.url, updated[id(a)]) for a in articles]
    entries += [
        (p.url, getattr(p, "modified", None) or getattr(p, "date", None))
        for p in context.get("pages", [])
    ]
    for key in ("tags", "categories", "authors"):
        for wrapper, listed in context.get(key, []):
            entries.append((wrapper.url, newest(listed)))
    for topic in context.get("topics", []) or []:
        entries.append((topic.url, newest(getattr(topic, "articles", []))))
    settings_urls = ("ARCHIVES_URL", "TAGS_URL", "CATEGORIES_URL", "AUTHORS_URL")
    entries += [(context[name], entries[0][1]) for name in settings_urls if context.get(name)]
    return sorted(set(entries), key=lambda entry: entry[0])


def render_sitemap(entries: list[tuple[str, object | None]], base_url: str) -> str:
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for url, lastmod in entries:
        lines.append(
            f"<url><loc>{escape(f'{base_url}/{url}')}</loc>"
            + (f"<lastmod>{lastmod.isoformat()}</lastmod>" if lastmod else "")
            + "</url>"
        )
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


class SitemapGenerator(PreparedOutput):
    """Pelican generator: runs after the content generators have filled the context."""

    def __init__(self, context, settings, path, theme, output_path, *args, **kwargs):
        self.context, self.settings, self.output_path = context, settings, output_path

    def work_out_output(self) -> list[tuple[str, object | None]]:
        """The sitemap's entries (see PreparedOutput)."""
        return sitemap_entries(self.context)

    def generate_output(self, writer) -> None:
        entries = self.prepared_output()
        base = (self.settings.get("SITE_CANONICAL_URL") or self.settings["SITEURL"]).rstrip("/")
        save_as = self.settings.get("SITEMAP_SAVE_AS", DEFAULTS["SITEMAP_SAVE_AS"])
        write_generated(self.output_path, save_as, render_sitemap(entries, base).encode("utf-8"))
        log.info("sitemap_xml: %d URLs in %s", len(entries), save_as)


def get_generators(pelican):
    return SitemapGenerator if plugin_enabled(pelican.settings, "sitemap_xml") else None


def register() -> None:
    # A generator of our own runs after articles and pages are read.
    signals.get_generators.connect(get_generators)

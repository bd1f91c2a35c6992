"""The guidance contract: where each article sends the reader next, and what that block is called.

The taxonomy plugin chooses, for every article, the repeat-business guidance its
tags lead to and stores it as `article.guidance`: an object with `title`, `url`
(site-relative, as Pelican writes it), `cta` (a short call to action, may be
empty) and truth meaning "there is something to link to". The feeds and the
newsletter read it only through `guidance_link` and `guidance_links`, so this is
the one place that says what the attribute holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# The heading of the block that ends every article, feed item and newsletter issue.
HEADING = "Keep them coming back"

# The attribute the taxonomy sets on each article.
ATTRIBUTE = "guidance"


@dataclass(frozen=True)
class GuidanceLink:
    """One guidance target as plain data: safe to render, pickle or compare."""

    title: str
    url: str  # site-relative, without a leading slash
    cta: str = ""


def _field(entry: Any, name: str) -> Any:
    if isinstance(entry, Mapping):
        return entry.get(name)
    return getattr(entry, name, None)


def as_link(entry: Any) -> GuidanceLink | None:
    """Read one guidance value (an object or a mapping) as a link, or None."""
    if not entry:
        return None
    url, title = _field(entry, "url"), _field(entry, "title")
    if not url or not title:
        return None
    return GuidanceLink(str(title), str(url).lstrip("/"), str(_field(entry, "cta") or ""))


def guidance_link(article: Any) -> GuidanceLink | None:
    """The guidance chosen for one article, or None when it has none."""
    value = getattr(article, ATTRIBUTE, None)
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return as_link(value)


def guidance_links(articles: Iterable[Any]) -> list[GuidanceLink]:
    """Every distinct guidance of these articles, in article order."""
    found: dict[str, GuidanceLink] = {}
    for article in articles:
        value = getattr(article, ATTRIBUTE, None)
        for entry in value if isinstance(value, list | tuple) else [value]:
            link = as_link(entry)
            if link is not None:
                found.setdefault(link.url.strip("/"), link)
    return list(found.values())


# The name templates read HEADING by, so no template spells the heading itself.
TEMPLATE_GLOBAL = "GUIDANCE_HEADING"


def expose_heading(generator: Any) -> None:
    """Give every template of a Pelican generator the heading, as GUIDANCE_HEADING.

    For Pelican's `generator_init` signal. A constant is harmless in any build,
    so the plugins that render guidance connect it without checking PLUGINS.
    """
    generator.env.globals[TEMPLATE_GLOBAL] = HEADING

"""The intro of an issue: its Markdown converted like an article's, its content links resolved.

The plugin sanitises the result for each destination (the page profile for the
web page, the email profile for the email and the feed).
"""

from __future__ import annotations

import logging
import posixpath
import re
from typing import Any

from bs4 import BeautifulSoup
from markdown import Markdown
from pelican.urlwrappers import Author, Category, Tag

from nextsale import links
from nextsale.newsletter.issues import Issue

log = logging.getLogger(__name__)

INTRASITE_RE = re.compile(
    r"^[{|](?P<what>filename|static|attach|tag|category|author|index)[|}](?P<value>.*)$"
)


def markdown_renderer(settings: dict[str, Any]) -> Markdown:
    """A Markdown converter configured like Pelican's reader (without the meta extension)."""
    md_settings = dict(settings.get("MARKDOWN") or {})
    configs = {
        name: conf
        for name, conf in (md_settings.get("extension_configs") or {}).items()
        if not name.endswith(".meta")
    }
    extensions = [e for e in md_settings.get("extensions", []) if not str(e).endswith(".meta")]
    extensions += [name for name in configs if name not in extensions]
    return Markdown(
        extensions=extensions,
        extension_configs=configs,
        output_format=md_settings.get("output_format", "html5"),
    )


def resolve_links(html: str, issue: Issue, siteurl: str, context: dict, settings: dict) -> str:
    """Replace {filename}, {static}, {tag}... links the way Pelican does for articles."""
    soup = BeautifulSoup(html, "html.parser")
    generated = context.get("generated_content", {})
    static = context.get("static_content", {})
    for element in soup.find_all(["a", "img"]):
        attr = "href" if element.name == "a" else "src"
        match = INTRASITE_RE.match(element.get(attr, ""))
        if not match:
            continue
        what, value = match["what"], match["value"]
        path, _, fragment = value.partition("#")
        if what in links.TABLES:
            folder = posixpath.dirname(issue.source_path)
            # As Pelican does: the kind's own table first, then the other one.
            target = (
                links.find_target(value, folder, context.get(links.TABLES[what], {}))
                or links.find_target(value, folder, generated)
                or links.find_target(value, folder, static)
            )
            if target is None:
                log.error(
                    "Newsletter: %s: the link '%s' points to nothing in the content folder; "
                    "fix the path (it is relative to the issue file, "
                    "or to content/ with a leading /)",
                    issue.source_path,
                    element[attr],
                )
                continue
            target_url = target.url
        elif what == "tag":
            target_url = Tag(path, settings).url
        elif what == "category":
            target_url = Category(path, settings).url
        elif what == "author":
            target_url = Author(path, settings).url
        else:
            target_url = ""
        href = f"{siteurl}/{target_url}" if siteurl else target_url
        element[attr] = href + (f"#{fragment}" if fragment else "")
    return str(soup)

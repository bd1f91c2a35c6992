"""HTML for the importer: a page's own metadata markup and what the sanitiser drops.

`html_metadata` reads the heuristics of old themes (post-title classes,
`.vcard .fn`, date headers, `rel=tag`); `record_dangerous` lists what the
sanitiser will take out; `nesting_depth` guards against markup too deep to
walk. Saved pages are read by `nextsale.importer.saved`, bodies converted by
`nextsale.importer.convert`.
"""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag

from nextsale.cruft.rules import normalise
from nextsale.sanitise import PROFILES

from .model import FileReport
from .text import as_name, parse_date

# Elements the sanitiser drops with their content; each one is listed in the report.
DANGEROUS_TAGS = sorted(PROFILES["import"].drop_with_content)
AUTHOR_SELECTORS = (
    ".author .fn",
    ".vcard .fn",
    ".post-author .fn",
    ".post-footer .fn",
    "[rel~=author]",
    ".byline .author",
    ".fn",
)
# Elements nested deeper than this are refused: converting them would exhaust
# Python's recursion limit, and finding the post in them takes time that grows
# with the square of the depth.
MAX_DEPTH = 400


def html_metadata(soup: BeautifulSoup) -> dict:
    """Read title, date, author and tags from a page's own markup."""
    meta: dict = {}
    heading = _first(soup, (".entry-title", ".post-title", "article h1", "h1"))
    og_title = soup.find("meta", attrs={"property": "og:title"})
    if heading is not None:
        meta["title"] = normalise(heading.get_text())
    elif og_title and og_title.get("content"):
        meta["title"] = normalise(og_title["content"])
    elif soup.title and normalise(soup.title.get_text()):
        meta["title"] = normalise(soup.title.get_text()).split(" | ")[0]
    candidates = [t.get("datetime", "") for t in soup.find_all("time")]
    published = soup.find("meta", attrs={"property": "article:published_time"})
    if published:
        candidates.insert(0, published.get("content", ""))
    candidates += [a.get("title", "") for a in soup.select("abbr.published")]
    candidates += [el.get_text(" ") for el in soup.select(".date-header, .published, .entry-date")]
    for candidate in candidates:
        found = parse_date(candidate) if candidate else None
        if found:
            meta["date"] = found
            break
    author_meta = soup.find("meta", attrs={"name": "author"})
    author = _first(soup, AUTHOR_SELECTORS)
    if author_meta and as_name(author_meta.get("content", "")):
        meta["author"] = as_name(author_meta["content"])
    elif author is not None and as_name(author.get_text()):
        meta["author"] = as_name(author.get_text())
    tags = [normalise(a.get_text()) for a in soup.select("a[rel~=tag], .post-labels a")]
    if tags:
        meta["tags"] = list(dict.fromkeys(t for t in tags if t))
    return meta


def _first(soup: BeautifulSoup, selectors: tuple[str, ...]) -> Tag | None:
    """Return the first element with text matching the earliest selector."""
    for selector in selectors:
        for el in soup.select(selector):
            if normalise(el.get_text()):
                return el
    return None


def record_dangerous(container: Tag, report: FileReport) -> None:
    """List what the sanitiser will take out, so nothing goes silently."""
    for el in container.find_all(DANGEROUS_TAGS):
        report.remove("sanitiser", f"<{el.name}> element")
    for el in container.find_all(True):
        for attr, value in sorted(el.attrs.items()):
            if attr.lower().startswith("on"):
                report.remove("sanitiser", f"{attr} attribute on <{el.name}>")
            elif isinstance(value, str) and value.strip().lower().startswith(
                ("javascript:", "vbscript:", "data:text")
            ):
                report.remove("sanitiser", f"{attr}={value.strip()[:40]} on <{el.name}>")


def nesting_depth(soup) -> int:
    """How deep elements sit inside one another, found without recursion."""
    deepest, stack = 0, [(soup, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack += [(child, depth + 1) for child in node.children if isinstance(child, Tag)]
    return deepest

"""A saved page's metadata, read from structured data before any heuristic.

The order is the one a page's own publisher vouches for most: JSON-LD
(`BlogPosting`, `Article`, `NewsArticle`…, also inside `@graph`), then Open
Graph and `article:*` properties, `<time datetime>`, `meta name=author` and
`description`, `rel=author` links, then the page's own markup (`html_metadata`:
post-title classes, `.fn`, date headers), and last trafilatura's metadata
finder for what is still missing.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import trafilatura
from bs4 import BeautifulSoup, Comment, Tag

from nextsale.cruft.rules import RuleSet, normalise

from .chrome import is_chrome_element, tokens
from .text import as_name, parse_date

ARTICLE_TYPES = {
    "article", "blogposting", "newsarticle", "techarticle", "reportagenewsarticle",
    "opinionnewsarticle", "analysisnewsarticle", "socialmediaposting", "report",
    "scholarlyarticle", "liveblogposting",
}  # fmt: skip
# Elements whose words are no part of a page's main text.
NOT_MAIN_TEXT = {"nav", "header", "footer", "aside", "script", "style", "noscript", "template",
                 "form", "button", "select", "svg", "iframe", "a", "head", "title"}  # fmt: skip
TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " · ", " :: ", " » ")
BY_RE = re.compile(r"^(?:written\s+|posted\s+)?by\s*:?\s+|^view all posts by\s+", re.I)
URL_IN_NAME_RE = re.compile(r"\s*[(<\[]?\s*(?:https?://|www\.)\S*\s*[)>\]]?")


def _get(soup: BeautifulSoup, *keys: str) -> str | None:
    """Return the content of the first `<meta>` with one of these property/name keys."""
    for key in keys:
        for attr in ("property", "name", "itemprop"):
            el = soup.find("meta", attrs={attr: key})
            if el is not None and normalise(el.get("content") or ""):
                return normalise(el["content"])
    return None


def json_ld_articles(soup: BeautifulSoup) -> list[dict]:
    """Return the JSON-LD objects of article types, in page order (`@graph` flattened)."""
    found: list[dict] = []
    for script in soup.find_all("script", attrs={"type": "application/ld+json"}):
        raw = (script.string or script.get_text() or "").strip()
        raw = raw.removeprefix("<![CDATA[").removesuffix("]]>").strip()
        raw = re.sub(r"^\s*//.*$", "", raw, flags=re.M)  # comment lines some themes add
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack[:0] = item
            elif isinstance(item, dict):
                types = item.get("@type") or []
                types = [types] if isinstance(types, str) else types
                if any(str(t).lower() in ARTICLE_TYPES for t in types):
                    found.append(item)
                if "@graph" in item:
                    stack[:0] = [item["@graph"]]
    return found


def clean_name(text: str | None) -> str | None:
    """Return a person's display name from a byline or an author field, or None."""
    if not text:
        return None
    text = BY_RE.sub("", normalise(text))
    text = URL_IN_NAME_RE.sub(" ", text)
    text = normalise(text).strip(" ,;|")
    return as_name(text)


def _names(value) -> list[str]:
    """Author names from a JSON-LD author value: a string, an object, or a list."""
    values = value if isinstance(value, list) else [value]
    names = []
    for item in values:
        raw = item.get("name") if isinstance(item, dict) else item
        name = clean_name(raw) if isinstance(raw, str) else None
        if name and name not in names:
            names.append(name)
    return names


def _keywords(value) -> list[str]:
    """Tags from JSON-LD keywords: a list or a comma-separated string.

    Platforms put flags there too ("Lite:true"); a "Tag:" prefix names a tag.
    """
    items = value if isinstance(value, list) else str(value or "").split(",")
    tags = []
    for item in items:
        tag = normalise(str(item))
        if tag.lower().startswith("tag:"):
            tag = tag[4:]
        elif ":" in tag:
            continue
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def _date(value) -> object | None:
    return parse_date(str(value)) if value else None


def canonical_url(soup: BeautifulSoup, ld: dict | None = None) -> str | None:
    """The post's own address: `link rel=canonical`, else `og:url`, else JSON-LD's."""
    link = soup.find("link", rel="canonical")
    candidates = [link.get("href") if link else None, _get(soup, "og:url")]
    if ld:
        entity = ld.get("mainEntityOfPage")
        candidates += [ld.get("url"), entity.get("@id") if isinstance(entity, dict) else entity]
    for url in candidates:
        if isinstance(url, str) and urlsplit(url.strip()).scheme in ("http", "https"):
            return url.strip()
    return None


def strip_site_name(title: str, names: list[str]) -> str:
    """Take " | Site", " - Author - Medium" and the like off the end of a title."""
    changed = True
    while changed:
        changed = False
        for sep in TITLE_SEPARATORS:
            head, found, tail = title.rpartition(sep)
            if found and head and any(tail.strip().lower() == n.lower() for n in names if n):
                title, changed = head.strip(), True
    return title


def structured_metadata(soup: BeautifulSoup) -> dict:
    """Read what the page states in JSON-LD, Open Graph and meta elements."""
    meta: dict = {}
    articles = json_ld_articles(soup)
    ld = articles[0] if articles else {}
    publisher = ld.get("publisher")
    site_names = [
        _get(soup, "og:site_name") or "",
        publisher.get("name", "") if isinstance(publisher, dict) else "",
    ]
    title = _get(soup, "og:title", "twitter:title") or normalise(str(ld.get("headline") or ""))
    date = _date(ld.get("datePublished")) or _date(_get(soup, "article:published_time"))
    time = soup.find("time", attrs={"datetime": True})
    date = date or _date(time["datetime"] if time else None) or _date(_get(soup, "date"))
    modified = _date(ld.get("dateModified")) or _date(_get(soup, "article:modified_time"))
    authors = _names(ld.get("author"))
    if not authors:
        og_author = _get(soup, "article:author", "author", "parsely-author")
        authors = [n for n in [clean_name(og_author)] if n]
    if not authors:
        link = soup.find(["a", "link"], rel="author")
        authors = [n for n in [clean_name(link.get_text() if link else "")] if n]
    tags = _keywords(ld.get("keywords"))
    tags += [t["content"] for t in soup.find_all("meta", attrs={"property": "article:tag"})]
    section = ld.get("articleSection")
    section = section[0] if isinstance(section, list) and section else section
    category = normalise(str(section or "")) or _get(soup, "article:section")
    summary = normalise(str(ld.get("description") or "")) or _get(
        soup, "og:description", "description", "twitter:description"
    )
    site_name = next((n for n in site_names if n), None)
    site_names += authors
    values = {
        "title": strip_site_name(title, site_names) if title else None,
        "date": date,
        "modified": modified,
        "author": authors[0] if authors else None,
        "tags": list(dict.fromkeys(normalise(t) for t in tags if normalise(t))),
        "category": category,
        "summary": summary,
        "url": canonical_url(soup, ld),
        "site_name": site_name,
    }
    meta.update({key: value for key, value in values.items() if value})
    return meta


def library_metadata(html: str, url: str | None) -> dict:
    """Read title, author, date and address with trafilatura's metadata finder."""
    try:
        found = trafilatura.extract_metadata(html, default_url=url)
    except (ValueError, TypeError):  # the library gives up on some malformed pages
        return {}
    values = {
        "title": normalise(found.title or ""),
        "author": clean_name((found.author or "").split(";")[0]),
        "date": parse_date(found.date) if found.date else None,
        "url": found.url if urlsplit(found.url or "").scheme in ("http", "https") else None,
    }
    return {key: value for key, value in values.items() if value}


def page_metadata(soup: BeautifulSoup, html: str, heuristics: dict) -> dict:
    """Merge structured data, `heuristics` and trafilatura's finder, in that order."""
    meta = structured_metadata(soup)
    for source in (heuristics, library_metadata(html, meta.get("url"))):
        for key, value in source.items():
            meta.setdefault(key, value)
    if meta.get("title"):
        names = [meta.get("site_name") or "", meta.get("author") or ""]
        meta["title"] = strip_site_name(meta["title"], names)
    return meta


def visible_words(root: Tag, post: Tag, rules: RuleSet) -> int:
    """Count the words a reader sees in `root` as the page's main text: outside
    menus, headers, footers, asides, forms, links, and comment or share sections
    (an element holding the `post` always counts, whatever its class)."""
    holds_post = {id(post), *(id(p) for p in post.parents)}
    count, stack = 0, [root]
    while stack:
        el = stack.pop()
        for child in el.children:
            if isinstance(child, Tag):
                if child.name in NOT_MAIN_TEXT or child.has_attr("hidden"):
                    continue
                cruft = rules.match_element(tokens(child)) or is_chrome_element(child)
                if cruft and id(child) not in holds_post:
                    continue
                stack.append(child)
            elif not isinstance(child, Comment):
                count += len(child.split())
    return count

"""Finding the post in a saved page, then taking its chrome out of it.

The post is found first: an extraction library (trafilatura, else
readability-lxml: `python -m bench.extractors` measures both) finds the page's
main text, and the post's element is the deepest one holding nearly all of it,
widened to the post's own `article` when there is one. Only then are comment
threads, share bars, teaser cards and other chrome taken out, inside that
element, so a theme's class names never remove the post itself (Blogger wraps
every post in `<div class="widget Blog">`).
"""

from __future__ import annotations

import trafilatura
from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from readability import Document
from readability.readability import Unparseable

from nextsale.cruft.rules import RuleSet, normalise

from .chrome import CHROME_RULE, is_card_list, is_chrome_element, is_chrome_line, tokens
from .model import MIN_BODY_WORDS, FileReport

# The post's element holds at least this share of the main text's words.
COVER = 0.9
# Class words of a post's own element (WordPress, Blogger, microformats).
POST_TOKENS = {"hentry", "h-entry", "post", "type-post", "blog-post", "post-outer"}
# Lines this short that the extraction library left out are chrome.
MAX_STRAY_WORDS = 3
# Blocks judged whole when chrome is taken out of a post.
BLOCK_LEAVES = ["p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "span", "section",
                "header", "footer", "figcaption", "dd", "dt", "td"]  # fmt: skip


def main_text(html: str) -> tuple[str, str]:
    """Return (the page's main text, the library that found it).

    trafilatura keeps more of the real text on saved blog pages (see
    `python -m bench.extractors`); readability-lxml is asked when trafilatura
    finds nothing or keeps under half of what readability keeps.
    """
    try:
        found = trafilatura.extract(
            html, include_comments=False, include_tables=True, include_images=False,
            favor_recall=False, deduplicate=False,
        ) or ""  # fmt: skip
    except (ValueError, TypeError):  # the library refuses some malformed pages
        found = ""
    try:
        summary = Document(html).summary(html_partial=True)
        fallback = BeautifulSoup(summary, "html.parser").get_text("\n")
    except (ValueError, TypeError, Unparseable):
        fallback = ""
    if len(found.split()) * 2 < len(fallback.split()):
        return fallback, "readability-lxml"
    return found, "trafilatura"


def _matched_words(root: Tag, kept: str) -> dict[int, int]:
    """Count, per element, the words of its text nodes that the main text holds."""
    counts: dict[int, int] = {}
    order: list[Tag] = []
    stack = [root]
    while stack:
        el = stack.pop()
        order.append(el)
        stack += [c for c in el.children if isinstance(c, Tag)]
    for el in reversed(order):
        total = 0
        for child in el.children:
            if isinstance(child, Tag):
                total += counts.get(id(child), 0)
            elif isinstance(child, NavigableString) and not isinstance(child, Comment):
                text = normalise(str(child))
                if len(text) > 1 and text in kept:
                    total += len(text.split())
        counts[id(el)] = total
    return counts


def find_body(soup: BeautifulSoup, kept: str) -> Tag | None:
    """Find the element holding the post: the deepest one holding nearly all of
    `kept`, the main text an extraction library found in the page."""
    root = soup.body or soup
    kept = normalise(kept)
    counts = _matched_words(root, kept)
    total = counts[id(root)]
    if total < MIN_BODY_WORDS:
        return None
    node = root
    while True:
        children = [c for c in node.children if isinstance(c, Tag)]
        best = max(children, key=lambda c: counts[id(c)], default=None)
        if best is None or counts[id(best)] < COVER * total:
            return node
        node = best


def widen_to_post(container: Tag) -> Tag:
    """Return the post's own element around `container` (an `article`, `.hentry`,
    a schema.org posting) when there is one not much larger: its header and footer
    hold the byline, date and tags, read as metadata and then left out."""
    size = len(container.get_text(" ").split())
    for parent in container.parents:
        if not isinstance(parent, Tag) or parent.name in ("body", "html", "[document]"):
            break
        if len(parent.get_text(" ").split()) > 1.5 * size + 150:
            break
        kinds = str(parent.get("itemtype", "")).lower()
        if parent.name == "article" or tokens(parent) & POST_TOKENS or "posting" in kinds:
            return parent
    return container


def report_outside(soup: BeautifulSoup, container: Tag, rules: RuleSet, report: FileReport):
    """Report the comment threads and share bars of the page outside the post."""
    skip = {id(container), *(id(p) for p in container.parents)}
    skip |= {id(el) for el in container.find_all(True)}
    for el in soup.find_all(True):
        if el.decomposed or id(el) in skip:
            continue
        rule = rules.match_element(tokens(el))
        if rule:
            report.remove(rule, normalise(el.get_text(" ")) or f"<{el.name}> element")
            el.decompose()


def clean_body(container: Tag, kept: str, rules: RuleSet, report: FileReport) -> None:
    """Take comment threads, share bars, teaser cards and other platform chrome
    out of the post's element, reporting each; the element itself always stays."""
    kept = normalise(kept)
    post_words = len(kept.split())
    for el in container.find_all(True):
        if el.decomposed:
            continue
        rule = rules.match_element(tokens(el))
        teasers = is_card_list(el) and len(el.get_text(" ").split()) < post_words / 2
        if rule is None and (is_chrome_element(el) or teasers) and not el.find_parent("blockquote"):
            rule = CHROME_RULE
        if rule:
            report.remove(rule, normalise(el.get_text(" ")) or f"<{el.name}> element")
            el.decompose()
    for img in container.find_all("img"):
        # A tracking pixel: one or two pixels wide or high.
        if any(str(img.get(side, "")).strip() in ("0", "1", "2") for side in ("width", "height")):
            report.remove(CHROME_RULE, img.get("src") or "<img> element")
            img.decompose()
    for link in container.find_all("a"):
        # An icon link (share buttons, "#" anchors) shows nothing a reader could follow.
        if not link.decomposed and not normalise(link.get_text()) and not link.find("img"):
            report.remove(CHROME_RULE, link.get("href") or "<a> element")
            link.decompose()
    for el in container.find_all(True):
        # A bar or counter whose whole text is chrome ("146 Reply", "Share Tweet").
        if el.decomposed or el.find(["img", "pre", "table", "blockquote"]):
            continue
        text = normalise(el.get_text(" "))
        if text and is_chrome_line(text):
            report.remove(CHROME_RULE, text)
            el.decompose()
    for el in container.find_all(BLOCK_LEAVES):
        if el.decomposed or el.find(BLOCK_LEAVES) or el.find_parent(["figure", "pre"]):
            continue
        text = normalise(el.get_text(" "))
        if not text or el.find(["img", "pre", "table"]):
            continue
        # A short line the extraction library left out: a byline, a date, a button
        # (one with a tracking link is left to the cruft rules, which name it).
        stray = len(text.split()) <= MAX_STRAY_WORDS and text not in kept
        stray = stray and not any(rules.is_shortlink(a["href"]) for a in el.find_all(href=True))
        if stray:
            report.remove(CHROME_RULE, text)
            el.decompose()

"""Reading saved HTML pages: finding the post, taking its chrome out, elements into lines.

The post is found first: an extraction library (trafilatura, else
readability-lxml) finds the page's main text, and the post's element is the
deepest one holding nearly all of it. Only then are comment threads, share
bars and other chrome taken out, inside that element, so a theme's class
names never remove the post itself. The element is sanitised with the site's
"import" profile and walked into `Line`s with their Markdown.
"""

from __future__ import annotations

import re

import trafilatura
from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from readability import Document
from readability.readability import Unparseable

from nextsale.cruft.clean import is_dangling, strip_shortlinks
from nextsale.cruft.rules import URL_RE, RuleSet, normalise
from nextsale.sanitise import PROFILES, sanitise

from .chrome import CHROME_RULE, is_card_list, is_chrome_element, is_chrome_line, tokens
from .markdown import md_inline
from .model import MIN_BODY_WORDS, FileReport, ImportFailure, Line
from .page import page_metadata, visible_words
from .text import BULLET_RE, CITE_RE, QUOTED_RE, as_name, parse_date

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
# The post's element holds at least this share of the main text's words.
COVER = 0.9
# Below this share of the page's main text, the body kept is reported incomplete.
MIN_SHARE = 0.4
# Class words of a post's own element (WordPress, Blogger, microformats).
POST_TOKENS = {"hentry", "h-entry", "post", "type-post", "blog-post", "post-outer"}
# Lines this short that the extraction library left out are chrome.
MAX_STRAY_WORDS = 3
# Blocks judged whole when chrome is taken out of a post.
BLOCK_LEAVES = ["p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "span", "section",
                "header", "footer", "figcaption", "dd", "dt", "td"]  # fmt: skip
# Elements nested deeper than this are refused: converting them would exhaust
# Python's recursion limit, and finding the post in them takes time that grows
# with the square of the depth.
MAX_DEPTH = 400
BLOCK_NAMES = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "pre", "div",
    "section", "article", "main", "header", "footer", "figure", "figcaption", "table",
    "tbody", "thead", "tr", "td", "th", "dl", "dt", "dd", "hr",
}  # fmt: skip


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
            report.remove(rule, el.get_text(" ") or f"<{el.name}> element")
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
        if rule is None and (is_chrome_element(el) or teasers):
            rule = CHROME_RULE
        if rule:
            report.remove(rule, el.get_text(" ") or f"<{el.name}> element")
            el.decompose()
    for link in container.find_all("a"):
        # An icon link (share buttons, "#" anchors) shows nothing a reader could follow.
        if not link.decomposed and not normalise(link.get_text()) and not link.find("img"):
            report.remove(CHROME_RULE, link.get("href") or "<a> element")
            link.decompose()
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
        if is_chrome_line(text) or stray:
            report.remove(CHROME_RULE, text)
            el.decompose()


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


class _Inline:
    """Render inline HTML nodes to Markdown and plain text, line by line."""

    def __init__(self, rules: RuleSet, report: FileReport) -> None:
        self.rules, self.report = rules, report
        # Each line: Markdown pieces, text pieces, whether a tracking link was cut.
        self.lines: list[tuple[list[str], list[str], list[bool]]] = [([], [], [])]

    def add(self, md: str, text: str) -> None:
        self.lines[-1][0].append(md)
        self.lines[-1][1].append(text)

    def inner(self, node: Tag) -> tuple[str, str]:
        renderer = _Inline(self.rules, self.report)
        for child in node.children:
            renderer.walk(child)
        if any(cut for _, _, cut in renderer.lines if cut):
            self.lines[-1][2].append(True)
        md = " ".join("".join(m) for m, _, _ in renderer.lines)
        text = " ".join("".join(t) for _, t, _ in renderer.lines)
        return md, text

    def walk(self, node) -> None:
        if isinstance(node, NavigableString):
            text = re.sub(r"\s+", " ", str(node))
            kept, removed = strip_shortlinks(text, self.rules)
            for item in removed:
                self.report.remove("tracking-shortlink", item)
            if removed:
                self.lines[-1][2].append(True)
            self.add(md_inline(kept, line_start=False), kept)
            return
        if node.name == "br":
            self.lines.append(([], [], []))
        elif node.name == "img":
            self.report.remove("image", node.get("alt") or node.get("src") or "image")
        elif node.name == "a" and node.get("href"):
            href = node["href"]
            md, text = self.inner(node)
            if self.rules.is_shortlink(href):
                self.report.remove("tracking-shortlink", href)
                self.lines[-1][2].append(True)
                if not URL_RE.fullmatch(text.strip()):
                    self.add(md, text)
            elif text.strip() == href or not text.strip():
                self.add(f"<{href}>", href)
            else:
                self.add(f"[{md.strip()}]({href})", text)
        elif node.name in ("strong", "b", "em", "i", "code"):
            md, text = self.inner(node)
            if not text.strip():
                self.add(md, text)
                return
            lead = " " if text[:1].isspace() else ""
            trail = " " if text[-1:].isspace() else ""
            if node.name == "code":
                self.add(f"{lead}`{text.strip()}`{trail}", text)
                return
            mark = "**" if node.name in ("strong", "b") else "*"
            self.add(f"{lead}{mark}{md.strip()}{mark}{trail}", text)
        else:
            for child in node.children:
                self.walk(child)

    def result(self, kind: str = "text", level: int = 0) -> list[list[Line]]:
        """Return paragraphs of lines; an empty line (<br><br>) ends a paragraph."""
        paragraphs: list[list[Line]] = [[]]
        for md, text, cut in self.lines:
            plain = normalise("".join(text))
            if not plain:
                if paragraphs[-1]:
                    paragraphs.append([])
                continue
            if any(cut) and is_dangling(plain):
                self.report.remove("tracking-shortlink", plain)
                continue
            line = Line(plain, "".join(md).strip(), kind, level)
            bullet = BULLET_RE.match(plain) if kind == "text" else None
            if bullet:
                line.kind = "item"
                line.text = normalise(bullet.group("text"))
                line.md = re.sub(r"^\s*(?:[•·▪◦‣]|\\\*|\\-|\*|-)\s+", "", line.md)
            paragraphs[-1].append(line)
        return [para for para in paragraphs if para]


def html_paragraphs(root: Tag, rules: RuleSet, report: FileReport) -> list[list[Line]]:
    """Turn sanitised HTML into paragraphs of lines with Markdown rendered."""
    paragraphs: list[list[Line]] = []
    pending: list = []

    def inline(nodes, kind="text", level=0) -> list[list[Line]]:
        renderer = _Inline(rules, report)
        for node in nodes:
            renderer.walk(node)
        return renderer.result(kind, level)

    def one_line(nodes, kind: str, level: int = 0) -> Line | None:
        lines = [line for para in inline(nodes) for line in para]
        if not lines:
            return None
        return Line(" ".join(x.text for x in lines), " ".join(x.md for x in lines), kind, level)

    def flush():
        if pending:
            paragraphs.extend(inline(pending))
            pending.clear()

    def walk(el: Tag) -> None:
        for child in el.children:
            if not isinstance(child, Tag) or child.name not in BLOCK_NAMES:
                pending.append(child)
                continue
            flush()
            name = child.name
            if name in ("p", "dt", "dd", "figcaption", "td", "th"):
                if child.find(BLOCK_NAMES - {"p"}):
                    walk(child)
                else:
                    paragraphs.extend(inline(child.children))
            elif name[0] == "h" and name[1:].isdigit():
                line = one_line(child.children, "heading", int(name[1]))
                if line:
                    paragraphs.append([line])
            elif name in ("ul", "ol"):
                kind = "ordered" if name == "ol" else "item"
                items = []
                for li in child.find_all("li"):
                    nodes = [
                        c
                        for c in li.children
                        if not (isinstance(c, Tag) and c.name in ("ul", "ol"))
                    ]
                    line = one_line(nodes, kind)
                    if line:
                        items.append(line)
                if items:
                    paragraphs.append(items)
            elif name == "blockquote":
                lines = []
                for part in child.find_all(["p", "cite", "footer"]) or [child]:
                    line = one_line(part.children, "quote")
                    if line is None:
                        continue
                    cite = CITE_RE.match(line.text)
                    if part.name in ("cite", "footer") or (lines and cite):
                        line.kind = "cite"
                        line.text = cite.group("name") if cite else line.text
                    lines.append(line)
                if lines and lines[-1].kind == "cite":
                    for line in lines[:-1]:
                        quoted = QUOTED_RE.match(line.text)
                        if quoted:
                            line.text = quoted.group("text").strip()
                            line.md = md_inline(line.text)
                if lines:
                    paragraphs.append(lines)
            elif name == "pre":
                text = child.get_text().strip("\n")
                if text.strip():
                    paragraphs.append([Line(text, None, "pre")])
            elif name == "hr":
                continue
            else:
                walk(child)
        flush()

    walk(root)
    return paragraphs


def nesting_depth(soup) -> int:
    """How deep elements sit inside one another, found without recursion."""
    deepest, stack = 0, [(soup, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack += [(child, depth + 1) for child in node.children if isinstance(child, Tag)]
    return deepest


def read_page(text: str, rules: RuleSet, report: FileReport, name: str) -> tuple[dict, Tag]:
    """Return (metadata, the post's element, cleaned) from a saved HTML page.

    The post is found first (by the main text an extraction library finds),
    and only then is chrome taken out of it, so no theme's class names can
    remove the post itself.
    """
    soup = BeautifulSoup(text, "html.parser")
    if (depth := nesting_depth(soup)) > MAX_DEPTH:
        raise ImportFailure(
            f"{name}: nested too deeply to convert ({depth} elements inside one another, "
            f"at most {MAX_DEPTH}); flatten the markup or save the post as text, and "
            "import it again"
        )
    meta = page_metadata(soup, text, html_metadata(soup))
    kept, library = main_text(text)
    container = find_body(soup, kept)
    if container is None:
        raise ImportFailure(
            f"{name}: no recognisable post body (no block of text the page's main "
            "content could be found in); save the post's own page"
        )
    report.notes.append(f"post found by {library}")
    container = widen_to_post(container)
    page_words = visible_words(soup.body or soup, container, rules)
    outside = len(normalise((soup.body or soup).get_text(" ")).split()) - len(
        normalise(container.get_text(" ")).split()
    )
    if outside > 0:
        report.notes.append(
            "text outside the post body (site header, menus, sidebars) was left out"
        )
    report_outside(soup, container, rules, report)
    clean_body(container, kept, rules, report)
    meta["page_words"] = page_words
    return meta, container


def check_complete(name: str, words: int, page_words: int, report: FileReport) -> None:
    """Mark the report incomplete when the body kept is much smaller than the page's
    main text (what a reader sees outside menus, headers, footers and comments)."""
    if page_words and words < MIN_SHARE * page_words:
        report.status = "incomplete"
        report.notes.append(
            f"{name}: only {words} words kept of the about {page_words} words the page "
            f"shows as its main text ({100 * words // page_words} %); compare the article "
            "with the page, copy what is missing by hand, or save the post's own page "
            "(not a list or a preview) and import it again"
        )


def parse_html(text: str, rules: RuleSet, report: FileReport, name: str):
    """Return (metadata, paragraphs) from a saved HTML page."""
    meta, container = read_page(text, rules, report, name)
    record_dangerous(container, report)
    clean = BeautifulSoup(sanitise(str(container), "import"), "html.parser")
    return meta, html_paragraphs(clean, rules, report)

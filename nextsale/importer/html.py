"""HTML for the importer: a page's own metadata markup, what the sanitiser drops, lines.

`html_metadata` reads the heuristics of old themes (post-title classes,
`.vcard .fn`, date headers, `rel=tag`); `record_dangerous` lists what the
sanitiser will take out; `html_paragraphs` walks sanitised HTML into `Line`s.
Saved pages are read by `nextsale.importer.saved`.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag

from nextsale.cruft.clean import is_dangling, strip_shortlinks
from nextsale.cruft.rules import URL_RE, RuleSet, normalise
from nextsale.sanitise import PROFILES

from .markdown import md_inline
from .model import FileReport, Line
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

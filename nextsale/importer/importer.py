"""Import posts scraped from other blog engines as clean Markdown articles.

    python plugins/comments_free/importer.py SOURCE... [--dest DIR] [--date YYYY-MM-DD]
        [--force] [--report FILE.json] [--taxonomy FILE]

Sources are plain-text copies of posts or saved HTML pages; a folder imports
every file in it. Cruft is removed by the rules in `rules.py` (the same rules
the build cleans with), and every removal is listed in the import report.
"""

from __future__ import annotations

import argparse
import html as htmllib
import json
import re
import sys
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path

import nh3
from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.dammit import EncodingDetector
from pelican.settings import DEFAULT_CONFIG
from pelican.utils import slugify

from nextsale.cruft.clean import is_dangling, split_alt_residue, strip_shortlinks
from nextsale.cruft.rules import URL_RE, RuleSet, compile_rules, normalise

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DEST = ROOT / "content" / "articles"
DEFAULT_TAXONOMY = ROOT / "content" / "taxonomy.toml"
DEFAULT_REPORT = Path("import-report.json")

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|mon|tue|wed|thu|fri|sat|sun),?\s+"
_TIME = (
    r"(?:,?\s*(?:on|at|@|-)?\s*(?P<hour>\d{1,2})[:.](?P<minute>\d{2})"
    r"(?::\d{2})?\s*(?P<ampm>[ap]\.?m\.?)?)?"
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
DATE_RES = [
    re.compile(
        rf"(?:{_WEEKDAY})?{_DAY}\s+(?:of\s+)?{_MONTH},?\s+(?P<year>\d{{4}}){_TIME}",
        re.I,
    ),
    re.compile(rf"(?:{_WEEKDAY})?{_MONTH}\s+{_DAY},?\s+(?P<year>\d{{4}}){_TIME}", re.I),
    re.compile(
        r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
        r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::\d{2}(?:\.\d+)?)?"
        r"(?:Z|[+-]\d{2}:?\d{2})?)?",
        re.I,
    ),
]
_NAME_WORD = r"(?:[A-Z][\w'’.-]*|van|von|de|da|del|der|la|le|bin|ibn)"
NAME_RE = re.compile(rf"[A-Z][\w'’.-]*(?:\s+{_NAME_WORD}){{1,3}}")
BYLINE_RE = re.compile(
    r"(?:(?:posted|written|published)\s+)?(?:on\s+(?P<date>.+?)\s+)?by:?\s+"
    r"(?P<name>[^|,]+?)(?:\s+(?:on|at)\s+(?P<rest>.+))?",
    re.I,
)
COPYRIGHT_RE = re.compile(
    r"(?:copyright\s*(?:©|\(c\))?|©|\(c\))\s*(?P<year>\d{4})(?:\s*[-–]\s*\d{4})?,?\s+"
    r"(?:by\s+)?(?P<name>[^.]+?)\.?(?:\s+all rights reserved\.?)?",
    re.I,
)
ENTRY_TAGS_RE = re.compile(
    r"this (?:entry|post) was posted in (?P<tags>.+?)"
    r"(?:\s+and tagged (?P<more>.+?))?\.(?:\s+(?P<rest>.*))?",
    re.I,
)
TAGS_RE = re.compile(r"(?:tags|tagged|tagged with|labels|topics)\s*:\s*(?P<tags>.+?)\.?", re.I)
CATEGORY_RE = re.compile(
    r"(?:in|filed under|categor(?:y|ies)|posted in)\s*:?\s+(?P<name>[^|]+?)\.?", re.I
)
TEASER_RE = re.compile(r"(?P<text>.+?)\s*(?:\[\s*(?:…|\.\.\.)\s*\]|\[\s*more\s*\])", re.S)
BULLET_RE = re.compile(r"^\s*(?:[•·▪◦‣*]|-(?!-))\s+(?P<text>.+)$")
ORDERED_RE = re.compile(r"^\s*(?P<n>\d{1,3})[.)]\s+(?P<text>.+)$")
QUOTED_RE = re.compile(r"^[“\"‘«](?P<text>.+)[”\"’»]$")
CITE_RE = re.compile(r"^[–—-]{1,2}\s*(?P<name>[^\s].{0,60})$")

# Elements that are never part of a post's text; removed before sanitising.
DANGEROUS_TAGS = (
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "noscript",
    "template",
)
ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "cite", "code", "dd", "div", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "li", "ol", "p", "pre", "section", "span", "strong", "table", "tbody", "td",
    "th", "thead", "tr", "ul", "article", "main", "header", "footer",
}  # fmt: skip
AUTHOR_SELECTORS = (
    ".author .fn",
    ".vcard .fn",
    ".post-author .fn",
    ".post-footer .fn",
    "[rel~=author]",
    ".byline .author",
    ".fn",
)
BODY_SELECTORS = ("article", ".entry-content", ".post-body", "main")
BLOCK_NAMES = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "pre", "div",
    "section", "article", "main", "header", "footer", "figure", "figcaption", "table",
    "tbody", "thead", "tr", "td", "th", "dl", "dt", "dd", "hr",
}  # fmt: skip
MIN_BODY_WORDS = 5
# Files a folder import picks up; others are listed as ignored.
POST_SUFFIXES = {"", ".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml"}
OK_STATUSES = ("imported", "unchanged", "ignored")


class ImportFailure(ValueError):
    """A source cannot be imported; the message names the file and the fix."""


@dataclass
class Line:
    """One line of a post: plain text for the rules, Markdown for the output."""

    text: str
    md: str | None = None  # pre-rendered Markdown (from HTML); None: render text
    kind: str = "text"  # text, item, ordered, heading, quote, cite, pre
    level: int = 0


@dataclass
class FileReport:
    """What happened to one source file."""

    source: str
    status: str = "failed"  # imported, unchanged, skipped, failed
    output: str | None = None
    metadata: dict = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    consumed: list[dict] = field(default_factory=list)
    unknown_tags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    def remove(self, rule: str, text: str) -> None:
        self.removed.append({"rule": rule, "text": normalise(text)})

    def consume(self, what: str, text: str) -> None:
        self.consumed.append({"field": what, "text": normalise(text)})


# --- reading and decoding ----------------------------------------------------


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Return the text of a source and the encoding used, or fail clearly."""
    if not data.strip():
        raise ImportFailure(f"{name}: the file is empty; nothing to import")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data[:65536]:
        raise ImportFailure(
            f"{name}: looks like a binary file, not a post; import the post's text "
            "or its saved HTML page"
        )
    tried = ["utf-8"]
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    declared = EncodingDetector.find_declared_encoding(data, is_html=True)
    for encoding in (declared, "cp1252"):
        if not encoding or encoding.lower() in tried:
            continue
        tried.append(encoding.lower())
        try:
            return data.decode(encoding), encoding.lower()
        except (UnicodeDecodeError, LookupError):
            continue
    raise ImportFailure(
        f"{name}: cannot decode the text (tried {', '.join(tried)}); save it as "
        "UTF-8 and import it again"
    )


def check_text(text: str, name: str) -> None:
    """Refuse decoded text that is mostly control characters."""
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > max(2, len(text) // 100):
        raise ImportFailure(
            f"{name}: looks like a binary file, not a post; import the post's text "
            "or its saved HTML page"
        )
    if not text.strip():
        raise ImportFailure(f"{name}: the file is empty; nothing to import")


def is_html(text: str, path: Path) -> bool:
    """Tell a saved HTML page from a plain-text copy."""
    if path.suffix.lower() in {".html", ".htm", ".xhtml"}:
        return True
    head = text.lstrip()[:200].lower()
    return head.startswith(("<!doctype html", "<html", "<body", "<article", "<div", "<p>"))


# --- dates, names, tags --------------------------------------------------------


def parse_date(text: str) -> datetime | date | None:
    """Parse a whole string as one of the dates blogs print, or return None."""
    text = normalise(text).strip(" .,|")
    text = re.sub(r"^(?:posted|published|written)?\s*(?:on\s+)?", "", text, flags=re.I)
    for pattern in DATE_RES:
        match = pattern.fullmatch(text)
        if not match:
            continue
        parts = match.groupdict()
        month = parts["month"]
        month = int(month) if month.isdigit() else MONTHS[month.lower().rstrip(".")]
        try:
            day = date(int(parts["year"]), month, int(parts["day"]))
        except ValueError:
            return None
        if parts.get("hour") is None:
            return day
        hour = int(parts["hour"])
        ampm = (parts.get("ampm") or "").lower().replace(".", "")
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        try:
            return datetime(day.year, day.month, day.day, hour, int(parts["minute"]))
        except ValueError:
            return None
    return None


def format_date(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def as_name(text: str) -> str | None:
    """Return the text if it reads as a person's name ("Dana Whitfield")."""
    text = normalise(text).strip(" .")
    return text if NAME_RE.fullmatch(text) else None


def split_tags(text: str) -> list[str]:
    parts = re.split(r",|;|\s+and\s+|\s*\|\s*", normalise(text).strip(" ."))
    return [p.strip(" .") for p in parts if p.strip(" .")]


def tag_key(text: str) -> str:
    """Normalise a tag for alias lookup: case, spaces, hyphens, punctuation."""
    return re.sub(r"[\W_]+", "", text.casefold())


def load_aliases(path: Path | None) -> dict[str, str] | None:
    """Read the taxonomy file into {normalised name, alias or slug: slug}."""
    if path is None or not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ImportFailure(f"{path}: cannot read the taxonomy ({err}); fix the file") from None
    mapping: dict[str, str] = {}
    for slug, entry in sorted((data.get("tags") or {}).items()):
        names = [slug]
        if isinstance(entry, dict):
            names += [entry.get("name") or "", *(entry.get("aliases") or [])]
        for name in names:
            if isinstance(name, str) and tag_key(name):
                mapping.setdefault(tag_key(name), slug)
    return mapping


def title_case(text: str) -> str:
    """Title-case an all-lowercase headline, keeping short words small."""
    small = {"a", "an", "and", "as", "at", "but", "by", "for", "in", "of", "on", "or",
             "the", "to", "vs", "via", "with"}  # fmt: skip
    words = text.split()
    return " ".join(
        w if (0 < i < len(words) - 1 and w in small) else w[:1].upper() + w[1:]
        for i, w in enumerate(words)
    )


def same_text(a: str, b: str) -> bool:
    return bool(a) and tag_key(a) == tag_key(b)


# --- Markdown rendering ----------------------------------------------------------


def md_escape(text: str, *, line_start: bool = False) -> str:
    """Escape plain text so Markdown shows it as written and runs no HTML."""
    text = text.replace("\\", "\\\\")
    text = re.sub(r"([`*_\[\]])", r"\\\1", text)
    text = re.sub(r"&(?=#?\w+;)", "&amp;", text).replace("<", "&lt;")
    if line_start:
        text = re.sub(r"^(\s*)([#>+=-])", r"\1\\\2", text)
        text = re.sub(r"^(\s*\d+)([.)])(\s)", r"\1\\\2\3", text)
    return text


def md_inline(text: str, *, line_start: bool = True) -> str:
    """Render a line of plain text: escaped, bare URLs made into links."""
    out, pos = [], 0
    for match in URL_RE.finditer(text):
        url = match.group(0).rstrip(".,;:!?")
        end = match.start() + len(url)
        out.append(md_escape(text[pos : match.start()], line_start=line_start and pos == 0))
        out.append(f"<{url}>")
        pos = end
    out.append(md_escape(text[pos:], line_start=line_start and pos == 0))
    return "".join(out)


def line_md(line: Line) -> str:
    return line.md if line.md is not None else md_inline(line.text)


def render_body(paragraphs: list[list[Line]]) -> str:
    """Render paragraphs of lines as Markdown blocks."""
    blocks: list[str] = []
    for para in paragraphs:
        run: list[Line] = []

        def flush(run=run):
            if run:
                blocks.append("  \n".join(line_md(line) for line in run))
                run.clear()

        i = 0
        while i < len(para):
            line = para[i]
            if line.kind in ("item", "ordered"):
                flush()
                items = []
                while i < len(para) and para[i].kind == line.kind:
                    marker = f"{len(items) + 1}." if line.kind == "ordered" else "-"
                    items.append(f"{marker} {line_md(para[i])}")
                    i += 1
                blocks.append("\n".join(items))
                continue
            if line.kind in ("quote", "cite"):
                flush()
                quote, cite = [], None
                while i < len(para) and para[i].kind in ("quote", "cite"):
                    if para[i].kind == "cite":
                        cite = para[i].text
                    else:
                        quote.append("> " + line_md(para[i]))
                    i += 1
                text = "\n>\n".join(quote)
                if cite:
                    text += f"\n>\n> — <cite>{htmllib.escape(cite, quote=False)}</cite>"
                blocks.append(text)
                continue
            if line.kind == "heading":
                flush()
                blocks.append("#" * max(2, min(line.level, 6)) + " " + line_md(line))
            elif line.kind == "pre":
                flush()
                fence = "~~~~" if "```" in line.text else "```"
                blocks.append(f"{fence}\n{line.text}\n{fence}")
            else:
                run.append(line)
            i += 1
        flush()
    return "\n\n".join(blocks)


# --- plain text input -------------------------------------------------------------


def text_paragraphs(text: str) -> list[list[Line]]:
    """Split plain text into paragraphs of lines, marking bullets."""
    paragraphs, current = [], []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        raw = raw.replace("\u00a0", " ").rstrip()  # noqa: PLW2901
        if not raw.strip():
            if current:
                paragraphs.append(current)
                current = []
            continue
        bullet = BULLET_RE.match(raw)
        ordered = ORDERED_RE.match(raw)
        if bullet:
            current.append(Line(normalise(bullet.group("text")), kind="item"))
        elif ordered:
            current.append(Line(normalise(ordered.group("text")), kind="ordered"))
        else:
            current.append(Line(normalise(raw)))
    if current:
        paragraphs.append(current)
    return paragraphs


# --- HTML input --------------------------------------------------------------------


def _tokens(el: Tag) -> set[str]:
    tokens = {str(c).lower() for c in el.get("class") or []}
    if el.get("id"):
        tokens.add(str(el["id"]).lower())
    return tokens


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


def find_body(soup: BeautifulSoup, rules: RuleSet) -> Tag | None:
    """Find the element holding the post: known containers, else the largest text."""

    def in_cruft(el: Tag) -> bool:
        return any(rules.match_element(_tokens(p)) for p in [el, *el.parents] if isinstance(p, Tag))

    for selector in BODY_SELECTORS:
        for el in soup.select(selector):
            if not in_cruft(el) and len(el.get_text(" ").split()) >= MIN_BODY_WORDS:
                return el
    best, best_score = None, 0
    for el in soup.find_all(["div", "section", "td", "body"]):
        if in_cruft(el):
            continue
        score = sum(len(p.get_text(" ").split()) for p in el.find_all("p", recursive=False))
        score += sum(len(s.split()) for s in el.find_all(string=True, recursive=False))
        if score > best_score:
            best, best_score = el, score
    return best if best_score >= MIN_BODY_WORDS else None


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


def sanitise(fragment: str) -> str:
    """Keep only harmless structure: an allow-list, no scripts, no handlers."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        clean_content_tags=set(DANGEROUS_TAGS),
        attributes={"a": {"href"}, "img": {"src", "alt"}, "ol": {"start"}},
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        strip_comments=True,
    )


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


def parse_html(text: str, rules: RuleSet, report: FileReport, name: str):
    """Return (metadata, paragraphs) from a saved HTML page."""
    soup = BeautifulSoup(text, "html.parser")
    # Comment threads, share bars and the like go first, wherever they sit,
    # so neither the metadata nor the body can be taken from them.
    for el in soup.find_all(True):
        if el.decomposed:
            continue
        rule = rules.match_element(_tokens(el))
        if rule:
            report.remove(rule, el.get_text(" ") or f"<{el.name}> element")
            el.decompose()
    meta = html_metadata(soup)
    container = find_body(soup, rules)
    if container is None:
        raise ImportFailure(
            f"{name}: no recognisable post body (no article, .entry-content, "
            ".post-body or main element, and no block of text); save the post's "
            "own page"
        )
    if normalise(container.get_text(" ")) != normalise(soup.get_text(" ")):
        report.notes.append(
            "text outside the post body (site header, menus, sidebars) was left out"
        )
    record_dangerous(container, report)
    clean = BeautifulSoup(sanitise(str(container)), "html.parser")
    return meta, html_paragraphs(clean, rules, report)


# --- recovering metadata and the body ---------------------------------------------


def meta_line(line: Line, meta: dict, report: FileReport, rules: RuleSet, header: bool):
    """Consume a metadata line into `meta`; return leftover body text or None.

    Returns False when the line is not metadata at all.
    """
    text = line.text
    entry = ENTRY_TAGS_RE.fullmatch(text)
    if entry:
        tags = split_tags(entry.group("tags")) + split_tags(entry.group("more") or "")
        meta.setdefault("tags", [])
        meta["tags"] += [t for t in tags if t not in meta["tags"]]
        report.consume("tags", text)
        rest = entry.group("rest") or ""
        kept = []
        for sentence in re.split(r"(?<=[.!?])\s+", rest):
            if not sentence:
                continue
            rule = rules.match_line(sentence)
            if rule:
                report.remove(rule, sentence)
            else:
                kept.append(sentence)
        return " ".join(kept) or None
    tags = TAGS_RE.fullmatch(text)
    if tags:
        meta.setdefault("tags", [])
        meta["tags"] += [t for t in split_tags(tags.group("tags")) if t not in meta["tags"]]
        report.consume("tags", text)
        return None
    copyright_ = COPYRIGHT_RE.fullmatch(text)
    if copyright_ and as_name(copyright_.group("name")):
        meta.setdefault("author", as_name(copyright_.group("name")))
        report.consume("author", text)
        return None
    if not header and not text.lower().startswith("posted"):
        return False
    found = parse_date(text)
    if found:
        meta.setdefault("date", found)
        report.consume("date", text)
        return None
    segments = [s.strip() for s in re.split(r"\s+\|\s+|\s*\|\s*", text) if s.strip()]
    pending: list[tuple[str, object]] = []
    for segment in segments:
        found = parse_date(segment)
        byline = BYLINE_RE.fullmatch(segment)
        category = CATEGORY_RE.fullmatch(segment)
        if found:
            pending.append(("date", found))
        elif byline and as_name(byline.group("name")):
            pending.append(("author", as_name(byline.group("name"))))
            for part in (byline.group("date"), byline.group("rest")):
                when = parse_date(part) if part else None
                if when:
                    pending.append(("date", when))
                elif part and not re.fullmatch(r"\d{1,2}[:.]\d{2}\s*[ap]\.?m\.?", part, re.I):
                    return False
        elif category and len(segments) > 1:
            pending.append(("category", normalise(category.group("name"))))
        elif len(segments) > 1 and rules.match_line(segment):
            pending.append(("removed:" + rules.match_line(segment), segment))
        else:
            return False
    if not pending:
        return False
    for what, value in pending:
        if what.startswith("removed:"):
            report.remove(what.split(":", 1)[1], str(value))
        else:
            meta.setdefault(what, value)
    report.consume(",".join(sorted({w for w, _ in pending if ":" not in w})) or "cruft", text)
    return None


def mark_quotes(paragraphs: list[list[Line]]) -> None:
    """Turn a quoted line followed by "– Name" into a quote with a cite."""
    for p, para in enumerate(paragraphs):
        j = 0
        while j < len(para):
            line = para[j]
            quoted = QUOTED_RE.match(line.text) if line.kind == "text" else None
            nxt_para = j + 1 >= len(para)
            nxt = None
            if not nxt_para:
                nxt = para[j + 1]
            elif p + 1 < len(paragraphs) and len(paragraphs[p + 1]) == 1:
                nxt = paragraphs[p + 1][0]
            cite = CITE_RE.match(nxt.text) if nxt is not None and nxt.kind == "text" else None
            if quoted and cite and len(cite.group("name").split()) <= 8:
                text = quoted.group("text").strip()
                line.text, line.kind = text, "quote"
                if line.md is not None:
                    line.md = md_inline(text)
                cite_line = Line(cite.group("name").strip(), None, "cite")
                if nxt_para:
                    paragraphs[p + 1].clear()
                    para.append(cite_line)
                else:
                    para[j + 1] = cite_line
                j += 2
                continue
            j += 1


def extract(
    paragraphs: list[list[Line]], meta: dict, rules: RuleSet, report: FileReport,
    settings: dict,
) -> list[list[Line]]:  # fmt: skip
    """Take metadata and cruft out of the paragraphs; return the body."""
    body: list[list[Line]] = []
    header = True
    title_known = "title" in meta
    for para in paragraphs:
        kept: list[Line] = []
        for line in para:
            if line.md is None and line.kind != "pre":
                text, removed = strip_shortlinks(line.text, rules)
                for item in removed:
                    report.remove("tracking-shortlink", item)
                text, residue = split_alt_residue(text)
                if residue:
                    report.remove("image-alt-residue", residue)
                line.text = normalise(text)
                if not line.text:
                    continue
            if line.kind == "pre":
                header = False
                kept.append(line)
                continue
            leftover = meta_line(line, meta, report, rules, header)
            if leftover is None:
                continue
            if isinstance(leftover, str):
                line = Line(leftover)  # noqa: PLW2901
            rule = rules.match_line(line.text)
            if rule:
                report.remove(rule, line.text)
                continue
            if header:
                if "title" not in meta:
                    if (
                        len(line.text.split()) <= 20
                        and len(re.findall(r"[^\W\d_]", line.text)) >= 2
                    ):
                        meta["title"] = line.text
                        report.consume("title", line.text)
                        continue
                elif same_text(line.text, meta["title"]):
                    if title_known and not any(c["field"] == "title" for c in report.consumed):
                        report.consume("title", line.text)
                    else:
                        report.remove("duplicate-title", line.text)
                    continue
                teaser = TEASER_RE.fullmatch(line.text)
                if teaser and "summary" not in meta:
                    meta["summary"] = teaser.group("text").rstrip(" .,;:") + "…"
                    report.consume("summary", line.text)
                    continue
                name = as_name(line.text)
                if name and (meta.get("author") in (None, name)) and "title" in meta:
                    meta.setdefault("author", name)
                    report.consume("author", line.text)
                    continue
                header = False
            kept.append(line)
        if kept:
            body.append(kept)
    author = meta.get("author")
    if author and body:
        tail_rules = compile_rules(settings, author)
        for para in body[-2:]:
            text = " ".join(line.text for line in para)
            rule = tail_rules.match_line(text, at_tail=True)
            if rule == "author-bio":
                report.remove(rule, text)
                para.clear()
    seen: set[str] = set()
    for para in body:
        if (len(para) == 1 and para[0].kind == "text") or all(x.kind == "text" for x in para):
            key = tag_key(" ".join(line.text for line in para))
            if key in seen and len(" ".join(x.text for x in para).split()) >= 4:
                report.remove("duplicate-paragraph", " ".join(x.text for x in para))
                para.clear()
                continue
            seen.add(key)
    body = [para for para in body if para]
    mark_quotes(body)
    return [para for para in body if para]


# --- one file, a batch, the command line ----------------------------------------


def build_article(
    meta: dict, body: list[list[Line]], source: Path, fill_date: date | None,
    aliases: dict[str, str] | None, report: FileReport,
) -> tuple[str, str]:  # fmt: skip
    """Return (slug, Markdown text) for a recovered post."""
    title = meta.get("title")
    if not title:
        title = source.stem.replace("-", " ").replace("_", " ")
        report.missing.append("title")
        report.notes.append("no title line found; the file name was used")
    if title == title.lower():
        title = title_case(title)
    slug = slugify(title, regex_subs=DEFAULT_CONFIG["SLUG_REGEX_SUBSTITUTIONS"])
    lines = [f"Title: {title}"]
    report.metadata["title"] = title
    if meta.get("date"):
        lines.append(f"Date: {format_date(meta['date'])}")
        report.metadata["date"] = format_date(meta["date"])
    else:
        report.missing.append("date")
        if fill_date:
            lines.append(f"Date: {fill_date.isoformat()}")
            report.metadata["date"] = fill_date.isoformat()
            report.notes.append("no date in the post; used --date")
        else:
            lines.append("Status: draft")
            report.metadata["status"] = "draft"
            report.notes.append("no date in the post: imported as a draft; add a Date")
    for key in ("author", "category"):
        if meta.get(key):
            lines.append(f"{key.title()}: {meta[key]}")
            report.metadata[key] = meta[key]
        else:
            report.missing.append(key)
    tags = []
    for raw in meta.get("tags") or []:
        slug_ = aliases.get(tag_key(raw)) if aliases else None
        if slug_ is None:
            report.unknown_tags.append(raw)
        tags.append(slug_ or raw)
    tags = list(dict.fromkeys(tags))
    if tags:
        lines.append(f"Tags: {', '.join(tags)}")
        report.metadata["tags"] = tags
    else:
        report.missing.append("tags")
    summary = meta.get("summary")
    if not summary:
        first = next((p for p in body if all(x.kind == "text" for x in p)), None)
        summary = " ".join(x.text for x in first) if first else None
    if summary:
        lines.append(f"Summary: {md_inline(normalise(summary), line_start=False)}")
        report.metadata["summary"] = normalise(summary)
    else:
        report.missing.append("summary")
    lines += [f"Slug: {slug}", f"Imported-From: {source.name}"]
    return slug, "\n".join(lines) + "\n\n" + render_body(body) + "\n"


def convert(source: Path, settings: dict, report: FileReport):
    """Read one source and return its metadata and body paragraphs."""
    name = str(source)
    try:
        data = source.read_bytes()
    except OSError as err:
        raise ImportFailure(f"{name}: cannot read the file ({err.strerror})") from None
    text, encoding = decode(data, name)
    check_text(text, name)
    if encoding not in ("utf-8", "ascii"):
        report.notes.append(f"not UTF-8: decoded as {encoding}")
    rules = compile_rules(settings)
    if is_html(text, source):
        meta, paragraphs = parse_html(text, rules, report, name)
    else:
        meta, paragraphs = {}, text_paragraphs(text)
    body = extract(paragraphs, meta, rules, report, settings)
    words = sum(len(x.text.split()) for para in body for x in para)
    if words < MIN_BODY_WORDS:
        raise ImportFailure(
            f"{name}: no recognisable post body (only {words} words left once "
            "metadata and cruft were taken out); check it is the post itself"
        )
    return meta, body


def iter_sources(sources: list[Path]) -> list[tuple[Path, bool]]:
    """Expand folders into their files: (path, found in a folder), sorted."""
    files = []
    for source in sources:
        if source.is_dir():
            files += [
                (p, True)
                for p in sorted(source.iterdir())
                if p.is_file() and not p.name.startswith(".")
            ]
        else:
            files.append((source, False))
    return files


def import_posts(
    sources: list[Path | str],
    dest: Path | str = DEFAULT_DEST,
    *,
    date: date | None = None,
    force: bool = False,
    taxonomy: Path | str | None = None,
    settings: dict | None = None,
) -> list[FileReport]:
    """Import every source into `dest`; return one report per file."""
    dest = Path(dest)
    settings = settings or {}
    aliases = load_aliases(Path(taxonomy)) if taxonomy else None
    reports: list[FileReport] = []
    written: dict[str, str] = {}
    for source, in_folder in iter_sources([Path(s) for s in sources]):
        report = FileReport(str(source))
        reports.append(report)
        if in_folder and source.suffix.lower() not in POST_SUFFIXES:
            report.status = "ignored"
            report.notes.append("not a text or HTML file; name it directly to import it")
            continue
        try:
            if not source.exists():
                raise ImportFailure(f"{source}: no such file or folder")
            meta, body = convert(source, settings, report)
            slug, text = build_article(meta, body, source, date, aliases, report)
            target = dest / f"{slug}.md"
            report.output = str(target)
            if slug in written:
                raise ImportFailure(
                    f"{source}: gives the same slug '{slug}' as {written[slug]}; "
                    "change one title and import again"
                )
            written[slug] = str(source)
            if target.exists():
                if target.read_text(encoding="utf-8") == text:
                    report.status = "unchanged"
                    continue
                if not force:
                    report.status = "skipped"
                    report.error = (
                        f"{source}: {target} already exists and differs; "
                        "pass --force to overwrite it"
                    )
                    continue
                report.notes.append("overwrote the existing file (--force)")
            dest.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            report.status = "imported"
        except (ImportFailure, ValueError) as err:
            report.status = "failed"
            report.error = str(err)
    return reports


def format_report(reports: list[FileReport]) -> str:
    """Render the reports for a terminal."""
    out = []
    for r in reports:
        out.append(f"{r.source}: {r.status}" + (f" -> {r.output}" if r.output else ""))
        if r.error:
            out.append(f"  error: {r.error}")
        for key, value in r.metadata.items():
            if key != "summary":
                out.append(f"  {key}: {', '.join(value) if isinstance(value, list) else value}")
        if r.missing:
            out.append(f"  missing: {', '.join(r.missing)}")
        if r.unknown_tags:
            out.append(f"  unknown tags (not in the taxonomy): {', '.join(r.unknown_tags)}")
        for item in r.removed:
            out.append(f"  removed [{item['rule']}]: {item['text'][:100]}")
        for note in r.notes:
            out.append(f"  note: {note}")
    ok = sum(r.status in ("imported", "unchanged") for r in reports)
    out.append(f"{ok} of {len(reports)} file(s) imported")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run the importer from the command line; 0 when every file imported."""
    parser = argparse.ArgumentParser(
        prog="importer.py", description="Import scraped posts as Markdown articles."
    )
    parser.add_argument("sources", nargs="+", type=Path, metavar="SOURCE")
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    parser.add_argument("--date", type=date.fromisoformat, help="YYYY-MM-DD for undated posts")
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT)
    parser.add_argument("--taxonomy", type=Path, default=DEFAULT_TAXONOMY)
    args = parser.parse_args(argv)
    try:
        reports = import_posts(
            args.sources,
            args.dest,
            date=args.date,
            force=args.force,
            taxonomy=args.taxonomy,
        )
    except ImportFailure as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(format_report(reports))
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(
        json.dumps([asdict(r) for r in reports], indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    print(f"report written to {args.report}")
    return 0 if all(r.status in OK_STATUSES for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())

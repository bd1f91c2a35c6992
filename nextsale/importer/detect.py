"""Recognising what a source is by its content, never by its file name.

`FORMATS` lists what the importer reads, most specific first: each entry's
`looks_like(path)` reads only the start of the file (or a folder's layout).
`detect(path)` names the first that matches, or raises `ImportFailure`
naming the file, what it looks like, and the formats supported.
The Ghost, Substack and Medium readers live in their own modules; a format
whose module is absent is simply not recognised.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .frontmatter_posts import split_front_matter
from .model import ImportFailure
from .sources import check_text, decode
from .wxr import is_wxr

HEAD_BYTES = 65536
BLOGGER_MARKS = (b"schemas.google.com/blogger", b"blogger.com,1999:blog-", b"www.blogger.com/atom")
FEED_ROOTS = {"rss", "feed", "rdf:rdf", "rdf"}
SKIP_RE = re.compile(
    r"\A(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)", re.S | re.I
)
ROOT_RE = re.compile(r"\A<([A-Za-z_][\w:.-]*)")
FULL_PAGE_RE = re.compile(r"\A(?:<!doctype\s+html|<html[\s>])", re.I)
HTML_TAGS = (
    r"p|div|article|section|main|header|span|h[1-6]|ul|ol|li|blockquote|pre|table|figure|"
    r"img|a|em|strong|b|i|br|hr|body|head|meta|title|link|style|nav|aside"
)
FRAGMENT_RE = re.compile(r"\A<(?:" + HTML_TAGS + r")[\s/>]", re.I)
MAGIC = [
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a zip archive (unpack it and import the folder inside)"),
    (b"\x1f\x8b", "a gzip-compressed file (uncompress it first)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"BM", "a bitmap image"),
    (b"{\\rtf", "an RTF document (save it as text or HTML)"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document (save it as text or HTML)"),
]


@dataclass(frozen=True)
class Format:
    """One kind of input: its name in reports, how people call it, how to spot it."""

    name: str
    label: str
    looks_like: Callable[[Path], bool]
    noun: str = ""  # "WordPress export": what a broken one is called
    export: bool = True  # many posts in one source, read by an export reader


def head(path: Path, size: int = HEAD_BYTES) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(size)
    except OSError:
        return b""


def head_text(path: Path) -> str:
    """The start of a file as text (undecodable bytes replaced), BOM and blanks skipped."""
    return head(path).decode("utf-8", "replace").lstrip("\ufeff \t\r\n")


def body_start(text: str) -> str:
    """`text` from its first element on: XML declaration, comments and doctype skipped."""
    while (match := SKIP_RE.match(text)) and match.group(0):
        text = text[match.end() :]
    return text


def root_element(text: str) -> str | None:
    """The name of an XML document's first element, lower case."""
    found = ROOT_RE.match(body_start(text))
    return found.group(1).lower() if found else None


def is_wordpress(path: Path) -> bool:
    return path.is_file() and is_wxr(path)


def is_blogger(path: Path) -> bool:
    """A Blogger backup or Google Takeout Atom file."""
    data = head(path)
    return root_element(head_text(path)) == "feed" and any(m in data for m in BLOGGER_MARKS)


def is_feed(path: Path) -> bool:
    """An RSS 2.0, RSS 1.0 (RDF) or Atom document."""
    return path.is_file() and root_element(head_text(path)) in FEED_ROOTS


def is_front_matter(path: Path) -> bool:
    return path.is_file() and split_front_matter(head_text(path) + "\n") is not None


def is_page(path: Path) -> bool:
    """A whole HTML document, as a browser saves a page."""
    text = head_text(path)
    return path.is_file() and (bool(FULL_PAGE_RE.match(text)) or root_element(text) == "html")


def is_fragment(path: Path) -> bool:
    """Part of an HTML page: it starts with an element of HTML's body."""
    return path.is_file() and bool(FRAGMENT_RE.match(body_start(head_text(path))))


def is_text(path: Path) -> bool:
    """Readable text that is none of the structured formats the importer refuses."""
    if not path.is_file() or describe(path) is not None:
        return False
    try:
        data = path.read_bytes() if path.stat().st_size < 4_000_000 else head(path)
        text, _ = decode(data, str(path))
        check_text(text, str(path))
    except (ImportFailure, OSError):
        return False
    # Markup that is no HTML, feed or export is not a text copy of a post either.
    return root_element(text.lstrip("\ufeff \t\r\n")[:4096]) is None


def _reader(module: str) -> Callable[[Path], bool]:
    """`looks_like` of an optional reader module; False while it is absent."""

    def looks_like(path: Path) -> bool:
        found = reader_module(module)
        return bool(found is not None and found.looks_like(path))

    return looks_like


def reader_module(name: str):
    """The module `nextsale.importer.<name>`, or None when this installation lacks it."""
    try:
        return importlib.import_module(f"{__package__}.{name}")
    except ModuleNotFoundError as err:
        if err.name != f"{__package__}.{name}":
            raise
        return None


FORMATS: list[Format] = [
    Format("wordpress", "WordPress or Squarespace export (WXR)", is_wordpress, "WordPress export"),
    Format("blogger", "Blogger or Google Takeout export (Atom)", is_blogger, "Blogger export"),
    Format("ghost", "Ghost export (JSON)", _reader("ghost"), "Ghost export"),
    Format(
        "substack", "Substack export (posts.csv and posts/)", _reader("substack"), "Substack export"
    ),
    Format("medium", "Medium export (posts/ of HTML)", _reader("medium"), "Medium export"),
    Format("feed", "RSS or Atom feed with full posts", is_feed, "feed"),
    Format(
        "markdown", "Markdown or HTML with YAML/TOML front matter", is_front_matter, export=False
    ),
    Format("html", "saved HTML page", is_page, export=False),
    Format("fragment", "HTML fragment", is_fragment, export=False),
    Format("text", "plain-text copy of a post", is_text, export=False),
]
BY_NAME = {f.name: f for f in FORMATS}


def is_export_folder(path: Path) -> bool:
    """A folder that is one export as a whole (Substack, Medium), not a folder of posts."""
    return path.is_dir() and any(f.looks_like(path) for f in FORMATS if f.export)


def supported() -> str:
    return "; ".join(f.label for f in FORMATS)


def describe(path: Path) -> str | None:
    """What an unsupported file looks like, or None when nothing rules it out."""
    data = head(path)
    for magic, what in MAGIC:
        if data.startswith(magic):
            return what
    text = head_text(path)
    if text.startswith(("{", "[")) and _is_json(path, text):
        return "JSON, but not a Ghost export"
    if path.suffix.lower() in (".csv", ".tsv") or _looks_like_csv(text):
        return "a CSV table, but not a Substack posts.csv"
    root = root_element(text) if text.startswith("<") else None
    if root and root not in FEED_ROOTS and root != "html" and not is_fragment(path):
        return f"an XML document (<{root}>), but not a feed or an export"
    return None


def detect(path: Path) -> str:
    """The name of the format `path` holds; ImportFailure when none fits."""
    if not path.exists():
        raise ImportFailure(f"{path}: no such file or folder")
    for fmt in FORMATS:
        if fmt.looks_like(path):
            return fmt.name
    raise ImportFailure(f"{path}: {_what(path)}. Supported: {supported()}")


def _what(path: Path) -> str:
    """Why a file fits no format, in the words of `decode`/`check_text` where they apply."""
    if path.is_dir():
        return "a folder that is not a Substack or Medium export; nothing here is imported"
    found = describe(path)
    if found:
        return f"looks like {found}; nothing here is imported"
    try:
        text, _ = decode(path.read_bytes(), str(path))
        check_text(text, str(path))
    except ImportFailure as err:
        return str(err).split(": ", 1)[-1]
    except OSError as err:
        return f"cannot be read ({err.strerror}); check the file"
    return "not a format the importer knows; nothing here is imported"


def _is_json(path: Path, text: str) -> bool:
    try:
        with path.open("rb") as handle:
            json.load(handle)
    except (ValueError, OSError, RecursionError):
        return bool(re.match(r'\A[\[{]\s*(?:"|\]|\}|\[|\{)', text))
    return True


def _looks_like_csv(text: str) -> bool:
    """A header line of short comma-separated names and rows with as many commas."""
    lines = [line for line in text.splitlines()[:5] if line.strip()]
    if len(lines) < 2:
        return False
    fields = lines[0].split(",")
    short = all(0 < len(f.strip().strip('"')) <= 40 and len(f.split()) <= 4 for f in fields)
    return len(fields) >= 3 and short and all(line.count(",") >= len(fields) - 1 for line in lines)

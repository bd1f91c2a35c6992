"""Blogger backups and Google Takeout exports (Atom): posts, pages, drafts.

Both shapes are read: the classic backup marks each entry's kind with a
`schemas.google.com/blogger/2008/kind#...` category and drafts with
`<app:draft>yes</app:draft>`; Takeout's `feed.atom` says
`<blogger:type>POST</blogger:type>` and `<blogger:status>DRAFT</blogger:status>`.
Comments, settings and the template are entries too: counted, never imported.
The file is streamed with `lxml.etree.iterparse`, each entry cleared once read.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin

from bs4 import BeautifulSoup
from lxml import etree

from nextsale.cruft.rules import normalise

from .post import Post

ATOM = "{http://www.w3.org/2005/Atom}"
APP_NS = ("http://purl.org/atom/app#", "http://www.w3.org/2007/app")
TAKEOUT_NS = "{http://schemas.google.com/blogger/2018}"
KIND_SCHEME = "http://schemas.google.com/g/2005#kind"
LABEL_SCHEME = "http://www.blogger.com/atom/ns#"
KIND_RE = re.compile(r"kind#(\w+)$")
KINDS = {"post": "article", "page": "page"}
HEAD_BYTES = 65536
# Takeout statuses of entries that are gone from the blog: counted, not imported.
GONE = {"SOFT_TRASHED", "DELETED", "TRASHED"}
# Blogger's name for an author whose profile no longer exists.
NO_AUTHOR = {"unknown", "anonymous"}
EXPORT_NOTE = (
    "Blogger has labels, not categories: labels become tags, and every post gets the "
    "site's DEFAULT_CATEGORY"
)


def iter_posts(path: Path, settings: dict, counts: Counter | None = None) -> Iterator[Post]:
    """Every post (article) and page of the export; other entries counted in `counts`."""
    counts = Counter() if counts is None else counts
    with path.open("rb") as handle:
        yield from _posts(_Declared(handle), path, counts)


def _posts(stream, path: Path, counts: Counter) -> Iterator[Post]:
    blog_url = None
    parser = etree.iterparse(
        stream, events=("end",), resolve_entities=False, no_network=True, huge_tree=False
    )
    for _, elem in parser:
        if elem.tag == f"{ATOM}link" and elem.getparent() is not None:
            parent = elem.getparent()
            if parent.tag == f"{ATOM}feed" and elem.get("rel") == "alternate":
                blog_url = elem.get("href")
            continue
        if elem.tag != f"{ATOM}entry":
            continue
        post = _entry(elem, path, blog_url, counts)
        elem.clear()
        while elem.getprevious() is not None:
            del elem.getparent()[0]
        if post is not None:
            yield post


class _Declared:
    """The file, with the `app:` prefix declared on `<feed>` when the file forgot to
    (copies of Blogger backups mark drafts `<app:draft>` with no declaration)."""

    def __init__(self, handle) -> None:
        self.handle = handle
        head = handle.read(HEAD_BYTES)
        if b"xmlns:app" not in head:
            head = head.replace(b"<feed ", b'<feed xmlns:app="' + APP_NS[1].encode() + b'" ', 1)
        self.head = head

    def read(self, size: int = -1) -> bytes:
        if not self.head:
            return self.handle.read(size)
        chunk = self.head if size < 0 else self.head[:size]
        self.head = self.head[len(chunk) :]
        return chunk


def _entry(entry, path: Path, blog_url: str | None, counts: Counter) -> Post | None:
    """The entry as a Post when it is a post or page; otherwise count it."""
    kind, status = _kind_and_status(entry)
    if kind not in KINDS:
        counts["comments" if kind == "comment" else kind or "other"] += 1
        return None
    if status in GONE:
        counts["deleted"] += 1
        return None
    ident = (_text(entry, "id") or "").rsplit(".", 1)[-1].split("-")[-1] or "entry"
    post = Post(format="blogger", ident=f"{path}#{KINDS[kind]}-{ident}", kind=KINDS[kind])
    post.title = _title(entry)
    post.date = _date(_text(entry, "published"), post)
    post.modified = _date(_text(entry, "updated"), post)
    author = normalise(_text(entry.find(f"{ATOM}author"), "name") or "")
    post.author = author if author.casefold() not in NO_AUTHOR else None
    post.status = "draft" if status in ("DRAFT", "SCHEDULED") else "published"
    post.tags = _labels(entry)
    post.url = _address(entry, blog_url)
    if post.url and post.status == "published":
        post.slug = Path(post.url.split("?", 1)[0].rstrip("/")).stem or None
    post.summary = normalise(_text(entry, f"{TAKEOUT_NS}metaDescription", ns=False) or "") or None
    content = entry.find(f"{ATOM}content")
    post.body_html = (content.text or "") if content is not None else ""
    return post


def _kind_and_status(entry) -> tuple[str, str]:
    """("post", "LIVE"), ("page", "DRAFT"), ("comment", ...) in either export's terms."""
    takeout = entry.find(f"{TAKEOUT_NS}type")
    if takeout is not None and takeout.text:
        status = entry.find(f"{TAKEOUT_NS}status")
        value = (status.text or "LIVE").strip().upper() if status is not None else "LIVE"
        return takeout.text.strip().lower(), value
    kind = ""
    for category in entry.iter(f"{ATOM}category"):
        if category.get("scheme") == KIND_SCHEME:
            found = KIND_RE.search(category.get("term") or "")
            kind = found.group(1) if found else ""
    draft = any(
        (el.text or "").strip().lower() == "yes"
        for ns in APP_NS
        for el in entry.iter(f"{{{ns}}}draft")
    )
    return kind, "DRAFT" if draft else "LIVE"


def _labels(entry) -> list[str]:
    labels = []
    for category in entry.iter(f"{ATOM}category"):
        scheme = category.get("scheme")
        if scheme in (None, "", LABEL_SCHEME) and category.get("term"):
            labels.append(normalise(category.get("term")))
    return labels


def _title(entry) -> str:
    title = entry.find(f"{ATOM}title")
    if title is None or not title.text:
        return ""
    if title.get("type") in ("html", "xhtml"):
        return normalise(BeautifulSoup(title.text, "html.parser").get_text(" "))
    return normalise(title.text)


def _address(entry, blog_url: str | None) -> str | None:
    """The post's page on the blog: its alternate link, else Takeout's file name."""
    for link in entry.iter(f"{ATOM}link"):
        if link.get("rel") == "alternate" and link.get("href"):
            return link.get("href")
    filename = _text(entry, f"{TAKEOUT_NS}filename", ns=False)
    if filename and blog_url:
        return urljoin(blog_url, filename)
    return None


def _date(value: str | None, post: Post) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        post.notes.append(f"the date {value.strip()!r} could not be read")
        return None


def _text(parent, name: str, *, ns: bool = True) -> str | None:
    if parent is None:
        return None
    found = parent.find(f"{ATOM}{name}" if ns else name)
    return found.text.strip() if found is not None and found.text else None

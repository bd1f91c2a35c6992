"""WordPress (and Squarespace) WXR exports: one file, many posts and pages.

The file is streamed with `lxml.etree.iterparse`; each `<item>` is cleared
once read, so memory stays bounded whatever the export's size.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from bs4 import BeautifulSoup
from lxml import etree

from nextsale.cruft.rules import normalise

from .model import FileReport
from .post import Post

WP_NS = "http://wordpress.org/export/"
NAMESPACES = {
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
}
KINDS = {"post": "article", "page": "page"}
# WordPress's own bookkeeping types: never posts, only counted. Any other
# custom type (a plugin's "portfolio", "event"...) is imported as an article.
INTERNAL_TYPES = {
    "attachment", "revision", "nav_menu_item", "custom_css", "customize_changeset",
    "oembed_cache", "user_request", "wp_block", "wp_template", "wp_template_part",
    "wp_global_styles", "wp_navigation", "wp_font_family", "wp_font_face", "",
}  # fmt: skip
SKIPPED_STATUSES = ("trash", "auto-draft", "inherit")
PUBLISHED = "publish"
BLOCK_RE = re.compile(
    r"^\s*<(?:ul|ol|pre|blockquote|div|h[1-6]|table|figure|p|hr|dl|li|address|section)\b",
    re.I,
)
PRE_RE = re.compile(r"<pre\b.*?</pre>", re.I | re.S)
CAPTION_RE = re.compile(r"\[caption([^\]]*)\](.*?)\[/caption\]", re.S)
EMBED_RE = re.compile(r"\[embed[^\]]*\](.*?)\[/embed\]", re.S)
SHORTCODE_RE = re.compile(r"\[(/?)([a-z][\w-]*)(?:\s[^\]]*)?\]")
BARE_URL_RE = re.compile(r"^\s*(https?://[^\s<>\"]+)\s*$", re.M)
MEDIA_RE = re.compile(
    r"\[(audio|video|youtube|vimeo|soundcloud|playlist)\b([^\]]*)\](?:(.*?)\[/\1\])?", re.S
)
GALLERY_RE = re.compile(r"\[gallery\b([^\]]*)\]")
URL_RE = re.compile(r"https?://[^\s\"'<>\]\[]+")
MEDIA_LABELS = {"audio": "Audio", "video": "Video", "youtube": "Video on YouTube",
                "vimeo": "Video on Vimeo", "soundcloud": "Audio on SoundCloud"}  # fmt: skip


def is_wxr(source: Path) -> bool:
    """True when `source` is an RSS document in WordPress's export namespace."""
    try:
        with source.open("rb") as handle:
            head = handle.read(8192)
    except OSError:
        return False
    return b"<rss" in head and WP_NS.encode() in head


def _key(tag: str) -> str:
    qname = etree.QName(tag)
    ns = qname.namespace or ""
    if ns.startswith(WP_NS):
        prefix = "excerpt" if ns.rstrip("/").endswith("excerpt") else "wp"
        return f"{prefix}:{qname.localname}"
    prefix = NAMESPACES.get(ns)
    return f"{prefix}:{qname.localname}" if prefix else qname.localname


def iter_items(source: Path) -> Iterator[tuple[dict, dict[str, str]]]:
    """Yield (item fields, author display names by login) for every `<item>`."""
    authors: dict[str, str] = {}
    comments = 0  # of the item being read: counted and dropped as each one ends
    parser = etree.iterparse(
        str(source), events=("end",), resolve_entities=False, no_network=True, huge_tree=False
    )
    for _, elem in parser:
        if not isinstance(elem.tag, str):
            continue
        key = _key(elem.tag)
        if key == "wp:author":
            fields = {_key(c.tag): (c.text or "").strip() for c in elem if isinstance(c.tag, str)}
            login = fields.get("wp:author_login", "")
            authors[login.lower()] = fields.get("wp:author_display_name") or login
            elem.clear()
        elif key == "wp:comment":
            # A popular post carries thousands of comments: never hold them all.
            comments += 1
            parent = elem.getparent()
            elem.clear()
            if parent is not None:
                parent.remove(elem)
        elif key == "item":
            item: dict = {"categories": [], "tags": [], "comments": comments}
            comments = 0
            for child in elem:
                if not isinstance(child.tag, str):
                    continue
                ck = _key(child.tag)
                if ck == "category":
                    domain = child.get("domain")
                    text = normalise(child.text or "")
                    if domain == "category" and text:
                        item["categories"].append(text)
                    elif domain == "post_tag" and text:
                        item["tags"].append(text)
                elif ck not in item:
                    item[ck] = child.text or ""
            yield item, authors
            elem.clear()
            while elem.getprevious() is not None:
                del elem.getparent()[0]


def wpautop(html: str) -> str:
    """WordPress's paragraph rules: blank lines make paragraphs, single newlines `<br>`."""
    html = html.replace("\r\n", "\n").replace("\r", "\n")
    kept: list[str] = []

    def hold(match: re.Match) -> str:
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    html = PRE_RE.sub(hold, html)
    out = []
    for chunk in re.split(r"\n\s*\n", html):
        if not chunk.strip():
            continue
        if BLOCK_RE.match(chunk) or re.fullmatch(r"\s*\x00\d+\x00\s*", chunk):
            out.append(chunk)
        else:
            out.append("<p>" + chunk.strip().replace("\n", "<br>\n") + "</p>")
    html = "\n\n".join(out)
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], html)


def shortcodes(html: str, report: FileReport) -> str:
    """`[caption]` → figure; `[embed]`, media shortcodes and bare URLs → links;
    `[gallery]` and other shortcodes removed and reported."""

    def caption(match: re.Match) -> str:
        attrs, inner = match.groups()
        text = re.search(r'caption="([^"]*)"', attrs)
        image = re.search(r"<img\b[^>]*>", inner)
        words = normalise(re.sub(r"<[^>]+>", " ", inner))
        label = text.group(1) if text else words
        return f"<figure>{image.group(0) if image else ''}<figcaption>{label}</figcaption></figure>"

    def media(match: re.Match) -> str:
        name, attrs, inner = match.group(1), match.group(2), match.group(3) or ""
        url = URL_RE.search(attrs) or URL_RE.search(inner)
        if url is None or name not in MEDIA_LABELS:
            report.notes.append(f"shortcode not converted (removed): {match.group(0)[:120]}")
            return ""
        report.notes.append(f"[{name}] shortcode became a link to {url.group(0)}")
        return f'<p><a href="{url.group(0)}">{MEDIA_LABELS[name]}: {url.group(0)}</a></p>'

    def gallery(match: re.Match) -> str:
        ids = re.search(r'ids="([^"]*)"', match.group(1))
        which = f" (attachments {ids.group(1)})" if ids else ""
        report.notes.append(
            f"[gallery]{which} removed: its images are not imported; add them by hand"
        )
        return ""

    html = CAPTION_RE.sub(caption, html)
    html = EMBED_RE.sub(
        lambda m: f'<p><a href="{m.group(1).strip()}">{m.group(1).strip()}</a></p>', html
    )
    html = MEDIA_RE.sub(media, html)
    html = GALLERY_RE.sub(gallery, html)
    html = BARE_URL_RE.sub(lambda m: f'<p><a href="{m.group(1)}">{m.group(1)}</a></p>', html)
    found = [m.group(0) for m in SHORTCODE_RE.finditer(html) if not m.group(1)]
    if found:
        report.notes.append(f"shortcodes not converted (removed): {', '.join(found)}")
        html = SHORTCODE_RE.sub("", html)
    return html


def _date(item: dict) -> datetime | None:
    """The post's date: `post_date_gmt` is UTC; `post_date` has no zone (the blog's own)."""
    for key in ("wp:post_date_gmt", "wp:post_date"):
        value = (item.get(key) or "").strip()
        if value and not value.startswith("0000"):
            try:
                when = datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
            except ValueError:
                continue
            return when.replace(tzinfo=UTC) if key.endswith("_gmt") else when
    return None


def wxr_post(item: dict, authors: dict[str, str], source: Path, kind: str) -> Post:
    """One post or page of an export as a `Post`; its HTML under WordPress's rules."""
    ident = (item.get("wp:post_id") or "").strip() or normalise(item.get("title") or "")
    scratch = FileReport(str(source))
    html = wpautop(shortcodes(item.get("content:encoded") or "", scratch))
    login = normalise(item.get("dc:creator") or "")
    status = (item.get("wp:status") or "").strip()
    post_type = (item.get("wp:post_type") or "").strip()
    if post_type not in KINDS:
        scratch.notes.append(f"WordPress post type '{post_type}' imported as an article")
    excerpt = normalise(
        BeautifulSoup(item.get("excerpt:encoded") or "", "html.parser").get_text(" ")
    )
    return Post(
        format="wordpress",
        ident=f"{source}#{kind}-{ident}",
        title=normalise(item.get("title") or ""),
        kind=kind,
        date=_date(item),
        author=authors.get(login.lower(), login) or None,
        status="published" if status == PUBLISHED else "draft",
        categories=list(item["categories"]),
        tags=list(item["tags"]),
        summary=excerpt or None,
        url=normalise(item.get("link") or "") or None,
        slug=normalise(item.get("wp:post_name") or "") or None,
        body_html=html,
        notes=scratch.notes,
    )


def iter_posts(source: Path, settings: dict, counts: Counter | None = None) -> Iterator[Post]:
    """Every post (article) and page of an export; the other items counted in `counts`."""
    counts = Counter() if counts is None else counts
    for item, authors in iter_items(source):
        kind = count_item(item, counts)
        if kind is not None:
            yield wxr_post(item, authors, source, kind)


def count_item(item: dict, counts: Counter) -> str | None:
    """Count an item; return "article" or "page" when it is imported, else None."""
    counts["comments"] += item["comments"]
    kind = (item.get("wp:post_type") or "").strip()
    status = (item.get("wp:status") or "").strip()
    if kind not in INTERNAL_TYPES and status not in SKIPPED_STATUSES:
        return KINDS.get(kind, "article")
    counts[kind or "unknown"] += 1
    return None

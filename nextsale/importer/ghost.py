"""Ghost JSON exports (Settings → Import/Export): every post and page of a site.

Exports since Ghost 1.0 wrap the tables in `{"db": [{"meta", "data"}]}`; older
ones (and hand-made files) are `{"meta", "data"}` alone. Authors come from
`posts_authors` (Ghost 1.22+) or a post's `author_id`; tags from `posts_tags`,
primary tag first. The body is the stored `html`, else rendered here from the
editor's own document: `mobiledoc` (Ghost 1–4) or `lexical` (Ghost 5+).
Internal tags (`#name`) are Ghost's own switches, not topics: they are named in
the notes, never imported. Members, comments and settings are counted only.
"""

from __future__ import annotations

import html
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import markdown

from .model import ImportFailure
from .post import Post

HEAD_BYTES = 4096
AGAIN = "export it again from Ghost (Settings → Advanced → Import/Export → Export)"
# Tables of an export that hold no posts, counted so the report says what stayed behind.
COUNTED = ("members", "comments", "settings", "newsletters", "subscribers")
SITE_URL = "__GHOST_URL__"  # how Ghost 4+ exports write the site's own address
PRIVATE = {"members": "members", "paid": "paying members", "tiers": "some paid tiers"}


def looks_like(path: Path) -> bool:
    """True when `path` is a JSON file whose head reads like a Ghost export."""
    if not path.is_file() or path.suffix.lower() != ".json":
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return False
    return head.lstrip().startswith(b"{") and b'"exported_on"' in head


def load(path: Path) -> dict:
    """The `data` tables of the export at `path`; ImportFailure when it is not one."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
        document = json.loads(text)
    except OSError as err:
        raise ImportFailure(f"{path}: cannot be read ({err.strerror or err})") from None
    except UnicodeDecodeError:
        raise ImportFailure(f"{path}: is not UTF-8 text, so not a Ghost export; {AGAIN}") from None
    except json.JSONDecodeError as err:
        raise ImportFailure(
            f"{path}: line {err.lineno}: not valid JSON ({err.msg}); the file is cut short "
            f"or damaged: {AGAIN}"
        ) from None
    if isinstance(document, dict) and isinstance(document.get("db"), list) and document["db"]:
        document = document["db"][0]
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("posts"), list):
        raise ImportFailure(
            f"{path}: has no 'data.posts' table, so it is not a Ghost export; {AGAIN}"
        )
    return data


def iter_posts(path: Path, settings: dict, counts: Counter) -> Iterator[Post]:
    """Yield every post and page of the Ghost export at `path`."""
    data = load(path)
    for table in COUNTED:
        if isinstance(data.get(table), list) and data[table]:
            counts[table] += len(data[table])
    users = {str(u.get("id")): u.get("name") or u.get("slug") for u in _rows(data, "users")}
    tags = {str(t.get("id")): t for t in _rows(data, "tags")}
    metas = {str(m.get("post_id")): m for m in _rows(data, "posts_meta")}
    tags_of = _links(data, "posts_tags", "tag_id")
    authors_of = _links(data, "posts_authors", "author_id")
    for row in data["posts"]:
        if not isinstance(row, dict):
            raise ImportFailure(f"{path}: a post is not an object ({row!r:.40}); {AGAIN}")
        meta = metas.get(str(row.get("id"))) or {}
        fields = {**meta, **{k: v for k, v in row.items() if v is not None}}
        post = _post(fields, path, users, tags, tags_of, authors_of)
        if post.status == "draft":
            counts["drafts"] += 1
        yield post


def _rows(data: dict, table: str) -> list[dict]:
    return [r for r in data.get(table) or [] if isinstance(r, dict)]


def _links(data: dict, table: str, key: str) -> dict[str, list[str]]:
    """Post id → linked ids in the export's `sort_order` (then file order)."""
    rows = sorted(
        enumerate(_rows(data, table)),
        key=lambda pair: (pair[1].get("sort_order") or 0, pair[0]),
    )
    linked: dict[str, list[str]] = defaultdict(list)
    for _, row in rows:
        post_id, other = str(row.get("post_id")), str(row.get(key))
        if other not in linked[post_id]:
            linked[post_id].append(other)
    return linked


def _post(row, path, users, tags, tags_of, authors_of) -> Post:
    ident = str(row.get("id"))
    post = Post(format="ghost", ident=f"{path.name}#post-{ident}")
    post.title = html.unescape(str(row.get("title") or "")).strip()
    is_page = row.get("type") == "page" or row.get("page") in (1, True, "1")
    post.kind = "page" if is_page else "article"
    post.slug = row.get("slug") or None
    post.url = row.get("canonical_url") or None
    post.summary = row.get("custom_excerpt") or row.get("meta_description") or None
    post.date = _date(row.get("published_at"), "published_at", post)
    if post.date is None:
        post.date = _date(row.get("created_at"), "created_at", post)
        if post.date is not None:
            post.notes.append("no publication date in the export; the date is when it was made")
    post.modified = _date(row.get("updated_at"), "updated_at", None)
    _status(row, post)
    names = [users[a] for a in authors_of.get(ident, []) if users.get(a)]
    if not names and users.get(str(row.get("author_id"))):
        names = [users[str(row.get("author_id"))]]
    if names:
        post.author = names[0]
        if len(names) > 1:
            post.notes.append(f"also written by {', '.join(names[1:])} (one author is kept)")
    internal = []
    for tag_id in tags_of.get(ident, []):
        tag = tags.get(tag_id) or {}
        name = str(tag.get("name") or "").strip()
        if name.startswith("#") or tag.get("visibility") == "internal":
            internal.append(name)
        elif name:
            post.tags.append(name)
    if internal:
        post.notes.append(f"Ghost's internal tags not imported: {', '.join(internal)}")
    if post.tags and post.kind == "article":
        post.categories = [post.tags[0]]  # Ghost's primary tag plays the category's part
    post.body_html, post.body_markdown = _body(row, post)
    _feature_image(row, post)
    _site_links(post)
    if row.get("codeinjection_head") or row.get("codeinjection_foot"):
        post.notes.append("the post's code injection (scripts, styles) is not imported")
    return post


def _site_links(post: Post) -> None:
    """Ghost 4+ writes its own address as __GHOST_URL__: such links become site paths."""
    found = False
    for field in ("body_html", "body_markdown"):
        value = getattr(post, field)
        if value and SITE_URL in value:
            setattr(post, field, value.replace(SITE_URL, ""))
            found = True
    if found:
        post.notes.append(
            f"links to the Ghost site itself ({SITE_URL}/...) are kept as paths from the "
            "site's root: check that each still leads somewhere"
        )


def _feature_image(row: dict, post: Post) -> None:
    """Ghost shows a post's feature image above it: it heads the body here."""
    src = row.get("feature_image")
    if not src:
        return
    alt = html.escape(row.get("feature_image_alt") or "")
    caption = row.get("feature_image_caption") or ""
    figure = f'<figure><img src="{html.escape(src)}" alt="{alt}">'
    figure += f"<figcaption>{caption}</figcaption></figure>" if caption else "</figure>"
    if post.body_markdown is not None:
        post.body_markdown = (
            f"![{row.get('feature_image_alt') or ''}]({src})\n\n" + post.body_markdown
        )
    else:
        post.body_html = figure + "\n" + post.body_html
    post.notes.append("the feature image heads the body")


def _status(row: dict, post: Post) -> None:
    status = str(row.get("status") or "draft")
    if status == "published":
        post.status = "published"
    else:
        post.status = "draft"
        if status == "scheduled":
            post.notes.append("scheduled in Ghost, not yet published: imported as a draft")
        elif status == "sent":
            post.notes.append("sent by email only, never on the site: imported as a draft")
        elif status != "draft":
            post.notes.append(f"Ghost status '{status}': imported as a draft")
    audience = PRIVATE.get(str(row.get("visibility") or "public"))
    if audience and post.status == "published":
        post.status = "draft"
        post.notes.append(
            f"only {audience} could read it on Ghost: imported as a draft so it is not "
            "published for everyone; remove 'Status: draft' to publish it"
        )


def _date(value, field: str, post: Post | None) -> datetime | None:
    """An aware datetime from Ghost's ISO strings or (old exports) epoch milliseconds."""
    if value in (None, "", 0):
        return None
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value / 1000, UTC)
        text = str(value).strip()
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            when = parsedate_to_datetime(text)  # "Fri, 18 Oct 2013 23:58:44 +0000"
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    except (ValueError, TypeError, OverflowError, OSError):
        if post is not None:
            post.notes.append(f"{field} '{value}' is not a date; left out")
        return None


def _body(row: dict, post: Post) -> tuple[str, str | None]:
    """(HTML, Markdown or None): stored HTML first, else the editor's document."""
    if row.get("html"):
        return str(row["html"]), None
    for field, render in (("mobiledoc", render_mobiledoc), ("lexical", render_lexical)):
        source = row.get(field)
        if not source:
            continue
        try:
            document = json.loads(source) if isinstance(source, str) else source
        except json.JSONDecodeError:
            post.notes.append(f"the post's {field} is not valid JSON; its body is empty")
            return "", None
        if field == "mobiledoc":
            only = _markdown_only(document)
            if only is not None:
                return "", only
        return render(document, post.notes), None
    if row.get("markdown"):
        return "", str(row["markdown"])
    return "", None


def _markdown_only(doc: dict) -> str | None:
    """The Markdown of a mobiledoc made of Markdown cards only (Ghost 1's editor)."""
    cards = doc.get("cards") or []
    sections = doc.get("sections") or []
    if not sections or not all(s and s[0] == 10 for s in sections):
        return None
    texts = []
    for section in sections:
        name, payload = cards[section[1]]
        if name not in ("markdown", "card-markdown"):
            return None
        texts.append(str(payload.get("markdown") or ""))
    return "\n\n".join(texts)


def _card(name: str, payload: dict, notes: list[str]) -> str:
    """The HTML of one editor card (shared by mobiledoc and lexical)."""
    esc = html.escape
    if name in ("markdown", "card-markdown"):
        return markdown.markdown(str(payload.get("markdown") or ""))
    if name == "html":
        return str(payload.get("html") or "")
    if name == "image":
        img = f'<img src="{esc(payload.get("src") or "")}" alt="{esc(payload.get("alt") or "")}">'
        caption = payload.get("caption") or ""
        return f"<figure>{img}<figcaption>{caption}</figcaption></figure>" if caption else img
    if name in ("code", "codeblock"):
        lang = payload.get("language") or ""
        attr = f' class="language-{esc(lang)}"' if lang else ""
        return f"<pre><code{attr}>{esc(payload.get('code') or '')}</code></pre>"
    if name in ("hr", "horizontalrule", "divider"):
        return "<hr>"
    if name == "gallery":
        return "".join(_card("image", image, notes) for image in payload.get("images") or [])
    if name == "callout":
        return f"<blockquote>{payload.get('calloutText') or ''}</blockquote>"
    if name == "toggle":
        return f"<h4>{payload.get('heading') or ''}</h4>{payload.get('content') or ''}"
    if name == "button" and payload.get("buttonUrl"):
        url = esc(payload["buttonUrl"])
        return f'<p><a href="{url}">{esc(payload.get("buttonText") or url)}</a></p>'
    if name in ("embed", "bookmark", "video", "audio", "file"):
        url = payload.get("url") or payload.get("src") or ""
        if url:
            title = payload.get("metadata", {}).get("title") or payload.get("title")
            label = esc(title or payload.get("fileTitle") or url)
            return f'<p><a href="{esc(url)}">{label}</a></p>'
    if name == "paywall":
        notes.append("Ghost's members-only marker removed: the whole post is imported")
        return ""
    notes.append(f"a '{name}' card of the Ghost editor was not converted")
    return ""


def render_mobiledoc(doc: dict, notes: list[str]) -> str:
    """Render a mobiledoc 0.3 document (sections, markups, cards) as HTML."""
    markups = doc.get("markups") or []
    cards = doc.get("cards") or []
    atoms = doc.get("atoms") or []

    def inline(markers: list) -> str:
        out, open_tags = [], []
        for kind, opens, closes, value in markers:
            for index in opens:
                tag, *attrs = markups[index]
                pairs = attrs[0] if attrs else []
                attr = "".join(
                    f' {pairs[i]}="{html.escape(str(pairs[i + 1]))}"'
                    for i in range(0, len(pairs) - 1, 2)
                )
                out.append(f"<{tag}{attr}>")
                open_tags.append(tag)
            out.append(html.escape(str(value if kind == 0 else atoms[value][1])))
            for _ in range(closes):
                out.append(f"</{open_tags.pop()}>")
        out.extend(f"</{tag}>" for tag in reversed(open_tags))
        return "".join(out)

    parts = []
    for section in doc.get("sections") or []:
        kind = section[0]
        if kind == 1:
            parts.append(f"<{section[1]}>{inline(section[2])}</{section[1]}>")
        elif kind == 2:
            parts.append(f'<img src="{html.escape(section[1])}" alt="">')
        elif kind == 3:
            items = "".join(f"<li>{inline(item)}</li>" for item in section[2])
            parts.append(f"<{section[1]}>{items}</{section[1]}>")
        elif kind == 10:
            name, payload = cards[section[1]]
            parts.append(_card(name, payload or {}, notes))
    return "\n".join(parts)


# Lexical's text-format bit flags, in the order the tags nest.
LEXICAL_FORMATS = ((1, "strong"), (2, "em"), (4, "s"), (8, "u"), (16, "code"))
LEXICAL_CARDS = {
    "markdown", "html", "image", "codeblock", "horizontalrule", "embed", "bookmark", "gallery",
    "callout", "toggle", "button", "video", "audio", "file", "paywall",
}  # fmt: skip


def render_lexical(doc: dict, notes: list[str]) -> str:
    """Render a Lexical document (Ghost 5's editor) as HTML."""

    def node_html(node: dict) -> str:
        kind = node.get("type")
        inner = "".join(node_html(child) for child in node.get("children") or [])
        if kind in ("text", "extended-text"):
            text = html.escape(str(node.get("text") or ""))
            for flag, tag in LEXICAL_FORMATS:
                if int(node.get("format") or 0) & flag:
                    text = f"<{tag}>{text}</{tag}>"
            return text
        if kind == "linebreak":
            return "<br>"
        if kind == "link":
            return f'<a href="{html.escape(str(node.get("url") or ""))}">{inner}</a>'
        if kind in ("paragraph", "root"):
            return f"<p>{inner}</p>" if kind == "paragraph" else inner
        if kind in ("heading", "extended-heading"):
            tag = node.get("tag") or "h2"
            return f"<{tag}>{inner}</{tag}>"
        if kind in ("quote", "extended-quote", "aside"):
            return f"<blockquote>{inner}</blockquote>"
        if kind == "list":
            tag = "ol" if node.get("listType") == "number" else "ul"
            return f"<{tag}>{inner}</{tag}>"
        if kind == "listitem":
            return f"<li>{inner}</li>"
        if kind in LEXICAL_CARDS:
            return _card(kind, node, notes)
        if inner:
            return inner
        notes.append(f"a '{kind}' card of the Ghost editor was not converted")
        return ""

    return node_html(doc.get("root") or {})

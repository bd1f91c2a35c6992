"""Links between imported posts become `{filename}` links; links left relative to
the old site become absolute to it.

Once a batch is written, every imported post is known by its old address (its
`Imported-From:` URL and its `Aliases:`) and by its new file. A link in any
written post to one of those old addresses, whichever way it was written
(`https://old.example/2015/03/post/`, `http://…/post/index.html`,
`/2015/03/post`), is rewritten to `{filename}/articles/post.md`, which the build
resolves to the post's new address; a `#fragment` is kept. Posts imported by an
earlier run (files already in the folder) count too. Every change is listed in
the post's report.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

from nextsale import frontmatter

from .model import FileReport

WHY_POST = "imported post"
WHY_RELATIVE = "relative to the old site: made absolute"
SOURCE_SUFFIXES = (".md", ".markdown", ".html", ".htm")
# Index pages a server answers for a folder's address.
INDEX_NAMES = ("index.html", "index.htm", "index.php")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")
# `href="…"` or `src="…"` of raw HTML a Markdown post keeps (one per tag).
_HTML_ATTR = re.compile(
    r"(?P<lead><[a-zA-Z][^<>]*?\s(?P<name>href|src)\s*=\s*)"
    r"(?P<quote>[\"'])(?P<url>[^\"'<>]*)(?P=quote)"
)
# `](target "title")` of an inline link or image; `!` before `[` marks an image.
_INLINE = re.compile(
    r"(?P<bang>!?)(?P<text>\[(?:[^\[\]]|\[[^\[\]]*\])*\])\(\s*"
    r"(?:<(?P<angle>[^<>\n]*)>|(?P<url>(?:[^()\s]|\([^()\s]*\))+))"
    r"(?P<rest>(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))?\s*\))"
)
_AUTOLINK = re.compile(r"<(?P<url>https?://[^<>\s]+)>")
_REFERENCE = re.compile(r"^(?P<lead>\s{0,3}\[[^\]]+\]:\s*)(?P<url><[^>]*>|\S+)(?P<rest>.*)$")
_REFERENCES = re.compile(_REFERENCE.pattern, re.MULTILINE)
# Fetched images are named after the last part of their address, this long at most.
MAX_NAME = 60


def address_key(url: str) -> str:
    """An old address without scheme, host, index page or trailing slash: '/2015/post'."""
    parts = urlsplit(url.strip())
    path = "/" + unquote(parts.path).lstrip("/")
    for name in INDEX_NAMES:
        if path.endswith("/" + name):
            path = path[: -len(name)]
    path = path.rstrip("/") or "/"
    return path + (f"?{parts.query}" if parts.query else "")


def image_stem(url: str) -> str:
    """The name a fetched image takes from its address: lower-case letters, digits, dashes."""
    stem = Path(unquote(urlsplit(url).path)).stem.lower()
    stem = re.sub(r"[^a-z0-9]+", "-", stem).strip("-")[:MAX_NAME].strip("-")
    return stem or "image"


def host_key(url: str) -> str:
    """The host of an address (scheme-relative too), lower-case, without `www.`."""
    host = (urlsplit(url if not url.startswith("//") else "http:" + url).hostname or "").lower()
    return host.removeprefix("www.")


def _is_web(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")


def read_metadata(path: Path) -> dict[str, str]:
    """The `Key: value` block of a written post, by lower-cased key."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return {}
    lines = frontmatter.split_lines(text)
    return {name: item.value for name, item in frontmatter.parse(lines).last().items()}


def _aliases(value: object) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(item).strip() for item in value if str(item).strip()]
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


class PostIndex:
    """Imported posts by old address: which file each address now is."""

    def __init__(self) -> None:
        self.files: dict[str, Path] = {}
        self.titles: dict[Path, str] = {}
        self.hosts: set[str] = set()
        # Posts imported from files (Jekyll, Hugo, Eleventy): a link may name the file.
        self.sources: dict[str, Path] = {}

    def add(self, path: Path, meta: dict, extra_aliases: Iterable[str] = ()) -> None:
        origin = meta.get("imported-from", "")
        olds = [origin] if _is_web(origin) else []
        if origin and not olds and origin.lower().endswith(SOURCE_SUFFIXES):
            self.sources.setdefault(origin.lower(), path)
        olds += _aliases(meta.get("aliases")) + list(extra_aliases)
        for old in olds:
            if urlsplit(old).netloc:
                self.hosts.add(host_key(old))
            self.files.setdefault(address_key(old), path)
        self.titles.setdefault(path, meta.get("title", "") or path.stem)

    def find(self, url: str) -> Path | None:
        """The file an address of the old site names, or None."""
        if urlsplit(url).netloc and host_key(url) not in self.hosts:
            return None
        found = self.files.get(address_key(url))
        if found is None and not urlsplit(url).netloc:
            found = self.sources.get(PurePosixPath(urlsplit(url).path).name.lower())
        return found


def build_index(written: list[tuple[FileReport, Path]]) -> PostIndex:
    """Every imported post of the batch, and of earlier imports in the same folders."""
    index = PostIndex()
    folders = sorted({path.parent for _report, path in written})
    for report, path in sorted(written, key=lambda pair: str(pair[1])):
        extra = _aliases(report.metadata.get("aliases"))
        index.add(path, read_metadata(path), extra)
    for folder in folders:
        for path in sorted(folder.glob("*.md")):
            meta = read_metadata(path)
            if meta.get("imported-from"):
                index.add(path, meta)
    return index


def filename_link(target: Path, post: Path, content: Path) -> str:
    """`{filename}` path of `target` as written in `post`: from the content folder
    when both are inside it, else relative to the post's folder."""
    try:
        return "{filename}/" + target.resolve().relative_to(content).as_posix()
    except ValueError:
        return "{filename}" + Path(os.path.relpath(target, post.parent)).as_posix()


def _outside_code(body: str, change: Callable[[str], str]) -> str:
    """Apply `change` to each piece of `body` outside fenced code and code spans."""
    out, fence = [], None
    for line in body.split("\n"):
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            out.append(line)
            continue
        if opened:
            fence = opened.group(1)
            out.append(line)
            continue
        pieces, last = [], 0
        for span in _CODE_SPAN.finditer(line):
            pieces.append(change(line[last : span.start()]))
            pieces.append(span.group(0))
            last = span.end()
        pieces.append(change(line[last:]))
        out.append("".join(pieces))
    return "\n".join(out)


def rewrite_targets(
    body: str,
    new_target: Callable[[str, bool], str | None],
    autolink: Callable[[str], str | None] = lambda url: None,
) -> str:
    """Replace each link and image target for which `new_target(url, is_image)` gives
    one, and each `<https://…>` for which `autolink(url)` gives a Markdown link."""

    def inline(match: re.Match) -> str:
        url = match.group("angle") if match.group("angle") is not None else match.group("url")
        text = _INLINE.sub(inline, match.group("text"))  # an image inside a link
        new = new_target(url, bool(match.group("bang")))
        if new is None and text == match.group("text"):
            return match.group(0)
        if new is None:
            return match.group(0).replace(match.group("text"), text, 1)
        shown = f"<{new}>" if " " in new else new
        return f"{match.group('bang')}{text}({shown}{match.group('rest')}"

    def reference(match: re.Match) -> str:
        url = match.group("url").strip("<>")
        new = new_target(url, False)
        return match.group(0) if new is None else f"{match.group('lead')}{new}{match.group('rest')}"

    def auto(match: re.Match) -> str:
        return autolink(match.group("url")) or match.group(0)

    def html_attr(match: re.Match) -> str:
        new = new_target(match.group("url"), match.group("name").lower() == "src")
        if new is None:
            return match.group(0)
        quote = match.group("quote")
        return f"{match.group('lead')}{quote}{new}{quote}"

    def piece(text: str) -> str:
        text = _HTML_ATTR.sub(html_attr, text)  # raw HTML kept in a Markdown post
        text = _INLINE.sub(inline, text)
        text = _AUTOLINK.sub(auto, text)
        return _REFERENCE.sub(reference, text)

    return _outside_code(body, piece)


def _split_front(text: str) -> tuple[str, str]:
    lines = frontmatter.split_lines(text)
    start = frontmatter.parse(lines).body_start
    return "\n".join(lines[:start]), "\n".join(lines[start:])


def _join(head: str, body: str) -> str:
    return f"{head}\n{body}" if head else body


def rewrite_post(
    report: FileReport, path: Path, index: PostIndex, content: Path, site_url: str = ""
) -> None:
    """Rewrite one written post's links in place, listing each in its report.

    A relative link is made absolute against the post's old address, else
    against `site_url` (the old site, IMPORT_SITE_URL / --site-url)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return
    head, body = _split_front(text)
    origin = read_metadata(path).get("imported-from", "")
    origin = origin if _is_web(origin) else site_url
    unresolved: list[str] = []

    def note(old: str, new: str, why: str) -> None:
        # A link the converter already changed is one change, from what the post said.
        for entry in report.links:
            if entry.get("to") == old:
                entry.update({"to": new, "why": why})
                return
        report.links.append({"from": old, "to": new, "why": why})

    def to_post(found: Path, url: str, fragment: str) -> str:
        new = filename_link(found, path, content) + (f"#{fragment}" if fragment else "")
        note(url, new, WHY_POST)
        return new

    def new_target(url: str, is_image: bool) -> str | None:
        parts = urlsplit(url)
        if not url or url.startswith(("{", "#")) or parts.scheme not in ("", "http", "https"):
            return None
        address, _, fragment = url.partition("#")
        if parts.scheme or parts.netloc:
            absolute = urljoin(origin or "https://", address)
        elif origin:
            absolute = urljoin(origin, address)
        else:  # only a path from the site's root can still name an imported post
            absolute = address if address.startswith("/") else ""
        found = index.find(absolute) if absolute and not is_image else None
        if found is not None:
            return to_post(found, url, fragment)
        if parts.scheme or parts.netloc:
            return None
        if not origin:
            unresolved.append(url)
            return None
        new = absolute + (f"#{fragment}" if fragment else "")
        note(url, new, WHY_RELATIVE)
        for image in report.images if is_image else ():
            if image.get("src") == url:
                image["src"] = new
        return new

    def autolink(url: str) -> str | None:
        address, _, fragment = url.partition("#")
        found = index.find(address)
        if found is None:
            return None
        title = index.titles.get(found, found.stem).replace("[", "\\[").replace("]", "\\]")
        return f"[{title}]({to_post(found, url, fragment)})"

    new_body = rewrite_targets(body, new_target, autolink)
    if unresolved:
        report.notes.append(
            "links relative to the old site kept as they are (the post's old address is not"
            " known, so they cannot be made absolute; pass --site-url with the old site's"
            f" address): {', '.join(sorted(set(unresolved)))}"
        )
    if new_body != body:
        path.write_text(_join(head, new_body), encoding="utf-8")


def content_root(paths: list[Path], settings: dict) -> Path:
    """The content folder `{filename}` paths start from: PATH when the posts are in
    it, else the folder holding the posts' folder (content/ of content/articles)."""
    if settings.get("PATH"):
        root = Path(settings["PATH"]).resolve()
        if all(path.resolve().is_relative_to(root) for path in paths):
            return root
    return paths[0].resolve().parent.parent


def rewrite_links(written: list[tuple[FileReport, Path]], settings: dict) -> None:
    """Rewrite links between the posts of a batch (and earlier imports) to `{filename}`
    links, and links relative to the old site to absolute ones; list each in the reports."""
    written = [(report, path) for report, path in written if path.is_file()]
    if not written:
        return
    content = content_root([path for _report, path in written], settings)
    index = build_index(written)
    site_url = str(settings.get("IMPORT_SITE_URL") or "")
    site_url = site_url.rstrip("/") + "/" if _is_web(site_url) else ""
    for report, path in written:
        rewrite_post(report, path, index, content, site_url)


# --- a second import of the same post ---------------------------------------


def _tokens(text: str) -> tuple[list[str], list[tuple[str, re.Match]]]:
    """The text between links, and each link (inline, autolink, reference) in order."""
    found = []
    for pattern, kind in ((_INLINE, "inline"), (_AUTOLINK, "auto"), (_REFERENCES, "ref")):
        found += [(m.start(), -m.end(), kind, m) for m in pattern.finditer(text)]
    between, links, position = [], [], 0
    for start, negative_end, kind, match in sorted(found, key=lambda item: item[:2]):
        if start >= position:
            between.append(text[position:start])
            links.append((kind, match))
            position = -negative_end
    between.append(text[position:])
    return between, links


def _target(kind: str, match: re.Match) -> str:
    if kind == "inline" and match.group("angle") is not None:
        return match.group("angle")
    return match.group("url").strip("<>")


def _same_target(kept: str, new: str, origin: str) -> bool:
    if kept == new or kept.startswith("{filename}"):
        return True
    if kept.startswith("{static}"):
        stem = Path(kept).stem
        return image_stem(new) in (stem, re.sub(r"-\d+$", "", stem))
    return bool(origin) and urljoin(origin, new) == kept


def _same_link(kept: tuple[str, re.Match], new: tuple[str, re.Match], origin: str) -> bool:
    (kind, match), (new_kind, new_match) = kept, new
    target, new_target = _target(kind, match), _target(new_kind, new_match)
    if new_kind == "auto" and kind == "inline":  # an autolink to a post became [Title](…)
        return not match.group("bang") and target.startswith("{filename}")
    if kind != new_kind:
        return False
    if kind == "inline":
        same_shape = match.group("bang", "rest") == new_match.group("bang", "rest")
        if not same_shape or not _same(match.group("text"), new_match.group("text"), origin):
            return False
    elif kind == "ref" and match.group("lead", "rest") != new_match.group("lead", "rest"):
        return False
    return _same_target(target, new_target, origin)


def _same(kept: str, new: str, origin: str) -> bool:
    if kept == new:
        return True
    kept_between, kept_links = _tokens(kept)
    new_between, new_links = _tokens(new)
    return (
        kept_between == new_between
        and len(kept_links) == len(new_links)
        and all(_same_link(a, b, origin) for a, b in zip(kept_links, new_links, strict=True))
    )


def same_import(kept: str, new: str) -> bool:
    """Whether a post already written (`kept`) is the `new` import of it once its links
    and images were rewritten here: a second import of an export changes nothing."""
    if kept == new:
        return True
    meta = frontmatter.parse(frontmatter.split_lines(new)).last()
    origin = meta["imported-from"].value if "imported-from" in meta else ""
    return _same(kept, new, origin if _is_web(origin) else "")

"""Which files under the content folder may be copied to the site as they are.

A static file is copied byte for byte and served from the site's own origin, so
it must not leak (a link out of the content folder, a hidden file such as
`.htaccess` or `.git/config`) nor run (HTML, XML, or an SVG with script, event
handlers or foreign objects). `refusal` says why a file may not be copied, as a
sentence that names the fix; `is_hidden` says whether a path is a hidden one.
"""

from __future__ import annotations

import html
import os
import re
import stat
from pathlib import Path, PurePath

# Served as documents a browser renders (and may run scripts in) from our origin.
DOCUMENT_SUFFIXES = frozenset(
    {".html", ".htm", ".xhtml", ".xht", ".shtml", ".xml", ".xsl", ".xslt", ".svgz", ".mht"}
)
SVG_SUFFIX = ".svg"
# What makes an SVG run something when opened on its own (namespace prefixes allowed).
_SVG_ACTIVE = re.compile(
    r"<\s*(?:[\w.-]+:)?(?:script|foreignobject|iframe|embed|object|handler|listener)\b"
    r"|\bon[a-z]+\s*="
    r"|(?:java|vb)script\s*:"
    r"|<!entity"
    r"|\bhref\s*=\s*[\"']?\s*data:",
    re.IGNORECASE,
)
_CONTROL_SPACE = re.compile(r"[\x00-\x20]+")


def is_hidden(rel_path: str) -> bool:
    """Whether any part of a content-relative path starts with a dot (.git, .env)."""
    return any(part.startswith(".") and part not in (".", "..") for part in _parts(rel_path))


def _parts(rel_path: str) -> list[str]:
    return [part for part in rel_path.replace("\\", "/").split("/") if part]


def escapes(rel_path: str) -> bool:
    """Whether a content-relative path names something outside the content folder."""
    if PurePath(rel_path).is_absolute() or rel_path.startswith(("/", "\\")):
        return True
    return os.path.normpath(rel_path).replace("\\", "/").split("/")[0] == ".."


def outside_link(content_root: str | os.PathLike, rel_path: str) -> str | None:
    """The content-relative path of the first symlink that leads out of the content
    folder (or into a .git folder) on the way to `rel_path`, else None."""
    root = Path(content_root)
    real_root = root.resolve()
    current = root
    for part in _parts(rel_path):
        current = current / part
        if not current.is_symlink():
            continue
        target = current.resolve()
        if target != real_root and real_root not in target.parents:
            return current.relative_to(root).as_posix()
        if ".git" in target.relative_to(real_root).parts:
            return current.relative_to(root).as_posix()
    return None


def svg_is_active(data: bytes) -> bool:
    """Whether an SVG could run something: script, handlers, foreign objects, entities."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return True  # another encoding could hide anything from the scan
    unescaped = _CONTROL_SPACE.sub("", html.unescape(text))
    return bool(_SVG_ACTIVE.search(text) or _SVG_ACTIVE.search(unescaped))


def refusal(content_root: str | os.PathLike, rel_path: str) -> str | None:
    """Why the file at `rel_path` (relative to the content folder) must not be
    copied to the site, as 'problem. What to do', or None when it may be."""
    if escapes(rel_path):
        return (
            "is outside the content folder. Copy the file into content/ (e.g. content/images/)"
            " and link to it there"
        )
    link = outside_link(content_root, rel_path)
    if link is not None:
        return (
            f"is reached through the symbolic link {link}, which leads outside the content"
            " folder (or into .git). Replace the link with a copy of the file"
        )
    if is_hidden(rel_path):
        return "is a hidden file. Rename it without the leading dot if it belongs on the site"
    full = Path(content_root, rel_path)
    try:
        info = full.stat()
    except OSError:
        return None  # a missing file is reported by the link checks
    if not stat.S_ISREG(info.st_mode):
        return (
            "is not a regular file (a FIFO, socket or device) and was skipped."
            " Remove it from the content folder"
        )
    suffix = full.suffix.lower()
    if suffix in DOCUMENT_SUFFIXES:
        return (
            f"is a {suffix} document, which a browser would run from the site's own address."
            " Write it as a page in content/pages/ (Markdown), or convert it to a plain format"
        )
    if suffix == SVG_SUFFIX:
        try:
            data = full.read_bytes()
        except OSError as error:
            return f"cannot be read ({error.strerror}). Check its permissions"
        if svg_is_active(data):
            return (
                "is an SVG with script, event handlers (on...=), foreignObject, entities or"
                " javascript:/data: links, which would run on the site. Export it again"
                " without them (plain shapes, text and styles only)"
            )
    return None

"""Finding source files, decoding their bytes, and telling saved HTML from plain text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bs4.dammit import EncodingDetector

from .model import ImportFailure

# Files a folder import picks up; others are listed as ignored.
POST_SUFFIXES = {"", ".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml"}
# Folders a walk leaves out: a site's built output and its dependencies.
SKIPPED_FOLDERS = {"_site", "node_modules", "__pycache__"}


def iter_sources(
    sources: list[Path], whole: Callable[[Path], bool] | None = None
) -> list[tuple[Path, bool]]:
    """Expand folders into their files, sorted: (path, found in a folder).

    Folders are walked down to the last level (Jekyll's `_posts`, Hugo's
    `content/post/...`), leaving out hidden files and folders and built
    output; a folder `whole` accepts (a Substack or Medium export) is one
    source, not walked.
    """
    files: list[tuple[Path, bool]] = []
    for source in sources:
        if source.is_dir() and not (whole and whole(source)):
            files += [(p, True) for p in _walk(source, whole)]
        else:
            files.append((source, False))
    return files


def _walk(folder: Path, whole: Callable[[Path], bool] | None) -> list[Path]:
    found: list[Path] = []
    try:
        children = sorted(folder.iterdir())
    except OSError:
        return found
    for child in children:
        if child.name.startswith(".") or child.name in SKIPPED_FOLDERS:
            continue
        if child.is_dir():
            found += [child] if whole and whole(child) else _walk(child, whole)
        elif child.is_file():
            found.append(child)
    return found


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

"""Addresses for imported posts: a usable slug for any title, never one already taken.

`make_slug` derives the slug from the title as the build would
(`nextsale.addresses.safe_slug`: usable, at most MAX_SLUG_CHARS), falling back to
the source's file name and then to a name made from the title's hash. `Slugs`
reads the slugs the articles already in the destination use (their `Slug:`, else
what the build derives) and hands out the first free one.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pelican.settings import DEFAULT_CONFIG
from pelican.utils import slugify

from nextsale import frontmatter
from nextsale.addresses import MAX_SLUG_CHARS, safe_slug

from .model import FileReport, ImportFailure

ARTICLE_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
PELICAN_SLUGS = {"SLUG_REGEX_SUBSTITUTIONS": DEFAULT_CONFIG["SLUG_REGEX_SUBSTITUTIONS"]}


def _slugify(text: str, settings: dict | None = None) -> str:
    """The slug Pelican itself makes, unshortened."""
    settings = {**PELICAN_SLUGS, **(settings or {})}
    return slugify(
        text,
        regex_subs=settings["SLUG_REGEX_SUBSTITUTIONS"],
        preserve_case=settings.get("SLUGIFY_PRESERVE_CASE", False),
        use_unicode=settings.get("SLUGIFY_USE_UNICODE", False),
    )


def make_slug(title: str, source: Path, report: FileReport) -> str:
    """A usable slug of at most MAX_SLUG_CHARS characters for `title`; say what was done."""
    slug = safe_slug(title, PELICAN_SLUGS)
    if slug and len(_slugify(title)) > MAX_SLUG_CHARS:
        report.notes.append(f"the slug was shortened to {len(slug)} characters: '{slug}'")
    if not slug:
        slug = safe_slug(source.stem.replace("_", " "), PELICAN_SLUGS)
        if slug:
            report.notes.append(
                f"the title {title!r} gives no address (no letters or digits); "
                f"the slug '{slug}' comes from the file name"
            )
        else:
            slug = "post-" + hashlib.sha1(title.encode("utf-8")).hexdigest()[:8]
            report.notes.append(
                f"neither the title {title!r} nor the file name gives an address; "
                f"the slug is '{slug}': set a better Slug in the article"
            )
    return slug


class Slugs:
    """The slugs taken in a destination folder, by the articles already there."""

    def __init__(self, dest: Path, settings: dict | None = None) -> None:
        self.dest = dest
        self.owners: dict[str, Path] = {}  # casefolded slug -> the article using it
        self.claimed: set[str] = set()  # slugs given in this batch: a clash there is an error
        try:
            found = sorted(dest.rglob("*")) if dest.is_dir() else []
        except OSError as err:
            raise ImportFailure(
                f"{dest}: cannot read the articles already there ({err.strerror or err}); "
                "check the --dest folder"
            ) from None
        for path in found:
            if path.suffix.lower() in ARTICLE_SUFFIXES and path.is_file():
                for slug in _article_slugs(path, settings):
                    self.owners.setdefault(slug.casefold(), path)

    def free(self, slug: str, source: Path, report: FileReport) -> str:
        """`slug`, or `slug-2`, `slug-3`... when another article already uses it.

        An article uses a slug when its `Slug:` (or derived slug) is that slug,
        or when it is the file `<slug>.md` but not an earlier import of `source`.
        """
        reason = self._taken(slug, source)
        if reason is None:
            return slug
        number = 2
        while self._taken(f"{slug}-{number}", source) is not None:
            number += 1
        report.notes.append(
            f"the slug '{slug}' is already used by {reason}; imported as "
            f"'{slug}-{number}' so that both articles stay"
        )
        return f"{slug}-{number}"

    def claim(self, slug: str) -> None:
        self.claimed.add(slug.casefold())

    def _taken(self, slug: str, source: Path) -> str | None:
        if slug.casefold() in self.claimed:
            return None  # two sources of one batch: the importer refuses the second
        target = self.dest / f"{slug}.md"
        owner = self.owners.get(slug.casefold())
        if owner is not None and owner != target:
            return str(owner)
        if target.exists() or target.is_symlink():
            if target.is_symlink() or not target.is_file():
                return f"{target} (not a regular file)"
            origin = _imported_from(target)
            if origin != source.name:
                return f"{target}" + (f" (imported from {origin})" if origin else "")
        return None


def _read_front(path: Path) -> dict[str, str]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return {}
    lines = frontmatter.split_lines(text)
    return {name: field.value for name, field in frontmatter.parse(lines).last().items()}


def _article_slugs(path: Path, settings: dict | None) -> set[str]:
    """The slug the build gives the article at `path` (a derived one as Pelican makes
    it and as shortened for a file name)."""
    meta = _read_front(path)
    if meta.get("slug"):
        return {meta["slug"]}
    source = (settings or {}).get("SLUGIFY_SOURCE", "title")
    text = path.stem if source == "basename" or not meta.get("title") else meta["title"]
    site = {**PELICAN_SLUGS, **(settings or {})}
    return {slug for slug in (_slugify(text, site), safe_slug(text, site)) if slug}


def _imported_from(path: Path) -> str | None:
    return _read_front(path).get("imported-from")

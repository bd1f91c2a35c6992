"""Matching imported tags with the site's taxonomy, the way the build does.

The build (the taxonomy plugin) resolves every tag an article lists through
`nextsale.taxonomy.core`: a tag's slug, name or alias becomes its canonical
slug, ignoring case, spaces, hyphens and most punctuation but never symbols
such as + or # ("C++" is not "C"); any other tag is kept as written. The
importer writes exactly that, so an imported article builds with the tags
the importer reported, and no tag the build would refuse is merged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from nextsale.site import display_path, plugin_enabled
from nextsale.taxonomy.core import (
    Match,
    Taxonomy,
    TaxonomyError,
    load_taxonomy,
    strict_key,
    taxonomy_path,
)

from .model import FileReport, ImportFailure


def site_taxonomy(settings: Mapping[str, Any]) -> tuple[Path | None, str]:
    """Return the taxonomy file the build uses with these settings, and why.

    None when the build would keep tags as written: the taxonomy plugin is
    not in PLUGINS, or there is no file at PATH/TAXONOMY_FILE.
    """
    if not plugin_enabled(settings, "taxonomy"):
        return None, "the taxonomy plugin is not in PLUGINS: tags are kept as written"
    path = taxonomy_path(settings)
    if not path.is_file():
        return None, f"no {display_path(path)}: tags are kept as written"
    return path, display_path(path)


def load_tags(path: Path | str | None, settings: Mapping[str, Any] | None = None):
    """Read and validate a taxonomy file as the build does; None reads nothing."""
    if path is None:
        return None
    path = Path(path)
    if not path.is_file():
        raise ImportFailure(f"{path}: no such taxonomy file; pass --taxonomy with the right file")
    default_guidance = (settings or {}).get("TAXONOMY_DEFAULT_GUIDANCE")
    try:
        return load_taxonomy(path, default_guidance=default_guidance)
    except TaxonomyError as err:
        problems = "\n".join(f"  {problem}" for problem in err.problems)
        raise ImportFailure(
            f"{path}: the taxonomy is invalid, so the build would ignore it; "
            f"fix it first (invoke taxonomy-lint):\n{problems}"
        ) from None


def resolve_tags(
    written: Iterable[str], taxonomy: Taxonomy | None, report: FileReport
) -> list[str]:
    """Return the tags to write: canonical slugs for known tags, others as written.

    Unknown tags are listed in the report; one that differs from a known tag
    only in symbols is noted, since the build will not merge it either.
    """
    tags: list[str] = []
    seen: set[str] = set()
    for raw in written:
        match = taxonomy.lookup(raw) if taxonomy is not None else Match(None)
        if match.slug is None:
            report.unknown_tags.append(raw)
            if match.lookalike:
                report.notes.append(
                    f"tag {raw!r} kept as written: it differs from the known tag "
                    f"{match.lookalike!r} only in symbols such as + or #, and the build "
                    "does not merge such tags; add it to the taxonomy or change it"
                )
        tag = match.slug or raw
        key = strict_key(tag)
        if key not in seen:
            seen.add(key)
            tags.append(tag)
    return tags


IMPORTED_TAGS_KEY = "Imported-Tags"


def tag_lines(written: Iterable[str], taxonomy: Taxonomy | None, report: FileReport) -> list[str]:
    """The front-matter lines for a post's tags.

    Tags the taxonomy knows go in `Tags:` as their canonical slugs. A tag it
    does not know would stop a strict build, so it is kept, not lost, in
    `Imported-Tags:` (which the site does not show) and reported: add it to
    the taxonomy, then move it to `Tags:`. A site without a taxonomy takes
    every tag as written.
    """
    unknown_before = len(report.unknown_tags)
    tags = resolve_tags(written, taxonomy, report)
    if taxonomy is None:
        shown, kept = tags, []
    else:
        unknown = {strict_key(t) for t in report.unknown_tags[unknown_before:]}
        shown = [t for t in tags if strict_key(t) not in unknown]
        kept = [t for t in tags if strict_key(t) in unknown]
    if shown:
        report.metadata["tags"] = shown
    if kept:
        report.metadata["imported_tags"] = kept
        report.notes.append(
            f"tags not in the taxonomy kept in {IMPORTED_TAGS_KEY}: (not shown on the site): "
            f"{', '.join(kept)}; add them to the taxonomy file and move them to Tags:"
        )
    lines = [f"Tags: {', '.join(shown)}"] if shown else []
    return lines + ([f"{IMPORTED_TAGS_KEY}: {', '.join(kept)}"] if kept else [])

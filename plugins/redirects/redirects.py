"""Write a redirect page at every old address of an imported post, and a redirects file.

The rules (which old paths, which are left out, what a page holds) live in
nextsale.redirects; this plugin fetches the site's contents and output files
from the build and writes the result. It writes from a generator of its own,
listed last, so every page the site writes is known (or already written)
before a redirect could take its place.
"""

from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path
from urllib.parse import urlparse

from pelican import signals

from nextsale import addresses, redirects
from nextsale.site import display_path, plugin_enabled, setting

log = logging.getLogger(__name__)

DEFAULTS = {"REDIRECTS_FILE": "_redirects"}

CONTENT_KEYS = ("articles", "hidden_articles", "pages", "hidden_pages")
UNPUBLISHED_KEYS = ("drafts", "draft_pages")


class RedirectSettingError(ValueError):
    """REDIRECTS_FILE has the wrong shape."""


def redirects_file_name(settings: dict) -> str | None:
    """REDIRECTS_FILE checked: a path inside the output folder, or None."""
    name = setting(settings, DEFAULTS, "REDIRECTS_FILE")
    if name is None:
        return None
    why = addresses.path_problem(name) if isinstance(name, str) else "it is not a string"
    if why is not None:
        raise RedirectSettingError(
            f"redirects: REDIRECTS_FILE {name!r} cannot work: {why}. Use a file name such"
            " as '_redirects', or None to write no redirects file (in pelicanconf.py)"
        )
    return name


def _with_translations(items) -> list:
    found = []
    for item in items or ():
        found.append(item)
        found += list(getattr(item, "translations", None) or ())
    return found


def site_contents(context: dict, keys=CONTENT_KEYS) -> list:
    """The articles and pages (and their translations) under `keys` of the context."""
    return [item for key in keys for item in _with_translations(context.get(key))]


def _generated_claims(settings: dict, context: dict) -> list[tuple[str, str]]:
    """Files the site's generators and plugins write, as the content checks list them."""
    if plugin_enabled(settings, "content_checks") and "content_checks" in sys.modules:
        checks = importlib.import_module("content_checks.addresses")
        return checks.generated_claims(settings, context)
    return addresses.site_outputs(settings) + addresses.listing_outputs(settings, context)


def _namer(settings: dict):
    """Name a source file as the author sees it (kept by the content checks, when on)."""
    base = settings["PATH"]
    if plugin_enabled(settings, "content_checks") and "content_checks" in sys.modules:
        known = importlib.import_module("content_checks.memo").answers(settings)
        return lambda path: known.shown(path, base)
    return lambda path: display_path(path, base)


def real_outputs(settings: dict, context: dict, display) -> dict[str, str]:
    """Every output file of the site with what writes it; the first claim names it."""
    claims = []
    for item in site_contents(context, CONTENT_KEYS + UNPUBLISHED_KEYS):
        if item.save_as:
            claims.append((item.save_as, display(item.source_path)))
    for item in context.get("staticfiles") or ():
        claims.append((item.save_as, display(item.source_path)))
    claims += _generated_claims(settings, context)
    owners = addresses.Outputs()
    owners.claim_all(claims)
    return owners.owners


class RedirectsGenerator:
    """Pelican generator: writes once every other page of the site is known."""

    def __init__(self, context, settings, path, theme, output_path, *args, **kwargs):
        self.context, self.settings, self.output_path = context, settings, Path(output_path)

    def generate_context(self) -> None:
        redirects_file_name(self.settings)  # a wrong setting stops the build early

    def generate_output(self, writer) -> None:
        settings = self.settings
        display = _namer(settings)
        # Only posts with an old address need the site's every output file.
        moved = [item for item in site_contents(self.context) if redirects.old_paths(item.metadata)]
        real = real_outputs(settings, self.context, display) if moved else {}
        planned, notes = redirects.plan(moved, real, display)
        # Nothing is broken when an old address is taken by a page of this site,
        # so a strict build does not stop for it; the author still reads it.
        for source, note in notes:
            log.info("%s: %s", source, note)
        site_url = settings.get("SITEURL") or ""
        canonical_base = (settings.get("SITE_CANONICAL_URL") or site_url).rstrip("/")
        kept = []
        for item in planned:
            if item.save_as is None or self._write_page(item, site_url, canonical_base):
                kept.append(item)
        name = redirects_file_name(settings)
        lines = 0
        if name and kept:
            lines = self._write_file(name, kept, real, urlparse(canonical_base).path)
        log.info(
            "redirects: %d redirect pages, %d lines in %s",
            sum(item.save_as is not None for item in kept),
            lines,
            name or "no redirects file",
        )

    def _write_page(self, item: redirects.Redirect, site_url: str, canonical_base: str) -> bool:
        target = redirects.link_from(item.save_as, item.url, site_url)
        canonical = f"{canonical_base}/{item.url}" if canonical_base else target
        path = self.output_path / item.save_as
        if path.exists() and not _ours(path):
            log.warning(
                "%s: its old address %s is %s, which another part of the build wrote;"
                " that file stays and no redirect is written there",
                item.source,
                item.old,
                item.save_as,
            )
            return False
        _replace(path, redirects.page(item, target, canonical))
        return True

    def _write_file(self, name: str, kept: list, real: dict, base_path: str) -> int:
        path = self.output_path / name
        if name in real or (path.exists() and not _ours_file(path)):
            log.warning(
                "redirects: the redirects file %s is %s; it was not written. Set"
                " REDIRECTS_FILE to another name, or None",
                name,
                real.get(name, "a file another part of the build wrote"),
            )
            return 0
        _replace(path, redirects.redirects_file(kept, base_path))
        return len(kept)


def _ours(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as handle:
            return redirects.is_redirect_page(handle.read(400))
    except (OSError, UnicodeDecodeError):
        return False


def _ours_file(path: Path) -> bool:
    try:
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    except (OSError, UnicodeDecodeError):
        return False
    return first.startswith("# ")


def _replace(path: Path, text: str) -> None:
    """Write a new file: never through a hard link an earlier build's output shares."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    path.write_text(text, encoding="utf-8")


def get_generators(pelican):
    return RedirectsGenerator if plugin_enabled(pelican.settings, "redirects") else None


def register() -> None:
    # A generator of our own, after every other one but the static files (known by then).
    signals.get_generators.connect(get_generators)

"""Sanitise every article's and page's HTML with an allow-list (nh3).

Markdown passes raw HTML straight through, so a pasted `<script>`, an
`onerror=` handler or a `javascript:` link would reach pages, feeds and emails.
The HTML every reader returns (body and summary) goes through nh3 with the tags and
attributes Markdown produces; anything else is dropped and the file is named in
a warning, so nothing disappears silently.
"""

from __future__ import annotations

import logging
import os
import re

import nh3
from pelican import signals

log = logging.getLogger(__name__)

DEFAULTS = {
    "SAFE_HTML_EXTRA_TAGS": [],
    "SAFE_HTML_URL_SCHEMES": ["http", "https", "mailto", "tel"],
}

# Markdown's output (with extra and toc) and what authors legitimately add.
GLOBAL_ATTRIBUTES = {"id", "class", "title", "lang", "dir"}
EXTRA_ATTRIBUTES = {
    "a": {"href", "hreflang", "rel", "data-missing-link"},
    "img": {"src", "alt", "width", "height", "loading", "srcset", "sizes"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "ol": {"start", "reversed"},
    "time": {"datetime"},
    "abbr": {"title"},
    "blockquote": {"cite"},
}
# Only to decide whether to warn: sanitising always runs.
UNSAFE_HINT = re.compile(
    r"<\s*(script|style|iframe|object|embed|form|input|button|link|meta|base)\b"
    r"|\son[a-z]+\s*=|javascript:|vbscript:|data:text/html",
    re.IGNORECASE,
)


def _allowed_attributes(tags: set[str]) -> dict[str, set[str]]:
    attributes = {tag: set(GLOBAL_ATTRIBUTES) for tag in tags}
    for tag, extra in EXTRA_ATTRIBUTES.items():
        attributes.setdefault(tag, set(GLOBAL_ATTRIBUTES)).update(extra)
    return attributes


def sanitise(html: str, extra_tags: list[str], url_schemes: list[str]) -> str:
    """Return html with only allow-listed tags, attributes and URL schemes."""
    tags = set(nh3.ALLOWED_TAGS) | set(extra_tags)
    return nh3.clean(
        html,
        tags=tags,
        attributes=_allowed_attributes(tags),
        url_schemes=set(url_schemes),
        link_rel=None,
        strip_comments=True,
    )


def safe_reader(read, settings: dict):
    """Wrap a reader's `read` so the HTML it returns is sanitised."""
    extra = settings.get("SAFE_HTML_EXTRA_TAGS", DEFAULTS["SAFE_HTML_EXTRA_TAGS"])
    schemes = settings.get("SAFE_HTML_URL_SCHEMES", DEFAULTS["SAFE_HTML_URL_SCHEMES"])
    base = settings.get("PATH") or ""

    def read_safely(path):
        content, metadata = read(path)
        for part, html in (("body", content), ("summary", metadata.get("summary"))):
            if not isinstance(html, str) or not html:
                continue
            if UNSAFE_HINT.search(html):
                log.warning(
                    "%s: removed unsafe HTML (scripts, styles, frames, forms, event "
                    "handlers or javascript: links) from the %s. The site never runs "
                    "code from content; remove it from the file.",
                    os.path.relpath(path, base) if base else path,
                    part,
                )
            cleaned = sanitise(html, extra, schemes)
            if part == "body":
                content = cleaned
            else:
                metadata["summary"] = cleaned
        return content, metadata

    return read_safely


def wrap_readers(generator) -> None:
    settings = generator.settings
    readers = getattr(generator, "readers", None)
    if readers is None or "safe_html" not in (settings.get("PLUGINS") or ()):
        return  # signals are process-wide; this build did not ask for us
    for reader in readers.readers.values():
        reader.read = safe_reader(reader.read, settings)


def register() -> None:
    # Reader output is what Pelican caches and what parallel_read computes on
    # every core: sanitising there costs nothing on unchanged files.
    signals.generator_init.connect(wrap_readers)

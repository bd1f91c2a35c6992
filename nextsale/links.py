"""Links between content files: `{filename}`, `{static}` and `{attach}`, resolved as Pelican does.

Pelican replaces such links while rendering; the checks (a link to a missing
file), the newsletter (links in an issue's intro and its `Articles:` list) and
the importer must agree with it exactly, so the pattern and the path rules live
here once, built from Pelican's public setting INTRASITE_LINK_REGEX.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping
from html import unescape
from typing import Any
from urllib.parse import unquote, urlparse

# Which table of the build's context each kind of link is looked up in.
TABLES = {
    "filename": "generated_content",
    "static": "static_content",
    "attach": "static_content",
}

# The attributes Pelican looks in, and its quoting rule (the value must be quoted).
_LINK_PATTERN = r"""
    (?P<markup><[^\>]+  # match tag with all url-value attributes
        (?:href|src|poster|data|cite|formaction|action|content)\s*=\s*)

    (?P<quote>["\'])      # require value to be quoted
    (?P<path>{prefix}(?P<value>.*?))  # the url value
    (?P=quote)"""

_compiled: dict[str, re.Pattern] = {}


def link_regex(settings: Mapping[str, Any]) -> re.Pattern:
    """The pattern Pelican matches intrasite links in HTML with."""
    prefix = settings["INTRASITE_LINK_REGEX"]
    if prefix not in _compiled:
        _compiled[prefix] = re.compile(_LINK_PATTERN.format(prefix=prefix), re.X)
    return _compiled[prefix]


def source_path(link_path: str, from_dir: str) -> str:
    """The content-relative path a link names: from the content folder when it
    starts with '/', else from the folder of the file that holds it."""
    if link_path.startswith("/"):
        return link_path[1:]
    return posixpath.normpath(posixpath.join(from_dir, link_path))


def candidates(value: str) -> list[str]:
    """The link paths Pelican tries, in order: as written, unquoted, HTML-unescaped."""
    raw = urlparse(value).path
    return [raw, unquote(raw), urlparse(unescape(value)).path]


def find_target(
    value: str,
    from_dir: str,
    table: Mapping[str, Any],
    accept: Callable[[Any], bool] | None = None,
) -> Any | None:
    """The content a link's value resolves to in `table` (and `accept`s), or None."""
    for candidate in candidates(value):
        found = table.get(source_path(candidate, from_dir))
        if found is not None and (accept is None or accept(found)):
            return found
    return None


def wanted_path(value: str, from_dir: str) -> str:
    """The content-relative path a broken link most likely meant."""
    return source_path(unquote(urlparse(unescape(value)).path), from_dir)


def leaves_content(content_path: str) -> bool:
    """Whether a content-relative path (as `source_path` gives) lies outside the content folder."""
    normal = posixpath.normpath(content_path.replace("\\", "/"))
    return normal.startswith("/") or normal == ".." or normal.startswith("../")

"""Addresses outside the site's pages: absolute URLs and UTM campaign parameters.

Feeds and emails are read away from the site, so every link in them is absolute
(`absolute`, `absolute_url`, `absolute_srcset`, `absolutise`), and links back to
the site may carry UTM parameters (`utm_setting`, `with_utm`, `add_utm`).

A `*_UTM` setting has one shape everywhere: a dict with some of the keys
`source`, `medium`, `campaign`, `term` and `content` (without the `utm_`
prefix). The caller fills some keys itself (the feeds set `source` per feed
format, the newsletter sets `campaign` per issue); the setting wins over those
defaults, and a link's own `utm_*` parameters win over both. The older shape
with `utm_`-prefixed keys is still read, with a deprecation warning naming the
setting.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup

log = logging.getLogger(__name__)

# The parameters, in the order they are added to a link.
UTM_KEYS = ("source", "medium", "campaign", "term", "content")
# Every *_UTM setting must end up with these, from the setting or the caller.
UTM_REQUIRED = ("source", "medium", "campaign")

# Attributes that carry a URL, per tag.
URL_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "a": ("href",),
    "area": ("href",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "blockquote": ("cite",),
    "q": ("cite",),
    "del": ("cite",),
    "ins": ("cite",),
}


# ------------------------------------------------------------ absolute URLs


def absolute_url(url: str, base: str, canonical: str) -> str:
    """Resolve `url` as found on the page at `base`, on the site at `canonical`."""
    url = url.strip()
    if not url:
        return url
    # Site-root links ("/2024/slug/", what Pelican writes with an empty
    # SITEURL) belong under the canonical URL, which may carry a path.
    if url.startswith("/") and not url.startswith("//"):
        return canonical + url
    return urljoin(base, url)


def absolute(site_url: str, url: str) -> str:
    """Make a site-relative URL (`2024/slug/`, `/about/`) absolute."""
    site_url = site_url.rstrip("/")
    return absolute_url(url, site_url + "/", site_url)


def absolute_srcset(value: str, base: str, canonical: str) -> str:
    """Make every candidate URL of a `srcset` absolute, keeping its descriptor."""
    candidates = []
    for candidate in value.split(","):
        words = candidate.split()
        if words:
            words[0] = absolute_url(words[0], base, canonical)
            candidates.append(" ".join(words))
    return ", ".join(candidates)


def absolutise(base: str, canonical: str) -> Callable[[str, str, str], str]:
    """An attribute filter for the sanitiser that makes link and media URLs absolute."""

    def rewrite(tag: str, attribute: str, value: str) -> str:
        if attribute not in URL_ATTRIBUTES.get(tag, ()):
            return value
        if attribute == "srcset":
            return absolute_srcset(value, base, canonical)
        return absolute_url(value, base, canonical)

    return rewrite


# --------------------------------------------------------------------- UTM


class UtmSettingError(ValueError):
    """A *_UTM setting that cannot work; the message says what to write."""


def utm_setting(value: Any, name: str, *, filled: tuple[str, ...] = ()) -> dict[str, str] | None:
    """Read the setting `name` (None, or a dict in the one shape) and validate it.

    `filled` names the keys the caller supplies when the setting leaves them
    out. Returns the parameters without prefix, in `UTM_KEYS` order.
    """
    if value is None:
        return None
    example = "{'source': 'newsletter', 'medium': 'email', 'campaign': 'spring'}"
    if not isinstance(value, Mapping) or not value:
        raise UtmSettingError(
            f"must be None or a dict with some of the keys {', '.join(UTM_KEYS)}, "
            f"e.g. {example} (got {value!r})"
        )
    params: dict[str, str] = {}
    prefixed = []
    for key, text in value.items():
        short = key.removeprefix("utm_") if isinstance(key, str) else key
        if short != key:
            prefixed.append(key)
        if short not in UTM_KEYS:
            raise UtmSettingError(
                f"has the key {key!r}; use only {', '.join(UTM_KEYS)} (got {value!r})"
            )
        if short in params:
            raise UtmSettingError(f"gives {short!r} twice (got {value!r})")
        if not isinstance(text, str) or not text.strip():
            raise UtmSettingError(f"needs non-empty text for {key!r} (got {text!r})")
        params[short] = text.strip()
    missing = [key for key in UTM_REQUIRED if key not in params and key not in filled]
    if missing:
        raise UtmSettingError(
            f"needs the key(s) {', '.join(missing)}"
            + (f" ({', '.join(filled)} is set for you)" if filled else "")
            + f" (got {value!r})"
        )
    if prefixed:
        rewritten = {key.removeprefix("utm_"): text for key, text in value.items()}
        message = (
            f"{name}: keys with the utm_ prefix ({', '.join(prefixed)}) are deprecated; "
            f"write them without it: {name} = {rewritten!r}"
        )
        warnings.warn(message, DeprecationWarning, stacklevel=2)
        log.warning(message)
    return {key: params[key] for key in UTM_KEYS if key in params}


def with_utm(url: str, utm: Mapping[str, str] | None, **filled: str) -> str:
    """Add UTM parameters to one URL, keeping its query and fragment.

    `utm` is a setting as `utm_setting` returns it, `filled` the caller's
    defaults for keys it leaves out; parameters the URL already has win.
    """
    if not utm:
        return url
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {key for key, _ in query}
    merged = {**filled, **utm}
    added = [
        (f"utm_{key}", merged[key])
        for key in UTM_KEYS
        if key in merged and f"utm_{key}" not in present
    ]
    if not added:
        return url
    return urlunsplit(parts._replace(query=urlencode(query + added)))


def add_utm(html: str, site_url: str, utm: Mapping[str, str] | None, **filled: str) -> str:
    """Add UTM parameters to every link of `html` that points at the site itself."""
    if not utm:
        return html
    host = urlsplit(site_url).netloc
    soup = BeautifulSoup(html, "html.parser")
    for link in soup.find_all("a", href=True):
        parts = urlsplit(link["href"])
        if parts.netloc == host and parts.scheme in ("http", "https"):
            link["href"] = with_utm(link["href"], utm, **filled)
    return str(soup)

"""Addresses: whether a slug, URL or output path can work, and who else wants it.

Every file of the site has one address (a URL) and one output file (a path in
the output folder). An address built from author text can fail: an empty slug
(a title of only emoji), a `URL:` with a scheme, query or fragment, a path that
climbs out of the output folder, a name longer than the file system allows.
`slug_problem`, `url_problem` and `path_problem` say why, as a sentence;
`safe_slug` derives a usable slug where the intent is clear. `Outputs` collects
every output path with the source that claims it, so two sources at one output
file are found before anything is written.
"""

from __future__ import annotations

import locale
import re
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pelican.paginator import Paginator
from pelican.utils import slugify

# Most file systems allow 255 bytes per name; a slug also ends up inside
# longer names (tags/{slug}.atom.xml), so slugs stay below MAX_SLUG_BYTES and
# a slug shortened from a long title is cut at a word break to MAX_SLUG_CHARS.
MAX_NAME_BYTES = 255
MAX_SLUG_BYTES = 200
MAX_SLUG_CHARS = 80
MAX_PATH_BYTES = 1024

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
_ENCODED_TRICK = re.compile(r"%(?:2e|2f|5c|00|0a|0d|09|20|3f|23)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_UNUSABLE_IN_PATH = re.compile(r"[\\?#%\s\"<>|*:]")
_SLUG_OK = re.compile(r"^[\w.~-]+$")


def _too_long(part: str) -> bool:
    return len(part.encode("utf-8")) > MAX_NAME_BYTES


def slug_problem(slug: Any) -> str | None:
    """Why a slug cannot be one segment of an address, or None."""
    if not isinstance(slug, str) or not slug.strip(". "):
        return "it is empty (no letters or digits to make an address from)"
    if "/" in slug or "\\" in slug:
        return "it contains '/', which would put the file in another folder"
    if _CONTROL.search(slug) or not _SLUG_OK.match(slug):
        return "it contains characters that do not work in an address (spaces, ?, #, % ...)"
    if len(slug.encode("utf-8")) > MAX_SLUG_BYTES:
        return (
            f"it is too long for a file name ({len(slug)} characters; at most"
            f" {MAX_SLUG_BYTES} bytes)"
        )
    return None


def url_problem(url: Any) -> str | None:
    """Why a `URL:` value (relative to the site) cannot be an address, or None."""
    if not isinstance(url, str) or not url.strip():
        return "it is empty"
    if _SCHEME.match(url) or url.startswith("//"):
        return "it starts with a scheme or host (such as javascript: or //)"
    if url.startswith("/"):
        return "it starts with '/' (addresses here are relative to the site)"
    if _CONTROL.search(url) or re.search(r"\s", url):
        return "it contains spaces or control characters"
    if "?" in url or "#" in url:
        return "it contains '?' or '#', which browsers never send as part of a file's address"
    if _ENCODED_TRICK.search(url) or "\\" in url:
        return "it contains an encoded or backslashed character (%2e, %2f, \\ ...)"
    if any(part in (".", "..") for part in url.split("/")):
        return "it contains '.' or '..' folders"
    if any(_too_long(part) for part in url.split("/")):
        return f"one of its parts is longer than {MAX_NAME_BYTES} bytes"
    return None


def path_problem(save_as: Any) -> str | None:
    """Why an output path (relative to the output folder) cannot be written, or None."""
    if not isinstance(save_as, str) or not save_as.strip():
        return "it is empty, so the file would not be written at all"
    if save_as.startswith(("/", "\\")) or _SCHEME.match(save_as):
        return "it is absolute; it must be a path inside the output folder"
    parts = save_as.split("/")
    if any(part in (".", "..") for part in parts):
        return "it contains '.' or '..' folders, which could leave the output folder"
    if save_as.endswith("/") or any(part == "" for part in parts):
        return "it has an empty folder or file name (a '//' or a trailing '/')"
    if _CONTROL.search(save_as) or _UNUSABLE_IN_PATH.search(save_as):
        return "it contains characters that do not work in a file name or address"
    if any(_too_long(part) for part in parts):
        return f"one of its names is longer than {MAX_NAME_BYTES} bytes, too long for a file"
    if len(save_as.encode("utf-8")) > MAX_PATH_BYTES:
        return f"it is longer than {MAX_PATH_BYTES} bytes"
    return None


def safe_slug(text: Any, settings: Mapping[str, Any]) -> str:
    """A usable slug made from `text` the site's way, shortened at a word break
    to MAX_SLUG_CHARS; '' when nothing usable is left."""
    if not isinstance(text, str):
        return ""
    slug = slugify(
        text,
        regex_subs=settings.get("SLUG_REGEX_SUBSTITUTIONS", []),
        preserve_case=settings.get("SLUGIFY_PRESERVE_CASE", False),
        use_unicode=settings.get("SLUGIFY_USE_UNICODE", False),
    )
    slug = slug.strip("-._~")
    if len(slug) > MAX_SLUG_CHARS:
        cut = slug[:MAX_SLUG_CHARS]
        slug = (cut.rsplit("-", 1)[0] if "-" in cut else cut).strip("-._~")
    return slug if slug_problem(slug) is None else ""


@dataclass
class Outputs:
    """Every output path with the first source that claims it."""

    owners: dict[str, str] = field(default_factory=dict)

    def claim(self, path: str, owner: str) -> str | None:
        """Record `owner` at `path`; return the earlier owner when it is taken."""
        if not path:
            return None
        key = path.lstrip("/")
        earlier = self.owners.get(key)
        if earlier is not None and earlier != owner:
            return earlier
        self.owners[key] = owner
        return None

    def claim_all(self, claims: Iterable[tuple[str, str]]) -> list[tuple[str, str, str]]:
        """Claim each (path, owner); return (path, earlier, later) for each clash."""
        clashes = []
        for path, owner in claims:
            earlier = self.claim(path, owner)
            if earlier is not None:
                clashes.append((path, earlier, owner))
        return clashes


def _fmt(pattern: Any, **values: Any) -> str | None:
    """A *_SAVE_AS pattern filled in, or None when it is off or cannot be filled."""
    if not pattern or not isinstance(pattern, str):
        return None
    try:
        return pattern.format(**values)
    except (KeyError, IndexError, ValueError, AttributeError):
        return None


def site_outputs(settings: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Output paths known from Pelican's settings alone, with what writes them."""
    claims = []
    for name in settings.get("DIRECT_TEMPLATES") or ():
        key = f"{str(name).upper()}_SAVE_AS"
        save_as = settings.get(key, f"{name}.html")
        if save_as:
            claims.append((save_as, f"the generated '{name}' page ({key})"))
    for template, save_as in (settings.get("TEMPLATE_PAGES") or {}).items():
        if save_as:
            claims.append((save_as, f"the generated page from {template} (TEMPLATE_PAGES)"))
    for key in ("FEED_ATOM", "FEED_RSS", "FEED_ALL_ATOM", "FEED_ALL_RSS"):
        if settings.get(key):
            claims.append((settings[key], f"the site feed ({key})"))
    return claims


def plugin_outputs(
    settings: Mapping[str, Any], defaults: Mapping[str, Any], keys: Iterable[str], what: str
) -> list[tuple[str, str]]:
    """A plugin's fixed output paths from its settings over its defaults."""
    claims = []
    for key in keys:
        value = settings.get(key, defaults.get(key))
        if value and isinstance(value, str) and "{" not in value:
            claims.append((value.lstrip("/"), f"{what} ({key})"))
    return claims


def paginated_outputs(
    settings: Mapping[str, Any],
    template: str,
    save_as: str,
    count: int,
    what: str,
    memo: MutableMapping | None = None,
) -> list[tuple[str, str]]:
    """The second and later pages of a paginated listing, as Pelican's paginator names them
    (kept in `memo` by all they are made of)."""
    templates = settings.get("PAGINATED_TEMPLATES") or {}
    if template not in templates or not save_as or count < 2:
        return []
    per_page = templates[template] or settings.get("DEFAULT_PAGINATION")
    if not per_page:
        return []
    inputs = _pages_key(settings, save_as, count, per_page) if memo is not None else None
    pages = memo.get(inputs) if inputs is not None else None
    if pages is None:
        paginator = Paginator(save_as, save_as, list(range(count)), settings, per_page)
        pages = tuple(
            (number, paginator.page(number).save_as) for number in paginator.page_range[1:]
        )
        if inputs is not None:
            memo[inputs] = pages
    return [(path, f"{what}, page {number}") for number, path in pages]


def _pages_key(
    settings: Mapping[str, Any], save_as: Any, count: int, per_page: Any
) -> tuple | None:
    """What Pelican's paginator names later pages from; None when it could also log."""
    rules = settings.get("PAGINATION_PATTERNS") or ()
    try:
        rules = tuple(tuple(rule) for rule in rules)
    except TypeError:
        return None
    # Pelican warns about a pattern that is not a string: it must see it every time.
    if any(len(rule) != 3 or not all(isinstance(v, str) for v in rule[1:]) for rule in rules):
        return None
    key = ("pages", type(save_as), save_as, count, per_page, settings.get("DEFAULT_ORPHANS"), rules)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def archive_outputs(
    settings: Mapping[str, Any], dates: list[Any], memo: MutableMapping | None = None
) -> list[tuple[str, str]]:
    """The year, month and day archive pages of `dates`, each once; each date's
    paths kept in `memo` by all they are made of.

    A date is formatted by its own class (Pelican's allows `%-d`), in the current
    time locale (month names), with its time zone's offset and name (`%z`, `%Z`)
    and its fold.
    """
    keys = [f"{period}_ARCHIVE_SAVE_AS" for period in ("YEAR", "MONTH", "DAY")]
    patterns = tuple(settings.get(key) for key in keys)
    if not any(isinstance(pattern, str) and pattern for pattern in patterns):
        return []
    plain = all(pattern is None or isinstance(pattern, str) for pattern in patterns)
    where = locale.setlocale(locale.LC_TIME) if memo is not None and plain else None
    paths = []
    for date in dates:
        if where is None or not isinstance(date, datetime):
            paths.append([_fmt(pattern, date=date) for pattern in patterns])
            continue
        inputs = ("archives", patterns, type(date), date.isoformat(), date.tzinfo)
        inputs += (date.tzname(), date.fold, where)
        found = memo.get(inputs)
        if found is None:
            found = memo[inputs] = tuple(_fmt(pattern, date=date) for pattern in patterns)
        paths.append(found)
    claims = []
    for index, key in enumerate(keys):
        owner = f"the generated archive page ({key})"
        # (many posts share a year or a month: each page is claimed once, in date order)
        claims += [(path, owner) for path in dict.fromkeys(found[index] for found in paths) if path]
    return claims


def listing_outputs(
    settings: Mapping[str, Any],
    context: Mapping[str, Any],
    memo: MutableMapping | None = None,
) -> list[tuple[str, str]]:
    """Tag, category, author and archive pages of this build's articles.

    `memo` (kept by the caller from one call to the next) spares formatting
    the same archive path for the same date again.
    """
    claims = []
    for name, what in (("tags", "tag"), ("categories", "category"), ("authors", "author")):
        for wrapper, articles in context.get(name) or ():
            save_as = getattr(wrapper, "save_as", "")
            if save_as:
                owner = f"the generated {what} page for '{wrapper.name}'"
                claims.append((save_as, owner))
                claims += paginated_outputs(settings, what, save_as, len(articles), owner, memo)
    if "index" in (settings.get("DIRECT_TEMPLATES") or ()):
        save_as = settings.get("INDEX_SAVE_AS", "index.html")
        count = len(context.get("articles") or ())
        what = "the generated home page"
        claims += paginated_outputs(settings, "index", save_as, count, what, memo)
    dates = {article.date for article in context.get("articles") or () if hasattr(article, "date")}
    return claims + archive_outputs(settings, sorted(dates), memo)


def formatted_outputs(
    pattern: Any, what: str, items: Iterable[Mapping[str, Any]]
) -> list[tuple[str, str]]:
    """Output paths of a `{slug}`-style pattern for each item's values."""
    claims = []
    for values in items:
        save_as = _fmt(pattern, **values)
        if save_as:
            claims.append((save_as, what.format(**values)))
    return claims

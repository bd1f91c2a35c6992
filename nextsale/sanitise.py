"""The one allow-list sanitiser: every path that emits author or imported HTML ends here.

`sanitise(html, profile)` keeps only the tags, attributes and URL schemes of a
named profile and drops everything else (nh3, a maintained Rust sanitiser).
Profiles differ by where the HTML goes:

- `page`   article and page bodies, summaries, newsletter intros: what Markdown
           writes and authors legitimately add (ids and classes kept for anchors);
- `feed`   feed item content: no ids or classes, every URL made absolute;
- `email`  email bodies: a small set mail clients render, links absolute;
- `import` imported posts before they become Markdown: structure only.

Whatever the profile (and however a site widens the page profile), some things
never pass: the elements in `NEVER_ALLOWED`, any URL scheme that runs
(`javascript:`, `vbscript:`), and `data:` URLs other than raster images in
`<img>`. Every URL attribute is checked, including the `srcset` and `cite`
that nh3 leaves alone; frames, objects and form controls go with their text.

This module also holds the third-party image policy (`THIRD_PARTY_IMAGES`):
which `<img>` in a feed or an email points at another host, and removing them.

This is the only module that calls nh3.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import nh3

log = logging.getLogger(__name__)

# Markdown's output (with extra and toc) and what authors legitimately add.
_PAGE_GLOBAL = frozenset({"id", "class", "title", "lang", "dir"})
_PAGE_EXTRA = {
    "a": {"href", "hreflang", "rel", "data-missing-link"},
    "img": {"src", "alt", "width", "height", "loading", "srcset", "sizes"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "ol": {"start", "reversed"},
    "time": {"datetime"},
    "abbr": {"title"},
    "blockquote": {"cite"},
}

# Elements whose content is never text: dropped whole, not unwrapped.
_NEVER_TEXT = frozenset(
    {"script", "style", "template", "iframe", "frame", "frameset", "object", "embed", "applet",
     "noscript", "noembed", "noframes", "button", "select", "textarea", "datalist"}
)  # fmt: skip

# Never kept, whatever a site adds to the page profile: they run, load, submit or redirect.
NEVER_ALLOWED = _NEVER_TEXT | {
    "form", "input", "option", "optgroup", "meta", "base", "link", "svg", "math", "portal",
    "param",
}  # fmt: skip

# Schemes that run code: never kept, whatever a site lists in SAFE_HTML_URL_SCHEMES.
RUNNING_SCHEMES = frozenset({"javascript", "vbscript", "livescript", "mocha", "jscript"})
# The only data: URLs kept (and only when a profile allows `data`): raster images in <img>.
_DATA_IMAGE = re.compile(r"data:image/(png|gif|jpeg|jpg|webp|avif)[;,]", re.IGNORECASE)
_IMAGE_ATTRIBUTES = frozenset({"src", "srcset"})
# Attributes holding URLs; nh3 checks the scheme of some, this module of all.
URL_ATTRIBUTES = frozenset(
    {"href", "src", "srcset", "cite", "action", "formaction", "poster", "background", "data",
     "longdesc", "usemap", "ping", "xlink:href", "codebase", "archive", "classid", "manifest",
     "profile", "icon", "dynsrc", "lowsrc", "itemtype", "itemid"}
)  # fmt: skip
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


def _tags(names: str) -> frozenset[str]:
    """A set of tag names written as one space-separated string."""
    return frozenset(names.split())


@dataclass(frozen=True)
class Profile:
    """What one destination of HTML may keep."""

    tags: frozenset[str]
    attributes: dict[str, frozenset[str]]
    url_schemes: frozenset[str]
    drop_with_content: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.tags & NEVER_ALLOWED:
            names = ", ".join(sorted(self.tags & NEVER_ALLOWED))
            raise ValueError(f"a sanitiser profile may never allow {names}")
        if self.url_schemes & RUNNING_SCHEMES:
            names = ", ".join(sorted(self.url_schemes & RUNNING_SCHEMES))
            raise ValueError(f"a sanitiser profile may never allow the scheme {names}")


def _page_attributes(tags: Iterable[str]) -> dict[str, frozenset[str]]:
    attributes = {tag: set(_PAGE_GLOBAL) for tag in tags}
    for tag, extra in _PAGE_EXTRA.items():
        attributes.setdefault(tag, set(_PAGE_GLOBAL)).update(extra)
    return {tag: frozenset(names) for tag, names in attributes.items()}


def _page_profile(extra_tags: Iterable[str] = (), url_schemes: Iterable[str] = ()) -> Profile:
    extra = {str(tag).lower() for tag in extra_tags}
    schemes = {str(scheme).lower() for scheme in url_schemes or PAGE_URL_SCHEMES}
    for setting, refused in (
        ("SAFE_HTML_EXTRA_TAGS", sorted(extra & NEVER_ALLOWED)),
        ("SAFE_HTML_URL_SCHEMES", sorted(schemes & RUNNING_SCHEMES)),
    ):
        if refused:
            log.warning(
                "%s lists %s, which the site never allows (it can run code, load or submit);"
                " remove it from pelicanconf.py or publishconf.py",
                setting,
                ", ".join(refused),
            )
    tags = frozenset(nh3.ALLOWED_TAGS) | (extra - NEVER_ALLOWED)
    return Profile(
        tags=tags,
        attributes=_page_attributes(tags),
        url_schemes=frozenset(schemes - RUNNING_SCHEMES),
        drop_with_content=_NEVER_TEXT,
    )


PAGE_URL_SCHEMES = ("http", "https", "mailto", "tel")

PROFILES: dict[str, Profile] = {
    "page": _page_profile(),
    "feed": Profile(
        tags=frozenset(nh3.ALLOWED_TAGS) | {"picture", "source", "figure", "figcaption"},
        attributes={
            **{tag: frozenset(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()},
            "*": frozenset({"lang", "title", "dir"}),
            "img": frozenset(nh3.ALLOWED_ATTRIBUTES["img"] | {"srcset", "sizes"}),
            "source": frozenset({"srcset", "sizes", "type", "media"}),
            "abbr": frozenset({"title"}),
            "time": frozenset({"datetime"}),
        },
        url_schemes=frozenset({"http", "https", "mailto"}),
        drop_with_content=_NEVER_TEXT,
    ),
    "email": Profile(
        tags=_tags(
            "a abbr b blockquote br caption cite code dd del dl dt em figcaption "
            "figure h2 h3 h4 h5 h6 hr i img ins kbd li mark ol p pre q s small span "
            "strong sub sup table tbody td tfoot th thead tr u ul "
        ),
        attributes={
            "a": frozenset({"href", "title"}),
            "abbr": frozenset({"title"}),
            "img": frozenset({"src", "alt", "width", "height", "title"}),
            "td": frozenset({"colspan", "rowspan"}),
            "th": frozenset({"colspan", "rowspan", "scope"}),
        },
        url_schemes=frozenset({"http", "https", "mailto"}),
        drop_with_content=_NEVER_TEXT | {"svg", "math", "form", "button", "select", "textarea"},
    ),
    "import": Profile(
        tags=_tags(
            "a b blockquote br cite code dd div dl dt em figcaption figure h1 h2 h3 "
            "h4 h5 h6 hr i img li ol p pre section span strong table tbody td th "
            "thead tr ul article main header footer "
        ),
        attributes={
            "a": frozenset({"href"}),
            "img": frozenset({"src", "alt"}),
            "ol": frozenset({"start"}),
        },
        url_schemes=frozenset({"http", "https", "mailto"}),
        drop_with_content=_NEVER_TEXT,
    ),
}

# Only to decide whether to tell the author: sanitising always runs. Three searches,
# each with a first character the regex engine can skip to (one alternation that
# starts with a letter is tried at every position of the text, several times slower).
UNSAFE_HINTS = (
    re.compile(
        r"<\s*(script|style|i?frame|frameset|object|embed|applet|form|input|button|select"
        r"|textarea|link|meta|base)\b",
        re.IGNORECASE,
    ),
    re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    # javascript:, vbscript:, data:text/html and data:image/svg, found from their colon.
    re.compile(
        r":(?:(?<=javascript:)|(?<=vbscript:)|(?<=data:)(?:text/html|image/svg))",
        re.IGNORECASE,
    ),
)

AttributeFilter = Callable[[str, str, str], str | None]


def page_profile(extra_tags: Iterable[str] = (), url_schemes: Iterable[str] = ()) -> Profile:
    """The page profile widened by a site's SAFE_HTML_EXTRA_TAGS / _URL_SCHEMES."""
    if not extra_tags and not url_schemes:
        return PROFILES["page"]
    return _page_profile(extra_tags, url_schemes)


def looks_unsafe(html: str) -> bool:
    """Whether html holds something a reader should be told was removed."""
    return any(hint.search(html) for hint in UNSAFE_HINTS)


def _safe_url(url: str, schemes: frozenset[str], image: bool) -> bool:
    """Whether one URL may stay: its scheme is allowed, never one that runs."""
    visible = _INVISIBLE.sub("", url)
    match = _SCHEME.match(visible)
    if not match:
        return True  # relative: resolves on the page's own scheme
    scheme = match.group(1).lower()
    if scheme in RUNNING_SCHEMES or scheme not in schemes:
        return False
    return scheme != "data" or (image and bool(_DATA_IMAGE.match(visible)))


def _checked_srcset(value: str, schemes: frozenset[str]) -> str | None:
    kept = []
    for candidate in value.split(","):
        parts = candidate.split()
        # A data: URL's own comma splits it: such a candidate never survives.
        if parts and _safe_url(parts[0], schemes, image=False):
            kept.append(" ".join(parts))
    return ", ".join(kept) or None


def _url_guard(profile: Profile, rewrite: AttributeFilter | None) -> AttributeFilter:
    """An attribute filter that checks every URL attribute, then applies `rewrite`."""
    schemes = profile.url_schemes

    def guard(tag: str, attribute: str, value: str) -> str | None:
        name = attribute.lower()
        if name.startswith("on"):
            return None
        if name == "srcset":
            checked = _checked_srcset(value, schemes)
            if checked is None:
                return None
            value = checked
        elif name in URL_ATTRIBUTES:
            image = tag == "img" and name in _IMAGE_ATTRIBUTES
            if not _safe_url(value, schemes, image):
                return None
        return rewrite(tag, attribute, value) if rewrite is not None else value

    return guard


def sanitise(
    html: str,
    profile: str | Profile = "page",
    *,
    rewrite: AttributeFilter | None = None,
    base_url: str | None = None,
    drop: Iterable[str] = (),
) -> str:
    """Return html with only what `profile` allows.

    `rewrite(tag, attribute, value)` may change each kept attribute (feeds make
    URLs absolute with it); `base_url` makes relative URLs absolute instead;
    `drop` removes further tags (with their content) for this call only.
    """
    chosen = PROFILES[profile] if isinstance(profile, str) else profile
    if rewrite is not None:  # a rewrite is a closure of its own call: nothing to reuse
        return _cleaner(chosen, rewrite, base_url, drop).clean(html)
    return _kept_cleaner(chosen, base_url, frozenset(drop)).clean(html)


# Cleaners by profile, extra dropped tags and base URL. Building one costs several
# times what cleaning a typical post does, and every body and summary of a build
# is cleaned with the same one. The profile is held so its id is not reused.
_cleaners: dict[tuple, tuple[Profile, nh3.Cleaner]] = {}


def _kept_cleaner(profile: Profile, base_url: str | None, drop: frozenset[str]) -> nh3.Cleaner:
    key = (id(profile), base_url, drop)
    kept = _cleaners.get(key)
    if kept is None or kept[0] is not profile:
        if len(_cleaners) >= 64:  # a long live-reload session makes a profile per build
            _cleaners.clear()
        kept = _cleaners[key] = (profile, _cleaner(profile, None, base_url, drop))
    return kept[1]


def _cleaner(
    profile: Profile, rewrite: AttributeFilter | None, base_url: str | None, drop: Iterable[str]
) -> nh3.Cleaner:
    tags = set(profile.tags) - set(drop)
    dropped = (set(profile.drop_with_content) - tags) | set(drop)
    options = {}
    if dropped:
        options["clean_content_tags"] = dropped
    if base_url is not None:
        options["url_relative"] = ("rewrite_with_base", base_url)
    return nh3.Cleaner(
        tags=tags,
        # nh3 refuses attributes for a tag it is told to drop.
        attributes={
            tag: set(names) for tag, names in profile.attributes.items() if tag not in dropped
        },
        url_schemes=set(profile.url_schemes),
        link_rel=None,
        strip_comments=True,
        attribute_filter=_url_guard(profile, rewrite),
        **options,
    )


# --- third-party images in feeds and emails ---------------------------------------------

# THIRD_PARTY_IMAGES: what to do with an <img> whose host is not the site's (a tracking
# pixel, or a picture hot-linked from elsewhere) in feeds and emails.
THIRD_PARTY_IMAGES = ("report", "remove", "keep")
THIRD_PARTY_IMAGES_DEFAULT = "report"

# In the sanitiser's output every attribute value is double-quoted.
_IMAGE_TAG = re.compile(r'<(img|source)\b(?:\s+[^\s=>]+(?:="[^"]*")?)*\s*/?>', re.IGNORECASE)
_IMAGE_URLS = re.compile(r'\s(src|srcset)="([^"]*)"', re.IGNORECASE)


class ThirdPartyImagesSettingError(ValueError):
    """THIRD_PARTY_IMAGES is not one of the policies."""


def third_party_images_setting(settings: dict) -> str:
    """The site's THIRD_PARTY_IMAGES policy, checked: `report`, `remove` or `keep`."""
    value = settings.get("THIRD_PARTY_IMAGES", THIRD_PARTY_IMAGES_DEFAULT)
    if value not in THIRD_PARTY_IMAGES:
        raise ThirdPartyImagesSettingError(
            f"THIRD_PARTY_IMAGES must be 'report', 'remove' or 'keep', not {value!r}"
            " (in pelicanconf.py or publishconf.py)"
        )
    return value


def site_hosts(*urls: str | None) -> frozenset[str]:
    """The host names of the site's absolute addresses (canonical URL, SITEURL)."""
    return frozenset(
        (urlsplit(url).hostname or "").lower() for url in urls if url and "//" in url
    ) - {""}


def is_third_party(url: str, own_hosts: frozenset[str]) -> bool:
    """Whether an image URL loads from another host (relative and data: URLs do not)."""
    parts = urlsplit(_INVISIBLE.sub("", url))
    if parts.scheme and parts.scheme.lower() not in ("http", "https"):
        return False
    host = (parts.hostname or "").lower()
    return bool(host) and host not in own_hosts


def _candidates(attribute: str, value: str) -> list[str]:
    if attribute.lower() == "srcset":
        return [part.split()[0] for part in value.split(",") if part.split()]
    return [value]


def third_party_images(html: str, own_hosts: frozenset[str]) -> list[str]:
    """The URLs of images in sanitised HTML that load from another host, once each, in order."""
    import html as entities

    found: list[str] = []
    for tag in _IMAGE_TAG.finditer(html):
        for attribute, value in _IMAGE_URLS.findall(tag.group(0)):
            for url in _candidates(attribute, entities.unescape(value)):
                if is_third_party(url, own_hosts) and url not in found:
                    found.append(url)
    return found


def remove_third_party_images(html: str, own_hosts: frozenset[str]) -> tuple[str, list[str]]:
    """Drop every image that loads from another host; return the HTML and their URLs.

    Works on the sanitiser's output. An `<img>` whose `src` is elsewhere goes
    whole; `srcset` candidates from elsewhere leave the list (and a `<source>`
    left with none goes). HTML without any comes back unchanged.
    """
    import html as entities

    found = third_party_images(html, own_hosts)
    if not found:
        return html, []

    def keep_or_drop(match: re.Match) -> str:
        tag = match.group(0)
        values = {a.lower(): entities.unescape(v) for a, v in _IMAGE_URLS.findall(tag)}
        if is_third_party(values.get("src", ""), own_hosts):
            return ""
        if "srcset" not in values:
            return tag
        kept = [
            " ".join(part.split())
            for part in values["srcset"].split(",")
            if part.split() and not is_third_party(part.split()[0], own_hosts)
        ]
        if not kept and (match.group(1).lower() == "source" or "src" not in values):
            return ""
        srcset = f' srcset="{entities.escape(", ".join(kept))}"' if kept else ""
        return re.sub(r'\ssrcset="[^"]*"', lambda _: srcset, tag, flags=re.IGNORECASE)

    return _IMAGE_TAG.sub(keep_or_drop, html), found


@dataclass
class ImagePolicy:
    """One THIRD_PARTY_IMAGES policy applied to many fragments; remembers what it found."""

    mode: str
    own_hosts: frozenset[str]
    found: list[str] = field(default_factory=list)

    def apply(self, html: str) -> str:
        """Return html as the policy wants it, noting its third-party images."""
        if self.mode == "keep":
            return html
        if self.mode == "remove":
            html, urls = remove_third_party_images(html, self.own_hosts)
        else:
            urls = third_party_images(html, self.own_hosts)
        self.found.extend(url for url in urls if url not in self.found)
        return html

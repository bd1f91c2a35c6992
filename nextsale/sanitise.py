"""The one allow-list sanitiser: every path that emits author or imported HTML ends here.

`sanitise(html, profile)` keeps only the tags, attributes and URL schemes of a
named profile and drops everything else (nh3, a maintained Rust sanitiser).
Profiles differ by where the HTML goes:

- `page`   article and page bodies, summaries, newsletter intros: what Markdown
           writes and authors legitimately add (ids and classes kept for anchors);
- `feed`   feed item content: no ids or classes, every URL made absolute;
- `email`  email bodies: a small set mail clients render, links absolute;
- `import` imported posts before they become Markdown: structure only.

This is the only module that calls nh3.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import nh3

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
_NEVER_TEXT = frozenset({"script", "style", "template", "iframe", "object", "embed", "noscript"})


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


def _page_attributes(tags: Iterable[str]) -> dict[str, frozenset[str]]:
    attributes = {tag: set(_PAGE_GLOBAL) for tag in tags}
    for tag, extra in _PAGE_EXTRA.items():
        attributes.setdefault(tag, set(_PAGE_GLOBAL)).update(extra)
    return {tag: frozenset(names) for tag, names in attributes.items()}


def _page_profile(extra_tags: Iterable[str] = (), url_schemes: Iterable[str] = ()) -> Profile:
    tags = frozenset(nh3.ALLOWED_TAGS) | frozenset(extra_tags)
    return Profile(
        tags=tags,
        attributes=_page_attributes(tags),
        url_schemes=frozenset(url_schemes or PAGE_URL_SCHEMES),
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

# Only to decide whether to tell the author: sanitising always runs.
UNSAFE_HINT = re.compile(
    r"<\s*(script|style|iframe|object|embed|form|input|button|link|meta|base)\b"
    r"|\son[a-z]+\s*=|javascript:|vbscript:|data:text/html",
    re.IGNORECASE,
)

AttributeFilter = Callable[[str, str, str], str | None]


def page_profile(extra_tags: Iterable[str] = (), url_schemes: Iterable[str] = ()) -> Profile:
    """The page profile widened by a site's SAFE_HTML_EXTRA_TAGS / _URL_SCHEMES."""
    if not extra_tags and not url_schemes:
        return PROFILES["page"]
    return _page_profile(extra_tags, url_schemes)


def looks_unsafe(html: str) -> bool:
    """Whether html holds something a reader should be told was removed."""
    return bool(UNSAFE_HINT.search(html))


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
    tags = set(chosen.tags) - set(drop)
    options = {}
    dropped = set(chosen.drop_with_content) | set(drop)
    if dropped:
        options["clean_content_tags"] = dropped
    if rewrite is not None:
        options["attribute_filter"] = rewrite
    if base_url is not None:
        options["url_relative"] = ("rewrite_with_base", base_url)
    return nh3.clean(
        html,
        tags=tags,
        # nh3 refuses attributes for a tag it is told to drop.
        attributes={
            tag: set(names) for tag, names in chosen.attributes.items() if tag not in dropped
        },
        url_schemes=set(chosen.url_schemes),
        link_rel=None,
        strip_comments=True,
        **options,
    )

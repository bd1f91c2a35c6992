"""Addresses that work, one source per output file (rules in nextsale.addresses).

`fix_addresses` runs on each article and page before anything is built from
them: a slug that cannot be an address is derived again where the intent is
clear (and the author is told), a bad `URL:` or `Save_as:` is ignored for the
default address, and a file with no usable address is left out. Tags whose
names differ but whose addresses are the same are reported. `generated_claims`
lists the files the site itself writes (home, archives, feeds, sitemap,
newsletter, topics, tag pages ...), so content and static files that would
overwrite them are found before anything is written.
"""

from __future__ import annotations

import importlib
import logging
import re
import sys
from pathlib import Path

from pelican.contents import Article, Page
from pelican.urlwrappers import Author, Category

from nextsale import addresses
from nextsale.newsletter import feed_path
from nextsale.reading import is_strict
from nextsale.site import display_path, lasts_with_content, plugin_enabled, strict_level

from .memo import Answers, answers

log = logging.getLogger(__name__)


def _log(settings: dict, path: str, message: str) -> None:
    log.log(strict_level(is_strict(settings)), "%s: %s", display_path(path), message)


def _fallback_slug(item, settings: dict) -> tuple[str, str]:
    """(slug, where it came from) from the title, else the file name."""
    slug = addresses.safe_slug(getattr(item, "title", ""), settings)
    if slug:
        return slug, "the title"
    stem = Path(item.source_path or "").stem
    return addresses.safe_slug(stem, settings), "the file name"


def fix_slug(item, settings: dict, known: Answers, *, refuse: bool = True) -> bool:
    """Make the item's slug usable; False when no usable slug can be found
    (reported when `refuse`: the caller leaves the file out)."""
    slug = getattr(item, "slug", None)
    why = known.slug_problem(slug)
    if why is None:
        return True
    given = "slug" in item.metadata
    new = addresses.safe_slug(slug, settings) if given else ""
    source = "the Slug: line"
    if not new:
        new, source = _fallback_slug(item, settings)
    if not new:
        if not refuse:
            return False
        _log(
            settings,
            item.source_path,
            f"no usable address: the slug {slug!r} cannot work ({why}); and neither the title"
            " nor the file name gives one. Add a line like 'Slug: my-post'; this file was left"
            " out of the build",
        )
        return False
    shown = slug if len(str(slug)) <= 60 else f"{str(slug)[:57]}..."
    what = "Slug:" if given else "slug made from the title"
    _log(
        settings,
        item.source_path,
        f"the {what} {shown!r} cannot be an address: {why}. Using {new!r} from {source}."
        f" Write 'Slug: {new}' (or another short slug) to choose it yourself",
    )
    item.slug = new
    return True


def fix_override(item, settings: dict, key: str, known: Answers) -> bool:
    """Drop a `URL:`/`Save_as:` that cannot work, so the default address is used;
    True when one was dropped (and reported)."""
    attribute = f"override_{key}"
    if not hasattr(item, attribute):
        return False
    value = getattr(item, attribute)
    why = known.url_problem(value) if key == "url" else known.path_problem(value)
    if why is None:
        return False
    delattr(item, attribute)
    line, example = ("URL:", "guides/second-sale/")
    if key == "save_as":
        line, example = ("Save_as:", "guides/second-sale/index.html")
    _log(
        settings,
        item.source_path,
        f"{line} {str(value)[:60]!r} cannot work: {why}. It was ignored and the default"
        f" address {getattr(item, key)!r} used. Remove the {line} line or write a path"
        f" like '{example}'",
    )
    return True


@lasts_with_content
def fix_new_content(content) -> None:
    """As each article or page is made: a usable slug, URL and Save_as before Pelican
    files it (so it never meets an empty slug or an output path it must skip)."""
    if not isinstance(content, (Article, Page)):
        return
    settings = content.settings
    if not plugin_enabled(settings, "content_checks"):
        return
    known = answers(settings)
    fix_slug(content, settings, known, refuse=False)
    fix_override(content, settings, "url", known)
    fix_override(content, settings, "save_as", known)


def fix_addresses(
    items, settings: dict, outputs: dict | None = None, fixed: set[int] | None = None
) -> set[int]:
    """Fix or report each item's address; return the ids of items to leave out.

    `outputs` gets the output path of each item kept, by its id; `fixed` the ids
    of the items given another slug or their default address.
    """
    known = answers(settings)
    outputs = {} if outputs is None else outputs
    fixed = set() if fixed is None else fixed
    dropped = set()
    for item in items:
        slug = getattr(item, "slug", None)
        if not fix_slug(item, settings, known):
            dropped.add(id(item))
            continue
        if getattr(item, "slug", None) is not slug:
            fixed.add(id(item))
        for key in ("url", "save_as"):
            if fix_override(item, settings, key, known):
                fixed.add(id(item))
        save_as = outputs[id(item)] = item.save_as
        if save_as == "" and not hasattr(item, "override_save_as"):
            continue  # not written in this build by design (e.g. drafts when publishing)
        why = known.path_problem(save_as) or known.url_problem(item.url or "x/")
        if why is not None:
            _log(
                settings,
                item.source_path,
                f"its address {str(save_as)[:80]!r} cannot work: {why}. Give it a short"
                " 'Slug:'; this file was left out of the build",
            )
            dropped.add(id(item))
    return dropped


def _tag_key(name: str) -> str:
    return re.sub(r"[\s_-]+", " ", name.casefold()).strip()


def _tag_verdict(slug: str, name: str) -> tuple[str | None, str]:
    """Why a tag's slug cannot be an address (or None), and the key its name is compared by."""
    return addresses.slug_problem(slug), _tag_key(name)


def check_category_and_authors(item, settings: dict, known: Answers) -> bool:
    """A category or author name with no usable address gets the site's default;
    True when the item was changed."""
    category = getattr(item, "category", None)
    why = known.slug_problem(getattr(category, "slug", ""))
    if category is not None and why is not None:
        default = Category(settings.get("DEFAULT_CATEGORY") or "misc", settings)
        _log(
            settings,
            item.source_path,
            f"the category {str(category)[:60]!r} cannot be an address: {why}. It was filed"
            f" under {str(default)!r}; write a shorter 'Category:'",
        )
        item.category = default
    authors = list(getattr(item, "authors", None) or ())
    bad = [author for author in authors if known.slug_problem(author.slug)]
    if not bad:
        return category is not getattr(item, "category", None)
    for author in bad:
        _log(
            settings,
            item.source_path,
            f"the author {str(author)[:60]!r} cannot be an address:"
            f" {addresses.slug_problem(author.slug)}. Write a shorter 'Author:';"
            " the site's AUTHOR was used instead",
        )
    kept = [author for author in authors if author not in bad]
    if not kept and settings.get("AUTHOR"):
        kept = [Author(settings["AUTHOR"], settings)]
    item.authors = kept
    if kept:
        item.author = kept[0]
    return True


def check_tags(articles, settings: dict) -> set[int]:
    """Leave out tags with no usable address; report names that share one address.

    Return the ids of the articles changed (category, authors or tags).
    """
    known = answers(settings)
    seen: dict[str, dict[str, tuple[str, str]]] = {}
    changed = set()
    for item in articles:
        read = tags_read(item) if known.lasting else None  # (nothing is kept otherwise)
        named = None if read is None else known.was_clean("tags", read)
        if named is None:
            named = _check_tags_of(item, settings, known, changed)
            if read is not None and id(item) not in changed:  # (then it read the same)
                known.note_clean("tags", read, named)
        for slug, key, name in named:
            seen.setdefault(slug, {}).setdefault(key, (name, item.source_path))
    for slug, names in sorted(seen.items()):
        if len(names) < 2:
            continue
        # The plain spelling (the slug in words) stands; the others are reported.
        plain = slug.replace("-", " ")
        ordered = sorted(names.items(), key=lambda kv: (kv[0] != plain, kv[1][1]))
        (first, first_path), *others = [pair for _key, pair in ordered]
        for name, path in others:
            _log(
                settings,
                path,
                f"the tag {name!r} has the same address (tags slug {slug!r}) as the tag"
                f" {first!r} in {display_path(first_path)}, so both would share one tag page."
                " Use one spelling, or make one an alias in content/taxonomy.toml",
            )
    return changed


# Between an article's authors and its tags in what the tag checks read of it.
_TAGS_FOLLOW = object()


def tags_read(item) -> tuple:
    """What the tag checks read of an article: itself, its category, authors and tags."""
    return (
        item,
        getattr(item, "category", None),
        *(getattr(item, "authors", None) or ()),
        _TAGS_FOLLOW,
        *(getattr(item, "tags", None) or ()),
    )


def _check_tags_of(item, settings: dict, known: Answers, changed: set[int]) -> tuple:
    """Check one article's category, authors and tags (its id into `changed` when one
    is replaced or left out); return (slug, key, name) of each tag kept."""
    if check_category_and_authors(item, settings, known):
        changed.add(id(item))
    kept = []
    named = []
    for tag in getattr(item, "tags", None) or ():
        slug, name = tag.slug, str(tag)
        why, key = known.answer(("tag", slug, name), _tag_verdict, slug, name)
        if why is not None:
            _log(
                settings,
                item.source_path,
                f"the tag {str(tag)[:60]!r} cannot be an address: {why}. Shorten it or use"
                " a tag from content/taxonomy.toml; it was left out of this article",
            )
            continue
        kept.append(tag)
        named.append((slug, key, name))
    if hasattr(item, "tags") and len(kept) < len(item.tags):
        changed.add(id(item))
        refused = {tag.slug for tag in item.tags} - {tag.slug for tag in kept}
        item.tags = kept
        # Tags are read again from the metadata (the taxonomy plugin normalises them).
        written = item.metadata.get("tags")
        if isinstance(written, list):
            item.metadata["tags"] = [
                tag for tag in written if getattr(tag, "slug", None) not in refused
            ]
    return tuple(named)


def plugin_defaults(module: str) -> dict:
    """A plugin's DEFAULTS, from its loaded module ({} when it is not loaded)."""
    package = module.partition(".")[0]
    if package not in sys.modules:
        return {}
    try:
        return dict(getattr(importlib.import_module(module), "DEFAULTS", {}))
    except ImportError:
        return {}


def fixed_claims(settings: dict) -> list[tuple[str, str]]:
    """The files the site writes whatever the content: from settings alone."""
    claims = addresses.site_outputs(settings)
    if plugin_enabled(settings, "feeds"):
        defaults = plugin_defaults("feeds.config")
        keys = ("FEEDS_ALL_ATOM", "FEEDS_ALL_RSS", "FEEDS_ALL_JSON")
        claims += addresses.plugin_outputs(settings, defaults, keys, "the site feed")
        claims.append(("feeds/feed.xsl", "the feeds' stylesheet"))
    if plugin_enabled(settings, "sitemap_xml"):
        defaults = plugin_defaults("sitemap_xml.sitemap_xml") or {"SITEMAP_SAVE_AS": "sitemap.xml"}
        claims += addresses.plugin_outputs(settings, defaults, ["SITEMAP_SAVE_AS"], "the sitemap")
    if plugin_enabled(settings, "newsletter"):
        defaults = plugin_defaults("newsletter.config")
        keys = ["NEWSLETTER_INDEX_SAVE_AS"]
        claims += addresses.plugin_outputs(settings, defaults, keys, "the newsletter archive")
        if feed_path(settings):
            claims.append((feed_path(settings), "the newsletter feed (NEWSLETTER_FEED_SAVE_AS)"))
    if plugin_enabled(settings, "taxonomy"):
        defaults = plugin_defaults("taxonomy.taxonomy")
        keys = ["TOPICS_SAVE_AS"]
        claims += addresses.plugin_outputs(settings, defaults, keys, "the topics page")
    return claims


def generated_claims(settings: dict, context: dict) -> list[tuple[str, str]]:
    """Every file the site itself writes in this build, with what writes it."""
    listings = addresses.listing_outputs(settings, context, answers(settings))
    claims = fixed_claims(settings) + listings
    claims += [
        (topic.save_as, f"the generated topic page for '{topic.name}'")
        for topic in context.get("topics") or ()
        if getattr(topic, "save_as", "")
    ]
    if plugin_enabled(settings, "feeds"):
        defaults = plugin_defaults("feeds.config")
        for kind, name in (("TAG", "tags"), ("CATEGORY", "categories")):
            slugs = [{"slug": w.slug} for w, _ in context.get(name) or ()]
            for fmt in ("ATOM", "RSS"):
                key = f"FEEDS_{kind}_{fmt}"
                pattern = settings.get(key, defaults.get(key))
                claims += addresses.formatted_outputs(pattern, f"the {{slug}} feed ({key})", slugs)
    if plugin_enabled(settings, "newsletter"):
        defaults = plugin_defaults("newsletter.config")
        issues = [
            {"number": issue.number_text, "slug": issue.slug}
            for issue in context.get("newsletter_issues") or ()
        ]
        for key in (
            "NEWSLETTER_ISSUE_SAVE_AS",
            "NEWSLETTER_EMAIL_HTML_SAVE_AS",
            "NEWSLETTER_EMAIL_TEXT_SAVE_AS",
            "NEWSLETTER_EML_SAVE_AS",
        ):
            pattern = settings.get(key, defaults.get(key))
            what = f"newsletter issue {{number}} ({key})"
            claims += addresses.formatted_outputs(pattern, what, issues)
    return claims


def theme_claims(settings: dict) -> list[tuple[str, str]]:
    """The theme's static files, as they land in the output folder."""
    theme = Path(settings.get("THEME") or "")
    target = settings.get("THEME_STATIC_DIR", "theme")
    claims = []
    for folder in settings.get("THEME_STATIC_PATHS") or ():
        root = theme / folder
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    rel = path.relative_to(root).as_posix()
                    claims.append((f"{target}/{rel}", "the theme's own files"))
    return claims

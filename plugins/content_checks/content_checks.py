"""Catch problems between files before anything is written, and name the file to fix.

Two files at one address (the same slug or output file) and `{filename}` /
`{static}` links to files that do not exist (`link_checks.py`); usable slugs and
addresses (`addresses.py`); static files that would leak (`static_files.py`).
This module runs them at the right signals. Each source file's own problems
(bytes, metadata, dates) are found while it is read (plugins/reading). Problems
are logged (warnings in development, errors with CONTENT_CHECKS_STRICT), never
raised, so a development build always finishes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from operator import attrgetter

from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator

from nextsale import links
from nextsale.addresses import Outputs
from nextsale.reading import is_strict
from nextsale.site import display_path, plugin_enabled, strict_level

from . import addresses
from .link_checks import check_links, link_targets, links_read
from .memo import answers
from .static_files import (
    check_static_files,
    exclude_outside_article_folders,
    exclude_outside_folders,
    exclude_outside_page_folders,
    outside_sources,
)

log = logging.getLogger(__name__)

# Each mention of `save_as` asks Pelican (through the engine's memo) again.
SAVE_AS = attrgetter("save_as")

ARTICLE_LISTS = (
    "articles", "translations", "hidden_articles", "hidden_translations",
    "drafts", "drafts_translations",
)  # fmt: skip
PAGE_LISTS = (
    "pages", "translations", "hidden_pages", "hidden_translations",
    "draft_pages", "draft_translations",
)  # fmt: skip


def enabled(settings: dict) -> bool:
    return plugin_enabled(settings, "content_checks")


def level(settings: dict) -> int:
    return strict_level(is_strict(settings))


# --- duplicate slugs and output paths -------------------------------------


def iter_contents(generator, names: Iterable[str]) -> Iterator:
    for name in names:
        yield from getattr(generator, name, ())


def find_clashes(
    contents: Iterable, *, slugs: bool = True, save_as_of: Callable = SAVE_AS
) -> list[tuple[object, object, str]]:
    """Return (kept, dropped, why) for each item whose address is already taken.

    Items are taken in source-path order, so the earlier file always wins.
    Drafts may share a published post's slug (a rewrite in progress) but not
    its output file.
    """
    clashes = []
    by_slug: dict[tuple[str, str], object] = {}
    by_save_as: dict[str, object] = {}
    for item in sorted(contents, key=lambda c: c.source_path):
        save_as = save_as_of(item)
        if save_as and save_as in by_save_as:
            clashes.append((by_save_as[save_as], item, f"both would be written to {save_as}"))
            continue
        if slugs and item.status != "draft":
            key = (getattr(item, "lang", ""), getattr(item, "slug", ""))
            if key in by_slug:
                clashes.append((by_slug[key], item, f"both have the slug '{key[1]}'"))
                continue
            by_slug[key] = item
        if save_as:
            by_save_as[save_as] = item
    return clashes


def report_clashes(settings: dict, clashes: list[tuple[object, object, str]]) -> None:
    for kept, dropped, why in clashes:
        log.log(
            level(settings),
            "%s: same address as %s (%s). Give one of them a different 'Slug:' (or"
            " file name); this file was left out of the build",
            display_path(dropped.source_path),
            display_path(kept.source_path),
            why,
        )


def drop(generator, names: Iterable[str], dropped: set[int]) -> None:
    """Remove dropped items in place: the context shares these very lists."""
    if not dropped:
        return
    for name in names:
        items = getattr(generator, name, None)
        if items:
            items[:] = [item for item in items if id(item) not in dropped]
            for item in items:
                item.translations = [t for t in item.translations if id(t) not in dropped]


def claimed_by_site(
    settings: dict, contents: Iterable, claims: list[tuple[str, str]], save_as_of=SAVE_AS
) -> set[int]:
    """Report each content at an output file the site itself writes; return their ids."""
    owners = dict(reversed(claims))  # the first claim of a path names it
    dropped = set()
    for item in contents:
        save_as = (save_as_of(item) or "").lstrip("/")
        if save_as in owners:
            log.log(
                level(settings),
                "%s: would be written to %s, which is %s. Give this file a different"
                " 'Slug:' (or 'Save_as:'); it was left out of the build",
                display_path(item.source_path),
                save_as,
                owners[save_as],
            )
            dropped.add(id(item))
    return dropped


def fix_and_drop(generator, names: tuple[str, ...]) -> dict[int, str]:
    """Usable addresses first, then no file at an output the site itself writes.

    Return each kept item's output path, by its id: it holds until an item is changed.
    In a live session, an item the last build found nothing wrong with, holding the
    very same address, is not checked again (see `memo.Answers.was_clean`).
    """
    settings = generator.settings
    known = answers(settings)
    claims = addresses.fixed_claims(settings)
    known.clean_on("address", tuple(claims))
    outputs: dict[int, str] = {}
    unchecked = []
    for item in iter_contents(generator, names):
        read = address_read(item) if known.lasting else None  # (nothing is kept otherwise)
        if read is None or known.was_clean("address", read) is None:
            unchecked.append(item)
        else:
            outputs[id(item)] = read[SAVE_AS_READ]
    found: set[int] = set()  # the items something was fixed or reported in

    def leave_out(dropped: set[int]) -> None:
        nonlocal unchecked
        drop(generator, names, dropped)
        found.update(dropped)
        unchecked = [item for item in unchecked if id(item) not in dropped]

    leave_out(outside_sources(unchecked, settings))
    leave_out(addresses.fix_addresses(unchecked, settings, outputs, fixed=found))
    leave_out(claimed_by_site(settings, unchecked, claims, lambda c: outputs[id(c)]))
    if known.lasting:
        for item in unchecked:
            if id(item) not in found:
                known.note_clean("address", address_read(item))
    return outputs


# Where an item's output path is in what the address checks read of it.
SAVE_AS_READ = 5
_ABSENT = object()


def address_read(item) -> tuple:
    """What the address checks read of an item: itself (its file, found unchanged when
    it is the same object), slug, `URL:` and `Save_as:`, output path and URL."""
    return (
        item,
        item.source_path,
        getattr(item, "slug", None),
        getattr(item, "override_url", _ABSENT),
        getattr(item, "override_save_as", _ABSENT),
        item.save_as,
        item.url,
    )


def drop_article_clashes(generator) -> None:
    """Before tags, categories and archives are built, keep one article per address."""
    if not enabled(generator.settings):
        return
    outputs = fix_and_drop(generator, ARTICLE_LISTS)
    changed = addresses.check_tags(iter_contents(generator, ARTICLE_LISTS), generator.settings)
    # A new category, author or tag list may move an article (URL patterns can name them).
    for item_id in changed:
        outputs.pop(item_id, None)
    # (`outputs.get(id(c), c.save_as)` would ask Pelican for every article anyway.)
    save_as_of = lambda c: outputs[id(c)] if id(c) in outputs else c.save_as  # noqa: E731, SIM401
    clashes = find_clashes(iter_contents(generator, ARTICLE_LISTS), save_as_of=save_as_of)
    report_clashes(generator.settings, clashes)
    drop(generator, ARTICLE_LISTS, {id(dropped) for _, dropped, _ in clashes})


def drop_page_clashes(generator) -> None:
    """Keep one page per address, before anything is written."""
    if not enabled(generator.settings):
        return
    fix_and_drop(generator, PAGE_LISTS)
    clashes = find_clashes(iter_contents(generator, PAGE_LISTS))
    report_clashes(generator.settings, clashes)
    drop(generator, PAGE_LISTS, {id(dropped) for _, dropped, _ in clashes})


def drop_generated_clashes(generators, owners, everything: list, save_as_of=SAVE_AS) -> list:
    """Content and static files at a file the site writes (tag pages, topics, newsletter
    issues, feeds ...) or at another static file's place are left out, naming both."""
    settings, context = owners[0][0].settings, owners[0][0].context
    known = answers(settings)
    claims = addresses.generated_claims(settings, context)
    dropped = claimed_by_site(settings, everything, claims, save_as_of)
    if dropped:
        for gen, names in owners:
            drop(gen, names, dropped)
        everything = [c for c in everything if id(c) not in dropped]
    taken = Outputs()
    for path, earlier, later in taken.claim_all(claims + addresses.theme_claims(settings)):
        log.log(
            level(settings),
            "%s: %s and %s would both be written to this output file. Rename one of them"
            " (or change its *_SAVE_AS setting)",
            path,
            earlier,
            later,
        )
    taken.claim_all(
        (save_as_of(c), known.shown(c.source_path)) for c in everything if save_as_of(c)
    )
    for gen in generators:
        statics = getattr(gen, "staticfiles", None)
        if statics is None:
            continue
        kept = []
        for item in statics:
            earlier = taken.claim(item.save_as, known.shown(item.source_path))
            if earlier is None:
                kept.append(item)
                continue
            log.log(
                level(settings),
                "%s: would be copied to %s, which is %s. Rename or move the file;"
                " it was not copied",
                display_path(item.source_path),
                item.save_as,
                earlier,
            )
        statics[:] = kept
    return everything


def finish_checks(generators) -> None:
    """Across generators: output-path clashes between pages and articles, then links."""
    owners = []
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            owners.append((generator, ARTICLE_LISTS))
        elif isinstance(generator, PagesGenerator):
            owners.append((generator, PAGE_LISTS))
    if not owners or not enabled(owners[0][0].settings):
        return

    everything = [c for gen, names in owners for c in iter_contents(gen, names)]
    # Nothing from here on changes an address: each is asked for once.
    outputs = {id(c): c.save_as for c in everything}
    save_as_of = lambda c: outputs[id(c)]  # noqa: E731
    # Clashes inside one kind were already resolved; what remains is page vs article.
    clashes = find_clashes(everything, slugs=False, save_as_of=save_as_of)
    if clashes:
        report_clashes(owners[0][0].settings, clashes)
        dropped = {id(item) for _, item, _ in clashes}
        for gen, names in owners:
            drop(gen, names, dropped)
        everything = [c for c in everything if id(c) not in dropped]
    everything = drop_generated_clashes(generators, owners, everything, save_as_of)

    if not everything:
        return
    settings = owners[0][0].settings
    pattern = links.link_regex(settings)
    context = owners[0][0].context
    known = answers(settings)
    if not known.lasting:
        for content in everything:
            check_links(content, pattern, context, known)
        return
    # A text whose links all worked last build works while the same paths exist.
    known.clean_on("links", (pattern.pattern, settings["PATH"], link_targets(context)))
    for content in everything:
        read = links_read(content)
        if known.was_clean("links", read) is None and check_links(content, pattern, context, known):
            known.note_clean("links", read)


def register() -> None:
    """Connect the checks to the build."""
    # Findings name their own file and line; Pelican's duplicate filter would
    # hide a repeated one on the next live-reload build.
    if hasattr(log, "disable_filter"):
        log.disable_filter()
    # Usable addresses as each article or page is made, before Pelican files it.
    signals.content_object_init.connect(addresses.fix_new_content)
    # Before categories, tags and archives are built from the article lists.
    signals.article_generator_pretaxonomy.connect(drop_article_clashes)
    signals.page_generator_finalized.connect(drop_page_clashes)
    # Static files that would leak or run: folders before Pelican walks them,
    # files before any is copied.
    signals.static_generator_init.connect(exclude_outside_folders)
    signals.article_generator_init.connect(exclude_outside_article_folders)
    signals.page_generator_init.connect(exclude_outside_page_folders)
    signals.static_generator_finalized.connect(check_static_files)
    # After static files are known (links) and before the writer runs.
    signals.all_generators_finalized.connect(finish_checks)

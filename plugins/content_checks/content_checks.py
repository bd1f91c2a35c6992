"""Catch problems between files before anything is written, and name the file to fix.

Two files at one address (the same slug or output file) and `{filename}` /
`{static}` links to files that do not exist. Each source file's own problems
(bytes, metadata, dates) are found while it is read (plugins/reading). Problems
are logged (warnings in development, errors with CONTENT_CHECKS_STRICT), never
raised, so a development build always finishes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from operator import attrgetter
from pathlib import Path

from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator

from nextsale import compat, links
from nextsale.addresses import Outputs
from nextsale.checks import Finding, closest, find_line
from nextsale.reading import is_strict
from nextsale.site import display_path, plugin_enabled, strict_level

from . import addresses
from .memo import Answers, answers
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


def report(settings: dict, path: str, findings: Iterable[Finding]) -> None:
    shown = display_path(path)
    for finding in findings:
        log.log(level(settings), "%s", finding.format(shown))


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


# --- links to missing files -----------------------------------------------


def link_target(from_dir: str, value: str, context: dict, key: str, known: Answers) -> bool:
    """Tell whether Pelican's link replacement will find `value`, in a content of
    the folder `from_dir` (same lookups)."""
    table = context[key]
    # `links.find_target`'s lookups, in its order, with the paths a value names kept.
    paths = known.answer(("link paths", value, from_dir), link_paths, value, from_dir)
    return any(is_target(key, table.get(path)) for path in paths)


def is_target(key: str, found) -> bool:
    """Whether a content found in Pelican's table `key` is there for a link to reach."""
    if found is None:
        return False
    # Pelican makes a Static for every {static} link, even to a missing file.
    return key != "static_content" or Path(found.source_path).is_file()


def link_paths(value: str, from_dir: str) -> tuple[str, ...]:
    """The content paths `links.find_target` looks a link's value up at, in order."""
    return tuple(links.source_path(candidate, from_dir) for candidate in links.candidates(value))


def resolves(from_dir: str, what: str, value: str, context: dict, known: Answers) -> bool:
    """Whether Pelican will replace the link `{what}value` in a content of `from_dir`."""
    if what not in links.TABLES:
        return True
    if link_target(from_dir, value, context, links.TABLES[what], known):
        return True
    # Pelican resolves a {filename} link to a static file too (and says to use {static}).
    return what == "filename" and link_target(from_dir, value, context, "static_content", known)


def links_in(text: str, pattern, known: Answers) -> tuple[tuple[str, str], ...]:
    """(what, value) of each intrasite link in `text`, kept by the text itself."""
    return known.answer(("links in", pattern.pattern, text), find_links, text, pattern)


def find_links(text: str, pattern) -> tuple[tuple[str, str], ...]:
    # The matches `pattern.sub` replaces, in the same order.
    return tuple(match.group("what", "value") for match in pattern.finditer(text))


def broken_link_message(content, what: str, value: str, context: dict) -> str:
    key = links.TABLES[what]
    wanted = links.wanted_path(value, content.relative_dir)
    message = f"link {{{what}}}{value} points to {wanted}, which "
    if links.leaves_content(wanted):
        return (
            message + "is outside the content folder. Link only to files inside content/"
            " (copy the file there if it belongs on the site). The link was left out of"
            " this build"
        )
    if Path(content.settings["PATH"], wanted).is_file():
        message += "exists but is not part of the site (see the message about that file)"
    else:
        message += "does not exist"
        guess = closest_path(wanted, [p for p, item in context[key].items() if item])
        if guess:
            message += f" (did you mean {{{what}}}/{guess}?)"
    return (
        message + ". Fix the path: it is relative to this file, or to the content"
        " folder when it starts with '/'. The link was left out of this build"
    )


def closest_path(wanted: str, known: list[str]) -> str | None:
    """Suggest the existing file whose name is most like the wanted one."""
    # Compare names, not whole paths: a shared folder makes any two paths look alike.
    by_name: dict[str, list[str]] = {}
    for path in known:
        by_name.setdefault(Path(path).stem, []).append(path)
    name = closest(Path(wanted).stem, by_name)
    if name is None:
        return None
    return closest(wanted, by_name[name], cutoff=0) or sorted(by_name[name])[0]


def source_lines(path: str) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace").split("\n")
    except OSError:
        return []


def all_resolve(content, pattern, context: dict, known: Answers) -> bool:
    """Whether every intrasite link of the content (and its summary) will be replaced."""
    summary = content.metadata.get("summary")
    from_dir = None
    for text in (compat.raw_content(content), summary):
        if text and "{" in text:
            for what, value in links_in(text, pattern, known):
                if from_dir is None:
                    from_dir = known.relative_dir(content)
                if not resolves(from_dir, what, value, context, known):
                    return False
    return True


def check_links(content, pattern, context: dict, known: Answers) -> bool:
    """Report and neutralise intrasite links Pelican would leave unreplaced; True
    when there were none."""
    if all_resolve(content, pattern, context, known):
        return True  # the links of a text are found once; nothing to replace or report
    broken = []
    from_dir = known.relative_dir(content)

    def neutralise(match):
        what, value = match.group("what"), match.group("value")
        if resolves(from_dir, what, value, context, known):
            return match.group(0)
        broken.append((match.group("path"), what, value))
        # Keep the target visible to anyone inspecting the page, but never as a
        # working href/src that would leak "{filename}" into the site.
        markup = match.group("markup").rstrip()
        attribute_start = markup.rstrip("= \t\n").rsplit(None, 1)
        prefix = attribute_start[0] if len(attribute_start) > 1 else markup
        quote = match.group("quote")
        return f"{prefix} data-missing-link={quote}{value}{quote}"

    # Replace the text only when a link was broken: a rewritten copy of every
    # article would double the memory the content takes (the readers' cache
    # still holds the original).
    text = compat.raw_content(content)
    if "{" in text:
        checked = pattern.sub(neutralise, text)
        if broken:
            compat.replace_raw_content(content, checked)
    summary = content.metadata.get("summary")
    if summary and "{" in summary:
        before = len(broken)
        checked = pattern.sub(neutralise, summary)
        if len(broken) > before:
            compat.replace_summary(content, checked)
    if not broken:
        return True
    lines = source_lines(content.source_path)
    findings = []
    for path, what, value in sorted(set(broken)):
        line = find_line(lines, path) or find_line(lines, value)
        findings.append(Finding(line, broken_link_message(content, what, value, context)))
    report(content.settings, content.source_path, findings)
    return False


def links_read(content) -> tuple:
    """What the link checks read of a content: itself, its file, its text and summary."""
    return (
        content,
        content.source_path,
        compat.raw_content(content),
        content.metadata.get("summary"),
    )


def link_targets(context: dict) -> tuple[frozenset[str], ...]:
    """Every path a link can name in this build, by the table Pelican looks it up in
    (each path `link_target` would answer yes for)."""
    return tuple(
        frozenset(path for path, found in (context.get(key) or {}).items() if is_target(key, found))
        for key in sorted(set(links.TABLES.values()))
    )


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

"""Catch bad content before Pelican does, and say which file and line to fix.

A checking Markdown reader validates each file's bytes and metadata block
before conversion; generator signals catch duplicate addresses before anything
is written and `{filename}`/`{static}` links to files that do not exist.
Problems are logged (warnings in development, errors with
CONTENT_CHECKS_STRICT), never raised, so a development build always finishes.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from html import unescape
from pathlib import Path
from urllib.parse import unquote, urlparse

from markdown import Markdown
from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator
from pelican.readers import DUPLICATES_DEFINITIONS_ALLOWED, MarkdownReader

from nextsale.checks import (
    PELICAN_KEYS,
    Finding,
    check_images,
    check_source,
    closest,
    find_line,
)

log = logging.getLogger(__name__)

DEFAULTS = {
    "CONTENT_CHECKS_EXTRA_KEYS": (
        "summary", "slug", "modified", "status", "tags", "category", "author",
        "authors", "lang", "translation", "save_as", "url", "template", "date",
        "title", "guidance", "imported-from", "id", "subtitle", "image",
        "image-alt", "series",
    ),
    "CONTENT_CHECKS_STRICT": False,
}  # fmt: skip

# Findings ride along in the reader's metadata so that Pelican's reader cache
# keeps them: a cached, unchanged file still reports its problems every build.
FINDINGS_KEY = "_content_checks"

ARTICLE_LISTS = (
    "articles", "translations", "hidden_articles", "hidden_translations",
    "drafts", "drafts_translations",
)  # fmt: skip
PAGE_LISTS = (
    "pages", "translations", "hidden_pages", "hidden_translations",
    "draft_pages", "draft_translations",
)  # fmt: skip
LINK_KINDS = {"filename": "generated_content", "static": "static_content",
              "attach": "static_content"}  # fmt: skip


class ContentChecksError(ValueError):
    """A CONTENT_CHECKS_* setting has the wrong shape."""


def enabled(settings: dict) -> bool:
    """Tell whether this build lists the plugin.

    Pelican's signals are process-wide, so once registered our handlers also
    hear later builds in the same process (tests, tools) that did not ask for us.
    """
    return "content_checks" in (settings.get("PLUGINS") or ())


def setting(settings: dict, name: str):
    """Read one of our settings, falling back to its documented default."""
    return settings.get(name, DEFAULTS[name])


def allowed_keys(settings: dict) -> frozenset[str]:
    """Return every metadata key a source file may use."""
    extra = setting(settings, "CONTENT_CHECKS_EXTRA_KEYS")
    if isinstance(extra, str) or not all(isinstance(k, str) for k in extra):
        raise ContentChecksError(
            "CONTENT_CHECKS_EXTRA_KEYS must be a list of metadata key names,"
            f" for example ['series', 'subtitle'], not {extra!r}"
        )
    formatted = settings.get("FORMATTED_FIELDS", ())
    defaults = settings.get("DEFAULT_METADATA", {})
    return frozenset(k.lower() for k in (*PELICAN_KEYS, *extra, *formatted, *defaults))


def level(settings: dict) -> int:
    """Errors in strict (publish) builds, warnings in development."""
    return logging.ERROR if setting(settings, "CONTENT_CHECKS_STRICT") else logging.WARNING


def display_path(path: str) -> str:
    """Show a path relative to the working folder when it is inside it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def report(settings: dict, path: str, findings: Iterable[Finding]) -> None:
    shown = display_path(path)
    for finding in findings:
        if finding.line:
            log.log(level(settings), "%s:%s: %s", shown, finding.line, finding.message)
        else:
            log.log(level(settings), "%s: %s", shown, finding.message)


class CheckingMarkdownReader(MarkdownReader):
    """Markdown reader that validates the raw file before converting it."""

    def read(self, source_path: str):
        try:
            raw = Path(source_path).read_bytes()
        except OSError as err:
            report(
                self.settings,
                source_path,
                [
                    Finding(
                        None,
                        f"cannot be read ({err.strerror})."
                        " Check that the file exists and is readable",
                    )
                ],
            )
            return "", {"status": "skip"}

        checked = check_source(raw, allowed_keys(self.settings))
        if checked.fatal:
            # Pelican turns "skip" into a stub without a word; the generator's
            # context signal reports why (see report_skipped).
            return "", {
                "status": "skip",
                FINDINGS_KEY: payload(source_path, checked.findings),
            }

        # MarkdownReader.read, but on the checked text rather than the raw file.
        self._source_path = source_path
        document = self._markdown("document")
        content = document.convert(checked.text)
        metadata = self._parse_metadata(getattr(document, "Meta", {}))
        if checked.force_draft:
            metadata["status"] = "draft"

        findings = checked.findings + check_images(content, checked.text)
        if findings:
            metadata[FINDINGS_KEY] = payload(source_path, findings)
        return content, metadata

    def _markdown(self, role: str) -> Markdown:
        """A Markdown converter kept for the reader's life and reset per use.

        Pelican builds a new one for every file, which costs about a millisecond
        (a fifth of converting a typical post). One converts documents; the
        other, without the metadata preprocessor, converts formatted fields.
        """
        converters = self.__dict__.setdefault("_converters", {})
        if role not in converters:
            converter = Markdown(**self.settings["MARKDOWN"])
            if role == "fields":
                converter.preprocessors.deregister("meta")
            converters[role] = converter
        converters[role].reset()
        return converters[role]

    def _parse_metadata(self, meta: dict) -> dict:
        """MarkdownReader._parse_metadata with the reusable field converter."""
        output = {}
        for key, values in meta.items():
            name = key.lower()
            if name in self.settings["FORMATTED_FIELDS"]:
                formatted = self._markdown("fields").convert("\n".join(values))
                output[name] = self.process_metadata(name, formatted)
            elif not DUPLICATES_DEFINITIONS_ALLOWED.get(name, True):
                if len(values) > 1:
                    log.warning(
                        "Duplicate definition of `%s` for %s. Using first one.",
                        name,
                        self._source_path,
                    )
                output[name] = self.process_metadata(name, values[0])
            elif len(values) > 1:
                output[name] = self.process_metadata(name, values)
            else:
                output[name] = self.process_metadata(name, values[0])
        return output


def payload(path: str, findings: list[Finding]) -> tuple[str, tuple]:
    """Plain tuples: cheap to pickle into the cache and across worker processes."""
    return path, tuple((f.line, f.message) for f in findings)


def use_checking_reader(readers) -> None:
    """Read every Markdown extension with the checking reader."""
    if not enabled(readers.settings):
        return
    allowed_keys(readers.settings)  # fail early, once, on a malformed setting
    for ext in MarkdownReader.file_extensions:
        readers.reader_classes[ext] = CheckingMarkdownReader


def report_skipped(sender, metadata: dict) -> None:
    """Say why a file the reader refused is left out (it never becomes an object)."""
    if metadata.get("status") != "skip" or FINDINGS_KEY not in metadata:
        return
    path, findings = metadata.pop(FINDINGS_KEY)
    report(sender.settings, path, [Finding(*f) for f in findings])


def report_findings(content) -> None:
    """Log the findings the reader stored (fresh or from the cache) for this file."""
    if FINDINGS_KEY not in content.metadata:
        return
    _, findings = content.metadata.pop(FINDINGS_KEY)
    if hasattr(content, FINDINGS_KEY):
        delattr(content, FINDINGS_KEY)
    report(content.settings, content.source_path, [Finding(*f) for f in findings])


# --- duplicate slugs and output paths -------------------------------------


def iter_contents(generator, names: Iterable[str]) -> Iterator:
    for name in names:
        yield from getattr(generator, name, ())


def find_clashes(contents: Iterable, *, slugs: bool = True) -> list[tuple[object, object, str]]:
    """Return (kept, dropped, why) for each item whose address is already taken.

    Items are taken in source-path order, so the earlier file always wins.
    Drafts may share a published post's slug (a rewrite in progress) but not
    its output file.
    """
    clashes = []
    by_slug: dict[tuple[str, str], object] = {}
    by_save_as: dict[str, object] = {}
    for item in sorted(contents, key=lambda c: c.source_path):
        save_as = item.save_as
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
    for name in names:
        items = getattr(generator, name, None)
        if items:
            items[:] = [item for item in items if id(item) not in dropped]
            for item in items:
                item.translations = [t for t in item.translations if id(t) not in dropped]


def drop_article_clashes(generator) -> None:
    """Before tags, categories and archives are built, keep one article per address."""
    if not enabled(generator.settings):
        return
    clashes = find_clashes(iter_contents(generator, ARTICLE_LISTS))
    report_clashes(generator.settings, clashes)
    drop(generator, ARTICLE_LISTS, {id(dropped) for _, dropped, _ in clashes})


def drop_page_clashes(generator) -> None:
    """Keep one page per address, before anything is written."""
    if not enabled(generator.settings):
        return
    clashes = find_clashes(iter_contents(generator, PAGE_LISTS))
    report_clashes(generator.settings, clashes)
    drop(generator, PAGE_LISTS, {id(dropped) for _, dropped, _ in clashes})


# --- links to missing files -----------------------------------------------


def link_target(content, value: str, context: dict, key: str) -> bool:
    """Tell whether Pelican's link replacement will find `value` (same lookups)."""
    raw = urlparse(value).path
    for candidate in (raw, unquote(raw), urlparse(unescape(value)).path):
        found = context[key].get(content_path(content, candidate))
        # Pelican makes a Static for every {static} link, even to a missing file.
        if found is not None and (key != "static_content" or is_file(found.source_path)):
            return True
    return False


def is_file(path: str) -> bool:
    return Path(path).is_file()


def content_path(content, link: str) -> str:
    """Resolve a link to a content-relative source path, exactly as Pelican does."""
    if link.startswith("/"):
        return link[1:]
    # os.path.join, not Path: the same join (and normalisation) as Pelican's _find_path.
    joined = os.path.join(content.relative_dir, link)  # noqa: PTH118
    return content.get_relative_source_path(joined)


def wanted_path(content, value: str) -> str:
    return content_path(content, unquote(urlparse(unescape(value)).path))


def broken_link_message(content, what: str, value: str, context: dict) -> str:
    key = LINK_KINDS[what]
    wanted = wanted_path(content, value)
    message = f"link {{{what}}}{value} points to {wanted}, which "
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


def check_links(content, pattern, context: dict) -> None:
    """Report and neutralise intrasite links Pelican would leave unreplaced."""
    broken = []

    def neutralise(match):
        what, value = match.group("what"), match.group("value")
        if what not in LINK_KINDS:
            return match.group(0)
        if link_target(content, value, context, LINK_KINDS[what]):
            return match.group(0)
        if what == "filename" and link_target(content, value, context, "static_content"):
            return match.group(0)  # Pelican resolves it (and says to use {static})
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
    text = content._content
    if text and "{" in text:
        checked = pattern.sub(neutralise, text)
        if broken:
            content._content = checked
    summary = content.metadata.get("summary")
    if summary and "{" in summary:
        before = len(broken)
        checked = pattern.sub(neutralise, summary)
        if len(broken) > before:
            content._summary = content.metadata["summary"] = checked
    if not broken:
        return
    lines = source_lines(content.source_path)
    findings = []
    for path, what, value in sorted(set(broken)):
        line = find_line(lines, path) or find_line(lines, value)
        findings.append(Finding(line, broken_link_message(content, what, value, context)))
    report(content.settings, content.source_path, findings)


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
    # Clashes inside one kind were already resolved; what remains is page vs article.
    clashes = find_clashes(everything, slugs=False)
    if clashes:
        report_clashes(owners[0][0].settings, clashes)
        dropped = {id(item) for _, item, _ in clashes}
        for gen, names in owners:
            drop(gen, names, dropped)
        everything = [c for c in everything if id(c) not in dropped]

    if not everything:
        return
    pattern = everything[0]._get_intrasite_link_regex()
    context = owners[0][0].context
    for content in everything:
        check_links(content, pattern, context)


def register() -> None:
    """Connect the checks to the build."""
    # Every finding names its own file and line; Pelican's duplicate filter
    # would hide a repeated one on the next --autoreload build.
    if hasattr(log, "disable_filter"):
        log.disable_filter()
    # Swap in the checking reader before Pelican instantiates its readers.
    signals.readers_init.connect(use_checking_reader)
    # Replay the reader's findings every build, including cached files: for
    # refused files before Pelican drops them, for the rest once they exist.
    signals.article_generator_context.connect(report_skipped)
    signals.page_generator_context.connect(report_skipped)
    signals.content_object_init.connect(report_findings)
    # Before categories, tags and archives are built from the article lists.
    signals.article_generator_pretaxonomy.connect(drop_article_clashes)
    signals.page_generator_finalized.connect(drop_page_clashes)
    # After static files are known (links) and before the writer runs.
    signals.all_generators_finalized.connect(finish_checks)

"""`{filename}` and `{static}` links to files that do not exist: found as Pelican
will look them up, reported with the line and a likely path, and left out of the
page (never a working link to "{filename}...")."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from nextsale import compat, links
from nextsale.checks import Finding, closest, find_line
from nextsale.reading import is_strict
from nextsale.site import display_path, strict_level

from .memo import Answers

log = logging.getLogger(__name__)


def report(settings: dict, path: str, findings: Iterable[Finding]) -> None:
    shown = display_path(path)
    for finding in findings:
        log.log(strict_level(is_strict(settings)), "%s", finding.format(shown))


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

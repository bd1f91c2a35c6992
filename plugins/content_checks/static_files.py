"""Static files: leave out what would leak or run (rules in nextsale.static).

Runs on `static_generator_finalized`, after Pelican has found the static files
and before anything is copied. A refused file is taken out of the list Pelican
copies and out of the table links are resolved in, so a `{static}` link to it is
reported as broken by the link checks too.
"""

from __future__ import annotations

import logging
import os
import posixpath
from pathlib import Path

from nextsale import static
from nextsale.reading import is_strict
from nextsale.site import display_path, plugin_enabled, strict_level

from .memo import Answers, answers

log = logging.getLogger(__name__)


def static_rel_path(item, content_root: str) -> str:
    """The content-relative path of a static file (with '..' when it lies outside)."""
    source = Path(content_root, item.source_path).absolute()
    return Path(os.path.relpath(source, Path(content_root).absolute())).as_posix()


def kept_rel_path(item, content_root: str, known: Answers) -> str:
    """`static_rel_path`, kept by the source path and the content and working folders."""
    key = ("rel path", item.source_path, content_root, known.cwd)
    return known.answer(key, static_rel_path, item, content_root)


def shown(content_root: str, rel: str) -> str:
    """A content-relative path as the author sees it."""
    return display_path(os.path.normpath(Path(content_root, rel)))


def check_static_files(generator) -> None:
    """Drop refused static files before they are copied, naming each one."""
    settings = generator.settings
    if not plugin_enabled(settings, "content_checks"):
        return
    root = settings["PATH"]
    linked = set(generator.context.get("static_links") or ())
    known = answers(settings)
    kept, refused = [], []
    for item in generator.staticfiles:
        rel = kept_rel_path(item, root, known)
        why = static.refusal(root, rel)
        if why is None and static.escapes(item.save_as or ""):
            why = (
                f"would be copied to {item.save_as}, outside the output folder. Fix its"
                " 'save_as' in EXTRA_PATH_METADATA (a path inside the output folder)"
            )
        if why is None:
            kept.append(item)
            continue
        refused.append(item)
        # A hidden file nobody links to is simply not part of the site.
        quiet = static.is_hidden(rel) and rel not in linked and not static.escapes(rel)
        name = shown(root, rel)
        if quiet:
            log.info("%s: %s; not copied", name, why)
        else:
            log.log(strict_level(is_strict(settings)), "%s: %s; not copied", name, why)
        table = generator.context.get("static_content", {})
        for key in [k for k, v in table.items() if v is item]:
            del table[key]
    if refused:
        generator.staticfiles[:] = kept
        if generator.context.get("staticfiles") is not generator.staticfiles:
            generator.context["staticfiles"] = list(kept)


def outside_folders(content_root: str, paths: list[str]) -> list[str]:
    """Folders under the static paths that are symbolic links out of the content
    folder (or into .git), or hidden: Pelican must not even walk them."""
    found = []
    root = Path(content_root).absolute()
    for path in paths:
        top = root / path if path else root
        if not top.is_dir() or top.is_symlink():
            continue
        for dirpath, dirs, _files in os.walk(top, followlinks=False):
            for name in list(dirs):
                rel = (Path(dirpath) / name).relative_to(root).as_posix()
                if static.is_hidden(rel) or static.outside_link(root, rel):
                    found.append(rel)
                    dirs.remove(name)
    return sorted(set(found))


def exclude_outside_folders(generator, kind: str = "STATIC") -> None:
    """Before Pelican walks a generator's paths (STATIC_PATHS, ARTICLE_PATHS or
    PAGE_PATHS), keep it out of links that leave content/ and out of hidden folders."""
    settings = generator.settings
    if not plugin_enabled(settings, "content_checks"):
        return
    # Pelican's default "**/.*" never matches a bare name such as ".htaccess".
    ignores = list(settings.get("IGNORE_FILES") or ())
    if ".*" not in ignores:
        settings["IGNORE_FILES"] = [*ignores, ".*"]
    root = settings["PATH"]
    folders = outside_folders(root, list(settings.get(f"{kind}_PATHS") or ()))
    excludes = list(settings.get(f"{kind}_EXCLUDES") or ())
    folders = [rel for rel in folders if rel not in excludes]
    if not folders:
        return
    settings[f"{kind}_EXCLUDES"] = excludes + folders
    for rel in folders:
        if static.is_hidden(rel):
            log.info("%s: hidden folder; nothing in it is read or copied", shown(root, rel))
        else:
            log.log(
                strict_level(is_strict(settings)),
                "%s: symbolic link to a folder outside the content folder (or into .git);"
                " nothing in it is read or copied. Replace the link with a copy of the files",
                shown(root, rel),
            )


def exclude_outside_article_folders(generator) -> None:
    exclude_outside_folders(generator, "ARTICLE")


def exclude_outside_page_folders(generator) -> None:
    exclude_outside_folders(generator, "PAGE")


def _outside_link(root: str, rel: str, folders: dict[str, str | None]) -> str | None:
    """`static.outside_link`, with the answer for the file's folder looked up once."""
    if "\\" in rel:  # read as a folder separator too
        return static.outside_link(root, rel)
    folder = posixpath.dirname(rel)
    if folder not in folders:
        folders[folder] = static.outside_link(root, folder) if folder else None
    if folders[folder] is not None:
        return folders[folder]
    # Only the file's own name is left to check: a link out, or an ordinary file.
    # (os.path: this runs for every article and page of every build.)
    link = os.path.islink(os.path.join(root, rel))  # noqa: PTH114, PTH118
    return static.outside_link(root, rel) if link else None


def outside_sources(contents, settings: dict) -> set[int]:
    """Articles or pages read through a symbolic link out of content/: reported, their ids."""
    root = settings["PATH"]
    known = answers(settings)
    dropped = set()
    folders: dict[str, str | None] = {}  # most sources share a few folders
    for item in contents:
        rel = kept_rel_path(item, root, known)
        escapes = known.answer(("escapes", rel), static.escapes, rel)
        link = None if escapes else _outside_link(root, rel, folders)
        if link is None:
            continue
        log.log(
            strict_level(is_strict(settings)),
            "%s: is reached through the symbolic link %s, which leads outside the content"
            " folder (or into .git). Replace the link with a copy of the file; this file was"
            " left out of the build",
            shown(root, rel),
            link,
        )
        dropped.add(id(item))
    return dropped

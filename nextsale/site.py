"""Site helpers every room shares: where the project is, whether a plugin is on, how to name a file.

Pelican's signals are process-wide: a handler connected for one build also hears
later builds in the same process (tests, tools, live reload) that did not list
its plugin. Every handler therefore asks `plugin_enabled` first, and this is the
one rule for what "listed" means.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def _project_root() -> Path:
    """The folder holding pelicanconf.py: the working folder when it has one."""
    here = Path.cwd()
    if (here / "pelicanconf.py").is_file():
        return here
    return Path(__file__).resolve().parent.parent


PROJECT_ROOT = _project_root()


def plugin_name(entry: Any) -> str:
    """The short name of a PLUGINS entry: a name, a dotted path or a module."""
    name = getattr(entry, "__name__", entry)
    return str(name).rpartition(".")[2]


def plugin_enabled(settings: Mapping[str, Any], name: str) -> bool:
    """Tell whether this build lists the plugin `name` in PLUGINS."""
    plugins = tuple(settings.get("PLUGINS") or ())
    try:
        return name in _short_names(plugins)
    except TypeError:  # an entry that cannot be a key
        return any(plugin_name(entry) == name for entry in plugins)


@functools.lru_cache(maxsize=8)
def _short_names(plugins: tuple) -> frozenset[str]:
    # Asked for every article by several plugins: worked out once per PLUGINS list.
    return frozenset(plugin_name(entry) for entry in plugins)


def plugin_names(settings: Mapping[str, Any]) -> list[str]:
    """PLUGINS as short names, in order."""
    return [plugin_name(entry) for entry in settings.get("PLUGINS") or ()]


def setting(settings: Mapping[str, Any], defaults: Mapping[str, Any], name: str) -> Any:
    """One of a plugin's settings, falling back to its documented default."""
    return settings.get(name, defaults[name])


def display_path(path: str | os.PathLike, base: str | os.PathLike | None = None) -> str:
    """Name a file the way the author sees it.

    Relative to `base` (usually the content folder) when given, else relative to
    the working folder when the file is inside it, else the absolute path.
    """
    path = os.fspath(path)
    if base:
        relative = os.path.relpath(path, base)
        if not relative.startswith(".."):
            return relative
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def strict_level(strict: bool) -> int:
    """Errors in strict (publish) builds, warnings in development."""
    return logging.ERROR if strict else logging.WARNING


# Marks a receiver of a read-time signal (content_object_init,
# article_generator_context, article_generator_preread) whose whole effect is on
# the new content, or messages logged about its file: a live session that keeps
# an unchanged article from one build to the next (and logs those messages
# again) need not send it again (plugins/engine/kept.py).
LASTS_WITH_CONTENT = "lasts_with_content"


def lasts_with_content(receiver):
    """Mark `receiver` as LASTS_WITH_CONTENT says."""
    setattr(receiver, LASTS_WITH_CONTENT, True)
    return receiver


# Per build, by its output folder: who may leave in place a file the last build
# wrote with the very same bytes (a live session's engine; see write_generated).
_keepers: dict[str, Any] = {}


def keep_generated_files(output_path: str, keeper: Any | None) -> None:
    """Let `keeper(save_as, data) -> bool` decide, for the build writing into
    `output_path`, which generated files stay as the last build wrote them
    (None: every file is written)."""
    if keeper is None:
        _keepers.pop(str(output_path), None)
    else:
        _keepers[str(output_path)] = keeper


def write_generated(output_path: str, save_as: str, data: bytes) -> bool:
    """Write a file a generator made itself (a feed, an email, the sitemap) at
    `save_as` in the output folder; return whether it was written.

    In a live session most of these files come out the same after an edit: the
    engine then leaves the last build's file where it is rather than writing the
    same bytes and moving them into place.
    """
    keeper = _keepers.get(str(output_path))
    if keeper is not None and keeper(save_as, data):
        return False
    from pelican.utils import sanitised_join  # (Pelican's: no path out of the folder)

    target = Path(sanitised_join(output_path, save_as))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return True


class PreparedOutput:
    """A generator's output worked out ahead of its turn to write, when it can be.

    The engine calls `prepare_output()` while a second process renders pages; the
    generator's `generate_output` takes the result with `prepared_output()`, which
    works it out then when nothing was prepared (a one-process build). A generator
    mixing this in says how in `work_out_output()`: everything but what needs
    Pelican's writer (files it writes itself, with `write_generated`, may be
    written there).
    """

    _prepared: tuple | None = None

    def work_out_output(self) -> Any:
        raise NotImplementedError

    def prepare_output(self) -> None:
        self._prepared = (self.work_out_output(),)

    def prepared_output(self) -> Any:
        prepared, self._prepared = self._prepared, None
        return prepared[0] if prepared is not None else self.work_out_output()

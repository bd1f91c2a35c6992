"""Read (convert the Markdown of) every article on all cores before Pelican's loop.

Pelican reads articles one after another on one core, and reading is about 40%
of a build. When the articles generator exists but has read nothing yet, every
article that is not in the content cache goes to a pool of forked workers, each
running the very reader Pelican would run (with whatever other plugins made of
it). Workers send back plain data: the HTML, and metadata in which tags,
categories and authors are (class, name) pairs, rebuilt here with their
constructor.

Pelican's loop then reads as usual, through `Readers.readers`: for the time of
the loop each reader there is stood in for by one that answers from the
workers' results (and asks the real reader for anything else). Pelican itself
filters the metadata, fills its content cache and builds the articles, so a
pre-read file is handled exactly like one read inline. A worker's warnings are
logged again when Pelican reaches its file, so they appear in the build log in
the usual order and still fail strict builds. A file whose reading raised is
read inline, where Pelican reports it as usual.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import os
from typing import Any, NamedTuple

from pelican.urlwrappers import URLWrapper
from pelican.utils import file_suffix

from nextsale import compat
from nextsale.live import CONTENT_KEPT, UNSAVED_CACHES

log = logging.getLogger(__name__)

DEFAULTS = {
    "PARALLEL_READ_WORKERS": None,  # None: one per core
    "PARALLEL_READ_MIN_FILES": 48,  # below this, forking costs more than it saves
}

# Set just before the pool forks so its workers inherit it; cleared right after.
_readers = None


class Wrapped(NamedTuple):
    """A Tag, Category or Author as plain data."""

    cls: type
    name: str


class Collector(logging.Handler):
    """Keeps a process's warnings and errors as (logger, level, message)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


def collect_logs() -> Collector:
    """In a forked process: keep its log records for the parent instead of printing them."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    collector = Collector()
    root.addHandler(collector)
    return collector


def replay_logs(records) -> None:
    for name, level, message in records:
        logging.getLogger(name).log(level, "%s", message)


def _plain(value: Any) -> Any:
    if isinstance(value, URLWrapper):
        # Pickled whole, a wrapper carries every setting of the site.
        return Wrapped(type(value), value.name)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _rebuilt(value: Any, settings: dict) -> Any:
    if isinstance(value, Wrapped):
        return value.cls(value.name, settings)
    if isinstance(value, list):
        return [_rebuilt(item, settings) for item in value]
    return value


def _read_one(path: str):
    reader = _readers.readers[os.path.splitext(path)[1].lstrip(".")]  # noqa: PTH122
    collector = collect_logs()
    try:
        content, metadata = reader.read(path)
        plain = {key: _plain(value) for key, value in metadata.items()}
        return path, (content, plain), collector.records
    except Exception:  # read inline instead, where Pelican reports it properly
        return path, None, []


class PrereadReader:
    """Stands in for one reader in `Readers.readers` while Pelican's loop runs."""

    def __init__(self, reader, results: dict) -> None:
        self.reader = reader
        self.results = results

    def read(self, path: str):
        found = self.results.pop(path, None)
        if found is None:
            return self.reader.read(path)
        content, metadata, records = found
        replay_logs(records)
        return content, metadata

    def __getattr__(self, name: str) -> Any:
        return getattr(self.reader, name)


@functools.lru_cache(maxsize=16)
def _stand_in_class(reader_class: type) -> type:
    # Pelican names the reader in metadata["reader"] after its class.
    return type(reader_class.__name__, (PrereadReader,), {"__module__": __name__})


def find_files_once(generator) -> set[str]:
    """The article files Pelican's reading loop will read (its own `get_files`), found
    now. The folders are walked once: the loop's identical call, and the check
    for files of disabled readers (the same folders, other extensions), get
    their files from this walk without walking the folders again."""
    settings = generator.settings
    paths, excluded = settings["ARTICLE_PATHS"], settings["ARTICLE_EXCLUDES"]
    walk = generator.get_files
    every = walk(paths, exclude=excluded, extensions=False)  # (every extension)

    def get_files(asked, exclude=None, extensions=None):
        if asked != paths or exclude != excluded:
            return walk(asked, exclude=exclude, extensions=extensions)
        if extensions is False:
            return set(every)
        if extensions is None:
            extensions = tuple(generator.readers.extensions)
        # (the extension as `Generator._include_path` compares it: see compat)
        return {path for path in every if file_suffix(path) in extensions}

    generator.get_files = get_files
    return get_files(paths, excluded)


def source_paths(generator, files) -> list[str]:
    """Absolute paths (as Pelican's loop will pass them) of the uncached articles
    among `files` (relative paths, as `get_files` gives them)."""
    readers = generator.readers
    paths = []
    for relative in files:
        # The same expression as Readers.read_file, so the keys match exactly.
        path = os.path.abspath(os.path.join(generator.path, relative))  # noqa: PTH100, PTH118
        if os.path.splitext(path)[1].lstrip(".") not in readers.readers:  # noqa: PTH122
            continue
        if readers.get_cached_data(path, None) is None:
            paths.append(path)
    return sorted(paths)


def keep_content(generator, settings_digest: str) -> None:
    """In a live session, share the readers' content cache with the session's later builds.

    The first build with given settings loads the cache file as usual and
    the session keeps that very dictionary, which Pelican then updates with
    every file it reads (and still saves to the file). A later build, asked
    by the session not to load the file, starts from it. A build with other
    settings starts from nothing and reads every file.
    """
    settings = generator.settings
    memory = settings.get("ENGINE_MEMORY")
    cache = compat.content_cache(generator.readers)
    if memory is None or cache is None or not settings.get("CACHE_CONTENT"):
        return
    key = ("content", type(generator).__name__, settings_digest)
    kept = memory.get(key)
    if kept is None or cache:
        for stale in [other for other in memory if other[:2] == key[:2] and other != key]:
            del memory[stale]  # read with other settings
        memory[key] = cache
        memory[CONTENT_KEPT] = True
    else:
        compat.use_content_cache(generator.readers, kept)
    defer_saving(generator.readers, memory, key)


def defer_saving(readers, memory: dict, key: tuple) -> None:
    """Save the content cache file when the session ends, not after every build.

    Pickling every article again after each edit is a tenth of a second at a
    thousand articles; the session holds the cache in memory meanwhile. A
    session that dies unsaved leaves the last file, which is still right: each
    entry is checked against its file's time before use.
    """
    save = readers.save_cache
    readers.save_cache = lambda: memory.setdefault(UNSAVED_CACHES, {}).__setitem__(key[:2], save)


def usable_cores() -> int:
    """The cores this process may run on (fewer than the machine's when pinned,
    as by `taskset` or a container's CPU set): forking more workers only adds work."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def preread(generator, files) -> None:
    """Read every uncached article of `files` on all cores; Pelican's loop picks the
    results up."""
    global _readers  # noqa: PLW0603 - forked workers inherit it; see _read_one
    settings = generator.settings
    workers = settings.get("PARALLEL_READ_WORKERS", DEFAULTS["PARALLEL_READ_WORKERS"])
    workers = workers or usable_cores()
    minimum = settings.get("PARALLEL_READ_MIN_FILES", DEFAULTS["PARALLEL_READ_MIN_FILES"])
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return
    paths = source_paths(generator, files)
    if len(paths) < minimum:
        return
    readers = generator.readers
    _readers = readers
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            chunk = max(1, len(paths) // (workers * 8))
            results = list(pool.imap_unordered(_read_one, paths, chunksize=chunk))
    finally:
        _readers = None
    found = {}
    for path, data, records in results:
        if data is not None:
            content, metadata = data
            # The settings the reader itself builds wrappers with.
            own = readers.readers[os.path.splitext(path)[1].lstrip(".")].settings  # noqa: PTH122
            metadata = {key: _rebuilt(value, own) for key, value in metadata.items()}
            found[path] = (content, metadata, records)
    for extension, reader in list(readers.readers.items()):
        readers.readers[extension] = _stand_in_class(type(reader))(reader, found)
    log.info("engine: read %d articles on %d workers", len(found), workers)


def restore(generator) -> None:
    """Put the real readers back once Pelican's loop has read everything."""
    readers = generator.readers.readers
    for extension, reader in list(readers.items()):
        if isinstance(reader, PrereadReader):
            readers[extension] = reader.reader

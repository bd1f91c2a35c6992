"""Read (convert Markdown of) all articles on every core before Pelican's loop.

Pelican reads articles one after another on one core, and reading is about 40%
of a build. At `article_generator_init` this plugin hands every article that is
not already in the content cache to a pool of forked workers, each running the
very reader Pelican would run, and puts the results into the readers' in-memory
cache. Pelican's own loop then finds every file "cached" and only builds the
Article objects. Workers' log records are replayed in the parent, so warnings
still reach the build log (and fail strict builds).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

from pelican import signals
from pelican.readers import _filter_discardable_metadata
from pelican.urlwrappers import URLWrapper

log = logging.getLogger(__name__)

DEFAULTS = {
    "PARALLEL_READ_WORKERS": None,  # None: one per core
    "PARALLEL_READ_MIN_FILES": 48,  # below this, forking costs more than it saves
}

# Set just before forking so workers inherit it; cleared right after.
_readers = None


class _RecordCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


def _rebuild_wrapper(cls, name: str, slug: str | None):
    # Settings are attached again in the parent (see _attach_settings).
    wrapper = cls.__new__(cls)
    wrapper._name, wrapper._slug, wrapper.settings = name, slug, None
    return wrapper


def _reduce_wrapper(wrapper: URLWrapper):
    # A Tag/Category/Author pickles its whole settings dict by default: per
    # article that is most of the transfer. Send the name and slug only.
    return _rebuild_wrapper, (type(wrapper), wrapper._name, wrapper._slug)


def _read_one(path: str):
    collector = _RecordCollector()
    root = logging.getLogger()
    root.addHandler(collector)
    try:
        reader = _readers.readers[Path(path).suffix.lstrip(".")]
        content, metadata = reader.read(path)
        return (
            path,
            (content, _filter_discardable_metadata(metadata)),
            collector.records,
        )
    except Exception:  # leave it to Pelican's loop, which reports it properly
        return path, None, []
    finally:
        root.removeHandler(collector)


def _attach_settings(value, settings: dict):
    if isinstance(value, URLWrapper):
        value.settings = settings
    elif isinstance(value, list):
        for item in value:
            _attach_settings(item, settings)


def files_to_read(generator) -> list[str]:
    """Absolute paths of the articles Pelican would read and has not cached."""
    readers = generator.readers
    paths = []
    for relative in generator.get_files(
        generator.settings["ARTICLE_PATHS"],
        exclude=generator.settings["ARTICLE_EXCLUDES"],
    ):
        path = str((Path(generator.path) / relative).resolve())
        if Path(path).suffix.lstrip(".") not in readers.readers:
            continue
        if readers.get_cached_data(path, None) is None:
            paths.append(path)
    return sorted(paths)


def preread_articles(generator) -> None:
    """Fill the readers' cache for every uncached article, using every core."""
    global _readers  # noqa: PLW0603 - forked workers inherit it; see _read_one
    settings = generator.settings
    # Signals are process-wide: ignore builds that did not list this plugin.
    if "parallel_read" not in (settings.get("PLUGINS") or ()):
        return
    workers = settings.get("PARALLEL_READ_WORKERS", DEFAULTS["PARALLEL_READ_WORKERS"])
    workers = workers or os.cpu_count() or 1
    minimum = settings.get("PARALLEL_READ_MIN_FILES", DEFAULTS["PARALLEL_READ_MIN_FILES"])
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return
    paths = files_to_read(generator)
    if len(paths) < minimum:
        return

    readers = generator.readers
    _readers = readers
    ForkingPickler.register(URLWrapper, _reduce_wrapper)
    for subclass in URLWrapper.__subclasses__():
        ForkingPickler.register(subclass, _reduce_wrapper)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            chunk = max(1, len(paths) // (workers * 8))
            results = list(pool.imap_unordered(_read_one, paths, chunksize=chunk))
    finally:
        _readers = None
    read = 0
    for path, data, records in sorted(results, key=lambda item: item[0]):
        for name, level, message in records:
            logging.getLogger(name).log(level, "%s", message)
        if data is None:
            continue
        for value in data[1].values():
            _attach_settings(value, settings)
        # Straight into the in-memory cache, whatever the on-disk cache policy.
        readers._cache[path] = (readers._get_file_stamp(path), data)
        read += 1
    log.info("parallel_read: read %d articles on %d workers", read, workers)


def register() -> None:
    # The generator exists (readers, settings, paths) but has not read anything yet.
    signals.article_generator_init.connect(preread_articles)

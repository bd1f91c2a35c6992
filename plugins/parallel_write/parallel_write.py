"""Render the articles generator's pages on two processes instead of one.

Rendering and writing are about 60% of a Pelican build. After the articles
generator has built its whole context, its `generate_output` is run by the
parent and by one forked child at the same time, with a writer that renders
only its share of the `write_file` calls. Both processes see the same calls in
the same order, so each assigns them the same way (greedily, by number of pages
a call writes) without talking to the other. The child sends its warnings back
through a pipe, so they reach the build log and fail strict builds.
"""

from __future__ import annotations

import json
import logging
import math
import os
import types

from pelican import signals
from pelican.contents import Content
from pelican.generators import ArticlesGenerator
from pelican.writers import Writer

log = logging.getLogger(__name__)

DEFAULTS = {
    "PARALLEL_WRITE": True,
    "PARALLEL_WRITE_MIN_ARTICLES": 48,  # below this, forking costs more than it saves
}


# Pelican memoizes every article's link-resolved HTML for the whole build: one
# more copy of all content. Forgetting it every so many pages bounds that copy
# (pages that mention an article again soon still find it).
FORGET_CONTENT_EVERY = 256


class SharedWriter(Writer):
    """A Writer that, when given a share, renders only the calls assigned to it."""

    share: int | None = None  # 0 = parent, 1 = child, None = render everything
    _written = 0

    def start_sharing(self, share: int) -> None:
        self.share = share
        self._load = [0, 0]

    def stop_sharing(self) -> None:
        self.share = None

    def write_file(self, name, template, context, *args, **kwargs):
        if self.share is not None and name:
            weight = _pages(self.settings, kwargs)
            owner = 0 if self._load[0] <= self._load[1] else 1
            self._load[owner] += weight
            if owner != self.share:
                return None
        self._written += 1
        if self._written % FORGET_CONTENT_EVERY == 0:
            Content.get_content.cache.clear()
        return super().write_file(name, template, context, *args, **kwargs)


def _pages(settings: dict, kwargs: dict) -> int:
    """How many pages a write_file call renders (paginated listings write many)."""
    articles = kwargs.get("articles")
    template = kwargs.get("template_name")
    if articles is None or template not in settings["PAGINATED_TEMPLATES"]:
        return 1
    per_page = settings["PAGINATED_TEMPLATES"][template] or settings["DEFAULT_PAGINATION"]
    return max(1, math.ceil(len(articles) / per_page)) if per_page else 1


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[list] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append([record.name, record.levelno, record.getMessage()])


def _run_child(generate, writer: SharedWriter, pipe_out: int) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)  # the parent replays what matters
    collector = _Collect()
    root.addHandler(collector)
    status = 0
    try:
        writer.start_sharing(1)
        generate(writer)
    except BaseException as error:  # reported by the parent, whatever it was
        collector.records.append(["pelican", logging.ERROR, f"{type(error).__name__}: {error}"])
        status = 1
    finally:
        with os.fdopen(pipe_out, "w", encoding="utf-8") as out:
            json.dump(collector.records, out)
        os._exit(status)


def shared_generate_output(generator: ArticlesGenerator, writer) -> None:
    """Replacement for the generator's generate_output: same work, two processes."""
    original = types.MethodType(ArticlesGenerator.generate_output, generator)
    settings = generator.settings
    minimum = settings.get("PARALLEL_WRITE_MIN_ARTICLES", DEFAULTS["PARALLEL_WRITE_MIN_ARTICLES"])
    if not isinstance(writer, SharedWriter) or len(generator.articles) < minimum:
        original(writer)
        return
    pipe_in, pipe_out = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(pipe_in)
        _run_child(original, writer, pipe_out)
    os.close(pipe_out)
    try:
        writer.start_sharing(0)
        original(writer)
    finally:
        writer.stop_sharing()
        with os.fdopen(pipe_in, encoding="utf-8") as incoming:
            records = json.loads(incoming.read() or "[]")
        _, status = os.waitpid(child, 0)
    for name, level, message in records:
        logging.getLogger(name).log(level, "%s", message)
    if status != 0:
        raise RuntimeError("parallel_write: the second rendering process failed (see above)")
    log.debug("parallel_write: %d articles rendered on two processes", len(generator.articles))


def _enabled(settings: dict) -> bool:
    # Signals are process-wide: ignore builds that did not list this plugin.
    listed = "parallel_write" in (settings.get("PLUGINS") or ())
    return listed and settings.get("PARALLEL_WRITE", DEFAULTS["PARALLEL_WRITE"])


def use_shared_writer(pelican):
    return SharedWriter if _enabled(pelican.settings) else None


def share_article_output(generator: ArticlesGenerator) -> None:
    if not _enabled(generator.settings):
        return
    if (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        return
    # Only this generator instance changes; Pelican's class is left alone.
    generator.generate_output = types.MethodType(shared_generate_output, generator)


def register() -> None:
    # Pelican asks for a Writer class once per build.
    signals.get_writer.connect(use_shared_writer)
    # The articles generator's context is complete here; output has not started.
    signals.article_generator_finalized.connect(share_article_output)

"""Render the articles generator's pages on two processes instead of one.

Rendering and writing are about 60% of a Pelican build. After the articles
generator has built its whole context, its `generate_output` is run by the
parent and by one forked child at the same time, with a writer that renders
only the `write_file` calls it claims first (see SharedWriter). The child sends
its warnings back through a pipe, so they reach the build log and fail strict
builds.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import types
from pathlib import Path

from pelican import signals
from pelican.contents import Content
from pelican.generators import ArticlesGenerator
from pelican.writers import Writer

from . import incremental

log = logging.getLogger(__name__)

DEFAULTS = {
    "FAST_OUTPUT_INCREMENTAL": True,  # re-render only what an edit changed, when safe
    "PARALLEL_WRITE": True,
    "PARALLEL_WRITE_MIN_ARTICLES": 48,  # below this, forking costs more than it saves
}


# Pelican memoizes every article's link-resolved HTML for the whole build: one
# more copy of all content. Forgetting it every so many pages bounds that copy
# (pages that mention an article again soon still find it).
FORGET_CONTENT_EVERY = 256


# What Pelican's and the taxonomy's listing pages are rendered with.
LISTING_KEYS = {"articles", "dates", "tag", "category", "author", "topic"}


class SharedWriter(Writer):
    """A Writer that, while sharing, renders only the calls it claims first.

    Parent and child make the same write_file calls in the same order. A
    shared counter holds the number of the next unclaimed call: a process at
    call i renders it if the counter still says i (and moves it on), and skips
    it otherwise, because the other process got there first. Whoever is ahead
    takes the next piece of work, so neither waits for the other at the end.
    """

    _claims = None  # (lock, counter) shared with the forked child while sharing
    _call = 0
    _written = 0
    plan: incremental.Plan | None = None

    def __init__(self, output_path, settings=None):
        super().__init__(output_path, settings=settings)
        self.plan = _plans.get(output_path)

    def start_sharing(self, claims) -> None:
        self._claims, self._call = claims, 0

    def stop_sharing(self) -> None:
        self._claims = None

    def _claim(self) -> bool:
        lock, counter = self._claims
        call, self._call = self._call, self._call + 1
        with lock:
            if counter.value != call:
                return False
            counter.value = call + 1
            return True

    def _needed(self, kwargs: dict) -> bool:
        """Whether a selective build must render this call.

        The changed articles' and pages' own pages, yes; the other articles'
        pages and the listings, whose data did not change, no; anything else
        (newsletter issue pages, 404, robots.txt), yes, to be safe.
        """
        if self.plan is None or not self.plan.selective:
            return True
        content = kwargs.get("article") or kwargs.get("page")
        if content is not None:
            return content.relative_source_path in self.plan.changed
        return not LISTING_KEYS & kwargs.keys()

    def write_file(self, name, template, context, *args, **kwargs):
        if not self._needed(kwargs):
            return None
        if self._claims is not None and not self._claim():
            return None
        self._written += 1
        if self._written % FORGET_CONTENT_EVERY == 0:
            Content.get_content.cache.clear()
        return super().write_file(name, template, context, *args, **kwargs)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[list] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append([record.name, record.levelno, record.getMessage()])


def _run_child(generate, writer: SharedWriter, claims, pipe_out: int) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)  # the parent replays what matters
    collector = _Collect()
    root.addHandler(collector)
    status = 0
    try:
        writer.start_sharing(claims)
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
    # Made before the fork, so both processes share the same lock and counter.
    claims = (multiprocessing.Lock(), multiprocessing.RawValue("q", 0))
    pipe_in, pipe_out = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(pipe_in)
        _run_child(original, writer, claims, pipe_out)
    os.close(pipe_out)
    try:
        writer.start_sharing(claims)
        original(writer)
    finally:
        writer.stop_sharing()
        with os.fdopen(pipe_in, encoding="utf-8") as incoming:
            records = json.loads(incoming.read() or "[]")
        _, status = os.waitpid(child, 0)
    for name, level, message in records:
        logging.getLogger(name).log(level, "%s", message)
    if status != 0:
        raise RuntimeError("fast_output: the second rendering process failed (see above)")
    log.debug("fast_output: %d articles rendered on two processes", len(generator.articles))


def _enabled(settings: dict) -> bool:
    # Signals are process-wide: ignore builds that did not list this plugin.
    listed = "fast_output" in (settings.get("PLUGINS") or ())
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


# One entry per build in progress (keyed by its output folder), removed when the
# build finishes, so nothing outlives a run.
_plans: dict[str, incremental.Plan] = {}


def plan_output(generators) -> None:
    """Decide, before anything is written, whether only changed pages need rendering."""
    settings = generators[0].settings if generators else {}
    if not _enabled(settings) or "INCREMENTAL_PREVIOUS_OUTPUT" not in settings:
        return
    sources = incremental.snapshot(generators)
    fingerprint = incremental.fingerprint(settings, sources)
    if settings.get("FAST_OUTPUT_INCREMENTAL", DEFAULTS["FAST_OUTPUT_INCREMENTAL"]):
        plan = incremental.plan(settings, sources, fingerprint)
    else:
        plan = incremental.Plan(reason="FAST_OUTPUT_INCREMENTAL is off")
    plan.sources, plan.fingerprint = sources, fingerprint
    _plans[settings["OUTPUT_PATH"]] = plan
    log.info(
        "fast_output: %s",
        f"rendering only {plan.reason}"
        if plan.selective
        else f"rendering everything ({plan.reason})",
    )


def complete_output(pelican) -> None:
    """Fill a selective build's folder from the previous output; leave a manifest."""
    plan = _plans.pop(pelican.settings["OUTPUT_PATH"], None)
    if plan is None:
        return
    output = Path(pelican.settings["OUTPUT_PATH"])
    if plan.selective:
        previous = Path(pelican.settings["INCREMENTAL_PREVIOUS_OUTPUT"])
        linked = incremental.link_unwritten(previous, output)
        log.info("fast_output: kept %d unchanged files from the previous build", linked)
    incremental.write_manifest(output, plan.fingerprint, plan.sources)


def register() -> None:
    # Pelican asks for a Writer class once per build.
    signals.get_writer.connect(use_shared_writer)
    # The articles generator's context is complete here; output has not started.
    signals.article_generator_finalized.connect(share_article_output)
    # Everything is read: compare with the previous build before writing.
    signals.all_generators_finalized.connect(plan_output)
    # Everything is written: complete a selective build, record this one.
    signals.finalized.connect(complete_output)

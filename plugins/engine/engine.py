"""The build engine: read on every core, render on two processes, render only what changed.

One plugin, in parts (see README.md):

- reading.py: converts every uncached article on all cores before Pelican's
  reading loop, which then picks the results up through `Readers.readers`;
- rendering.py: a Writer (Pelican's `get_writer` signal) that skips, in an
  incremental build, the pages an edit cannot have changed;
- sharing.py: renders the articles generator's pages on two processes;
- listening.py: who listens to Pelican's signals (other plugins' receivers
  turn the shortcuts that would hide anything from them off);
- incremental.py: decides what an incremental build must render and keeps
  the record of each build;
- memo.py and digests.py: in a live session, renders a page (or a whole
  `write_file` call) again only when what it read changed;
- kept.py: in a live session, keeps each unchanged article for the next build;
- urls.py: computes each article's and page's URL once;
- listings.py: lets Pelican find a tag's, category's, author's or period's articles
  in a set instead of scanning a list.

The engine runs only on a Pelican version `nextsale.compat` was tested with;
on any other it logs one warning and stays out of the build, which is then
Pelican's own (the same site, only slower). Pelican's signals are
process-wide, so every handler here first looks up the build it belongs to:
a build that did not list the engine, or that it stays out of, has none.
"""

from __future__ import annotations

import atexit
import gc
import logging
from dataclasses import dataclass, field
from pathlib import Path

from pelican import signals
from pelican.contents import Article, Page

from nextsale import compat
from nextsale.live import AFTER_RELOAD
from nextsale.site import keep_generated_files, lasts_with_content, plugin_enabled

from . import incremental, kept, listening, listings, memo, reading, rendering, urls
from . import sharing as page_sharing

log = logging.getLogger(__name__)

DEFAULTS = {
    **reading.DEFAULTS,
    **page_sharing.DEFAULTS,
    "FAST_OUTPUT_INCREMENTAL": True,  # re-render only what an edit changed, when safe
}


@dataclass
class Build:
    """The engine's part of one build, from `initialized` to `finalized`."""

    settings: dict
    urls: urls.Memo
    settings_digest: str = ""
    generators: list = field(default_factory=list)
    plan: incremental.Plan | None = None
    writer: rendering.EngineWriter | None = None
    share_decided: bool = False
    sharing: page_sharing.Sharing | None = None
    page_memo: memo.PageMemo | None = None
    kept_articles: kept.KeptArticles | None = None

    def abandon(self) -> None:
        if self.sharing is not None:
            self.sharing.abandon()
            self.sharing = None
        if self.writer is not None:
            keep_generated_files(self.writer.output_path, None)


# The builds in progress, by output folder. A build that failed never reaches
# `finalized`; the next build, or the end of the process, clears what it left.
_builds: dict[str, Build] = {}


def _build(settings) -> Build | None:
    return _builds.get(settings.get("OUTPUT_PATH"))


def abandon_all() -> None:
    for stale in _builds.values():
        stale.abandon()
    _builds.clear()


atexit.register(abandon_all)


def open_build(pelican) -> None:
    abandon_all()
    compat.unwrap_process_translations()  # (left by a build that failed while reading)
    compat.make_every_folder()  # (left by a build that failed while writing)
    settings = pelican.settings
    if not plugin_enabled(settings, "engine"):
        return
    if not compat.supported():
        found = compat.pelican_version()
        if found in compat.TESTED_VERSIONS:
            found += " without " + ", ".join(compat.missing_names())
        log.warning(
            "engine: tested with Pelican %s, found %s; building without it"
            " — output is the same, only slower",
            compat.tested_versions(),
            found,
        )
        return
    memo = urls.Memo(settings, settings.get("ENGINE_MEMORY"))
    digest = incremental.settings_digest(settings)
    _builds[settings["OUTPUT_PATH"]] = Build(settings, memo, digest)


@lasts_with_content
def remember_urls(content) -> None:
    """From its birth, an article or page works its URL out once (see urls.py)."""
    if isinstance(content, Article | Page):
        build = _build(content.settings)
        if build is not None:
            urls.remember(content, build.urls)


def read_articles(generator) -> None:
    build = _build(generator.settings)
    if build is not None:
        compat.wrap_period_archives(generator, listings.period_archives)
        compat.wrap_process_translations(listings.translations_by_group)
        reading.keep_content(generator, build.settings_digest)
        build.kept_articles = kept.keep_articles(generator, build.settings_digest, build.urls)
        reading.preread(generator, reading.find_files_once(generator))


def read_pages(generator) -> None:
    build = _build(generator.settings)
    if build is not None:
        reading.keep_content(generator, build.settings_digest)


def articles_read(generator) -> None:
    compat.unwrap_process_translations()
    build = _build(generator.settings)
    if build is not None:
        reading.restore(generator)
        if build.kept_articles is not None:
            build.kept_articles.finish()
        set_aside_for_the_build(build)


def set_aside_for_the_build(build: Build) -> None:
    """In a live session, keep what the build has made so far out of the cycle
    collector's way until the build ends (`gc.freeze`).

    The articles, the per-build copies of their lists and the URL memos live until
    the build ends, and each collection during the build would go through them
    again: at 10,000 articles a tenth of a second of a body edit's rebuild. The
    build driver gives them back to the collector when the build ends
    (`nextsale.build.fewer_collections`), and the session collects once the
    rebuild is shown (`nextsale.live.LiveSite.tidy`).
    """
    if build.settings.get("ENGINE_MEMORY") is not None:
        gc.freeze()


def keep_generators(generators) -> None:
    build = _build(generators[0].settings) if generators else None
    if build is not None:
        build.generators = list(generators)


def plan_output(build: Build) -> None:
    """Decide, before anything is written, whether only changed pages need rendering
    (when Pelican asks for a writer: every plugin has changed what it changes)."""
    generators = build.generators
    if not generators or "INCREMENTAL_PREVIOUS_OUTPUT" not in build.settings:
        return
    settings = build.settings
    # A live session keeps the content cache in memory (reading.keep_content).
    if not settings.get("LOAD_CONTENT_CACHE") and settings.get("ENGINE_MEMORY") is None:
        # The next build with these settings cannot use a record either.
        log.info("engine: rendering everything (content cache off)")
        return
    sources = incremental.snapshot(generators, settings.get("ENGINE_MEMORY"))
    fingerprint = incremental.fingerprint(settings, sources)
    hearing = listening.listeners(signals.content_written)
    if not settings.get("FAST_OUTPUT_INCREMENTAL", DEFAULTS["FAST_OUTPUT_INCREMENTAL"]):
        plan = incremental.Plan(reason="FAST_OUTPUT_INCREMENTAL is off")
    elif hearing:
        reason = f"{listening.describe_listener(hearing[0])} listens to content_written"
        plan = incremental.Plan(reason=reason)
    else:
        plan = incremental.plan(settings, sources, fingerprint)
    plan.sources, plan.fingerprint = sources, fingerprint
    build.plan = plan
    if not hearing:  # (a live session's first build too: the first edit finds it ready)
        build.page_memo = _page_memo(settings, generators, fingerprint)
    if build.page_memo is not None and build.page_memo.memo.records:
        log.info("engine: rendering only the pages whose inputs changed")
    elif plan.selective and build.page_memo is None:
        log.info("engine: rendering only %s", plan.reason)
    else:
        log.info("engine: rendering everything (%s)", plan.reason)


def _page_memo(settings: dict, generators, fingerprint: str) -> memo.PageMemo | None:
    """In a live session, the memo of which pages the last build rendered from what."""
    if not settings.get("FAST_OUTPUT_INCREMENTAL", DEFAULTS["FAST_OUTPUT_INCREMENTAL"]):
        return None
    session = memo.session_memo(settings.get("ENGINE_MEMORY"), fingerprint)
    if session is None:
        return None
    return memo.PageMemo(session, generators[0].context)


def offer_writer(pelican):
    """Our Writer, unless another plugin offers one (Pelican would use only the first).

    Pelican asks just before writing anything: every plugin has had its say at
    `all_generators_finalized`, so no slug, date or category can change now.
    """
    build = _build(pelican.settings)
    if build is None:
        return None
    set_aside_for_the_build(build)  # (now with every plugin's taxonomy, links and checks)
    log.debug("engine: %d more URL memos", urls.remember_all(build.generators, build.urls))
    log.debug("engine: %d article lists indexed", listings.index(build.generators))
    listener = listening.other_listener(OWN_RECEIVERS, listening.WHILE_WRITING)
    if listener is None:
        build.urls.settle()  # no plugin hears pages written, so none changes a URL now
        log.debug("engine: URLs settled for writing")
    else:
        log.debug("engine: URLs not settled: %s", listener)
    # Every plugin has had its say, whatever its place in PLUGINS: compare now.
    plan_output(build)
    if listening.listeners(signals.get_writer) != [offer_writer]:
        return None
    return _writer_for(build)


def _writer_for(build: Build) -> type:
    class BuildWriter(rendering.EngineWriter):
        """The engine's writer, attached to this build when Pelican creates it."""

        def __init__(self, output_path, settings=None) -> None:
            super().__init__(output_path, settings=settings)
            self.plan = build.plan
            self.page_memo = build.page_memo
            build.writer = self
            if self.page_memo is not None:
                keep_generated_files(output_path, self.keep_generated)
                compat.make_no_folder_for_kept_pages()

    return BuildWriter


def start_sharing(generator, content=None) -> None:
    """Just before Pelican writes the first article page: fork the second renderer."""
    build = _build(generator.settings)
    if build is None or build.share_decided:
        return
    build.share_decided = True
    if build.writer is None:
        return
    if build.plan is not None and build.plan.selective:
        # An edit of article text alone: a page or two, less than a fork costs.
        log.debug("engine: rendering on one process: only changed pages are rendered")
        return
    listener = listening.other_listener(OWN_RECEIVERS)
    if listener is not None:
        log.info("engine: rendering on one process: %s", listener)
        return
    reason = page_sharing.reason_not_to_share(generator)
    if reason is not None:
        log.debug("engine: rendering on one process: %s", reason)
        return
    build.sharing = page_sharing.share_pages(generator, build.writer)
    prepare_outputs(build.generators)


def prepare_outputs(generators) -> None:
    """In the main process, while the child renders pages alone: let generators
    that can (a `prepare_output` method) work out their output ahead of their
    turn to write, which then comes sooner. The child claims more pages meanwhile."""
    prepared = []
    for generator in generators:
        prepare = getattr(generator, "prepare_output", None)
        if callable(prepare):
            prepare()
            prepared.append(type(generator).__name__)
    if prepared:
        log.debug("engine: prepared while pages were shared: %s", ", ".join(prepared))


def finish_sharing(generator, writer=None) -> None:
    """Pelican has made its last write_file call for the articles generator."""
    build = _build(generator.settings)
    if build is None or build.sharing is None:
        return
    sharing, build.sharing = build.sharing, None
    page_sharing.finish_sharing(sharing, generator)


def complete_output(pelican) -> None:
    """Mark a selective build's folder as holding only what changed; leave a record."""
    build = _builds.pop(pelican.settings.get("OUTPUT_PATH"), None)
    if build is None:
        return
    build.abandon()
    compat.make_every_folder()
    page_sharing.reap()
    memory = build.settings.get("ENGINE_MEMORY")
    if page_sharing.exiting() and isinstance(memory, dict):
        memory.setdefault(AFTER_RELOAD, {})["rendering processes"] = page_sharing.reap_all
    plan = build.plan
    if plan is None:
        return
    output = Path(pelican.settings["OUTPUT_PATH"])
    page_memo = build.page_memo if build.writer is not None else None
    if page_memo is not None:
        written = incremental.written_files(output, build.settings.get("ENGINE_MEMORY"))
        prefix = len(str(output)) + 1  # the writer's paths are all under the output folder
        files = written | {path[prefix:] for path in build.writer.unchanged}
        gone = page_memo.complete(files, plan.selective)
        if isinstance(memory, dict):  # (ordered while the author reads this rebuild)
            memory.setdefault(AFTER_RELOAD, {})["page memo"] = page_memo.memo.order_reads
        log.info(
            "engine: %d pages rendered, %d unchanged kept, %d files gone",
            page_memo.rendered,
            page_memo.kept,
            len(gone),
        )
        # Kept files (pages, or generated files with the same bytes) are not in
        # this build's folder: it is moved into the last output, not swapped in.
        if build.writer.unchanged or page_memo.kept or gone or plan.selective:
            incremental.mark_partial(output, gone, written)
    elif plan.selective and build.writer is not None:
        incremental.mark_partial(output)
    incremental.write_manifest(output, plan.fingerprint, plan.sources)


# Receivers of signals whose timing the engine reproduces itself.
OWN_RECEIVERS = (start_sharing, finish_sharing)


def register() -> None:
    # Once per build, before anything else: is this build asking for us?
    signals.initialized.connect(open_build)
    # Each article and page, as soon as it exists, works its URL out once.
    signals.content_object_init.connect(remember_urls)
    # The generator has its readers but has read nothing yet; then it has read all.
    signals.article_generator_init.connect(read_articles)
    signals.page_generator_init.connect(read_pages)
    signals.article_generator_pretaxonomy.connect(articles_read)
    # Everything is read.
    signals.all_generators_finalized.connect(keep_generators)
    # Pelican asks for a Writer class once per build, just before writing: compare
    # with the previous build then (plan_output).
    signals.get_writer.connect(offer_writer)
    # The articles generator's pages: from just before the first to just after the last.
    signals.article_generator_write_article.connect(start_sharing)
    signals.article_writer_finalized.connect(finish_sharing)
    # Everything is written: complete a selective build, record this one.
    signals.finalized.connect(complete_output)

"""Render the articles generator's pages on two processes, and only what changed.

Rendering and writing are about 60% of a Pelican build. The engine's writer
(Pelican's `get_writer` signal) shares the articles generator's pages with a
forked child. Just before Pelican writes the first article page, the child is
forked and runs the generator's public `generate_pages` with the same writer:
both processes now make the same `write_file` calls in the same order. A
counter in shared memory holds the number of the next unclaimed call; a process
renders a call only if it claims it first, so whoever is ahead takes the next
piece of work and the two finish together. When Pelican sends
`article_writer_finalized`, the parent waits for the child, logs the child's
warnings (strict builds still fail on them) and fails the build if the child
failed.

Pelican's plugin contracts hold in the main process, for every file:

- `feed_generated` and `feed_written`: Pelican writes the feeds before the
  fork, in the main process only;
- `content_written`: when anything listens to it, two children render (with
  the signal muted) while the main process only notes Pelican's calls; then
  the main process passes every call, in Pelican's order, through Pelican's
  own writer with the page already on disk as its output: Pelican writes the
  same bytes again and sends the signal itself, with its own arguments;
- `article_generator_write_article` and `article_writer_finalized`: sent by
  Pelican in the main process; when another plugin listens to either, its
  timing cannot be reproduced in a second process, and the pages are
  rendered on one process, exactly as Pelican does;
- Pelican's overwrite protection: a file written by two processes, or written
  later over one a child wrote, fails as it does in Pelican; sites where
  Pelican would skip such a file instead (a tag without a slug, an article
  with its own `save_as`) render on one process.
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import os
import signal
import tempfile
import threading
import weakref
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from pelican import signals
from pelican.utils import sanitised_join
from pelican.writers import FileOverwriteFailedError, Writer

from nextsale import compat

from .incremental import Plan
from .memo import PageMemo
from .reading import collect_logs, replay_logs, usable_cores

log = logging.getLogger(__name__)

DEFAULTS = {
    "PARALLEL_WRITE": True,
    "PARALLEL_WRITE_MIN_ARTICLES": 48,  # below this, forking costs more than it saves
}

# Pelican memoizes every article's link-resolved HTML for the whole build: one
# more copy of all content. Forgetting it every so many pages bounds that copy
# (pages that mention an article again soon still find it).
FORGET_CONTENT_EVERY = 256

# What Pelican's and the taxonomy's listing pages are rendered with.
LISTING_KEYS = {"articles", "dates", "tag", "category", "author", "topic"}

# The lists of the articles generator whose contents get a page each.
ARTICLE_LISTS = (
    "translations",
    "articles",
    "hidden_translations",
    "hidden_articles",
    "drafts_translations",
    "drafts",
)


def overwrite_error(path: str) -> FileOverwriteFailedError:
    """The error Pelican's writer raises for a second write to one file."""
    return FileOverwriteFailedError(
        f'Failed to overwrite "{path}" as Pelican has already written to it previously '
        "(set `override=True` if intended)"
    )


class _Pages:
    """A template that lets the writer see each page Pelican renders with it."""

    def __init__(self, template, writer: EngineWriter, override: bool) -> None:
        self.template, self.writer, self.override = template, writer, override
        self.pages: list[tuple[str, str | None]] = []  # (path, localsiteurl)

    def render(self, localcontext: dict) -> str:
        path = sanitised_join(self.writer.output_path, localcontext["output_file"])
        self.writer.check_overwrite(path, self.override)
        self.pages.append((path, localcontext["localsiteurl"]))
        return self.template.render(localcontext)


class _Memoized:
    """A template that renders a page only when the previous one cannot be kept."""

    def __init__(self, template, writer: EngineWriter) -> None:
        self.template, self.writer = template, writer

    def render(self, localcontext: dict) -> str:
        memo = self.writer.page_memo
        if memo.unchanged(self.template, localcontext):
            path = sanitised_join(self.writer.output_path, localcontext["output_file"])
            self.writer.unchanged.add(path)
            return ""  # written nowhere (see compat.SkipUnchanged)
        return memo.render(self.template, localcontext)


class _OnDisk:
    """A template whose output is the page a child process already wrote there."""

    def __init__(self, output_path: str) -> None:
        self.output_path = output_path

    def render(self, localcontext: dict) -> str:
        path = sanitised_join(self.output_path, localcontext["output_file"])
        with open(path, encoding="utf-8", newline="") as page:  # noqa: PTH123
            return page.read()


@dataclass
class _Share:
    """What a process records while the articles generator's pages are shared."""

    claims: tuple | None  # (lock, counter) of the rendering processes; None: note only
    context: dict  # the context every generator shares
    call: int = 0
    paths: list[str] = field(default_factory=list)  # the files this process wrote
    calls: list = field(default_factory=list)  # every call, when noting only
    siteurl: tuple[int, str | None] = (-1, None)  # last call that set localsiteurl


class EngineWriter(compat.SkipUnchanged, Writer):
    """Pelican's Writer, able to share its calls with a forked child and to skip
    the pages an incremental build does not need."""

    plan: Plan | None = None
    page_memo: PageMemo | None = None  # a live session's (see memo.py)

    def __init__(self, output_path, settings=None) -> None:
        super().__init__(output_path, settings=settings)
        self.unchanged: set[str] = set()  # pages the memo kept: not written
        self._share: _Share | None = None
        self._theirs: set[str] = set()  # files the child wrote, unknown to Pelican here
        self._rendered = 0

    # -- sharing -------------------------------------------------------------

    def start_sharing(self, claims, context: dict) -> None:
        """Render only the calls claimed first; with no claims, only note every call."""
        self._share = _Share(claims, context)

    def stop_sharing(self) -> _Share | None:
        share, self._share = self._share, None
        return share

    def _claim(self, share: _Share) -> bool:
        lock, counter = share.claims
        call, share.call = share.call, share.call + 1
        with lock:
            if counter.value != call:
                return False
            counter.value = call + 1
            return True

    def check_overwrite(self, path: str, override: bool) -> None:
        """Pelican's own rule, for files the child wrote (Pelican here never saw them)."""
        if path in self._theirs:
            if not override:
                raise overwrite_error(path)
            self._theirs.discard(path)

    def adopt(self, paths) -> None:
        self._theirs.update(paths)

    # -- selective builds ----------------------------------------------------

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

    # -- Pelican's API -------------------------------------------------------

    def write_file(self, name, template, context, *args, **kwargs):
        if not self._needed(kwargs):
            return None
        if self.page_memo is not None:
            template = _Memoized(template, self)
        share = self._share
        if share is None:
            if self._theirs:
                template = _Pages(template, self, kwargs.get("override_output", False))
            return self._render(name, template, context, args, kwargs)
        if share.claims is None:
            share.calls.append((name, context, args, kwargs))
            return None
        if not self._claim(share):
            return None
        pages = _Pages(template, self, kwargs.get("override_output", False))
        try:
            return self._render(name, pages, context, args, kwargs)
        finally:
            share.paths.extend(path for path, _ in pages.pages)
            if context is share.context:
                urls = [siteurl for _, siteurl in pages.pages if siteurl]
                if urls:
                    share.siteurl = (share.call - 1, urls[-1])

    def write_feed(self, elements, context, path=None, *args, **kwargs):
        if path and self._theirs:
            self.check_overwrite(
                sanitised_join(self.output_path, path), kwargs.get("override_output", False)
            )
        return super().write_feed(elements, context, path, *args, **kwargs)

    def _render(self, name, template, context, args, kwargs):
        self._rendered += 1
        if self._rendered % FORGET_CONTENT_EVERY == 0:
            compat.forget_rendered_content()
        return super().write_file(name, template, context, *args, **kwargs)

    def replay(self, share: _Share) -> None:
        """Pass every noted call through Pelican's writer, with the page on disk as output.

        Pelican writes the same bytes again and sends content_written itself,
        in its own order, with its own arguments.
        """
        on_disk = _OnDisk(self.output_path)
        for name, context, args, kwargs in share.calls:
            Writer.write_file(self, name, on_disk, context, *args, **kwargs)


def listeners(sent) -> list:
    """The functions connected to a Pelican signal (blinker keeps most as weak references)."""
    found = []
    for receiver in list(sent.receivers.values()):
        target = receiver() if isinstance(receiver, weakref.ref) else receiver
        if target is not None:
            found.append(target)
    return found


def describe_listener(receiver) -> str:
    module = getattr(receiver, "__module__", None) or type(receiver).__module__
    return f"{module}.{getattr(receiver, '__qualname__', type(receiver).__qualname__)}"


@dataclass
class Sharing:
    """The children rendering the articles generator's pages with (or for) this process."""

    children: list[tuple[int, str]]  # (pid, report file)
    writer: EngineWriter

    def abandon(self) -> None:
        """Stop the children and forget them (after a failed build)."""
        self.writer.stop_sharing()
        for pid, report in self.children:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)
            Path(report).unlink(missing_ok=True)


# The signals sent for each article while the articles generator writes.
PER_ARTICLE_WRITE = (signals.article_generator_write_article, signals.article_writer_finalized)

# Every signal Pelican sends while pages and feeds are written.
WHILE_WRITING = (
    *PER_ARTICLE_WRITE,
    signals.page_generator_write_page,
    signals.page_writer_finalized,
    signals.content_written,
    signals.feed_generated,
    signals.feed_written,
)


def other_listener(own_receivers, sent_signals=PER_ARTICLE_WRITE) -> str | None:
    """A plugin listening to one of `sent_signals` (by default, those only the main
    process can honour), if any."""
    for sent in sent_signals:
        for receiver in listeners(sent):
            if receiver not in own_receivers:
                return f"{describe_listener(receiver)} listens to {sent.name}"
    return None


def reason_not_to_share(generator) -> str | None:
    """Why this build renders on one process, or None when it can share."""
    settings = generator.settings
    if not settings.get("PARALLEL_WRITE", DEFAULTS["PARALLEL_WRITE"]):
        return "PARALLEL_WRITE is off"
    minimum = settings.get("PARALLEL_WRITE_MIN_ARTICLES", DEFAULTS["PARALLEL_WRITE_MIN_ARTICLES"])
    if len(generator.articles) < minimum:
        return f"fewer than {minimum} articles"
    if usable_cores() < 2 or not hasattr(os, "fork"):
        return "one core"
    wrappers = chain(
        generator.tags,
        (pair[0] for pair in generator.categories),
        (pair[0] for pair in generator.authors),
    )
    if any(not wrapper.slug for wrapper in wrappers):
        return "a tag, category or author has no slug"
    contents = chain.from_iterable(getattr(generator, name) for name in ARTICLE_LISTS)
    if any(hasattr(content, "override_save_as") for content in contents):
        return "an article sets its own save_as"
    return None


def _run_child(generator, writer: EngineWriter, claims, report: str, settling=None) -> None:
    collector = collect_logs()
    status = 0
    share = None
    if writer.page_memo is not None:  # count only what this child does
        writer.page_memo.restart_counts()
    try:
        if settling is not None:
            settle_reads(writer.page_memo, settling, child=True)
        writer.start_sharing(claims, generator.context)
        # The main process sends content_written for every page (see replay).
        with signals.content_written.muted():
            generator.generate_pages(writer)
        share = writer.stop_sharing()
    except BaseException as error:  # reported by the parent, whatever it was
        collector.records.append(("pelican", logging.ERROR, f"{type(error).__name__}: {error}"))
        status = 1
    finally:
        try:
            result = {
                "memo": writer.page_memo.report() if writer.page_memo is not None else None,
                "records": collector.records,
                "paths": share.paths if share else [],
                "siteurl": list(share.siteurl) if share else [-1, None],
            }
            Path(report).write_text(json.dumps(result), encoding="utf-8")
        finally:
            os._exit(status)


@dataclass
class Settling:
    """The page memo's reads, split by source between the two rendering processes:
    each works out its half, then takes the other's (see `settle_reads`)."""

    reads: list
    half: int  # the parent's are reads[:half], the child's the rest
    verdicts: object  # shared bytes, one per read
    ready: object  # a barrier for the two processes

    @classmethod
    def of(cls, memo: PageMemo, context) -> Settling | None:
        reads = memo.reads_to_settle()
        if not reads:
            return None
        half = len(reads) // 2
        while 0 < half < len(reads) and reads[half][0] == reads[half - 1][0]:
            half += 1  # each source's reads in one process: it digests that source alone
        return cls(reads, half, context.RawArray("b", len(reads)), context.Barrier(2))


# How long a process waits for the other's verdicts before working them out itself.
SETTLE_TIMEOUT = 60


def settle_reads(memo: PageMemo, settling: Settling, child: bool) -> None:
    """Before any page is claimed: this process's half of the verdicts, then the other's.

    Checking a page asks whether each article still holds what the page read of
    it. Claims alternate between the processes call by call, and listings and
    related-reading blocks reach every article, so each process would otherwise
    digest nearly every article itself.
    """
    mine = slice(settling.half, None) if child else slice(0, settling.half)
    try:
        settling.verdicts[mine] = memo.settle(settling.reads[mine])
    except BaseException:
        settling.ready.abort()  # the other process must not wait for these
        raise
    try:
        settling.ready.wait(SETTLE_TIMEOUT)
    except threading.BrokenBarrierError:
        return  # the other half is worked out page by page, as without settling
    memo.learn(settling.reads, settling.verdicts[:])
    if not child:
        log.debug("engine: %d reads of the page memo worked out by halves", len(settling.reads))


def share_pages(generator, writer: EngineWriter) -> Sharing:
    """Fork the children that render the articles generator's pages."""
    context = multiprocessing.get_context("fork")
    # Made before the fork, so every process shares the same lock and counter.
    claims = (context.Lock(), context.RawValue("q", 0))
    # With content_written heard, this process only notes the calls, then
    # sends the signal for every page in order (see EngineWriter.replay).
    noting = bool(listeners(signals.content_written))
    memo = writer.page_memo
    settling = Settling.of(memo, context) if memo is not None and not noting else None
    children = []
    for _ in range(2 if noting else 1):
        handle, report = tempfile.mkstemp(prefix="engine-", suffix=".json")
        os.close(handle)
        child = os.fork()
        if child == 0:
            _run_child(generator, writer, claims, report, settling)
        children.append((child, report))
    if settling is not None:
        settle_reads(memo, settling, child=False)
    writer.start_sharing(None if noting else claims, generator.context)
    return Sharing(children, writer)


def _report(pid: int, path: str) -> dict | None:
    _, status = os.waitpid(pid, 0)
    try:
        report = json.loads(Path(path).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        report = {}
    Path(path).unlink(missing_ok=True)
    replay_logs(report.get("records", []))
    return report if status == 0 and "paths" in report else None


def finish_sharing(sharing: Sharing, generator) -> None:
    """Wait for the children, log what they logged, and keep Pelican's contracts."""
    writer = sharing.writer
    mine = writer.stop_sharing()
    reports = [_report(pid, path) for pid, path in sharing.children]
    if None in reports:
        raise RuntimeError("engine: a second rendering process failed (see above)")
    seen: set[str] = set(mine.paths)
    for report in reports:
        twice = seen.intersection(report["paths"])
        if twice:
            raise overwrite_error(min(twice))
        seen.update(report["paths"])
    if writer.page_memo is not None:
        for report in reports:
            kept = writer.page_memo.adopt(report["memo"])
            # (named as _Memoized names the pages it keeps)
            writer.unchanged.update(sanitised_join(writer.output_path, path) for path in kept)
    if mine.claims is None:
        writer.replay(mine)
    else:
        writer.adopt(seen.difference(mine.paths))
        # Pelican leaves the shared context's localsiteurl as the last page set it.
        lasts = [mine.siteurl, *(tuple(report["siteurl"]) for report in reports)]
        _, siteurl = max(lasts, key=lambda pair: pair[0])
        if siteurl:
            generator.context["localsiteurl"] = siteurl
    log.debug("engine: %d articles rendered on two processes", len(generator.articles))

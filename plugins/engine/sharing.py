"""Render the articles generator's pages on two processes.

Rendering and writing are about 60% of a Pelican build. The engine's writer
(Pelican's `get_writer` signal) shares the articles generator's pages with a
forked child. Just before Pelican writes the first article page, the child is
forked and runs the generator's public `generate_pages` with the same writer:
both processes now make the same `write_file` calls in the same order. A
counter in shared memory holds the number of the next unclaimed call; a process
renders a call only if it claims it first, so whoever is ahead takes the next
piece of work and the two finish together. When Pelican sends
`article_writer_finalized`, the parent reads the child's report (through a
pipe; its exit is not waited for, see `Child`), logs the child's warnings
(strict builds still fail on them) and fails the build if the child failed.

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
import logging
import multiprocessing
import os
import pickle
import signal
import threading
from dataclasses import dataclass
from itertools import chain

from pelican import signals
from pelican.utils import sanitised_join

from .listening import listeners
from .memo import PageMemo
from .reading import collect_logs, replay_logs, usable_cores
from .rendering import EngineWriter, overwrite_error

log = logging.getLogger(__name__)

DEFAULTS = {
    "PARALLEL_WRITE": True,
    "PARALLEL_WRITE_MIN_ARTICLES": 48,  # below this, forking costs more than it saves
}

# The lists of the articles generator whose contents get a page each.
ARTICLE_LISTS = (
    "translations",
    "articles",
    "hidden_translations",
    "hidden_articles",
    "drafts_translations",
    "drafts",
)


@dataclass
class Child:
    """A forked rendering process: it writes its report into a pipe, closes it and
    exits. The parent reads the pipe to its end, not waiting for the exit: a big
    process takes a while to exit (at 10,000 posts, a tenth of a second), and it
    is reaped later (see `reap`)."""

    pid: int
    report: int  # the pipe's end to read (-1 once closed)

    def read_report(self) -> bytes:
        """Everything the child wrote (less, or nothing, if it died first)."""
        chunks = []
        try:
            while chunk := os.read(self.report, 1 << 20):
                chunks.append(chunk)
        finally:
            self.close()
        return b"".join(chunks)

    def close(self) -> None:
        if self.report >= 0:
            os.close(self.report)
            self.report = -1


@dataclass
class Sharing:
    """The children rendering the articles generator's pages with (or for) this process."""

    children: list[Child]
    writer: EngineWriter

    def abandon(self) -> None:
        """Stop the children and forget them (after a failed build)."""
        self.writer.stop_sharing()
        for child in self.children:
            with contextlib.suppress(OSError):
                os.kill(child.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(child.pid, 0)
            child.close()


# Children that said they were done and may still be exiting. Each build reaps
# those that have exited (collects their exit status, so none is left a zombie);
# a live session waits for the rest once its rebuild is shown (`reap_all`).
_exiting: list[int] = []


def exiting() -> bool:
    return bool(_exiting)


def reap(wait: bool = False) -> None:
    """Collect the exit status of the children that have exited (all, if `wait`)."""
    for pid in list(_exiting):
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(pid, 0 if wait else os.WNOHANG) == (0, 0):
                continue  # still exiting
        _exiting.remove(pid)


def reap_all() -> None:
    reap(wait=True)


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


def _run_child(generator, writer: EngineWriter, claims, report: int, settling=None) -> None:
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
                "ok": status == 0,
                "memo": writer.page_memo.report() if writer.page_memo is not None else None,
                "records": collector.records,
                "paths": share.paths if share else [],
                "siteurl": share.siteurl if share else (-1, None),
            }
            # (pickled: the parent is this very code, and pickle is several times
            # faster than JSON for the page memo's records)
            with open(report, "wb") as pipe:
                pickle.dump(result, pipe, pickle.HIGHEST_PROTOCOL)
        finally:
            os._exit(status)


@dataclass
class Settling:
    """The page memo's reads, shared by the two rendering processes in pieces: each
    claims the next piece until none is left, then takes the other's verdicts (see
    `settle_reads`). Whoever is ahead (the child starts later: it is forked) works
    out more, so neither waits for the other."""

    reads: list
    starts: list[int]  # where each piece begins; a source's reads are in one piece
    verdicts: object  # shared bytes, one per read
    claimed: object  # shared: how many pieces have been claimed
    ready: object  # a barrier for the two processes

    @classmethod
    def of(cls, memo: PageMemo, context) -> Settling | None:
        reads = memo.reads_to_settle()
        if not reads:
            return None
        starts, start = [], 0
        while start < len(reads):
            starts.append(start)
            start = min(start + SETTLE_PIECE, len(reads))
            while 0 < start < len(reads) and reads[start][0] == reads[start - 1][0]:
                start += 1  # each source's reads in one process: it digests that source alone
        return cls(
            reads,
            starts,
            context.RawArray("b", len(reads)),
            context.Value("i", 0),
            context.Barrier(2),
        )

    def pieces(self):
        """The (start, end) of each piece this process claims, until none is left."""
        while True:
            with self.claimed.get_lock():
                number = self.claimed.value
                self.claimed.value = number + 1
            if number >= len(self.starts):
                return
            end = self.starts[number + 1] if number + 1 < len(self.starts) else len(self.reads)
            yield self.starts[number], end


# How many reads a process claims at a time: small enough that the two finish together.
SETTLE_PIECE = 256
# How long a process waits for the other's verdicts before working them out itself.
SETTLE_TIMEOUT = 60


def settle_reads(memo: PageMemo, settling: Settling, child: bool) -> None:
    """Before any page is claimed: pieces of the verdicts, then the other's.

    Checking a page asks whether each article still holds what the page read of
    it. Claims alternate between the processes call by call, and listings and
    related-reading blocks reach every article, so each process would otherwise
    digest nearly every article itself.
    """
    try:
        for start, end in settling.pieces():
            settling.verdicts[start:end] = memo.settle(settling.reads[start:end])
    except BaseException:
        settling.ready.abort()  # the other process must not wait for these
        raise
    try:
        settling.ready.wait(SETTLE_TIMEOUT)
    except threading.BrokenBarrierError:
        return  # the rest is worked out page by page, as without settling
    memo.learn(settling.reads, settling.verdicts[:])
    if not child:
        log.debug(
            "engine: %d reads of the page memo worked out by both processes", len(settling.reads)
        )


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
    reap(wait=True)  # (the last build's, long gone)
    children = []
    for _ in range(2 if noting else 1):
        reading, writing = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(reading)
            _run_child(generator, writer, claims, writing, settling)
        os.close(writing)
        children.append(Child(pid, reading))
    if settling is not None:
        settle_reads(memo, settling, child=False)
    writer.start_sharing(None if noting else claims, generator.context)
    return Sharing(children, writer)


def _report(child: Child) -> dict | None:
    """The child's report; None if it failed, or died before its report was whole."""
    data = child.read_report()
    _exiting.append(child.pid)  # (exiting, or dead: its pipe is closed)
    report = {}
    with contextlib.suppress(pickle.UnpicklingError, EOFError, ValueError):
        report = pickle.loads(data)
    replay_logs(report.get("records", []))
    return report if report.get("ok") else None


def finish_sharing(sharing: Sharing, generator) -> None:
    """Wait for the children, log what they logged, and keep Pelican's contracts."""
    writer = sharing.writer
    mine = writer.stop_sharing()
    reports = [_report(child) for child in sharing.children]
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
        lasts = [mine.siteurl, *(report["siteurl"] for report in reports)]
        _, siteurl = max(lasts, key=lambda pair: pair[0])
        if siteurl:
            generator.context["localsiteurl"] = siteurl
    log.debug("engine: %d articles rendered on two processes", len(generator.articles))

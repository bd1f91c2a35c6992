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

In a live session, the second process is usually not forked there: a standby
(`nextsale.live.Standby`), forked while the author read the last rebuild, has
built this rebuild alongside the main process from the same memory, and takes
the child's part (`join`) once both find they built the same site: the same
inputs and settings (the plan's fingerprint and sources) and the same page memo
reads. A fork during the rebuild would cost it every page of memory either
process then writes to.

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
import time
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
    reaped: bool = True  # by this module (see `reap`), not by whoever forked it

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
    standby: object = None  # a live session's standby, when it is the child

    def abandon(self) -> None:
        """Stop the children and forget them (after a failed build)."""
        self.writer.stop_sharing()
        for child in self.children:
            with contextlib.suppress(OSError):
                os.kill(child.pid, signal.SIGKILL)
            if child.reaped:
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
                "calls": share.call if share else -1,
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
    claims the next piece until none is left, then waits for the pieces the other
    is working out, and takes its verdicts (see `settle_reads`). Whoever is ahead
    works out more, so neither waits for the other; a process that has not
    started by then (a forked child, a late standby) finds them all done."""

    reads: list
    starts: list[int]  # where each piece begins; a source's reads are in one piece
    verdicts: object  # shared bytes, one per read
    claimed: object  # shared: how many pieces have been claimed
    done: object  # shared: how many pieces have their verdicts
    broken: object  # shared: set by a process that failed while working some out

    @classmethod
    def of(cls, memo: PageMemo, context, room=None) -> Settling | None:
        """The settling of this build's reads: in new shared memory, or in `room`
        (a `Channels`, made before the standby was forked) when they fit."""
        reads = memo.reads_to_settle()
        if not reads:
            return None
        starts, start = [], 0
        while start < len(reads):
            starts.append(start)
            start = min(start + SETTLE_PIECE, len(reads))
            while 0 < start < len(reads) and reads[start][0] == reads[start - 1][0]:
                start += 1  # each source's reads in one process: it digests that source alone
        if room is None:
            shared = (context.RawArray("b", len(reads)), context.Value("i", 0))
            return cls(reads, starts, *shared, context.Value("i", 0), context.RawValue("b", 0))
        if len(reads) > len(room.verdicts):
            return None
        return cls(reads, starts, room.verdicts, room.claimed, room.done, room.broken)

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
            with settling.done.get_lock():
                settling.done.value += 1
    except BaseException:
        settling.broken.value = 1  # the other process must not wait for these
        raise
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while settling.done.value < len(settling.starts):
        if settling.broken.value or time.monotonic() > deadline:
            return  # the rest is worked out page by page, as without settling
        time.sleep(0.0002)
    memo.learn(settling.reads, settling.verdicts[: len(settling.reads)])
    if not child:
        log.debug(
            "engine: %d reads of the page memo worked out by both processes", len(settling.reads)
        )


@dataclass
class Channels:
    """What the main process and a live session's standby share, made before the
    standby is forked (see `nextsale.live.Standby`): the claims, room for the
    page memo's verdicts, and the pipe the standby's report comes through."""

    claims: tuple
    verdicts: object
    claimed: object
    done: object
    broken: object
    arrival: object  # shared: whether the standby joined, or came too late (see `arrived`)
    reading: int
    writing: int

    @classmethod
    def make(cls, room: int) -> Channels:
        context = multiprocessing.get_context("fork")
        reading, writing = os.pipe()
        claims = (context.Lock(), context.RawValue("q", 0))
        shared = (context.RawArray("b", room), context.Value("i", 0), context.Value("i", 0))
        flags = (context.RawValue("b", 0), context.Value("i", 0))  # broken, arrival
        return cls(claims, *shared, *flags, reading, writing)

    def arrive(self, same_site: bool) -> bool:
        """(The standby) Take part, if it built the main process's site, unless the
        main process rendered everything already; say which."""
        with self.arrival.get_lock():
            if self.arrival.value == LATE:
                return False
            self.arrival.value = JOINED if same_site else DECLINED
            return same_site

    def arrived(self) -> int:
        """(Main process, its pages done) Whether the standby took part (JOINED), built
        another site (DECLINED) or has not come yet (LATE: it started late, after a
        save soon after the last one). Only one that joined is waited for."""
        with self.arrival.get_lock():
            if self.arrival.value == 0:
                self.arrival.value = LATE
            return self.arrival.value

    def after_fork(self, here: bool) -> None:
        """Each process keeps its own end of the report's pipe."""
        os.close(self.writing if not here else self.reading)
        if here:
            self.reading = -1
        else:
            self.writing = -1

    def take_report(self) -> int:
        """(Main process) The report's end, now the reader's to close."""
        reading, self.reading = self.reading, -1
        return reading

    def close(self) -> None:
        for end in (self.reading, self.writing):
            if end >= 0:
                os.close(end)
        self.reading = self.writing = -1


# Room for the verdicts of a standby's build: the last build's reads, and some more.
STANDBY_ROOM = 1 << 16
# A standby's arrival (Channels.arrival): it joined, it built another site, or the main
# process was done first.
JOINED, DECLINED, LATE = 1, 2, 3


def inputs_digest(writer: EngineWriter, settling: Settling | None) -> bytes:
    """What a standby and the main process must agree on to share a build's pages:
    its inputs and settings (the plan's fingerprint and every source's digests)
    and the page memo's reads. (Hashed as Python hashes: both are one process's
    forks, with one hash seed.)"""
    plan = writer.plan
    made_of = (
        None if plan is None else plan.fingerprint,
        None if plan is None else tuple(plan.sources.items()),
        None if settling is None else tuple(settling.reads),
    )
    return hash(made_of).to_bytes(8, "little", signed=True)


def join(generator, writer: EngineWriter, standby) -> None:
    """(A standby) Take the child's part in the main process's build, if it builds
    the same site; then exit. Never returns."""
    channels = standby.shared
    memo = writer.page_memo
    settling = Settling.of(memo, None, channels) if memo is not None else None
    told = standby.hear(9)
    # Not the same site (a file saved again between the two reads), or the main
    # process renders alone: it claims every piece and every page.
    if not channels.arrive(told == b"G" + inputs_digest(writer, settling)):
        os._exit(0)
    _run_child(generator, writer, channels.claims, channels.writing, settling)


def share_pages(generator, writer: EngineWriter, standby=None) -> Sharing:
    """Share the articles generator's pages with a live session's `standby` (main
    process side), or with children forked now."""
    context = multiprocessing.get_context("fork")
    # With content_written heard, this process only notes the calls, then
    # sends the signal for every page in order (see EngineWriter.replay).
    noting = bool(listeners(signals.content_written))
    memo = writer.page_memo
    if standby is not None and not noting and standby.alive():
        channels = standby.shared
        settling = Settling.of(memo, context, channels) if memo is not None else None
        standby.tell(b"G" + inputs_digest(writer, settling))
        standby.used = True
        log.debug("engine: pages shared with the session's standby process")
        if settling is not None:
            settle_reads(memo, settling, child=False)
        writer.start_sharing(channels.claims, generator.context)
        # (a standby is the session's to reap: nextsale.live.Standby)
        child = Child(standby.pid, channels.take_report(), reaped=False)
        return Sharing([child], writer, standby)
    # Made before the fork, so every process shares the same lock and counter.
    claims = (context.Lock(), context.RawValue("q", 0))
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
    if child.reaped:
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
    children = sharing.children
    arrival = sharing.standby.shared.arrived() if sharing.standby is not None else JOINED
    if arrival != JOINED:
        why = "built another site" if arrival == DECLINED else "came too late"
        log.debug("engine: the standby process %s; this one rendered every page", why)
        sharing.standby.used = False  # (stopped now)
        for child in children:
            child.close()
        children = []
    reports = [_report(child) for child in children]
    if None in reports:
        raise RuntimeError("engine: a second rendering process failed (see above)")
    if mine.claims is not None and any(report["calls"] != mine.call for report in reports):
        # (never seen: the standby checks it built the same site before it joins)
        raise RuntimeError(
            "engine: the second rendering process went through other pages than this one;"
            " nothing was changed, save again to rebuild"
        )
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

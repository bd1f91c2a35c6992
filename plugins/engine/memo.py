"""In a live session, render again only the pages whose inputs changed.

A page is what its template makes of the values it names. For every page the
writer renders, the memo records two things:

- its *shape*: the template, and a digest of every template variable the
  template (with what it extends, includes and imports) names, taken from the
  page's context, articles and pages counting by their source path only, and
  a listing's paginator by its number of pages unless the page read more of it;
- what the rendering *read* of each article and page: every attribute a
  template, a filter or a plugin object read (see Tracker), with a digest of
  those attributes' values (the HTML and summary by what they are made of).

At the next build of the same session, a page whose shape is the same and
whose articles and pages hold the same values where it read them would come
out byte for byte the same: it is not rendered, and its file in the previous
output stays. A whole `write_file` call (an article's page, a tag's pages)
is kept at once when everything it is made of is the same and each of its
pages can be kept: Pelican's writer then does nothing for it, and the
engine's writer does Pelican's bookkeeping of its files (its overwrite
protection sees every file). A change to settings, the theme, plugins or
other content files empties the memo (see `plugins/engine/incremental.py`),
and so does a template the analysis cannot follow (an include by variable
name): such a page is always rendered.

A value the memo cannot digest (an object without data it can see) makes the
page's shape new every build, so that page is always rendered: the memo may
render too much, never too little.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, field

from jinja2 import Environment, meta
from pelican.contents import Content
from pelican.paginator import Paginator
from pelican.urlwrappers import URLWrapper

from .digests import MEMOIZED, PAGINATOR_SHOWN, URLS, BuildInputs

log = logging.getLogger(__name__)

# The classes whose instances' attribute reads a page's record notes.
NOTED = (Content, URLWrapper)
# A listing's paginator: what a page reads of it decides how its shape digests it.
NOTED_WHOLE = (Paginator,)

# What a content works out that the memo digests whole (see Tracker).
WORKED_OUT = MEMOIZED | URLS


@dataclass
class Record:
    """What one page was made of when it was last rendered."""

    shape: str
    # (source path, the names read of it, their digest) of each article or page read
    touched: tuple[tuple[str, str, str], ...]
    # Whether the page read more of a listing's paginator than its number of pages:
    # its shape then digests the paginator whole (see BuildInputs.shape).
    whole_paginators: bool = False


@dataclass
class Call:
    """One `write_file` call of the last build: what it was made of (see
    `BuildInputs.call_shape`), the pages it made (output files, in order), and the
    `localsiteurl` Pelican left in the context after them."""

    shape: str
    pages: tuple[str, ...]
    siteurl: str | None = None


@dataclass
class Memo:
    """The records of a live session's last build, by output file (relative path)."""

    fingerprint: str = ""
    records: dict[str, Record] = field(default_factory=dict)
    calls: dict[str, Call] = field(default_factory=dict)  # by the call's file name
    files: set[str] = field(default_factory=set)  # every file of the last build's output
    names: dict[str, tuple[str, ...] | None] = field(default_factory=dict)  # by template
    # The intrasite links in each source's HTML, by source path: (html, [(kind, value)]).
    links: dict[str, tuple[str, list]] = field(default_factory=dict)
    # Digests of the last build's long strings (HTML), by identity: (string, digest).
    strings: dict[int, tuple[str, str]] = field(default_factory=dict)
    # Digests of the last build's lists of articles, by the articles themselves.
    lists: dict[tuple, str] = field(default_factory=dict)
    # The files generators wrote themselves (feeds, emails), by output file: (the
    # bytes, their digest). A generator that hands over the very same bytes object
    # again (the feeds' memo does) is not digested again.
    generated: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    # The reads the records name, in order of source (see PageMemo.reads_to_settle),
    # worked out while the author reads the last rebuild: (those records, the reads).
    settle_order: tuple[dict, list] | None = None

    def order_reads(self) -> None:
        """Work out the next build's order of reads now, between builds (a live
        session runs this once the rebuild is shown: nextsale.live.AFTER_RELOAD)."""
        self.settle_order = (self.records, _reads_in_order(self.records))


def _reads_in_order(records: dict[str, Record]) -> list[tuple[str, str, str]]:
    return sorted({read for record in records.values() for read in record.touched})


def session_memo(memory: dict | None, fingerprint: str) -> Memo | None:
    """The session's memo, emptied when anything besides articles and pages changed."""
    if memory is None:
        return None
    memo = memory.get("pages")
    if memo is None or memo.fingerprint != fingerprint:
        memo = memory["pages"] = Memo(fingerprint)
    return memo


def template_names(env: Environment, name: str, seen: set[str] | None = None):
    """Every variable a template and the templates it uses name; None if unknowable."""
    seen = set() if seen is None else seen
    if name in seen:
        return frozenset()
    seen.add(name)
    source, _, _ = env.loader.get_source(env, name)
    tree = env.parse(source)
    names = set(meta.find_undeclared_variables(tree))
    for used in meta.find_referenced_templates(tree):
        if used is None:  # chosen at render time: cannot be followed
            return None
        more = template_names(env, used, seen)
        if more is None:
            return None
        names |= more
    return frozenset(names)


class Tracker:
    """Notes what a rendering reads of every article and page, tag, category and author.

    Templates read attributes through Jinja, filters and plugin objects read
    them in Python (a guidance link reads its target page's title): every read
    goes through the class's attribute lookup, which the tracker listens to
    while one page renders. A property's own reads are noted as well, so a
    page that shows an article's URL depends on the slug and date it is made of.

    An article's HTML, summary and URLs are the exception: the memo digests the
    HTML and summary by what they are made of (Pelican works each out once per
    build: only the first page to ask would note what Pelican reads meanwhile,
    the metadata, the linked pages' URLs) and a URL by its value (`MEMOIZED`
    and `URLS` in digests.py), so what is read while they are worked out is not
    noted: the digest stands for it on every page.

    A listing's paginator is noted too, by the names a page reads of it (what
    its properties read meanwhile is not noted): a page that shows only how many
    pages a listing has does not depend on how many posts it holds.
    """

    def __init__(self) -> None:
        self.read: dict[int, tuple[Content, set[str]]] = {}
        read = self.read
        lookup = object.__getattribute__
        quiet = [0]  # above 0 while a value digested whole is worked out (HTML, URL...)

        def noting_for(worked_out):
            def noting(thing, name):
                if quiet[0]:
                    return lookup(thing, name)
                entry = read.get(id(thing))
                if entry is None:
                    entry = read[id(thing)] = (thing, set())
                entry[1].add(name)
                if name not in worked_out:
                    return lookup(thing, name)
                quiet[0] += 1
                try:
                    found = lookup(thing, name)
                finally:
                    quiet[0] -= 1
                return _Quietly(found, quiet) if callable(found) else found

            return noting

        for kind in NOTED:
            kind.__getattribute__ = noting_for(WORKED_OUT)
        for kind in NOTED_WHOLE:  # the name only: the value is digested whole
            kind.__getattribute__ = noting_for(_EVERY_NAME)

    def stop(self) -> None:
        for kind in (*NOTED, *NOTED_WHOLE):
            del kind.__getattribute__  # back to object's own lookup


class _EveryName:
    """Every attribute name (what `noting` works out quietly, for a paginator)."""

    def __contains__(self, name: object) -> bool:
        return True


_EVERY_NAME = _EveryName()


class _Quietly:
    """A method of a value digested whole (a content's `get_content`, a paginator's
    `page`), noting nothing while it runs."""

    __slots__ = ("method", "quiet")

    def __init__(self, method, quiet: list) -> None:
        self.method, self.quiet = method, quiet

    def __call__(self, *args, **kwargs):
        self.quiet[0] += 1
        try:
            return self.method(*args, **kwargs)
        finally:
            self.quiet[0] -= 1


class PageMemo:
    """One build's use of the session memo: decide, render, record."""

    def __init__(self, memo: Memo, context: dict) -> None:
        self.memo = memo
        self.inputs = BuildInputs(context, memo.links, memo.strings, memo.lists)
        self.records: dict[str, Record] = {}
        self.calls: dict[str, Call] = {}
        self._named_calls: set[str] = set()  # every call's name so far, kept or not
        self._call: tuple | None = None  # (name, shape, [(page, localsiteurl)]) being made
        # Whether each (source, names read, digest) still holds, worked out once:
        # many pages read the same of one article (its summary on listing pages).
        self._holds: dict[tuple[str, str, str], bool] = {}
        # The page `unchanged` last looked at: its shape, and whether it digests
        # listings' paginators whole (as its last record asks).
        self._shape: str | None = None
        self._whole = False
        self.generated: dict[str, tuple[bytes, str]] = {}  # this build's (see Memo)
        self.restart_counts()  # kept, rendered, and why pages were rendered again

    def names(self, template) -> tuple[str, ...] | None:
        name = template.name
        if name not in self.memo.names:
            try:
                found = template_names(template.environment, name)
                self.memo.names[name] = None if found is None else tuple(sorted(found))
            except Exception:  # a loader that cannot give the source: never memoized
                self.memo.names[name] = None
        return self.memo.names[name]

    def call_kept(self, name: str, template, context: dict, arguments: dict) -> Call | None:
        """The last build's call of this name, when this `write_file` call would make
        the very same pages: it is made of the same, and each of its pages can be
        kept (see `unchanged`). Otherwise None, and the call's pages are noted as
        Pelican's writer makes them."""
        self._call = None
        if name in self._named_calls:  # a second call for one file: Pelican's rules decide
            return None
        self._named_calls.add(name)
        names = self.names(template)
        if names is None:
            return None
        shape = self.inputs.call_shape(
            template.name, names, name, context, arguments, template.globals
        )
        self._call = (name, shape, [])
        before = self.memo.calls.get(name)
        if before is None or before.shape != shape:
            return None
        records = self.memo.records
        for page in before.pages:
            record = records.get(page)
            if (
                record is None
                or page not in self.memo.files
                or self._failing_read(record) is not None
            ):
                return None
        self._call = None
        return before

    def keep_call(self, name: str, call: Call) -> None:
        """Count a call `call_kept` answered as this build's: its pages are kept."""
        records = self.memo.records
        for page in call.pages:
            self.records[page] = records[page]
        self.calls[name] = call
        self.kept += len(call.pages)

    def _failing_read(self, record: Record) -> tuple[str, str, str] | None:
        """The first of a page's reads that no longer holds, if any."""
        holds = self._holds
        for read in record.touched:
            verdict = holds.get(read)
            if verdict is None:
                verdict = holds[read] = self._still_holds(*read)
            if not verdict:
                return read
        return None

    def unchanged(self, template, localcontext: dict) -> bool:
        """Whether this page would come out the same as last time (then it is kept)."""
        path = localcontext["output_file"]
        if self._call is not None:
            self._call[2].append((path, localcontext["localsiteurl"]))
        names = self.names(template)
        first_write = path not in self.records
        if names is None or not first_write:
            self._shape = None
            return False

        before = self.memo.records.get(path)
        self._whole = before is not None and before.whole_paginators
        self._shape = self.inputs.shape(
            template.name, names, localcontext, template.globals, self._whole
        )
        if before is None or before.shape != self._shape:
            self.why["new page" if before is None else f"{template.name}: its values"] += 1
            return False
        failing = self._failing_read(before)
        if failing is not None:
            self.why[f"{template.name}: {failing[0]}"] += 1
            return False
        if path not in self.memo.files:  # (the last output, as this session wrote it)
            self.why["missing from the output"] += 1
            return False
        self.records[path] = before
        self.kept += 1
        return True

    def end_call(self) -> None:
        """The call `call_kept` last looked at is made: remember its pages, if this
        process made them."""
        if self._call is not None and self._call[2]:
            name, shape, pages = self._call
            self.calls[name] = Call(shape, tuple(page for page, _ in pages), pages[-1][1])
        self._call = None

    def same_generated(self, save_as: str, data: bytes) -> bool:
        """Whether the last output's file `save_as`, which a generator wrote itself,
        holds these very bytes."""
        last = self.memo.generated.get(save_as)
        if last is not None and last[0] is data:
            digest = last[1]
        else:
            digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        self.generated[save_as] = (data, digest)
        return last is not None and last[1] == digest and save_as in self.memo.files

    def reads_to_settle(self) -> list[tuple[str, str, str]]:
        """Every read the last build's records name, in order of source: what
        `unchanged` will ask of each page."""
        known = self.memo.settle_order
        if known is not None and known[0] is self.memo.records:  # (replaced, never changed)
            return known[1]
        return _reads_in_order(self.memo.records)

    def settle(self, reads: list) -> bytes:
        """Work out whether each of `reads` still holds (1) or not (0)."""
        holds = self._holds
        verdicts = bytearray(len(reads))
        for number, read in enumerate(reads):
            verdict = holds.get(read)
            if verdict is None:
                verdict = holds[read] = self._still_holds(*read)
            verdicts[number] = verdict
        return bytes(verdicts)

    def learn(self, reads: list, verdicts) -> None:
        """Take the verdicts another process of this build worked out on the same values."""
        for read, verdict in zip(reads, verdicts, strict=True):
            self._holds.setdefault(read, bool(verdict))

    def _still_holds(self, source: str, names: str, digest: str) -> bool:
        content = self.inputs.find(source)
        return content is not None and self.inputs.view(content, names) == digest

    def render(self, template, localcontext: dict) -> str:
        """Render the page, noting what it read."""
        tracker = Tracker()
        try:
            html = template.render(localcontext)
        finally:
            tracker.stop()
        self.rendered += 1
        if self._shape is not None:
            touched = []
            whole = False
            for thing, names in tracker.read.values():
                if isinstance(thing, Paginator):
                    whole |= not names <= PAGINATOR_SHOWN
                    continue
                seen = "\x1e".join(sorted(names))
                key = self.inputs.key(thing)
                touched.append((key, seen, self.inputs.view(thing, seen)))
            touched = tuple(sorted(touched))
            if whole != self._whole:  # the shape was made by what the last render read
                self._shape = self.inputs.shape(
                    template.name, self.names(template), localcontext, template.globals, whole
                )
            path = localcontext["output_file"]
            self.records[path] = Record(self._shape, touched, whole)
        return html

    def restart_counts(self) -> None:
        self.kept = self.rendered = 0
        self.why = Counter()

    def report(self) -> dict:
        """What this build (a second rendering process) did, for `adopt`: the records
        it made, the pages and calls it kept (their last records, which the parent
        holds too, go by name), how many it rendered and kept, and why. Many pages
        read the same of one article (its summary on every listing that shows it):
        each read travels once, and pages name theirs by number."""
        last = self.memo.records
        reads: dict[tuple, int] = {}
        made, kept = {}, []
        for path, record in self.records.items():
            if last.get(path) is record:
                kept.append(path)
            else:
                touched = [reads.setdefault(read, len(reads)) for read in record.touched]
                made[path] = (record.shape, touched, record.whole_paginators)
        last_calls = self.memo.calls
        calls, kept_calls = {}, []
        for name, call in self.calls.items():
            if last_calls.get(name) is call:
                kept_calls.append(name)
            else:
                calls[name] = (call.shape, call.pages, call.siteurl)
        counts = {"rendered": self.rendered, "kept": self.kept, "why": dict(self.why)}
        return {
            "made": made,
            "reads": list(reads),
            "kept": kept,
            "calls": calls,
            "kept_calls": kept_calls,
            "counts": counts,
            # What the templates name, as this process found: the next build may ask
            # the parent (parsing a template and those it uses takes a tenth of a second).
            "names": self.memo.names,
        }

    def adopt(self, report: dict) -> list[str]:
        """Take in what a second rendering process did (see `report`); return the
        pages it kept."""
        reads = report["reads"]
        for path, (shape, touched, whole) in report["made"].items():
            self.records[path] = Record(shape, tuple(reads[number] for number in touched), whole)
        for path in report["kept"]:
            self.records[path] = self.memo.records[path]
        for name, (shape, pages, siteurl) in report["calls"].items():
            self.calls[name] = Call(shape, pages, siteurl)
        for name in report["kept_calls"]:
            self.calls[name] = self.memo.calls[name]
        for name, found in report["names"].items():
            self.memo.names.setdefault(name, found)
        counts = report["counts"]
        self.rendered += counts["rendered"]
        self.kept += counts["kept"]
        self.why.update(counts["why"])
        return report["kept"]

    def complete(self, files: set[str], selective: bool) -> list[str]:
        """Keep this build's records; the files of the last output that are gone now.

        A selective build (see incremental.py) did not even look at the pages an
        edit of article text alone cannot change: their records and files stay.
        """
        self.memo.strings = self.inputs.long_strings
        self.memo.lists = self.inputs.long_lists
        if selective:
            self.memo.records = {**self.memo.records, **self.records}
            self.memo.calls = {**self.memo.calls, **self.calls}
            self.memo.generated = {**self.memo.generated, **self.generated}
            self.memo.files |= files
            return []
        gone = sorted(self.memo.files - files) if self.memo.files else []
        self.memo.records = self.records
        self.memo.calls = self.calls
        self.memo.generated = self.generated
        self.memo.files = files
        if self.why:
            log.debug("engine: rendered again: %s", self.why.most_common(12))
        if self.inputs.volatile:
            log.debug(
                "engine: always rendered, values the memo cannot see into: %s",
                ", ".join(sorted(self.inputs.volatile)),
            )
        return gone

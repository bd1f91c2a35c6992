"""The engine's writer: Pelican's Writer, rendering only what a build needs.

- a selective build (incremental.py) renders only the changed articles' pages;
- in a live session, the page memo (memo.py) keeps every page, and every whole
  `write_file` call, whose inputs did not change: its file in the previous
  output stays, and Pelican's overwrite protection still sees it;
- while the articles generator's pages are shared (sharing.py), the writer
  renders only the calls it claims first, or only notes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pelican.utils import sanitised_join
from pelican.writers import FileOverwriteFailedError, Writer

from nextsale import compat

from .incremental import Plan
from .memo import PageMemo

# Pelican memoizes every article's link-resolved HTML for the whole build: one
# more copy of all content. Forgetting it every so many pages bounds that copy
# (pages that mention an article again soon still find it).
FORGET_CONTENT_EVERY = 256

# What Pelican's and the taxonomy's listing pages are rendered with.
LISTING_KEYS = {"articles", "dates", "tag", "category", "author", "topic"}

# Pelican's `Writer.write_file` arguments after the context, in order.
WRITE_FILE_ARGUMENTS = ("relative_urls", "paginated", "template_name", "override_output", "url")


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
            compat.page_kept(path)  # no folder made for it either
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
    call: int = 0  # calls claimed or tried
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

    def keep_generated(self, save_as: str, data: bytes) -> bool:
        """Whether a file a generator made itself (see `nextsale.site.write_generated`)
        stays as the last output has it: the same bytes, in a live session."""
        memo = self.page_memo
        if memo is None or not memo.same_generated(save_as, data):
            return False
        previous = self.settings.get("INCREMENTAL_PREVIOUS_OUTPUT")
        if not previous or not Path(sanitised_join(previous, save_as)).is_file():
            return False  # (removed from the last output since: written again)
        self.unchanged.add(sanitised_join(self.output_path, save_as))
        return True

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
        share = self._share
        if share is not None:
            if share.claims is None:
                share.calls.append((name, context, args, kwargs))
                return None
            if not self._claim(share):
                return None
        memo = self.page_memo
        if memo is not None:
            arguments = dict(zip(WRITE_FILE_ARGUMENTS, args, strict=False)) | kwargs
            kept = memo.call_kept(name, template, context, arguments)
            if kept is not None and self._keep(name, kept, context, arguments):
                return None
            template = _Memoized(template, self)
        try:
            return self._write(name, template, context, args, kwargs)
        finally:
            if memo is not None:
                memo.end_call()

    def _write(self, name, template, context, args, kwargs):
        share = self._share
        if share is None:
            if self._theirs:
                template = _Pages(template, self, kwargs.get("override_output", False))
            return self._render(name, template, context, args, kwargs)
        pages = _Pages(template, self, kwargs.get("override_output", False))
        try:
            return self._render(name, pages, context, args, kwargs)
        finally:
            share.paths.extend(path for path, _ in pages.pages)
            if context is share.context:
                urls = [siteurl for _, siteurl in pages.pages if siteurl]
                if urls:
                    share.siteurl = (share.call - 1, urls[-1])

    def _keep(self, name: str, call, context: dict, arguments: dict) -> bool:
        """Leave a whole call's pages as the last build wrote them (see memo.call_kept),
        with Pelican's bookkeeping of each file; False when Pelican's overwrite rules
        must see the call made (a file this process wrote already)."""
        paths = [sanitised_join(self.output_path, page) for page in call.pages]
        if any(map(self.written_before, paths)):
            return False
        override = arguments.get("override_output", False)
        for path in paths:
            self.check_overwrite(path, override)
            compat.note_unwritten(self, path, override)
        self.unchanged.update(paths)
        self.page_memo.keep_call(name, call)
        share = self._share
        if share is not None:  # as if this process had written them
            share.paths.extend(paths)
        if call.siteurl:  # as Pelican leaves the context after the call's last page
            if share is None:
                context["localsiteurl"] = call.siteurl
            elif context is share.context:
                share.siteurl = (share.call - 1, call.siteurl)
        return True

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

"""Every private Pelican name the project relies on, in one place.

Pelican's public API (signals, `Readers.readers`, `Writer.write_file`, the
content cache, `Content.get_url_setting`) covers almost all the project needs.
What it does not cover is listed here and reached only through this module:
nothing else in the project touches a private Pelican name.

`supported()` says whether the installed Pelican is a version these names were
tested with and still has every one of them. The engine plugin builds without
its shortcuts on any other version (the site is the same, only slower).

Besides names, the engine relies on a few behaviours of the tested versions,
which the version check guards and `CALLS` spot-checks:

- `ArticlesGenerator.generate_output` writes the feeds, then calls
  `generate_pages`, then sends `article_writer_finalized`; `generate_pages`
  sends `article_generator_write_article` just before the first page it writes;
- `Readers.read_file` calls `reader.read(path)` with the absolute path and
  names the reader after its class in `metadata["reader"]`;
- `Content.url` and `Content.save_as` are computed by `get_url_setting`;
- `Writer.write_file` makes each page's folder with `os.makedirs` (the module
  `os` as `pelican.writers` names it) just before it opens the page; where it
  does not, kept pages' folders are made as before (see `_WriterOs`).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
from typing import Any

# The Pelican releases the project was tested with.
TESTED_VERSIONS = ("4.12.0",)

# Private names, as "module:attribute.path". An attribute that Pelican sets on
# instances (not on the class) is checked in the class's __init__.
PRIVATE_NAMES = (
    # Pelican drops a log message it has shown before in the same process;
    # a new build must start with these empty (nextsale.build).
    "pelican.log:LimitFilter._raised_messages",
    "pelican.log:LimitFilter._ignore",
    "pelican.log:LimitFilter._group_count",
    # The memo of every content's link-resolved HTML, kept for the whole build;
    # the engine's writer empties it now and then to bound memory.
    "pelican.contents:Content.get_content.cache",
    # Its memo of every content's summary: a live session that keeps articles
    # empties both at the start of each build.
    "pelican.contents:Content.get_summary.cache",
    # A content's HTML as the reader returned it, before links are resolved;
    # the engine's incremental builds compare it with the previous build's, and
    # the content checks replace broken links in it.
    "pelican.contents:Content._content",
    # A content's summary as read; copied back over metadata["summary"] when
    # Pelican resolves links, so the content checks replace both.
    "pelican.contents:Content._summary",
    # The content cache a generator's readers loaded (path -> (stamp, data)); a
    # live session keeps it in memory instead of loading the file every build.
    "pelican.cache:FileDataCacher._cache",
    # Whether a cacher stores what it is given: a live session has the articles
    # generator keep the articles it makes (plugins/engine/kept.py).
    "pelican.cache:FileDataCacher._cache_data_policy",
    # Where the writer opens each file it writes, minding its overwrite rules;
    # the engine's writer leaves a page it knows is unchanged unwritten there.
    "pelican.writers:Writer._open_w",
    "pelican.writers:Writer._written_files",
    "pelican.writers:Writer._overridden_files",
    # The `os` the writer makes each page's folder with: while the engine writes,
    # a stand-in that makes none for a page the engine keeps (see _WriterOs).
    "pelican.writers:os",
    # Where the articles generator groups its articles by year, month and day;
    # the engine finds each period's articles by identity instead of by scanning.
    "pelican.generators:ArticlesGenerator._build_period_archives",
    # How a generator's `get_files` keeps a file of the extensions asked: the
    # engine walks the article folders once and keeps each call's files so.
    "pelican.generators:Generator._include_path",
    # The name the generators' reading loops call to group translations (looked
    # up at each call): the engine groups them one translation id at a time.
    "pelican.generators:process_translations",
    # Whether a tag's, category's or author's slug is made from its name, and
    # the name: the engine's URL memo names such a slug by the name.
    "pelican.urlwrappers:URLWrapper._slug_from_name",
    "pelican.urlwrappers:URLWrapper._name",
    # What a content or a tag keeps besides its own data (the build's context, a
    # slug worked out from the name): the page memo's digests leave them out, and
    # an article a live session keeps is given each new build's context.
    "pelican.contents:Content._context",
    "pelican.urlwrappers:URLWrapper._slug",
)

# Attributes of contents and tags, categories, authors that are not their own
# data (see the last names above).
NOT_OWN_ATTRIBUTES = frozenset({"_context", "_slug", "_slug_from_name"})


# Public functions, and names each must still use for the behaviours above.
CALLS = (
    (
        "pelican.generators:ArticlesGenerator.generate_output",
        ("generate_feeds", "generate_pages", "article_writer_finalized"),
    ),
    (
        "pelican.generators:ArticlesGenerator.generate_articles",
        ("article_generator_write_article",),
    ),
    ("pelican.readers:Readers.read_file", ("readers", "read", "__class__")),
    ("pelican.contents:Content.url", ("get_url_setting",)),
    ("pelican.contents:Content.save_as", ("get_url_setting",)),
    # A live session's kept articles are filed as these two do, with the answers
    # of the first two names kept (plugins/engine/kept.py).
    ("pelican.generators:Generator.add_source_path", ("get_relative_source_path", "context")),
    ("pelican.generators:Generator.add_static_links", ("get_static_links", "context")),
)


def pelican_version() -> str:
    """The installed Pelican's version."""
    try:
        return importlib.metadata.version("pelican")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _resolve(name: str) -> tuple[Any, str] | None:
    """(owner, last attribute name) of "module:Owner.attr", or None."""
    module_name, _, path = name.partition(":")
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError:
        return None
    *owners, last = path.split(".")
    for part in owners:
        target = getattr(target, part, None)
        if target is None:
            return None
    return target, last


def _code(function: Any):
    function = getattr(function, "fget", function)  # a property: its getter
    return getattr(function, "__code__", None)


def _exists(name: str) -> bool:
    found = _resolve(name)
    if found is None:
        return False
    owner, last = found
    if hasattr(owner, last):
        return True
    init = _code(getattr(owner, "__init__", None))
    return init is not None and last in init.co_names


def _calls(name: str, used: tuple[str, ...]) -> bool:
    found = _resolve(name)
    if found is None:
        return False
    owner, last = found
    code = _code(vars(owner).get(last) if isinstance(owner, type) else getattr(owner, last, None))
    return code is not None and set(used) <= set(code.co_names)


def missing_names() -> list[str]:
    """The private names (and relied-on calls) this Pelican lacks; empty when all are there."""
    missing = [name for name in PRIVATE_NAMES if not _exists(name)]
    missing += [name for name, used in CALLS if not _calls(name, used)]
    return missing


def supported() -> bool:
    """Whether the installed Pelican is a tested version with every name above."""
    return pelican_version() in TESTED_VERSIONS and not missing_names()


def tested_versions() -> str:
    return ", ".join(TESTED_VERSIONS)


def reset_log_dedup() -> None:
    """Forget the log messages earlier builds in this process have shown."""
    from pelican.log import LimitFilter

    for name in ("_raised_messages", "_ignore", "_group_count"):
        store = getattr(LimitFilter, name, None)
        if store is not None:
            store.clear()


def forget_rendered_content(summaries: bool = False) -> None:
    """Drop Pelican's memo of link-resolved content HTML (it is rebuilt on demand);
    with `summaries`, its memo of summaries too."""
    from pelican.contents import Content

    memos = (Content.get_content, Content.get_summary) if summaries else (Content.get_content,)
    for memo in memos:
        cache = getattr(memo, "cache", None)
        if cache is not None:
            cache.clear()


def raw_content(content: Any) -> str:
    """A content's HTML as its reader returned it, before links are resolved."""
    return content._content or ""


def replace_raw_content(content: Any, html: str) -> None:
    """Give a content new HTML before links are resolved (the checks neutralise broken
    links this way)."""
    content._content = html


def replace_summary(content: Any, html: str) -> None:
    """Give a content a new summary; Pelican copies `_summary` back over the metadata
    when it resolves links, so both are set."""
    content._summary = content.metadata["summary"] = html


def content_cache(readers: Any) -> dict | None:
    """The content cache (path -> (stamp, data)) a generator's readers use, if any."""
    cache = getattr(readers, "_cache", None)
    return cache if isinstance(cache, dict) else None


def use_content_cache(readers: Any, cache: dict) -> None:
    """Let a generator's readers use (and update) `cache` as their content cache."""
    readers._cache = cache


def keep_made_content(generator: Any, cache: dict) -> None:
    """Have a generator keep every content it makes in `cache` (path -> (stamp, content)),
    as Pelican's generator-level content cache does, without saving it to a file."""
    generator._cache = cache
    generator._cache_data_policy = True
    generator.save_cache = lambda: None  # the session's alone


def rebind_context(content: Any, context: dict) -> None:
    """Give a content kept from an earlier build this build's context (its links and
    `localsiteurl` are resolved through it)."""
    content._context = context


def slug_source(wrapper: Any) -> tuple[str, dict] | None:
    """(name, settings) a tag's, category's or author's slug is (or will be) made
    from; None when its slug was set otherwise."""
    fields = object.__getattribute__(wrapper, "__dict__")  # (not a read to note: memo.py)
    if fields.get("_slug_from_name"):
        return fields.get("_name"), fields.get("settings")
    return None


_wrapped_process_translations: list = []  # the stand-in last put in place


def wrap_process_translations(wrap) -> None:
    """Have the generators group contents into originals and translations with
    `wrap(pelican_s_own)` (same arguments and answer) until `unwrap_process_translations`.
    Another plugin's own function in its place is left alone: `wrap` is exact for
    Pelican's only."""
    import pelican.generators
    import pelican.utils

    own = pelican.utils.process_translations
    if pelican.generators.process_translations not in (own, *_wrapped_process_translations):
        return
    _wrapped_process_translations[:] = [wrap(own)]
    pelican.generators.process_translations = _wrapped_process_translations[0]


def unwrap_process_translations() -> None:
    import pelican.generators
    import pelican.utils

    if pelican.generators.process_translations in _wrapped_process_translations:
        pelican.generators.process_translations = pelican.utils.process_translations


def wrap_period_archives(generator: Any, wrap) -> None:
    """Have this articles generator build its period archives with
    `wrap(pelican_s_own)(sorted_articles, articles, settings)`."""
    generator._build_period_archives = wrap(generator._build_period_archives)


class _WriterOs:
    """`os` as Pelican's writer module sees it while the engine writes: the same,
    but that no folder is made for a page the engine keeps (`page_kept`). A kept
    page is written nowhere, and in a live session's staging folder making its
    folder costs more than rendering the few pages an edit changes."""

    def __init__(self) -> None:
        self.path = os.path  # (looked up for every page: found here first)
        self.kept_folder: str | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    def makedirs(self, name, mode=0o777, exist_ok=False) -> None:
        kept, self.kept_folder = self.kept_folder, None
        if name != kept:
            os.makedirs(name, mode, exist_ok)  # noqa: PTH103  (Pelican's very call)


_WRITER_OS = _WriterOs()


def make_no_folder_for_kept_pages() -> None:
    """Until `make_every_folder`, Pelican's writer makes no folder for a page
    `page_kept` names (another plugin's own `os` there is left alone)."""
    import pelican.writers

    if pelican.writers.os is os:
        pelican.writers.os = _WRITER_OS


def make_every_folder() -> None:
    import pelican.writers

    if pelican.writers.os is _WRITER_OS:
        pelican.writers.os = os
    _WRITER_OS.kept_folder = None


def page_kept(path: str) -> None:
    """The page Pelican's writer is about to write (at `path`) is kept: its folder
    is not made."""
    _WRITER_OS.kept_folder = os.path.dirname(path)  # noqa: PTH120  (as Pelican names the folder)


class SkipUnchanged:
    """A mixin for a Pelican Writer: a file named in `unchanged` goes through
    Pelican's overwrite rules as any other, but is not written (its previous
    version, in the previous output, stays)."""

    unchanged: set[str]

    def _open_w(self, filename, encoding, override=False):
        if filename not in self.unchanged:
            return super()._open_w(filename, encoding, override)
        # (the writer keeps only first writes unwritten; a second one goes
        # through Pelican's rules as usual)
        note_unwritten(self, filename, override)
        return _Discard()

    def written_before(self, filename: str) -> bool:
        """Whether this writer has written (or kept) `filename` in this build."""
        return filename in self._written_files


def note_unwritten(writer: Any, filename: str, override: bool) -> None:
    """Pelican's bookkeeping of a write to `filename` that leaves the file as it is:
    its overwrite rules see it as written (a later write to it fails, as in Pelican)."""
    if filename in writer._overridden_files or (filename in writer._written_files and not override):
        from pelican.writers import Writer

        # Pelican's own rule: it raises, or opens nowhere when it would skip the file.
        Writer._open_w(writer, filename, "utf-8", override).close()
        return
    if override:
        writer._overridden_files.add(filename)
    writer._written_files.add(filename)


class _Discard:
    """A file that writes nowhere (cheaper than opening os.devnull for every page)."""

    def __enter__(self):
        return self

    def __exit__(self, *_) -> None:
        return None

    def write(self, text: str) -> int:
        return len(text)

    def close(self) -> None:
        return None

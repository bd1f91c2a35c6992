"""Digests of a build's values for the page memo (memo.py): what a page's template
names, and what a page read of each article, page, tag, category and author.

Each value is digested once per build (and an article's long HTML once while it
is the same string); articles and pages inside other values count by their
source path, since what a page reads of them is noted on its own.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import operator
import os

from jinja2.runtime import Undefined
from pelican.contents import Content
from pelican.paginator import Page as ListingPage
from pelican.paginator import Paginator
from pelican.urlwrappers import URLWrapper

from nextsale import compat, links

# Attributes that are not an article's, page's or tag's own data: the settings,
# the context, and what a tag works out from its name (the slug names it anyway).
NOT_OWN = {"settings", *compat.NOT_OWN_ATTRIBUTES}

# Content methods whose results Pelican keeps for the rest of the build: a page
# that calls them may read nothing else, so they stand for the HTML's sources.
MEMOIZED = {"content", "summary", "get_content", "get_summary", "_get_content", "_get_summary"}

# Content properties a page may read whose value the engine's URL memo gives
# (urls.py): digested by value, since once the memo settles a URL is answered
# without reading the slug, date and category it is made of.
URLS = {"url", "save_as"}

# What a page may read of a listing's paginator for its shape to digest the
# paginator by its size alone: which listing, how many pages, of how many posts each.
PAGINATOR_SHOWN = frozenset({"name", "num_pages", "page_range", "per_page"})

# Values digested as their repr.
SCALARS = {int, float, bool, type(None)}


# The context's tables of every article, page and static file, by source path.
TABLES = ("generated_content", "static_content")

# Strings this long (an article's HTML) are digested once while they stay the same.
LONG = 512

# Lists of articles this long (a listing's) are digested once while they hold the
# very same articles.
LONG_LIST = 32

# How deep the digest follows plain objects (dataclasses, dicts, lists).
DEPTH = 10


class BuildInputs:
    """Digests of this build's values, each worked out once."""

    def __init__(
        self, context: dict, kept_links: dict | None = None, kept_strings=None, kept_lists=None
    ):
        """`kept_links`, `kept_strings` and `kept_lists`: what the session keeps of
        the last build's intrasite links and long strings' and lists' digests (see
        memo.Memo)."""
        self.context = context
        self.kept_links = {} if kept_links is None else kept_links
        self.kept_strings = {} if kept_strings is None else kept_strings
        self.kept_lists = {} if kept_lists is None else kept_lists
        self._own: dict[int, tuple[object, str]] = {}
        self._views: dict[tuple[int, str], tuple[object, str]] = {}
        self._html: dict[int, tuple[object, str]] = {}
        # Each article's attributes' digests, by name, for every view of it.
        self._attributes: dict[int, tuple[object, dict[str, str]]] = {}
        # The digest of the values every page of a template shares, by the values' ids
        # (the values are the build's context's own, alive for the whole build).
        self._constant: dict[tuple, tuple[list, str]] = {}
        self._meta: dict[int, tuple[object, str]] = {}
        self._kept: dict[int, tuple[object, str]] = {}  # long-lived values by identity
        self._globals: dict[int, tuple[object, dict]] = {}  # each template's, flattened
        self._listing_pages: dict[tuple, tuple[Paginator, str]] = {}
        self._by_path: dict[str, Content] | None = None
        self._wrappers: dict[str, URLWrapper] | None = None
        self._wrappers_complete = False  # every content's own looked through (see find)
        self.long_strings: dict[int, tuple[str, str]] = {}  # this build's long strings
        self.long_lists: dict[tuple, str] = {}  # this build's lists of articles (_articles)
        self.volatile: set[str] = set()
        self._tables = {id(context[table]) for table in TABLES if table in context}
        # The context itself and the session's memory (reached through plugin objects
        # that keep the settings): made of what is digested elsewhere, or of nothing shown.
        self._tables |= {id(context), id(context.get("ENGINE_MEMORY"))}

    # -- articles and pages ----------------------------------------------------

    def key(self, thing) -> str:
        """How a record names an article or page (its source), or a tag, category,
        author (its kind and slug)."""
        if isinstance(thing, Content):
            return thing.source_path
        return f"\x00{type(thing).__qualname__}\x00{thing.slug}"

    def find(self, key: str):
        """This build's article, page, tag, category or author a record names."""
        if not key.startswith("\x00"):
            return self.content(key)
        # The site's lists name almost every tag, category and author: every
        # content's own are looked through only for one they do not name (a draft's).
        if self._wrappers is None:
            self._wrappers = {}
            self._add_wrappers(self._listed_wrappers())
        if key not in self._wrappers and not self._wrappers_complete:
            self._add_wrappers(self._contents_wrappers())
            self._wrappers_complete = True
        return self._wrappers.get(key)

    def _add_wrappers(self, things) -> None:
        for thing in things:
            self._wrappers.setdefault(self.key(thing), thing)  # (the first one found stands)

    def _listed_wrappers(self):
        context = self.context
        for name in ("tags", "categories", "authors"):
            for pair in context.get(name) or ():
                yield pair[0] if isinstance(pair, tuple) else pair
        yield from context.get("topics") or ()

    def _contents_wrappers(self):
        context = self.context
        contents = (content for table in TABLES for content in (context.get(table) or {}).values())
        for content in contents:
            fields = getattr(content, "__dict__", {})
            for name in ("tags", "authors"):
                yield from fields.get(name) or ()
            for name in ("category", "author"):
                if fields.get(name) is not None:
                    yield fields[name]

    def content(self, path: str) -> Content | None:
        if self._by_path is None:
            self._by_path = {}
            for key in TABLES:
                for item in (self.context.get(key) or {}).values():
                    if isinstance(item, Content):
                        self._by_path[item.source_path] = item
        return self._by_path.get(path)

    def own(self, content: Content) -> str:
        """A digest of everything an article or page holds (other contents by path)."""
        known = self._own.get(id(content))
        if known is not None and known[0] is content:
            return known[1]
        fields = content.__dict__
        parts = [type(content).__name__]
        for key in sorted(fields):
            if key == "metadata":
                parts += (key, self._metadata(fields))
            elif key not in NOT_OWN:
                parts += (key, self._plain(fields[key], DEPTH))
        parts.append(self.link_targets(content))
        digest = _digest("\x1f".join(parts))
        self._own[id(content)] = (content, digest)
        return digest

    def view(self, content: Content, names: str) -> str:
        """A digest of what a page read of an article or page (`names`, as noted by
        the Tracker): its data attributes and URLs by value, its HTML through
        whatever reads it. Other properties are made of reads noted themselves."""
        key = (id(content), names)
        known = self._views.get(key)
        if known is not None and known[0] is content:
            return known[1]
        if not isinstance(content, Content):
            digest = self._wrapper_view(content, names)
            self._views[key] = (content, digest)
            return digest
        fields = content.__dict__
        attributes = self._attributes.get(id(content))
        if attributes is None or attributes[0] is not content:
            attributes = self._attributes[id(content)] = (content, {})
        parts = []
        for name in names.split("\x1e"):
            if name in fields:
                digest = attributes[1].get(name)
                if digest is None:
                    if name == "metadata":
                        digest = self._metadata(fields)
                    elif name in NOT_OWN:
                        digest = ""
                    else:
                        digest = self._plain(fields[name], DEPTH)
                    attributes[1][name] = digest
                parts += (name, digest)
            elif name in MEMOIZED and isinstance(content, Content):
                parts += (name, self.html(content))
            elif name in URLS:
                digest = attributes[1].get(name)
                if digest is None:
                    digest = attributes[1][name] = str(getattr(content, name))
                parts += (name, digest)
            elif name == "__dict__":  # everything at once
                whole = self.own(content) if isinstance(content, Content) else fields
                parts += (name, self._plain(whole, DEPTH))
        digest = _digest("\x1f".join(parts))
        self._views[key] = (content, digest)
        return digest

    def _wrapper_view(self, wrapper, names: str) -> str:
        """What a page read of a tag, category or author, by value: one tag may be
        several objects, some holding as attributes what others work out."""
        parts = []
        for name in names.split("\x1e"):
            if name in NOT_OWN or name.startswith("__"):
                continue
            value = getattr(wrapper, name, _MISSING)
            if not callable(value):
                parts += (name, self._plain(value, DEPTH))
        return _digest("\x1f".join(parts))

    def html(self, content: Content) -> str:
        """What a content's HTML and summary are made of (Pelican memoizes both per
        build, so a page that finds them ready reads nothing else)."""
        known = self._html.get(id(content))
        if known is not None and known[0] is content:
            return known[1]
        fields = content.__dict__
        digest = "\x1f".join(
            (
                self._plain(fields.get("_content"), DEPTH),
                self._plain(fields.get("_summary"), DEPTH),
                self._plain(content.metadata.get("summary"), DEPTH),
                self.link_targets(content),
            )
        )
        self._html[id(content)] = (content, digest)
        return digest

    def _metadata(self, fields: dict) -> str:
        """The metadata, less what is already digested: Pelican makes every metadata
        key an attribute too, most of them the very same object."""
        metadata = fields["metadata"]
        known = self._meta.get(id(metadata))
        if known is not None and known[0] is metadata:
            return known[1]
        parts = []
        for key, value in sorted(fields["metadata"].items()):
            same = fields.get(key.lower(), _MISSING) is value
            parts.append(f"{key}=" if same else f"{key}:{self._plain(value, DEPTH)}")
        digest = "{" + ",".join(parts) + "}"
        self._meta[id(metadata)] = (metadata, digest)
        return digest

    def link_targets(self, content: Content) -> str:
        """Where a content's intrasite links lead: its HTML shows those URLs."""
        raw = compat.raw_content(content)
        path = content.source_path
        known = self.kept_links.get(path)
        if known is None or known[0] != raw:
            known = self.kept_links[path] = (raw, _intrasite_links(content, raw))
        targets = []
        for kind, value, sources in known[1]:
            table = self.context.get(links.TABLES.get(kind, ""))
            if table is None:  # {tag}, {category}, {index}...: made from settings alone
                targets.append(f"{kind}:{value}")
                continue
            found = next((table[source] for source in sources if source in table), None)
            targets.append(f"{kind}:{value}>{getattr(found, 'url', None)}")
        return "\x1e".join(targets)

    # -- template values -------------------------------------------------------

    def shape(
        self,
        template: str,
        names: tuple[str, ...],
        localcontext: dict,
        globals_: dict,
        whole_paginators: bool = False,
    ):
        """A digest of the values a page's template names (articles and pages by path:
        what the page reads of them is noted when it renders). A listing's paginator
        counts by its size (`PAGINATOR_SHOWN`) unless the page read more of it:
        then whole, with how many posts it holds (see memo.Tracker)."""
        shared = self.context
        globals_ = self._flat(globals_)
        constant, parts = [], [template]
        for name in names:
            value = localcontext[name] if name in localcontext else globals_.get(name, _MISSING)
            if shared.get(name, _MISSING) is value:
                constant.append(value)  # the build's own value, the same on every page
            elif isinstance(value, Paginator):
                parts += (name, self._paginator(value, whole_paginators))
            elif whole_paginators and isinstance(value, ListingPage):  # (its .paginator)
                parts += (name, self._kept_digest(value) + self._paginator(value.paginator, True))
            else:
                parts += (name, self._kept_digest(value))
        key = (template, *map(id, constant))
        known = self._constant.get(key)
        if known is None:  # (the values are kept with it, so no id is used twice)
            known = self._constant[key] = (constant, self._constant_part(names, localcontext))
        parts.append(known[1])
        return _digest("\x1f".join(parts))

    def _flat(self, globals_) -> dict:
        """A template's globals as one dict (Jinja chains them: a lookup in a
        ChainMap asks each map in turn), made once per build."""
        known = self._globals.get(id(globals_))
        if known is None or known[0] is not globals_:
            known = self._globals[id(globals_)] = (globals_, dict(globals_))
        return known[1]

    def call_shape(self, template, names, name, context, arguments, globals_) -> str:
        """A digest of everything one `write_file` call's pages are made of: every
        argument of the call (a listing's pages are cut from its lists, each page's
        values are worked out from them) and the values the template names, as the
        call's first page finds them."""
        first = {**context, **arguments, "output_file": name}
        parts = [self.shape(template, names, first, globals_), name]
        for key in sorted(arguments):
            parts += (key, self._kept_digest(arguments[key]))
        return _digest("\x1f".join(parts))

    def _constant_part(self, names, localcontext: dict) -> str:
        parts = []
        for name in names:
            value = self.context.get(name, _MISSING)
            if localcontext.get(name, value) is value:
                parts += (name, self._kept_digest(value))
        return _digest("\x1f".join(parts))

    def _kept_digest(self, value) -> str:
        """A template variable's value, digested once per build (lists of all articles,
        the feeds' links... are the same object on every page)."""
        if type(value) is str or type(value) in SCALARS or isinstance(value, Content):
            return self._plain(value, DEPTH)
        known = self._kept.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        digest = _digest(self._plain(value, DEPTH))
        self._kept[id(value)] = (value, digest)  # held, so the id is not reused
        return digest

    def _plain(self, value, depth: int) -> str:
        kind = type(value)  # the commonest kinds first, by exact type: this runs a lot
        if kind is str:
            return value if len(value) < LONG else self._long(value)
        if kind in SCALARS:
            return repr(value)
        if isinstance(value, URLWrapper):
            # A tag, category, author, topic: what a page reads of it is noted on its own.
            return f"{type(value).__qualname__}:{value.slug}"
        if isinstance(value, Content):
            return f"<{value.source_path}>"
        if depth <= 0:
            return self._volatile(value)
        if kind is list or kind is tuple:
            return self._sequence(value, depth)
        if kind is dict:
            if id(value) in self._tables:
                # A lookup table of every content: what a page finds in it is
                # touched when read (see Tracker), the table itself is not shown.
                return "<table>"
            items = [
                f"{self._plain(key, 1)}:{self._plain(item, depth - 1)}"
                for key, item in value.items()
            ]
            return "{" + ",".join(sorted(items)) + "}"
        if kind is ListingPage:  # every listing page's own, and its neighbours
            return self._listing_page(value, depth)
        return self._other(value, depth)

    def _other(self, value, depth: int) -> str:
        if isinstance(value, str | int | float):  # subclasses (Markup...)
            return str(value) if isinstance(value, str) else repr(value)
        if isinstance(value, datetime.date | datetime.time):
            return f"{value.isoformat()}{getattr(value, 'tzinfo', '')}"
        if isinstance(value, datetime.tzinfo):
            return str(value)
        if isinstance(value, Undefined):
            return "undefined"
        if isinstance(value, list | tuple):  # (subclasses: the engine's Members...)
            return self._sequence(value, depth)
        if isinstance(value, set | frozenset):
            return "{" + ",".join(sorted(self._plain(item, depth - 1) for item in value))
        if isinstance(value, dict):
            return self._plain(dict(value), depth)
        if isinstance(value, Paginator):
            return self._paginator(value, whole=True)
        if isinstance(value, ListingPage):
            return self._listing_page(value, depth)
        if callable(value):
            # A function or callable object (the engine's URL memo answers as
            # Pelican does): what it is, not what it holds.
            named = value if hasattr(value, "__qualname__") else type(value)
            return f"{getattr(named, '__module__', '')}.{named.__qualname__}"
        if dataclasses.is_dataclass(value) or hasattr(value, "__dict__"):
            fields = {key: item for key, item in vars(value).items() if key != "settings"}
            return f"{type(value).__qualname__}{self._plain(fields, depth - 1)}"
        return self._volatile(value)

    def _listing_page(self, page: ListingPage, depth: int) -> str:
        """A page of a listing, by its place and posts. Each page of a listing is made
        three times (as the page, and as its neighbours' next and previous page), each
        time a new object cut from the same paginator: digested once."""
        paginator = page.paginator
        key = (id(paginator), page.number, depth)
        known = self._listing_pages.get(key)
        if known is not None and known[0] is paginator:
            return known[1]
        listing = self._articles(page.object_list) or self._plain(page.object_list, depth - 1)
        digest = f"page:{page.full_name}:{page.number}:{paginator.num_pages}:{listing}"
        self._listing_pages[key] = (paginator, digest)  # (held: its id is not reused)
        return digest

    def _paginator(self, paginator: Paginator, whole: bool) -> str:
        """A listing's paginator: by its size (each page's own list is digested with
        the page), or whole."""
        size = f"paginator:{paginator.name}:{paginator.num_pages}:{paginator.per_page}"
        if not whole:
            return size
        listing = self._plain(paginator.object_list, DEPTH - 1)
        return f"{size}:{paginator.url}:{paginator.count}:{paginator.orphans}:{listing}"

    def _long(self, text: str) -> str:
        """An article's HTML: digested once while it is the same string (the
        session's content cache hands unchanged articles back as they were)."""
        known = self.kept_strings.get(id(text))
        if known is None or known[0] is not text:
            known = (text, _digest(text))
        self.long_strings[id(text)] = known
        return known[1]

    def _sequence(self, value, depth: int) -> str:
        known = self._articles(value) if len(value) >= LONG_LIST else None
        if known is not None:
            return known
        return "[" + ",".join([self._plain(item, depth - 1) for item in value]) + "]"

    def _articles(self, items) -> str | None:
        """A list of articles and pages, a listing's or a listing page's (each is
        digested by its source path): Pelican makes these lists anew for every call
        and every build, while the articles are the very same objects. None for a
        list of anything else."""
        if not all(issubclass(kind, Content) for kind in set(map(type, items))):
            return None
        # (Content keeps object's __hash__ and __eq__: the key is hashed and
        # compared by identity, in C)
        key = tuple(items)
        known = self.long_lists.get(key)
        if known is None:
            known = self.kept_lists.get(key)
            if known is None:
                paths = "\x1e".join(map(_SOURCE_PATH, key))
                known = f"articles:{len(key)}:{_digest(paths)}"
            self.long_lists[key] = known  # (the key holds the articles: no id is reused)
        return known

    def _volatile(self, value) -> str:
        self.volatile.add(type(value).__qualname__)
        return f"volatile:{os.urandom(8).hex()}"


_MISSING = Undefined()
_SOURCE_PATH = operator.attrgetter("source_path")


def _intrasite_links(content: Content, raw: str) -> list[tuple[str, str, list[str]]]:
    """(kind, value, the source paths Pelican would try) of each intrasite link."""
    pattern = links.link_regex(content.settings)
    where = content.relative_dir
    return [
        (
            match["what"],
            match["value"],
            [links.source_path(candidate, where) for candidate in links.candidates(match["value"])],
        )
        for match in pattern.finditer(raw)
    ]


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()

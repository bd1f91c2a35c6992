"""Re-render only what an edit changed, when that is provably all it changed.

A build that keeps the content cache and knows its previous output (the build
driver passes INCREMENTAL_PREVIOUS_OUTPUT) compares every article and page with
the manifest the previous build left. When the same files exist, the theme,
plugins, settings and taxonomy are untouched, and no article's listing data
(title, dates, slug, tags, category, authors, status, summary) changed, then
an edit can only have changed the edited articles' own pages: only those are
rendered. Feeds, the newsletter and the sitemap are always rewritten. The
folder then holds only the files written this time, and says so; the build
driver moves them into the previous output. In any other case the build
renders everything, as usual.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import nextsale
from nextsale import compat
from nextsale.placing import BOOKKEEPING, KEPT_MANIFEST_NAME, MANIFEST_NAME, PARTIAL_NAME

from . import staging
from .urls import slug_made_of

CORE = Path(nextsale.__file__).parent

# Settings whose value changes from build to build without changing the site.
VOLATILE_SETTINGS = {
    "OUTPUT_PATH",
    "INCREMENTAL_PREVIOUS_OUTPUT",
    "CACHE_PATH",
    "PATH",
    "ENGINE_MEMORY",
    "LOAD_CONTENT_CACHE",  # a live session keeps the cache in memory instead
}

# The lists of Pelican's articles and pages generators that get a page each.
SOURCE_LISTS = ("articles", "drafts", "hidden_articles", "pages", "hidden_pages", "draft_pages")


@dataclass
class Plan:
    """What this build renders: everything, or the pages of changed sources only."""

    selective: bool = False
    changed: set[str] = field(default_factory=set)
    reason: str = "first build"
    sources: dict = field(default_factory=dict)
    fingerprint: str = ""


def _digest(*parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=12).hexdigest()


def _text_digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def _tree_stamp(folder: Path, skip=frozenset()) -> list:
    """(relative path, size, modification time) of every file under `folder` but those
    in `skip` (relative paths), sorted."""
    stamps = []
    pending = [(str(folder), "")]
    while pending:
        where, prefix = pending.pop()
        try:
            entries = list(os.scandir(where))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=True):
                if entry.name != "__pycache__":
                    pending.append((entry.path, f"{prefix}{entry.name}/"))
            elif entry.is_file(follow_symlinks=True):
                name = prefix + entry.name
                if name not in skip:
                    stat = entry.stat()
                    stamps.append((name, stat.st_size, stat.st_mtime_ns))
    return sorted(stamps)


def settings_digest(settings: dict) -> str:
    """A digest of every setting that can change the site."""
    stable = sorted(
        (key, repr(value)) for key, value in settings.items() if key not in VOLATILE_SETTINGS
    )
    return _digest(stable)


def fingerprint(settings: dict, sources: dict) -> str:
    """Everything besides articles and pages that can change how pages look.

    Settings, the theme, the plugins' and the core's code, and every content file that is not
    an article or page (the taxonomy, newsletter issues, images).
    """
    stable = settings_digest(settings)
    content = Path(settings["PATH"])
    others = _tree_stamp(content, skip=sources.keys())  # (articles and pages count on their own)
    # The core package renders as much as the plugins do: its code counts too.
    folders = [settings["THEME"], *settings.get("PLUGIN_PATHS", []), CORE]
    return _digest(stable, others, [_tree_stamp(Path(folder)) for folder in folders])


def _named(wrappers) -> str:
    """Tags or authors by what their slugs are made of (how names become slugs is
    part of the settings, fingerprinted on their own)."""
    return "\x1e".join(repr(slug_made_of(wrapper)) for wrapper in wrappers or ())


def describe(content, path: str, known: dict | None = None) -> tuple[str, str]:
    """(listing signature, body digest) of one article or page (`path`: its source).

    `known` (a live session's) keeps each source's digests with what they were
    made of: a body that is the same string object as last time (as the
    session's content cache gives back) is not digested again, nor a listing
    whose parts are all equal to last time's.
    """
    body = compat.raw_content(content)
    parts = (
        str(content.title),
        str(getattr(content, "date", "")),
        str(getattr(content, "modified", "")),
        str(content.status),
        content.url,
        _named(getattr(content, "tags", None)),
        str(getattr(content, "category", "")),
        _named(getattr(content, "authors", None)),
        content.metadata.get("summary"),
        body,
    )
    if known is None:
        return _listing_digest(parts), _text_digest(body)
    last = known.get(path)
    if last is None:
        last = known[path] = Described(parts, _listing_digest(parts), _text_digest(body))
    elif last.parts != parts:  # (the very same strings as last time compare at once)
        if last.parts[-1] is not body:
            last.body_digest = _text_digest(body)
        last.parts, last.listing = parts, _listing_digest(parts)
    return last.listing, last.body_digest


class Described:
    """What a live session keeps of one source's description (see `describe`)."""

    __slots__ = ("body_digest", "listing", "parts")

    def __init__(self, parts: tuple, listing: str, body_digest: str) -> None:
        self.parts, self.listing, self.body_digest = parts, listing, body_digest


def _listing_digest(parts: tuple) -> str:
    """The listing signature: what a listing shows, the body's head standing in for
    a summary the metadata does not give."""
    *shown, summary, body = parts
    return _text_digest("\x1f".join((*shown, summary or body[:2000])))


def snapshot(generators, memory: dict | None = None) -> dict[str, tuple[str, str]]:
    known = None if memory is None else memory.setdefault("described", {})
    sources = {}
    for generator in generators:
        for name in SOURCE_LISTS:
            for content in getattr(generator, name, None) or ():
                path = content.relative_source_path
                if path not in sources:  # (a plugin's generator may list them too)
                    sources[path] = describe(content, path, known)
    if known is not None:
        for gone in set(known) - set(sources):
            del known[gone]
    return sources


def plan(settings: dict, sources: dict, fingerprint_now: str) -> Plan:
    """Decide whether this build can render only the changed sources."""
    previous_output = settings.get("INCREMENTAL_PREVIOUS_OUTPUT")
    if not previous_output or not Path(previous_output).is_dir():
        return Plan(reason="no previous output")
    kept = Path(settings["CACHE_PATH"]) / KEPT_MANIFEST_NAME
    try:
        text = kept.read_bytes()
    except OSError:
        return Plan(reason="no manifest from the previous build")
    previous = read_manifest(text)
    if previous is None:
        return Plan(
            reason=f"the previous build's manifest {kept} is unreadable or malformed,"
            " so this build writes a new one"
        )
    if previous["fingerprint"] != fingerprint_now:
        return Plan(reason="settings, theme, plugins or taxonomy changed")
    before = previous["sources"]
    if set(before) != set(sources):
        return Plan(reason="files were added or removed")
    changed = set()
    for path, (listing, body) in sources.items():
        if before[path][0] != listing:
            return Plan(reason=f"{path}: title, date, tags or summary changed")
        if before[path][1] != body:
            changed.add(path)
    return Plan(selective=True, changed=changed, reason=f"{len(changed)} changed")


def read_manifest(text: bytes) -> dict | None:
    """The manifest a previous build wrote, or None when it is not one (damaged, edited)."""
    try:
        previous = json.loads(text.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError and JSONDecodeError both are
        return None
    if not isinstance(previous, dict) or not isinstance(previous.get("sources"), dict):
        return None
    sources = {}
    for path, value in previous["sources"].items():
        if not (
            isinstance(value, list | tuple)
            and len(value) == 2
            and all(isinstance(part, str) for part in value)
        ):
            return None
        sources[path] = tuple(value)
    return {"fingerprint": previous.get("fingerprint"), "sources": sources}


def write_manifest(output: Path, fingerprint_now: str, sources: dict) -> None:
    manifest = {"fingerprint": fingerprint_now, "sources": sources}
    (output / MANIFEST_NAME).write_text(json.dumps(manifest, sort_keys=True), encoding="utf-8")


def mark_partial(output: Path, gone=(), written=None) -> None:
    """Say that `output` holds only this build's files; the previous output holds the rest.

    The build driver then moves these files into the previous output one by one
    instead of swapping the whole folder in, and removes the files `gone` names:
    the site no longer has them. `written` lists this build's files, when known,
    so the driver need not look for them (see `nextsale.build`).
    """
    marker = {"gone": sorted(gone), "written": None if written is None else sorted(written)}
    (output / PARTIAL_NAME).write_text(json.dumps(marker), encoding="utf-8")


def written_files(output: Path, memory: dict | None = None) -> set[str]:
    """Every file this build wrote into `output`, as relative paths; `memory`, a
    live session's, keeps what the last look found (see staging.py)."""
    return staging.files_under(str(output), memory, frozenset(BOOKKEEPING))

"""Answers the checks work out again and again, kept while their inputs are the same.

Every answer kept here is a plain function of the values it is kept by: a
path made relative to a folder (with the working folder), why a slug, URL or
output path cannot work, where a link's value points from a folder, which
links a text holds. So an answer is reused only for the very same inputs,
and what depends on the files or on the rest of the build (whether a file is
a symbolic link, whether a link's target is part of the site, every message)
is still looked at and logged in every build.

In a live session (`ENGINE_MEMORY`, the same dict for every build of the
session) the answers of the previous build are there at the start of the
next one, so an edit of one article costs the checks of that article; only
the answers a build used are carried into the next. Without a session,
nothing outlives the call that made the answers.

A session also keeps which articles and pages the last build found nothing
to fix or report in (`was_clean`, `note_clean`), each with the very objects
the checks read of it, the content itself first: the same content object
(a live session's kept article, whose file Pelican's cache found unchanged)
holding the very same values needs no checking again on its own. What
depends on other files (two files at one address, a tag spelt two ways) is
still checked across every content in every build, and a content with a
problem is checked, and its problem logged, in every build.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from operator import is_
from pathlib import Path
from typing import Any

from nextsale import addresses
from nextsale.site import display_path

KEY = "content checks"
_MISSING = object()


class Answers:
    """One build's answers by their inputs, over those of the previous build."""

    def __init__(
        self, build: object = None, kept: dict | None = None, clean: dict | None = None
    ) -> None:
        self.build = build
        self.kept = kept or {}
        self.fresh: dict = {}
        self.cwd = str(Path.cwd())
        # (check, id of the content) -> (what it read, what it noted): see was_clean.
        self.clean_before: dict = clean or {}
        self.clean_now: dict = {}

    def get(self, key: Any, default: Any = None) -> Any:
        """The answer kept by `key` (carried into this build), or `default`."""
        value = self.fresh.get(key, _MISSING)
        if value is _MISSING:
            value = self.kept.get(key, _MISSING)
            if value is _MISSING:
                return default
            self.fresh[key] = value
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        self.fresh[key] = value

    def answer(self, key: Any, compute: Callable[..., Any], *args: Any) -> Any:
        """The answer kept by `key`, else `compute(*args)` (then kept)."""
        value = self.fresh.get(key, _MISSING)
        if value is _MISSING:
            value = self.kept.get(key, _MISSING)
            if value is _MISSING:
                value = compute(*args)
            self.fresh[key] = value
        return value

    # --- contents found clean -------------------------------------------------

    @property
    def lasting(self) -> bool:
        """Whether these answers outlive the build (a live session's): only then is
        what the checks read of each content worth keeping."""
        return self.build is not None

    def clean_on(self, check: str, basis: Hashable) -> None:
        """What `check` found clean in the last build holds only on the same `basis`
        (what it compares every content with: the files the site writes, the
        link targets there are)."""
        key = (check, None)
        if self.clean_before.get(key) != basis:
            self.clean_before = {k: v for k, v in self.clean_before.items() if k[0] != check}
        self.clean_now[key] = basis

    def was_clean(self, check: str, read: tuple) -> Any:
        """What `note_clean` kept for the content `read[0]` in the last build, when
        `check` found nothing in it then and read the very same objects (`read`,
        compared by identity); else None. Kept for the next build when so."""
        key = (check, id(read[0]))
        noted = self.clean_before.get(key)
        if noted is None or len(noted[0]) != len(read) or not all(map(is_, noted[0], read)):
            return None
        self.clean_now[key] = noted
        return noted[1]

    def note_clean(self, check: str, read: tuple, kept: Any = True) -> None:
        """`check` found nothing to fix or report in the content `read[0]`, having
        read `read` of it; `kept` (not None) is what `was_clean` gives back."""
        # (holding `read` keeps the content alive, so no other object takes its id)
        self.clean_now[(check, id(read[0]))] = (read, kept)

    # --- the answers the checks ask for ---------------------------------------

    def shown(self, path: str, base: str | None = None) -> str:
        """`display_path(path, base)`."""
        return self.answer(("shown", path, base, self.cwd), display_path, path, base)

    def problem(self, check: Callable[[Any], str | None], value: Any) -> str | None:
        """`check(value)` for one of the address checks (a plain string is kept)."""
        if type(value) is not str:
            return check(value)
        return self.answer((check.__name__, value), check, value)

    def slug_problem(self, slug: Any) -> str | None:
        return self.problem(addresses.slug_problem, slug)

    def url_problem(self, url: Any) -> str | None:
        return self.problem(addresses.url_problem, url)

    def path_problem(self, save_as: Any) -> str | None:
        return self.problem(addresses.path_problem, save_as)

    def relative_dir(self, content: Any) -> str:
        """Pelican's `content.relative_dir`, made of the source path and the content folder."""
        key = ("relative dir", content.source_path, content.settings["PATH"], self.cwd)
        return self.answer(key, getattr, content, "relative_dir")


def answers(settings: dict) -> Answers:
    """The answers of this build: carried over from the previous build in a live session."""
    memory = settings.get("ENGINE_MEMORY")
    if not isinstance(memory, dict):
        return Answers()
    current = memory.get(KEY)
    if isinstance(current, Answers) and current.build is settings:
        return current
    # Every build has its own settings dict: a new one is a new build. Only the
    # answers the last build used are carried over, so the memory stays the size of the site.
    if isinstance(current, Answers):
        memory[KEY] = Answers(settings, current.fresh, current.clean_now)
    else:
        memory[KEY] = Answers(settings)
    return memory[KEY]

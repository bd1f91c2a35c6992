"""Renderings of pure functions kept from one build of a live session to the next.

The newsletter's email, text and `.eml` are made by pure functions from plain
values; in `invoke livereload` an edit elsewhere leaves most of them the same.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


def plain_key(value: Any) -> tuple | None:
    """A key equal only for arguments a pure function cannot tell apart; None when unsure.

    The type is part of it (a str subclass may behave differently); a date is
    kept by its ISO form, time zone, zone name and fold (all a mail header shows).
    """
    if isinstance(value, datetime):
        return (type(value), value.isoformat(), value.tzinfo, value.tzname(), value.fold)
    if value is None or type(value) in (str, bytes, int, bool):
        return (type(value), value)
    return None


class Remembered:
    """Renderings made by pure functions from plain arguments, kept from one build
    to the next of a live session (`ENGINE_MEMORY`), by those very arguments.

    Only what the last build used is carried into the next; without a session,
    every call is made.
    """

    KEY = "newsletter renderings"

    def __init__(self, memory: dict | None) -> None:
        self.memory = memory if isinstance(memory, dict) else None
        kept = self.memory.get(self.KEY) if self.memory is not None else None
        self.kept: dict = kept if isinstance(kept, dict) else {}
        self.fresh: dict = {}

    def call(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        if self.memory is None:
            return function(*args, **kwargs)
        plain = [plain_key(value) for value in args]
        named = sorted((name, plain_key(value)) for name, value in kwargs.items())
        if None in plain or any(key is None for _, key in named):
            return function(*args, **kwargs)
        key = (function.__module__, function.__qualname__, tuple(plain), tuple(named))
        if key in self.fresh:
            return self.fresh[key]
        found = self.kept[key] if key in self.kept else function(*args, **kwargs)
        self.fresh[key] = found
        return found

    def keep(self) -> None:
        if self.memory is not None:
            self.memory[self.KEY] = self.fresh

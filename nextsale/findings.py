"""A problem found in a source file, and the closest-name suggestion every message uses."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One problem in a source file: where it is and what to do about it."""

    line: int | None
    message: str

    def format(self, path: str) -> str:
        where = f"{path}:{self.line}" if self.line else path
        return f"{where}: {self.message}"


def closest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """Return the choice most like `word`, or None when nothing is close."""
    matches = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=cutoff)
    return matches[0] if matches else None

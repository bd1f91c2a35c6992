"""What the importer works with: a line of a post, the report on one file, the failure.

Every other module of the importer passes these around; none of them depends
on anything but the cruft rules' whitespace normalisation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nextsale.cruft.rules import normalise

# A post needs at least this many words of body once metadata and cruft are out.
MIN_BODY_WORDS = 5


class ImportFailure(ValueError):
    """A source cannot be imported; the message names the file and the fix."""


@dataclass
class Line:
    """One line of a post: plain text for the rules, Markdown for the output."""

    text: str
    md: str | None = None  # pre-rendered Markdown (from HTML); None: render text
    kind: str = "text"  # text, item, ordered, heading, quote, cite, pre
    level: int = 0


@dataclass
class FileReport:
    """What happened to one source file."""

    source: str
    status: str = "failed"  # imported, unchanged, skipped, failed, split, incomplete
    output: str | None = None
    format: str | None = None  # wordpress, blogger, medium, substack, ghost, feed, ...
    metadata: dict = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    consumed: list[dict] = field(default_factory=list)
    unknown_tags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Every image of the body: {"src": address, "alt": text}; a fetched one adds "file".
    images: list[dict] = field(default_factory=list)
    # Every link changed on the way in: {"from": as written, "to": as kept, "why": ...}.
    links: list[dict] = field(default_factory=list)
    error: str | None = None

    def remove(self, rule: str, text: str) -> None:
        self.removed.append({"rule": rule, "text": normalise(text)})

    def consume(self, what: str, text: str) -> None:
        self.consumed.append({"field": what, "text": normalise(text)})

"""Front matter: the leading `Key: value` block of a source file, read as the build reads it.

Articles, pages and newsletter issues all start with such a block. Pelican hands
Markdown files to Python-Markdown's meta extension; this parser follows the same
rules (an optional `---` line first, keys of letters, digits, `-` and `_` with up
to three spaces before them, continuation lines indented by four or more spaces,
a blank line or `---`/`...` ending the block), so that line numbers, keys and
values reported by the checks, the taxonomy lint and the newsletter agree with
what the build sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KEY_RE = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)")
MORE_RE = re.compile(r"^[ ]{4,}(?P<value>.*)")
BEGIN_RE = re.compile(r"^-{3}(\s.*)?")
END_RE = re.compile(r"^(-{3}|\.{3})(\s.*)?")


@dataclass(frozen=True)
class Field:
    """One key with its value lines, and the source lines it spans."""

    line: int  # 1-based line of `Key:`
    key: str  # as written
    values: tuple[str, ...]  # the first value, then each continuation line, stripped
    end: int  # 1-based number of the field's last line

    @property
    def name(self) -> str:
        return self.key.lower()

    @property
    def value(self) -> str:
        """All value lines joined by a space (how a wrapped list reads)."""
        return " ".join(part for part in self.values if part)


@dataclass(frozen=True)
class FrontMatter:
    """The fields of the block and where the body starts."""

    fields: tuple[Field, ...]
    body_start: int  # index into the list of lines

    @property
    def entries(self) -> tuple[tuple[int, str, str], ...]:
        """(line, key as written, first value) per field, in order."""
        return tuple((f.line, f.key, f.values[0]) for f in self.fields)

    def last(self) -> dict[str, Field]:
        """Fields by lower-cased name; where a key is repeated, the later one."""
        return {f.name: f for f in self.fields}


def parse(lines: list[str]) -> FrontMatter:
    """Read the leading block of `lines` (without line endings)."""
    fields: list[Field] = []
    index = 0
    if lines and BEGIN_RE.match(lines[0]):
        index = 1
    while index < len(lines):
        line = lines[index]
        if line.strip() == "" or END_RE.match(line):
            index += 1
            break
        match = KEY_RE.match(line)
        if match:
            fields.append(
                Field(index + 1, match.group("key"), (match.group("value").strip(),), index + 1)
            )
        elif fields and (more := MORE_RE.match(line)):
            last = fields[-1]
            fields[-1] = Field(
                last.line, last.key, (*last.values, more.group("value").strip()), index + 1
            )
        else:
            break
        index += 1
    return FrontMatter(tuple(fields), index)


def split_lines(text: str) -> list[str]:
    """Lines of a source text, whatever its line endings."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")

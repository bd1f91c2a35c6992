"""The reading pipeline's steps after conversion, and the policy a site's settings set for them.

Every source file is read in one order: check (its bytes and metadata block,
`nextsale.checks`) → convert (Markdown, by the reader) → sanitise (the page
profile of `nextsale.sanitise`) → clean (the cruft rules of `nextsale.cruft`).
`ReadingPolicy` holds what the settings ask of those steps, validated once;
`finish` runs the last two on a reader's output and says what it removed, as
`Finding`s that ride in the metadata (so a cached file reports them again).
"""

from __future__ import annotations

import gzip
import html
import io
import pickletools
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pelican
from markupsafe import Markup

from nextsale.checks import PELICAN_KEYS, Finding, SourceReport, check_source
from nextsale.cruft.clean import clean_html
from nextsale.cruft.rules import RuleSet, site_rules
from nextsale.sanitise import Profile, looks_unsafe, page_profile, sanitise
from nextsale.value_checks import check_values

DEFAULTS = {
    "CONTENT_CHECKS_EXTRA_KEYS": (
        "summary", "slug", "modified", "status", "tags", "category", "author",
        "authors", "lang", "translation", "save_as", "url", "template", "date",
        "title", "guidance", "imported-from", "id", "subtitle", "image",
        "image-alt", "series", "aliases", "imported-tags",
    ),
    "CONTENT_CHECKS_STRICT": False,
    "SAFE_HTML_EXTRA_TAGS": [],
    "SAFE_HTML_URL_SCHEMES": ["http", "https", "mailto", "tel"],
}  # fmt: skip

# Pelican's content cache files are named after the generator that keeps them.
CACHE_NAME_PART = "Generator"

# The parts of a reader's output that are HTML.
HTML_PARTS = ("body", "summary")

# What `html_word_count` removes and counts, as markupsafe and Jinja do.
_TAG_RE = re.compile(r"<[^>]*>")
_WORD_RE = re.compile(r"\w+")
# The name templates call it by.
WORD_COUNT_FILTER = "html_wordcount"


class ReadingSettingError(ValueError):
    """A CONTENT_CHECKS_* or SAFE_HTML_* setting has the wrong shape."""


def _setting(settings: dict, name: str) -> Any:
    return settings.get(name, DEFAULTS[name])


def is_strict(settings: dict) -> bool:
    """Whether content problems are errors (publish builds) rather than warnings."""
    return bool(_setting(settings, "CONTENT_CHECKS_STRICT"))


def _string_list(settings: dict, name: str, example: str) -> list[str]:
    value = _setting(settings, name)
    if isinstance(value, str) or not all(isinstance(item, str) for item in value):
        raise ReadingSettingError(
            f"{name} must be a list of strings, for example {example}, not {value!r}"
            " (in pelicanconf.py or publishconf.py)"
        )
    return list(value)


def site_page_profile(settings: dict) -> Profile:
    """The page profile widened by the site's SAFE_HTML_* settings: for every page body."""
    return page_profile(
        _string_list(settings, "SAFE_HTML_EXTRA_TAGS", "['details', 'summary']"),
        _string_list(settings, "SAFE_HTML_URL_SCHEMES", "['https', 'mailto']"),
    )


def theme_templates(settings: dict) -> frozenset[str] | None:
    """Names a `Template:` key may use: the theme's, its overrides' and Pelican's simple theme's.

    None when the settings name no theme folder (nothing to check against).
    """
    theme = settings.get("THEME")
    if not theme or not Path(theme, "templates").is_dir():
        return None
    simple = Path(pelican.__file__).parent / "themes" / "simple" / "templates"
    folders = [*settings.get("THEME_TEMPLATES_OVERRIDES", ()), Path(theme, "templates"), simple]
    extensions = tuple(settings.get("TEMPLATE_EXTENSIONS", [".html"]))
    names = set()
    for folder in map(Path, folders):
        if not folder.is_dir():
            continue
        for path in folder.rglob("*"):
            if path.is_file() and path.name.endswith(extensions):
                rel = path.relative_to(folder).as_posix()
                names.add(rel)
                names.update(rel.removesuffix(ext) for ext in extensions if rel.endswith(ext))
    return frozenset(names)


@dataclass
class ReadingPolicy:
    """What one site's settings ask of reading, checked when the build starts."""

    settings: dict
    allowed_keys: frozenset[str]
    profile: Profile
    strict: bool
    templates: frozenset[str] | None = None
    _rules: dict[str | None, RuleSet] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: dict) -> ReadingPolicy:
        extra = _string_list(settings, "CONTENT_CHECKS_EXTRA_KEYS", "['series', 'subtitle']")
        formatted = settings.get("FORMATTED_FIELDS", ())
        defaults = settings.get("DEFAULT_METADATA", {})
        keys = frozenset(k.lower() for k in (*PELICAN_KEYS, *extra, *formatted, *defaults))
        profile = site_page_profile(settings)
        policy = cls(settings, keys, profile, is_strict(settings), theme_templates(settings))
        policy.rules(settings.get("AUTHOR"))  # a malformed CRUFT_* setting fails here
        return policy

    def check(self, raw: bytes) -> SourceReport:
        """The checks of `nextsale.checks` on one source file's bytes, with this site's defaults."""
        return check_source(
            raw,
            self.allowed_keys,
            templates=self.templates,
            default_lang=self.settings.get("DEFAULT_LANG"),
            default_timezone=self.settings.get("TIMEZONE"),
        )

    def check_values(self, metadata: dict) -> list[Finding]:
        """Lang, Timezone and Template of a format the source checks do not read; drops bad ones."""
        found = {
            key: (None, value)
            for key in ("lang", "timezone", "template")
            if isinstance(value := metadata.get(key), str)
        }
        findings, dropped = check_values(
            found,
            self.templates,
            self.settings.get("DEFAULT_LANG"),
            self.settings.get("TIMEZONE"),
        )
        for key in dropped:
            metadata.pop(key, None)
        return findings

    def rules(self, author: str | None) -> RuleSet:
        """The cruft rules for one author (their own bio is cruft at a post's end)."""
        if author not in self._rules:
            self._rules[author] = site_rules(self.settings, author)
        return self._rules[author]

    def finish(self, content: str, metadata: dict) -> tuple[str, list[Finding]]:
        """Sanitise, then clean, the body and summary; return the body and findings."""
        author = metadata.get("author") or self.settings.get("AUTHOR")
        rules = self.rules(str(author) if author else None)
        findings: list[Finding] = []
        for part in HTML_PARTS:
            html = content if part == "body" else metadata.get("summary")
            if not isinstance(html, str) or not html:
                continue
            if looks_unsafe(html):
                findings.append(
                    Finding(
                        None,
                        f"removed unsafe HTML (scripts, styles, frames, forms, event handlers"
                        f" or javascript: links) from the {part}. The site never runs code"
                        " from content; remove it from the file",
                    )
                )
            html, removed = clean_html(sanitise(html, self.profile), rules)
            for item in removed:
                where = "" if part == "body" else " from the summary"
                findings.append(
                    Finding(
                        None,
                        f"removed {item.rule} {item.text[:80]!r}{where}; delete it from the"
                        " source, or list the rule in CRUFT_DISABLED_RULES if it is wanted",
                    )
                )
            if part == "body":
                content = html
            else:
                metadata["summary"] = html
        return content, findings


def html_word_count(value: Any) -> int:
    """The words of an HTML text, exactly as Jinja's `value|striptags|wordcount` counts them.

    For a post's reading time. `striptags` also collapses whitespace and builds
    Markup objects; no word (`\\w+`) holds whitespace, so only the tags go, each
    from a `<` to the first `>` after it, as markupsafe removes them.
    """
    text = str(value.__html__() if hasattr(value, "__html__") else value)
    if "<!--" in text:  # markupsafe's own rules for comments (sanitised HTML has none)
        return len(_WORD_RE.findall(Markup(text).striptags()))
    return len(_WORD_RE.findall(html.unescape(_TAG_RE.sub("", text))))


_NOT_A_CACHE = "it is not a cache file Pelican wrote"
_CUT_SHORT = "it is cut short, as when a build is interrupted while writing it"


def _pickle_problem(handle: BinaryIO, size: int) -> str | None:
    """Why the `size` bytes of pickle in `handle` cannot be a whole pickle Pelican wrote.

    A pickle starts with PROTO and ends with STOP (`.`). Protocol 4 and later (what
    Pelican writes) come in frames: FRAME, an 8-byte length, then that many bytes of
    whole opcodes, with a few opcodes between frames (a tail under 4 bytes, large
    strings). Walking from frame to frame reads a few bytes per 64 KB, and finds a file
    cut short even where its last byte happens to be `.`.
    """
    head = handle.read(2)
    if len(head) < 2 or head[0] != 0x80:
        return _NOT_A_CACHE
    last = head[-1:]
    if head[1] >= 4:
        while handle.tell() < size:
            op = pickletools.code2op.get(handle.read(1).decode("latin-1"))
            if op is None:
                return _NOT_A_CACHE
            try:
                argument = op.arg.reader(handle) if op.arg else None
            except ValueError:  # the opcode's argument runs past the end
                return _CUT_SHORT
            if op.name == "STOP":
                return None
            if op.name != "FRAME":
                continue
            if argument < 1 or handle.tell() + argument > size:
                return _CUT_SHORT
            handle.seek(argument - 1, 1)
            last = handle.read(1)
    else:  # older protocols have no frames: only the last byte can tell
        handle.seek(size - 1)
        last = handle.read(1)
    return None if last == b"." else _CUT_SHORT


def damaged_cache_files(cache_path: str | Path, gzipped: bool) -> list[tuple[Path, str]]:
    """Pelican's content cache files in `cache_path` that cannot be loaded, with the reason.

    Pelican stops the build on some of these (a file cut short, or not a pickle at all)
    instead of starting with an empty cache; the check reads a few bytes per frame of an
    uncompressed file.
    """
    folder = Path(cache_path)
    if not folder.is_dir():
        return []
    damaged = []
    for path in sorted(folder.iterdir()):
        if CACHE_NAME_PART not in path.name or not path.is_file():
            continue
        try:
            if gzipped:
                with gzip.open(path, "rb") as packed:
                    data = packed.read()
                problem = _pickle_problem(io.BytesIO(data), len(data))
            else:
                with path.open("rb") as handle:
                    problem = _pickle_problem(handle, path.stat().st_size)
        except (OSError, EOFError, zlib.error) as err:
            problem = f"it cannot be read ({err})"
        if problem:
            damaged.append((path, problem))
    return damaged

"""Pure checks over a source file's bytes, its metadata block and its HTML.

Nothing here knows about Pelican's signals: each function takes plain values
and returns `Finding`s, so every check can be tested without a build.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup
from pelican.utils import get_date

from nextsale.findings import Finding, closest
from nextsale.frontmatter import KEY_RE, FrontMatter
from nextsale.frontmatter import parse as parse_front_matter
from nextsale.text import CONTROL_CHARS
from nextsale.value_checks import check_values

# C0 controls other than tab, newline and carriage return, DEL, C1 controls and
# the two non-characters: invisible in an editor, forbidden or unsafe in XML,
# and the reason feed writers stop the whole build. One pattern for the site
# (its lone surrogates cannot occur in text decoded as strict UTF-8).
CONTROL_RE = CONTROL_CHARS

# Keys Pelican itself gives a meaning to; always accepted.
PELICAN_KEYS = frozenset(
    {
        "title", "date", "modified", "tags", "category", "author", "authors",
        "slug", "summary", "lang", "translation", "status", "save_as", "url",
        "template", "timezone",
    }
)  # fmt: skip
STATUSES = ("draft", "hidden", "published", "skip")
DATE_KEYS = ("date", "modified")
DATE_FORMAT_HINT = "YYYY-MM-DD or YYYY-MM-DD HH:MM (for example 2024-03-01 09:30)"
DATE_SHAPE_RE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}\b")
# Years a post can carry: feeds, sitemaps and date pickers all agree on these.
YEARS = range(1900, 3000)
# Dates written as the hint asks: Pelican's parser (dateutil) reads these exactly as
# `fromisoformat` does, so a valid one needs no second, slower reading.
PLAIN_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?: [0-9]{2}:[0-9]{2}(?::[0-9]{2})?)?")
# A language tag as HTML's lang attribute takes it (BCP 47: en, en-GB, pt_BR, zh-Hant).
# How deep lists and quotes may nest; far deeper input exhausts the converter's stack.
MAX_NESTING = 50
QUOTE_RE = re.compile(r"^(?:[ ]{0,3}>)+")
LIST_ITEM_RE = re.compile(r"^(?P<indent>[ \t]*)(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
FENCE_RE = re.compile(r"^[ ]{0,3}(```|~~~)")
# How a nested line starts: a quote's '>' (after at most three spaces) or a list's indent.
DEEP_STARTS = (" ", "\t", ">")


@dataclass
class SourceReport:
    """What `check_source` found, and the text that is safe to convert."""

    text: str = ""
    findings: list[Finding] = field(default_factory=list)
    fatal: bool = False
    force_draft: bool = False
    # Metadata keys whose value was refused: read as if the key were absent.
    dropped: set[str] = field(default_factory=set)
    # Keys given more than once: how many value lines the first one has (it wins).
    first_lines: dict[str, int] = field(default_factory=dict)


# The metadata block, read as markdown.extensions.meta reads it.
MetaBlock = FrontMatter
parse_meta_block = parse_front_matter


def decode(raw: bytes) -> tuple[str | None, Finding | None]:
    """Decode UTF-8 (with or without a BOM); say where the first bad byte is."""
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        return None, Finding(
            line,
            f"not valid UTF-8: byte 0x{raw[err.start]:02X} at byte offset {err.start}"
            f" (column {column}) cannot be decoded. Save the file as UTF-8 in your"
            " editor (for example 'Save with encoding: UTF-8') and build again",
        )


def check_controls(lines: list[str], meta: MetaBlock) -> list[Finding]:
    """Report each line that carries an invisible control character."""
    findings = []
    keys = {number: key for number, key, _ in meta.entries}
    for number, line in enumerate(lines, start=1):
        found = CONTROL_RE.search(line)
        if not found:
            continue
        if number in keys:
            where = f"the {keys[number]} metadata"
        elif number <= meta.body_start:
            where = "the metadata block"
        else:
            where = "the body"
        findings.append(
            Finding(
                number,
                f"invisible control character U+{ord(found.group()):04X} in {where}"
                f" (column {found.start() + 1}). Delete it (it usually comes from"
                " copying and pasting); it was left out of this build",
            )
        )
    return findings


def check_keys(meta: MetaBlock, allowed: frozenset[str]) -> tuple[list[Finding], bool]:
    """Flag keys nobody reads; return (findings, whether a status key was misspelt)."""
    findings = []
    status_misspelt = False
    for number, key, _ in meta.entries:
        name = key.lower()
        if name in allowed:
            continue
        guess = closest(name, allowed)
        if guess is None:
            findings.append(
                Finding(
                    number,
                    f"unknown metadata key '{key}'. Remove it, or add '{name}' to"
                    " CONTENT_CHECKS_EXTRA_KEYS if a template uses it",
                )
            )
            continue
        advice = f"unknown metadata key '{key}': did you mean '{guess.title()}'? Rename it"
        if guess == "status":
            status_misspelt = True
            advice += "; until then the file is treated as a draft and never published"
        findings.append(Finding(number, advice))
    return findings, status_misspelt


def check_status(meta: MetaBlock) -> tuple[list[Finding], bool]:
    """Flag a Status value Pelican does not know; return (findings, force draft)."""
    for number, key, value in meta.entries:
        if key.lower() != "status" or value.lower() in STATUSES or not value:
            continue
        guess = closest(value.lower(), STATUSES, cutoff=0.5)
        hint = f" (did you mean '{guess}'?)" if guess else ""
        return [
            Finding(
                number,
                f"unknown Status '{value}'{hint}. Use one of {', '.join(STATUSES)};"
                " until then the file is treated as a draft and never published",
            )
        ], True
    return [], False


def _impossible_reason(value: str) -> str | None:
    """Explain why a date shaped like YYYY-MM-DD is not a real date, if it is not."""
    try:
        datetime.datetime.fromisoformat(value)
    except ValueError as err:
        parts = value[:10].split("-")
        try:
            year, month, day = (int(p) for p in parts)
        except ValueError:
            return str(err)
        if 1 <= month <= 12 and day > calendar.monthrange(year, month)[1]:
            days = calendar.monthrange(year, month)[1]
            return f"{calendar.month_name[month]} {year} has only {days} days"
        return str(err)
    return None


def is_plain_date(value: str) -> bool:
    """A real date in the hint's own format, in YEARS: nothing to say about it."""
    if not PLAIN_DATE_RE.fullmatch(value):
        return False
    try:
        return datetime.datetime.fromisoformat(value).year in YEARS
    except ValueError:
        return False


def check_date(number: int, key: str, value: str) -> tuple[Finding | None, bool]:
    """Validate a Date/Modified value; return (finding, whether it is fatal)."""
    value = value.replace("_", " ").strip()
    if is_plain_date(value):
        return None, False
    field_name = key.title()
    if DATE_SHAPE_RE.match(value):
        reason = _impossible_reason(value)
        try:
            if reason is not None:
                get_date(value)
        except (ValueError, OverflowError):
            return Finding(
                number,
                f"{field_name} '{value}' is not a real date ({reason}). Write it as"
                f" {DATE_FORMAT_HINT}",
            ), True
    try:
        parsed = get_date(value)
    except (ValueError, OverflowError):
        return Finding(
            number,
            f"{field_name} '{value}' is not a date Pelican can read. Write it as"
            f" {DATE_FORMAT_HINT}",
        ), True
    if parsed.year not in YEARS:
        return Finding(
            number,
            f"{field_name} '{value}' is in the year {parsed.year}, outside"
            f" {YEARS[0]}–{YEARS[-1]}; feeds and sitemaps cannot carry it. Check the"
            f" year and write the date as {DATE_FORMAT_HINT}",
        ), True
    try:
        datetime.datetime.fromisoformat(value)
    except ValueError:
        return Finding(
            number,
            f"{field_name} '{value}' is not in the expected format and was read as"
            f" {parsed:%Y-%m-%d %H:%M}. Write it as {DATE_FORMAT_HINT} so it cannot"
            " be misread",
        ), False
    return None, False


def read_date(value: str) -> datetime.datetime | None:
    """The date a valid Date/Modified value stands for, as Pelican reads it."""
    try:
        return get_date(value.replace("_", " ").strip())
    except (ValueError, OverflowError):
        return None


def check_modified(found: dict[str, tuple[int, str]]) -> Finding | None:
    """A Modified date before the Date: feeds would say it was updated before it appeared."""
    if "date" not in found or "modified" not in found:
        return None
    date, modified = read_date(found["date"][1]), read_date(found["modified"][1])
    if date is None or modified is None:
        return None
    if (date.tzinfo is None) != (modified.tzinfo is None):
        date, modified = date.replace(tzinfo=None), modified.replace(tzinfo=None)
    if modified >= date:
        return None
    return Finding(
        found["modified"][0],
        f"Modified ({found['modified'][1]}) is before Date ({found['date'][1]}). Correct"
        " it, or remove the Modified line; it was ignored in this build",
    )


def check_duplicates(meta: MetaBlock) -> tuple[list[Finding], dict[str, int]]:
    """Keys given twice: the first one counts, as Pelican reads its own keys.

    Return the findings and, per repeated key, how many value lines the first has.
    """
    first: dict[str, object] = {}
    findings = []
    counts: dict[str, int] = {}
    for entry in meta.fields:
        if entry.name not in first:
            first[entry.name] = entry
            continue
        earlier = first[entry.name]
        counts[entry.name] = len(earlier.values)
        findings.append(
            Finding(
                entry.line,
                f"'{entry.key}' is given twice (also on line {earlier.line}); the first"
                f" one, {earlier.value!r}, is used. Delete one of the two lines",
            )
        )
    return findings, counts


def check_nesting(lines: list[str], body_start: int) -> Finding | None:
    """Lists or quotes nested so deep that converting them would exhaust the stack."""
    # Deeper than MAX_NESTING takes more '>' than that, or an indent of more than
    # that many tabs: a line that short, or starting otherwise, is never too deep.
    if not any(len(line) > MAX_NESTING and line[:1] in DEEP_STARTS for line in lines[body_start:]):
        return None
    fenced = False
    for number, line in enumerate(lines[body_start:], start=body_start + 1):
        if FENCE_RE.match(line):
            fenced = not fenced
        if fenced:
            continue
        quote = QUOTE_RE.match(line)
        depth = quote.group().count(">") if quote else 0
        item = LIST_ITEM_RE.match(line)
        if item:
            depth = max(depth, len(item.group("indent").expandtabs(4)) // 4 + 1)
        if depth > MAX_NESTING:
            return Finding(
                number,
                f"lists or quotes nested {depth} levels deep; at most {MAX_NESTING} can"
                " be read. Flatten the nesting; the file was left out of this build",
            )
    return None


def check_source(
    raw: bytes,
    allowed_keys: frozenset[str],
    *,
    templates: frozenset[str] | None = None,
    default_lang: str | None = None,
    default_timezone: str | None = None,
) -> SourceReport:
    """Run every check that needs only the file's bytes.

    `templates` are the theme's template names (None: not checked); the
    defaults name what a refused `Lang` or `Timezone` falls back to.
    """
    report = SourceReport()
    text, problem = decode(raw)
    if text is None:
        report.findings.append(problem)
        report.fatal = True
        return report
    if not text.strip():
        report.findings.append(
            Finding(
                None,
                "the file is empty. Write the article (Title:, Date:, a blank line,"
                " then the text) or delete the file",
            )
        )
        report.fatal = True
        return report

    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    meta = parse_meta_block(lines)

    controls = check_controls(lines, meta)
    report.findings += controls
    report.text = CONTROL_RE.sub("", text) if controls else text

    keys, status_misspelt = check_keys(meta, allowed_keys)
    report.findings += keys
    status, bad_status = check_status(meta)
    report.findings += status
    report.force_draft = status_misspelt or bad_status

    found = {key.lower(): (number, value) for number, key, value in reversed(meta.entries)}
    if not found.get("title", (0, ""))[1].strip():
        report.fatal = True
        report.findings.append(_missing_title(lines, meta, found))

    duplicates, report.first_lines = check_duplicates(meta)
    report.findings += duplicates

    dates_ok = True
    for key in DATE_KEYS:
        if key in found:
            finding, fatal = check_date(found[key][0], key, found[key][1])
            if finding:
                report.findings.append(finding)
                report.fatal = report.fatal or fatal
                dates_ok = dates_ok and not fatal
    order = check_modified(found) if dates_ok else None
    if order:
        report.findings.append(order)
        report.dropped.add("modified")

    findings, dropped = check_values(found, templates, default_lang, default_timezone)
    report.findings += findings
    report.dropped |= dropped

    nesting = check_nesting(lines, meta.body_start)
    if nesting:
        report.findings.append(nesting)
        report.fatal = True

    drafted = found.get("status", (0, ""))[1].strip().lower() == "draft"
    if meta.entries and not drafted and not "".join(lines[meta.body_start :]).strip():
        report.findings.append(
            Finding(
                meta.entries[-1][0],
                "the file has metadata but no text. Write the article below the"
                " metadata, after one blank line (or set 'Status: draft' while"
                " you write it)",
            )
        )
    report.findings.sort(key=lambda f: (f.line or 0, f.message))
    return report


def _missing_title(lines: list[str], meta: MetaBlock, found: dict) -> Finding:
    if "title" in found:
        return Finding(
            found["title"][0],
            "the Title is empty. Write the article's title after 'Title:'",
        )
    for number, line in enumerate(lines[meta.body_start :], start=meta.body_start + 1):
        match = KEY_RE.match(line)
        if match and match.group("key").lower() == "title":
            return Finding(
                number,
                "this Title line is not in the metadata block, so the file has no"
                " title. Metadata must start on the first line and end at the first"
                " blank line: move it up",
            )
    return Finding(
        1,
        "no Title. Add a 'Title: ...' line at the top of the file, in the metadata block",
    )


def find_line(lines: list[str], needle: str, start: int = 0) -> int | None:
    """Return the 1-based number of the first line from `start` containing `needle`."""
    if not needle:
        return None
    for number, line in enumerate(lines[start:], start=start + 1):
        if needle in line:
            return number
    return None


def images_without_alt(html: str) -> list[str]:
    """Return the src of every <img> whose alt is missing or blank, in order."""
    if "<img" not in html:
        return []
    soup = BeautifulSoup(html, "html.parser")
    return [
        img.get("src", "") for img in soup.find_all("img") if not (img.get("alt") or "").strip()
    ]


def check_images(html: str, text: str) -> list[Finding]:
    """Report each image without alt text, at the source line that names it."""
    missing = images_without_alt(html)
    if not missing:
        return []
    lines = text.split("\n")
    findings = []
    for src in missing:
        # Markdown writes `{static}/a.png` untouched into src; find that in the source.
        line = find_line(lines, src) or find_line(lines, src.rsplit("/", 1)[-1])
        findings.append(
            Finding(
                line,
                f"image '{src}' has no alt text. Describe it for readers who cannot"
                " see it: ![what the image shows](...); a purely decorative image"
                " belongs in the theme's CSS, not in the article",
            )
        )
    return findings

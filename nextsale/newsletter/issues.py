"""Read newsletter issue files and choose the articles each issue covers.

Pure functions: nothing here touches Pelican's generators, so the drafting
script and the tests use them directly.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pelican.utils import get_date, set_date_tzinfo

from nextsale import frontmatter, links
from nextsale.text import CONTROL_CHARS

FILENAME_RE = re.compile(r"^(?P<number>\d{3,})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
LINK_RE = re.compile(r"^[{|](?P<what>filename|static|attach)[|}](?P<path>.*)$")
SINCE_PREVIOUS = "since-previous"
KNOWN_KEYS = ("subject", "date", "articles", "preheader", "status", "id", "guid")
STATUSES = ("published", "draft")


class IssueError(ValueError):
    """An issue file that cannot be rendered; the message says what to fix."""


@dataclass
class Issue:
    """One newsletter issue as written by the author."""

    source_path: str  # relative to the content folder, posix separators
    number: int
    number_text: str  # as in the file name, e.g. "007"
    slug: str
    subject: str
    date: datetime
    body: str  # the intro, Markdown
    refs: list[str] | None  # explicit article references, None = since previous
    preheader: str = ""
    status: str = "published"
    guid: str = ""  # an `Id:` or `Guid:` that overrides the feed item's stable id
    warnings: list[str] = field(default_factory=list)
    articles: list[Any] = field(default_factory=list)

    @property
    def since_previous(self) -> bool:
        return self.refs is None


def split_header(text: str) -> tuple[dict[str, tuple[int, str]], str, list[str]]:
    """Split the front matter from the Markdown body, as articles are read.

    Return ({lowercased key: (line number, value)}, body, warnings). Lines
    indented by four spaces continue the previous value, so long article lists
    may wrap.
    """
    lines = frontmatter.split_lines(text)
    meta = frontmatter.parse(lines)
    header: dict[str, tuple[int, str]] = {}
    warnings: list[str] = []
    for entry in meta.fields:
        if entry.name in header:
            warnings.append(f"line {entry.line}: '{entry.key}' given twice; the later one wins")
        header[entry.name] = (entry.line, entry.value)
    body = lines[meta.body_start :]
    ended_by_blank = meta.body_start > 0 and not lines[meta.body_start - 1].strip()
    if meta.fields and body and body[0][:1] in (" ", "\t") and not ended_by_blank:
        warnings.append(
            f"line {meta.body_start + 1}: indent a continued value by four spaces;"
            " as written this line starts the intro"
        )
    return header, "\n".join(body).strip() + "\n", warnings


def strip_controls(text: str) -> tuple[str, list[str]]:
    """Drop invisible control characters (no feed or email can carry them); say where they were."""
    if not CONTROL_CHARS.search(text):
        return text, []
    warnings = []
    for number, line in enumerate(frontmatter.split_lines(text), start=1):
        found = CONTROL_CHARS.search(line)
        if found:
            warnings.append(
                f"line {number}: invisible control character U+{ord(found.group()):04X}"
                f" (column {found.start() + 1}). Delete it (it usually comes from copying"
                " and pasting); it was left out of this build"
            )
    return CONTROL_CHARS.sub("", text), warnings


def parse_issue_text(text: str, source_path: str, timezone: str) -> Issue:
    """Parse one issue file; raise IssueError naming the line and the fix."""
    name = posixpath.basename(source_path)
    match = FILENAME_RE.match(name)
    if not match:
        raise IssueError(
            f"{source_path}: the file name must look like NNN-slug.md "
            "(issue number, a dash, a lowercase slug), e.g. 004-keep-in-touch.md"
        )
    text, controls = strip_controls(text)
    header, body, warnings = split_header(text)
    warnings[:0] = controls
    for key, (lineno, _value) in sorted(header.items()):
        if key not in KNOWN_KEYS:
            warnings.append(
                f"line {lineno}: unknown key '{key}' ignored "
                f"(known keys: {', '.join(k.title() for k in KNOWN_KEYS)})"
            )

    subject = header.get("subject", (0, ""))[1]
    if not subject:
        raise IssueError(
            f"{source_path}: no subject; add a line like 'Subject: Three ways to earn "
            "the second order' at the top of the file"
        )
    if "date" not in header or not header["date"][1]:
        raise IssueError(
            f"{source_path}: no date; add a line like 'Date: 2025-03-03 07:00' at the "
            "top of the file"
        )
    lineno, raw_date = header["date"]
    try:
        date = set_date_tzinfo(get_date(raw_date.replace("_", " ")), timezone)
    except (ValueError, OverflowError):
        raise IssueError(
            f"{source_path}:{lineno}: cannot read the date '{raw_date}'; "
            "write it as YYYY-MM-DD HH:MM, e.g. 'Date: 2025-03-03 07:00'"
        ) from None
    if not 1900 <= date.year <= 2999:
        raise IssueError(
            f"{source_path}:{lineno}: the date '{raw_date}' is in the year {date.year}, outside"
            " 1900–2999, which feeds and mail cannot carry; check the year"
        )

    if "articles" not in header or not header["articles"][1]:
        raise IssueError(
            f"{source_path}: no article list; add 'Articles: since-previous' or "
            "'Articles: {filename}/articles/one.md, {filename}/articles/two.md'"
        )
    raw_refs = header["articles"][1]
    refs: list[str] | None
    if raw_refs.strip().lower() == SINCE_PREVIOUS:
        refs = None
    else:
        refs = [ref.strip() for ref in re.split(r"[,;]", raw_refs) if ref.strip()]

    status = header.get("status", (0, "published"))[1].lower() or "published"
    if status not in STATUSES:
        lineno = header["status"][0]
        raise IssueError(
            f"{source_path}:{lineno}: unknown status '{status}'; use 'Status: draft' "
            "or remove the line to publish the issue"
        )

    return Issue(
        source_path=source_path,
        number=int(match["number"]),
        number_text=match["number"],
        slug=match["slug"],
        subject=subject,
        date=date,
        body=body,
        refs=refs,
        preheader=header.get("preheader", (0, ""))[1],
        status=status,
        guid=(header.get("id") or header.get("guid") or (0, ""))[1],
        warnings=warnings,
    )


def read_issue_file(path: Path, content_root: Path, timezone: str) -> Issue:
    """Read and parse an issue file, turning encoding problems into IssueError."""
    source_path = path.relative_to(content_root).as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise IssueError(
            f"{source_path}: not valid UTF-8 (byte {exc.start}); save the file as UTF-8"
        ) from None
    return parse_issue_text(text.lstrip("\ufeff"), source_path, timezone)


def reference_path(ref: str, issue_source_path: str) -> str:
    """Turn an `Articles:` entry into a path relative to the content folder.

    `{filename}/articles/x.md` is relative to the content folder and
    `{filename}../articles/x.md` to the issue's folder, as in Pelican links;
    a bare `articles/x.md` is relative to the content folder.
    """
    match = LINK_RE.match(ref)
    if not match:
        return posixpath.normpath(ref.lstrip("/"))
    path = links.source_path(match["path"], posixpath.dirname(issue_source_path))
    return posixpath.normpath(path)


@dataclass
class Catalogue:
    """What the issues may refer to, built once per run."""

    published: list[Any]  # published articles, oldest first, none in the future
    by_path: dict[str, Any]  # every content object by source path (drafts too)
    now: datetime

    @classmethod
    def build(cls, articles: list[Any], generated: dict[str, Any], now: datetime) -> Catalogue:
        # Same-day posts in the order of their files (under the one content
        # folder, the full paths sort as the relative ones do, and cost nothing).
        published = sorted(
            (a for a in articles if a.date <= now), key=lambda a: (a.date, a.source_path)
        )
        return cls(published, generated, now)


def resolve_refs(issue: Issue, catalogue: Catalogue) -> list[Any]:
    """Return the explicitly listed articles, or raise IssueError for a bad entry."""
    published = {id(a) for a in catalogue.published}
    chosen = []
    seen = set()
    for ref in issue.refs or []:
        path = reference_path(ref, issue.source_path)
        content = catalogue.by_path.get(path)
        where = f"{issue.source_path}: the article '{ref}'"
        if content is None:
            known = sorted(p for p in catalogue.by_path if p.endswith(posixpath.basename(path)))
            hint = f" (did you mean {{filename}}/{known[0]}?)" if known else ""
            raise IssueError(
                f"{where} does not exist{hint}; list articles as "
                "{filename}/articles/<file>.md or use 'Articles: since-previous'"
            )
        kind = type(content).__name__
        status = getattr(content, "status", "")
        if kind != "Article":
            raise IssueError(
                f"{where} is a {kind.lower()}, not an article; remove it from Articles:"
            )
        if status == "draft" and content.date > catalogue.now:
            # Pelican turns future-dated posts into drafts when WITH_FUTURE_DATES is off.
            raise IssueError(
                f"{where} is dated {content.date:%Y-%m-%d}, in the future, so it is not "
                "published yet; remove it from Articles: until it is live"
            )
        if status == "draft":
            raise IssueError(
                f"{where} is a draft; publish it (remove 'Status: draft') or remove it "
                "from Articles:"
            )
        if status == "hidden":
            raise IssueError(f"{where} is hidden; remove it from Articles:")
        if content.date > catalogue.now or id(content) not in published:
            raise IssueError(
                f"{where} is not published yet (dated {content.date:%Y-%m-%d}); "
                "remove it from Articles: until it is live"
            )
        if content.date > issue.date:
            raise IssueError(
                f"{where} is dated {content.date:%Y-%m-%d %H:%M}, after the issue "
                f"({issue.date:%Y-%m-%d %H:%M}); move the issue's Date: or drop the article"
            )
        if id(content) in seen:
            issue.warnings.append(f"the article '{ref}' is listed twice; keeping the first")
            continue
        seen.add(id(content))
        chosen.append(content)
    return chosen


def since(catalogue: Catalogue, start: datetime | None, end: datetime) -> list[Any]:
    """Published articles dated after `start` and up to `end`, newest first.

    Imported posts (an `Imported-From:` line) were published elsewhere, often
    before the issue was sent: importing them must not change an issue, so
    only an explicit `Articles:` list includes one."""
    dates = [a.date for a in catalogue.published]
    lo = 0 if start is None else bisect.bisect_right(dates, start)
    hi = bisect.bisect_right(dates, end)
    window = catalogue.published[lo:hi]
    return [a for a in reversed(window) if not a.metadata.get("imported-from")]


def choose_articles(issues: list[Issue], catalogue: Catalogue) -> list[tuple[Issue, str]]:
    """Fill `issue.articles` for published issues in number order.

    Return (issue, message) for each issue that must be skipped.
    """
    failures = []
    previous: Issue | None = None
    for issue in sorted(issues, key=lambda i: i.number):
        try:
            if issue.since_previous:
                issue.articles = since(catalogue, previous.date if previous else None, issue.date)
            else:
                issue.articles = resolve_refs(issue, catalogue)
        except IssueError as exc:
            failures.append((issue, str(exc)))
            continue
        if previous and issue.date < previous.date:
            issue.warnings.append(
                f"dated {issue.date:%Y-%m-%d}, before issue {previous.number_text} "
                f"({previous.date:%Y-%m-%d}); issue numbers and dates should rise together"
            )
        previous = issue
    return failures

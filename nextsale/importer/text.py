"""Reading plain-text copies of posts: dates, names, bylines, tag and category lines, quotes.

These are heuristics for the shapes old blog engines printed ("Posted on March
31, 2007 by Dana Whitfield", "This entry was posted in …", "“…” – Name"); the
HTML reader uses the same ones on the text of elements.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from nextsale.cruft.clean import STOPWORDS
from nextsale.cruft.rules import RuleSet, normalise

from .markdown import md_inline
from .model import FileReport, Line

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|mon|tue|wed|thu|fri|sat|sun),?\s+"
_TIME = (
    r"(?:,?\s*(?:on|at|@|-)?\s*(?P<hour>\d{1,2})[:.](?P<minute>\d{2})"
    r"(?::\d{2})?\s*(?P<ampm>[ap]\.?m\.?)?)?"
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
DATE_RES = [
    re.compile(
        rf"(?:{_WEEKDAY})?{_DAY}\s+(?:of\s+)?{_MONTH},?\s+(?P<year>\d{{4}}){_TIME}",
        re.I,
    ),
    re.compile(rf"(?:{_WEEKDAY})?{_MONTH}\s+{_DAY},?\s+(?P<year>\d{{4}}){_TIME}", re.I),
    re.compile(
        r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
        r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::\d{2}(?:\.\d+)?)?"
        r"(?:Z|[+-]\d{2}:?\d{2})?)?",
        re.I,
    ),
]
_NAME_WORD = r"(?:[A-Z][\w'’.-]*|van|von|de|da|del|der|la|le|bin|ibn)"
NAME_RE = re.compile(rf"[A-Z][\w'’.-]*(?:\s+{_NAME_WORD}){{1,3}}")
BYLINE_RE = re.compile(
    r"(?:(?:posted|written|published)\s+)?(?:on\s+(?P<date>.+?)\s+)?by:?\s+"
    r"(?P<name>[^|,]+?)(?:\s+(?:on|at)\s+(?P<rest>.+))?",
    re.I,
)
COPYRIGHT_RE = re.compile(
    r"(?:copyright\s*(?:©|\(c\))?|©|\(c\))\s*(?P<year>\d{4})(?:\s*[-–]\s*\d{4})?,?\s+"
    r"(?:by\s+)?(?P<name>[^.]+?)\.?(?:\s+all rights reserved\.?)?",
    re.I,
)
ENTRY_TAGS_RE = re.compile(
    r"this (?:entry|post) was posted in (?P<tags>.+?)"
    r"(?:\s+and tagged (?P<more>.+?))?\.(?:\s+(?P<rest>.*))?",
    re.I,
)
TAGS_RE = re.compile(r"(?:tags|tagged|tagged with|labels|topics)\s*:\s*(?P<tags>.+?)\.?", re.I)
CATEGORY_RE = re.compile(
    r"(?:in|filed under|categor(?:y|ies)|posted in)\s*:?\s+(?P<name>[^|]+?)\.?", re.I
)
# An author box below a post: "Written on Mar 17 by" (the name on the next line),
# "Posted by Dana Whitfield".
FOOTER_BYLINE_RE = re.compile(
    r"(?:written|posted|published)(?: on [^.]{3,30}?)?(?: at [\d:.]+\s*(?:[ap]m)?)? by:?"
    r"(?:\s+(?P<name>[^|,]{2,60}?))?",
    re.I,
)
# A reposted post's note of where it first appeared: "Originally published at x.com on …".
ORIGINAL_RE = re.compile(
    r"(?:this (?:post|article|story) was )?originally (?:published|posted|appeared)"
    r" (?:at|on|in) \S+?(?: on (?P<date>[^.]{4,40}?))?\.(?=\s|$)",
    re.I,
)
# Tag and category lines below a post, written without a colon: "Tagged jobs, hiring".
FOOTER_TAGS_RE = re.compile(r"tagged(?: with| as)?\s+(?P<tags>[^.]{1,200}?)\.?", re.I)
FOOTER_CATEGORY_RE = re.compile(
    r"(?:posted in|filed under|categor(?:y|ies)\s*:)\s*(?P<name>[^|.]{1,60}?)\.?", re.I
)
TEASER_RE = re.compile(r"(?P<text>.+?)\s*(?:\[\s*(?:…|\.\.\.)\s*\]|\[\s*more\s*\])", re.S)
# A bio: "Dana Whitfield is a consultant who writes about service."
BIO_RE = re.compile(
    rf"(?P<name>[A-Z][\w'’.-]*(?:\s+{_NAME_WORD}){{1,3}}),? (?:is|was) (?:a|an|the|our)\b"
    r".{0,300}?\b(?:who|writes?|writing|writer|covers|based|author|editor|journalist|blogger"
    r"|founder|consultant|columnist|contributor)\b.*",
    re.S,
)
# The marks a copy leaves where a paragraph was cut short.
CUT_TAIL_RE = re.compile(
    r"(?:\s*(?:\[\s*)?(?:…|\.\.\.)(?:\s*\])?|\s*(?:read more|continue reading)\W*)+$", re.I
)
BULLET_RE = re.compile(r"^\s*(?:[•·▪◦‣*]|-(?!-))\s+(?P<text>.+)$")
ORDERED_RE = re.compile(r"^\s*(?P<n>\d{1,3})[.)]\s+(?P<text>.+)$")
QUOTED_RE = re.compile(r"^[“\"‘«](?P<text>.+)[”\"’»]$")
CITE_RE = re.compile(r"^[–—-]{1,2}\s*(?P<name>[^\s].{0,60})$")


# --- dates, names, tags --------------------------------------------------------


def parse_date(text: str, settings: dict | None = None) -> datetime | date | None:
    """Parse a whole string as one of the dates blogs print, or return None."""
    from .dates import parse_date as read_date  # the one date reader, dateparser's

    return read_date(text, settings)


def format_date(value: date | datetime, settings: dict | None = None) -> str:
    """The `Date:` value the importer writes, in the site's TIMEZONE when settings are given."""
    from .dates import format_date as write_date

    return write_date(value, settings)


def as_name(text: str) -> str | None:
    """Return the text if it reads as a person's name ("Dana Whitfield")."""
    text = normalise(text).strip(" .")
    return text if NAME_RE.fullmatch(text) else None


def person_name(text: str) -> str | None:
    """Return the text if it reads as a person's name and not as a title-cased heading
    ("Better Student Journalism", "On Recent Events")."""
    name = as_name(text)
    if not name or len(name.split()) > 4:
        return None
    for word in name.lower().split():
        if (
            word in STOPWORDS
            or word in NOT_NAME_WORDS
            or re.search(r"(?:ism|tion|ing|ment|ness|ity|ics|ware|ies)$", word)
        ):
            return None
    return name


def split_tags(text: str) -> list[str]:
    parts = re.split(r",|;|\s+and\s+|\s*\|\s*", normalise(text).strip(" ."))
    return [p.strip(" .") for p in parts if p.strip(" .")]


def text_key(text: str) -> str:
    """Normalise a line for comparison: case, spaces, hyphens, punctuation."""
    return re.sub(r"[\W_]+", "", text.casefold())


def title_case(text: str) -> str:
    """Title-case an all-lowercase headline, keeping short words small."""
    small = {"a", "an", "and", "as", "at", "but", "by", "for", "in", "of", "on", "or",
             "the", "to", "vs", "via", "with"}  # fmt: skip
    words = text.split()
    return " ".join(
        w if (0 < i < len(words) - 1 and w in small) else w[:1].upper() + w[1:]
        for i, w in enumerate(words)
    )


def same_text(a: str, b: str) -> bool:
    return bool(a) and text_key(a) == text_key(b)


# --- paragraphs, metadata lines, quotes ------------------------------------------


def text_paragraphs(text: str) -> list[list[Line]]:
    """Split plain text into paragraphs of lines, marking bullets."""
    paragraphs, current = [], []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        raw = raw.replace("\u00a0", " ").rstrip()  # noqa: PLW2901
        if not raw.strip():
            if current:
                paragraphs.append(current)
                current = []
            continue
        bullet = BULLET_RE.match(raw)
        ordered = ORDERED_RE.match(raw)
        if bullet:
            current.append(Line(normalise(bullet.group("text")), kind="item"))
        elif ordered:
            current.append(Line(normalise(ordered.group("text")), kind="ordered"))
        else:
            current.append(Line(normalise(raw)))
    if current:
        paragraphs.append(current)
    return paragraphs


def meta_line(line: Line, meta: dict, report: FileReport, rules: RuleSet, header: bool):
    """Consume a metadata line into `meta`; return leftover body text or None.

    Returns False when the line is not metadata at all.
    """
    text = line.text
    entry = ENTRY_TAGS_RE.fullmatch(text)
    if entry:
        tags = split_tags(entry.group("tags")) + split_tags(entry.group("more") or "")
        meta.setdefault("tags", [])
        meta["tags"] += [t for t in tags if t not in meta["tags"]]
        report.consume("tags", text)
        rest = entry.group("rest") or ""
        kept = []
        for sentence in re.split(r"(?<=[.!?])\s+", rest):
            if not sentence:
                continue
            rule = rules.match_line(sentence)
            if rule:
                report.remove(rule, sentence)
            else:
                kept.append(sentence)
        return " ".join(kept) or None
    tags = TAGS_RE.fullmatch(text)
    if tags:
        meta.setdefault("tags", [])
        meta["tags"] += [t for t in split_tags(tags.group("tags")) if t not in meta["tags"]]
        report.consume("tags", text)
        return None
    copyright_ = COPYRIGHT_RE.fullmatch(text)
    if copyright_ and as_name(copyright_.group("name")):
        meta.setdefault("author", as_name(copyright_.group("name")))
        report.consume("author", text)
        return None
    original = ORIGINAL_RE.match(text)
    if original:
        when = parse_date(original.group("date") or "")
        if when:
            meta.setdefault("date", when)
        report.consume("date" if when else "source", original.group(0))
        return text[original.end() :].strip() or None
    if not header and not text.lower().startswith("posted"):
        return False
    found = parse_date(text)
    if found:
        meta.setdefault("date", found)
        report.consume("date", text)
        return None
    footer = FOOTER_TAGS_RE.fullmatch(text) or FOOTER_CATEGORY_RE.fullmatch(text)
    if footer and "tags" in footer.groupdict():
        meta.setdefault("tags", [])
        meta["tags"] += [t for t in split_tags(footer.group("tags")) if t not in meta["tags"]]
        report.consume("tags", text)
        return None
    if footer:
        meta.setdefault("category", normalise(footer.group("name")))
        report.consume("category", text)
        return None
    dateline = find_dateline(text) if "|" not in text else None
    if dateline:
        meta.setdefault("date", dateline[0])
        if dateline[1]:
            meta.setdefault("author", dateline[1])
        report.consume("date,author" if dateline[1] else "date", text)
        return None
    segments = [s.strip() for s in re.split(r"\s*\|\s*|\s+[·•]\s+", text) if s.strip()]
    pending: list[tuple[str, object]] = []
    for segment in segments:
        found = parse_date(segment)
        byline = BYLINE_RE.fullmatch(segment)
        category = CATEGORY_RE.fullmatch(segment)
        tagged = FOOTER_TAGS_RE.fullmatch(segment)
        if tagged and len(segments) > 1:
            pending += [("tag", tag) for tag in split_tags(tagged.group("tags"))]
        elif found:
            pending.append(("date", found))
        elif byline and as_name(byline.group("name")):
            pending.append(("author", as_name(byline.group("name"))))
            for part in (byline.group("date"), byline.group("rest")):
                when = parse_date(part) if part else None
                if when:
                    pending.append(("date", when))
                elif part and not re.fullmatch(r"\d{1,2}[:.]\d{2}\s*[ap]\.?m\.?", part, re.I):
                    return False
        elif category and len(segments) > 1:
            pending.append(("category", normalise(category.group("name"))))
        elif len(segments) > 1 and rules.match_line(segment):
            pending.append(("removed:" + rules.match_line(segment), segment))
        else:
            return False
    if not pending:
        return False
    for what, value in pending:
        if what == "tag":
            meta.setdefault("tags", [])
            if value not in meta["tags"]:
                meta["tags"].append(value)
        elif what.startswith("removed:"):
            report.remove(what.split(":", 1)[1], str(value))
        else:
            meta.setdefault(what, value)
    report.consume(",".join(sorted({w for w, _ in pending if ":" not in w})) or "cruft", text)
    return None


def mark_quotes(paragraphs: list[list[Line]]) -> None:
    """Turn a quoted line followed by "– Name" into a quote with a cite."""
    for p, para in enumerate(paragraphs):
        j = 0
        while j < len(para):
            line = para[j]
            quoted = QUOTED_RE.match(line.text) if line.kind == "text" else None
            nxt_para = j + 1 >= len(para)
            nxt = None
            if not nxt_para:
                nxt = para[j + 1]
            elif p + 1 < len(paragraphs) and len(paragraphs[p + 1]) == 1:
                nxt = paragraphs[p + 1][0]
            cite = CITE_RE.match(nxt.text) if nxt is not None and nxt.kind == "text" else None
            if quoted and cite and len(cite.group("name").split()) <= 8:
                text = quoted.group("text").strip()
                line.text, line.kind = text, "quote"
                if line.md is not None:
                    line.md = md_inline(text)
                cite_line = Line(cite.group("name").strip(), None, "cite")
                if nxt_para:
                    paragraphs[p + 1].clear()
                    para.append(cite_line)
                else:
                    para[j + 1] = cite_line
                j += 2
                continue
            j += 1


# --- datelines ------------------------------------------------------------------

# Date-like words: a month name, or day/month/year numbers with separators.
DATEISH_RE = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?![a-z])"
    r"|\b\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}\b",
    re.I,
)
# Words around a date in a dateline: "Posted on", "by", "at 12:55 AM", a comment count.
DATELINE_WORDS = re.compile(
    r"^(?:posted|published|written|updated|last|on|by|at|in|@|am|pm|a\.m\.|p\.m\.|and"
    r"|[·•|/—–-]+|\d{1,2}[:.]\d{2}(?:[ap]m)?|\d{1,4}|utc|gmt|[a-z]{2,4}t|@\w+)$",
    re.I,
)
# A day in a date: "9 March 2015", "March 9th, 2015", "3/09/15", "2015-03-09".
FULL_DATE_RE = re.compile(r"\d{1,4}\D{1,12}\d{2,4}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}")
# Words that are not part of a person's name ("WebMD Health News", "Skip Ad").
NOT_NAME_WORDS = frozenset(
    re.findall(
        r"\w+",
        "ad ads blog close daily desk digital editor editorial editors follow full group health "
        "home inc journal llc ltd magazine media menu more news online post press reporter "
        "screen search share skip staff subscribe team technologist times weekly writer",
    )
)


def find_dateline(text: str) -> tuple[object, str | None] | None:
    """Read a line made of a date, maybe a name and connecting words: "Sarah Gooding
    March 9, 2017", "By Arun Sai Krishnan • Nov 11, 2020". Return (date, name)."""
    words = normalise(text).split()
    if not 2 <= len(words) <= 16 or not DATEISH_RE.search(text):
        return None
    for size in range(min(len(words), 7), 0, -1):
        for i in range(len(words) - size + 1):
            chunk = " ".join(words[i : i + size]).strip(" ,|·•")
            if not DATEISH_RE.search(chunk):
                continue
            found = parse_date(chunk)
            if not found:
                continue
            rest = [w for w in words[:i] + words[i + size :] if not DATELINE_WORDS.match(w)]
            name = as_name(" ".join(rest).strip(" ,|·•")) if rest else None
            if rest and not name:
                continue
            return found, name
    return None

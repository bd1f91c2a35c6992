"""A whole page copied as text: where the post starts and ends, and what is around it.

A browser's "select all" or a scraper's dump of a page holds the menu, the
sidebars, the comment thread and the footer around the post. The blocks are
scored by how prose-like they read (`nextsale.cruft.clean.post_span`); this
module keeps the post, reads the title, datelines, bylines, tags and
copyright lines around it, and reports everything else it takes out.
"""

from __future__ import annotations

import re

from nextsale.cruft.clean import SENTENCE_END_RE, ends_post, post_span
from nextsale.cruft.rules import RuleSet, normalise

from .model import FileReport, Line
from .text import (
    BYLINE_RE,
    COPYRIGHT_RE,
    DATEISH_RE,
    DATELINE_WORDS,
    FULL_DATE_RE,
    as_name,
    find_dateline,
    meta_line,
    parse_date,
    person_name,
    same_text,
)

# A phrase said two to four times on one line: a linked image, its alt text and caption.
ECHO_RE = re.compile(r"(?P<phrase>\S.{6,200}?)(?:\s+(?P=phrase)){1,3}")
# A card for another post: its opening words, cut short, and a "Read more" link.
CARD_RE = re.compile(
    r".{20,}(?:…|\.\.\.)\s*(?:read more|continue reading)(?:\W+read more)?\W*", re.I
)
# Sidebar furniture around a copied post: box headings ("Recent Comments", "Archives",
# "Tags") and archive links ("March 2015 (3)", "► 2014 (8)"). Named only around the
# post, never in an article (where "Menu" may well be a heading).
FURNITURE_RE = re.compile(
    r"(?:related(?: articles?| stories)?|recent (?:posts|comments|articles|entries)|archives?"
    r"|blog archive|categories|tags|tag cloud|search(?: for)?|menu|skip to (?:main )?content"
    r"|previous post|next post|[►▼▶▸\s]*(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"[a-z]*\.?\s*)?(?:\d{4})?\s*\(\d+\)|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"[a-z]* \d{4})\s*:?",
    re.I,
)
# A byline or credit, never a title.
BYLINE_START_RE = re.compile(
    r"(?:by|(?:written|edited|posted|reviewed|published|words|story|reporting) by)\b", re.I
)
# An image's file name or an address left where the image was.
FILE_NAME_RE = re.compile(r"\S+\.(?:jpe?g|png|gif|webp|svg|html?)|\S+://\S+", re.I)
# How many blocks above the post's first paragraph may hold its title, date and byline.
HEADER_BLOCKS = 15
OUTSIDE = "outside-post"
SIDEBAR = "sidebar-residue"
COPYRIGHT_AUTHOR = "copyright-author"


def is_heading(text: str, rules: RuleSet) -> bool:
    """Whether a line reads as a post's title: short, not a sentence, date or label."""
    words = text.split()
    return (
        1 <= len(words) <= 20
        and len(re.findall(r"[^\W\d_]", text)) >= 2
        and not re.search(r"[.,;]$|…$", text)
        and not BYLINE_START_RE.match(text)
        and not FILE_NAME_RE.fullmatch(text)
        and not FURNITURE_RE.fullmatch(text)
        and not dated(text)
        and not rules.match_line(text)
    )


def dated(text: str) -> bool:
    """Whether a line holds a full date (a day, not only "March 2015") and little else:
    "April 28, 2019 at 6:01 am Updated April 29, 2019", "22 Dec, 2016 22 Dec, 2016"."""
    if not DATEISH_RE.search(text) or not FULL_DATE_RE.search(text):
        return False
    segments = re.split(r"\s*\|\s*|\s+[·•]\s+", text)
    if find_dateline(text) or any(parse_date(s) for s in segments):
        return True
    words = normalise(text).split()
    if len(words) > 16:
        return False
    found, i = False, 0
    while i < len(words):
        for size in (4, 3, 2, 1):
            chunk = " ".join(words[i : i + size]).strip(" ,|·•")
            if FULL_DATE_RE.search(chunk) and parse_date(chunk):
                found, i = True, i + size
                break
        else:
            if not DATELINE_WORDS.match(words[i]):
                return False
            i += 1
    return found


def _names_someone(text: str) -> bool:
    """Whether a line is a byline: a person's name, alone or with a date."""
    found = find_dateline(text)
    byline = BYLINE_RE.fullmatch(text)
    return bool(
        person_name(text) or (found and found[1]) or (byline and as_name(byline.group("name")))
    )


def trim_page(
    paragraphs: list[list[Line]], meta: dict, rules: RuleSet, report: FileReport
) -> list[list[Line]]:
    """Keep the post of a page copied as text: its title, dateline and body.

    The menu above, the sidebars, comment thread and footer below are removed
    and reported (by the rule that matches a line, else as "outside-post");
    a title found above the body goes into `meta`, and bylines, tags and
    copyright lines below it are read as metadata.
    """
    if OUTSIDE not in {rule.name for rule in rules.rules}:
        return paragraphs
    for line in (x for para in paragraphs for x in para):
        echo = ECHO_RE.fullmatch(line.text) if len(line.text) <= 800 else None
        if echo:
            line.text = echo.group("phrase")
    start, end = post_span([[x.text for x in para] for para in paragraphs], rules)
    if start == end:
        return paragraphs
    since = len(report.removed)
    head = max(0, start - HEADER_BLOCKS)
    for para in paragraphs[:head]:
        _drop_outside(para, meta, report, rules)
    header = [line for para in paragraphs[head:start] for line in para]
    kept_header = _header_lines(header, meta, rules, report)
    start = _take_standfirst(paragraphs, start, end, meta, report)
    _merge_runs(report.removed, since)
    since = len(report.removed)
    _read_below(paragraphs[end:], meta, rules, report)
    _merge_runs(report.removed, since)
    return [[line] for line in kept_header] + paragraphs[start:end]


def _read_below(
    paragraphs: list[list[Line]], meta: dict, rules: RuleSet, report: FileReport
) -> None:
    """Read and remove what follows the post: bylines, tags and share bars right below
    it, an "About the author" box (its name the author's), then the rest of the page;
    after the first other line, or the comment thread, only a copyright line is read."""
    below, bio = True, 0
    for para in paragraphs:
        below = below and not ends_post([x.text for x in para], rules)
        for line in para:
            if below and meta_line(line, meta, report, rules, header=True) is not False:
                continue
            if rules.match_line(line.text, at_tail=True) == "author-bio":
                bio = 3  # the heading, then the name and a line or two about them
                report.remove("author-bio", line.text)
                continue
            if bio and len(line.text.split()) <= 60:
                bio -= 1
                if person_name(line.text) and "author" not in meta:
                    meta["author"] = person_name(line.text)
                report.remove("author-bio", line.text)
                continue
            below = below and bool(rules.match_line(line.text))
            _drop_outside([line], meta, report, rules)


def _merge_runs(removed: list[dict], since: int) -> None:
    """Report a run of page lines one rule took (a menu, a list of archive links) as one
    removal, its lines joined by " / "."""
    merged: list[dict] = []
    for entry in removed[since:]:
        if merged and entry["rule"] == merged[-1]["rule"]:
            merged[-1] = {"rule": entry["rule"], "text": f"{merged[-1]['text']} / {entry['text']}"}
        else:
            merged.append(entry)
    removed[since:] = merged


def _header_lines(lines: list[Line], meta: dict, rules: RuleSet, report: FileReport) -> list[Line]:
    """Take the title from the lines above the body; keep the datelines around it.

    Menus and tables of contents between the title and the body go; without a
    title, the lines just above the body are kept for the caller to read.
    """
    texts = [x.kind == "text" and re.search(r"[^\W\d_]{2}", x.text) for x in lines]
    candidates = [
        i for i, x in enumerate(lines)
        if texts[i] and is_heading(x.text, rules) and not person_name(x.text)
    ]  # fmt: skip
    # Of the last two headings, the one a byline follows; else the last one.
    signed = [
        i for i in candidates[-2:] if any(_names_someone(x.text) for x in lines[i + 1 : i + 4])
    ]
    # A title has a few words; a lone "Photo", "Close" or "1 of 24" is a label.
    candidates = (
        signed[-1:]
        or [i for i in candidates if len(re.findall(r"[^\W\d_]{2,}", lines[i].text)) >= 3]
        or candidates
    )
    if "title" in meta or not candidates:
        first = last = len(lines)
        while first > 0 and texts[first - 1] and len(lines) - first < 6:
            first -= 1
    else:
        first = last = candidates[-1]
        above = lines[first - 1].text if first else ""
        if above.endswith(":") and is_heading(above, rules):
            first -= 1  # the name of a series ending in a colon, then the post's own title
        meta["title"] = " ".join(x.text for x in lines[first : last + 1])
        report.consume("title", meta["title"])
        last += 1
    kept = []
    for i, line in enumerate(lines):
        if first <= i < last:
            continue
        near = first - 3 <= i < first or i >= last
        if (near and dated(line.text)) or (
            i >= last and texts[i] and not same_text(line.text, meta.get("title", ""))
        ):
            kept.append(line)
        else:
            _drop_outside([line], meta, report, rules)
    return kept


def _take_standfirst(
    paragraphs: list[list[Line]], start: int, end: int, meta: dict, report: FileReport
) -> int:
    """Read a short paragraph between the title and the byline as the summary."""
    first = paragraphs[start]
    if (
        "title" not in meta
        or "summary" in meta
        or len(first) != 1
        or first[0].kind != "text"
        or len(first[0].text.split()) > 50
    ):
        return start
    following = [x.text for para in paragraphs[start + 1 : min(end, start + 4)] for x in para]
    if not any(dated(text) or _names_someone(text) for text in following):
        return start
    meta["summary"] = first[0].text
    report.consume("summary", first[0].text)
    return start + 1


def _drop_outside(lines: list[Line], meta: dict, report: FileReport, rules: RuleSet) -> None:
    """Report lines of the page around the post; a copyright line still names the author."""
    for line in lines:
        for sentence in re.split(r"(?<=[^\W\d_]{2}[.!?])\s+(?=[^\W\d_©(])", line.text):
            found = COPYRIGHT_RE.fullmatch(sentence)
            if found and as_name(found.group("name")):
                # A byline, read later, names the author before the site's owner does.
                meta.setdefault(COPYRIGHT_AUTHOR, as_name(found.group("name")))
                report.consume("copyright", sentence)
                continue
            report.remove(rules.match_line(sentence) or _furniture(sentence, rules), sentence)


def _furniture(text: str, rules: RuleSet) -> str:
    """The rule for a line around the post no pattern names: sidebar furniture or the rest."""
    sidebar = any(rule.name == SIDEBAR for rule in rules.rules)
    return SIDEBAR if sidebar and FURNITURE_RE.fullmatch(text) else OUTSIDE


def remove_cards(body: list[list[Line]], report: FileReport) -> None:
    """Take out cards for other posts left inside the text: a headline, then the
    other post's opening words cut short and "Read more"."""
    for i, para in enumerate(body):
        text = " ".join(x.text for x in para)
        if len(para) != 1 or not CARD_RE.fullmatch(text):
            continue
        report.remove("sidebar-residue", text)
        para.clear()
        above = body[i - 1] if i else []
        headline = len(above) == 1 and above[0].kind == "text"
        if headline and not SENTENCE_END_RE.search(above[0].text[-3:]) and len(above[0].text) < 200:
            report.remove("sidebar-residue", above[0].text)
            above.clear()

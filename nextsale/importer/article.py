"""Assembling one article: read a source, take out metadata and cruft, write Markdown.

`convert` reads a file (text or HTML) into metadata and body paragraphs,
`extract` takes the metadata lines and the cruft out of them, and
`recovered_post` makes the `Post` the one writer writes.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from nextsale.cruft.clean import SENTENCE_END_RE, split_alt_residue, strip_shortlinks
from nextsale.cruft.rules import RuleSet, compile_rules, normalise

from .copied_page import COPYRIGHT_AUTHOR, remove_cards, trim_page
from .markdown import render_body
from .model import MIN_BODY_WORDS, FileReport, ImportFailure, Line
from .post import Post
from .saved import read_saved_page
from .sources import check_text, decode, is_html
from .text import (
    BIO_RE,
    CUT_TAIL_RE,
    FOOTER_BYLINE_RE,
    TEASER_RE,
    mark_quotes,
    meta_line,
    person_name,
    same_text,
    text_key,
    text_paragraphs,
    title_case,
)


def extract(
    paragraphs: list[list[Line]], meta: dict, rules: RuleSet, report: FileReport,
    settings: dict,
) -> list[list[Line]]:  # fmt: skip
    """Take metadata and cruft out of the paragraphs; return the body."""
    if paragraphs and all(x.md is None for para in paragraphs for x in para):
        paragraphs = trim_page(paragraphs, meta, rules, report)
    body: list[list[Line]] = []
    header = True
    title_known = "title" in meta
    for para in paragraphs:
        kept: list[Line] = []
        for line in para:
            if line.md is None and line.kind != "pre":
                text, removed = strip_shortlinks(line.text, rules)
                for item in removed:
                    report.remove("tracking-shortlink", item)
                text, residue = split_alt_residue(text)
                if residue:
                    report.remove("image-alt-residue", residue)
                line.text = normalise(text)
                if not line.text:
                    continue
            if line.kind == "pre":
                header = False
                kept.append(line)
                continue
            leftover = meta_line(line, meta, report, rules, header)
            if leftover is None:
                continue
            if isinstance(leftover, str):
                line = Line(leftover)  # noqa: PLW2901
            rule = rules.match_line(line.text)
            if rule:
                report.remove(rule, line.text)
                continue
            if header:
                if "title" not in meta:
                    if (
                        len(line.text.split()) <= 20
                        and len(re.findall(r"[^\W\d_]", line.text)) >= 2
                    ):
                        meta["title"] = line.text
                        report.consume("title", line.text)
                        continue
                elif same_text(line.text, meta["title"]):
                    if title_known and not any(c["field"] == "title" for c in report.consumed):
                        report.consume("title", line.text)
                    else:
                        report.remove("duplicate-title", line.text)
                    continue
                teaser = TEASER_RE.fullmatch(line.text)
                if teaser and "summary" not in meta:
                    meta["summary"] = teaser.group("text").rstrip(" .,;:") + "…"
                    report.consume("summary", line.text)
                    continue
                name = person_name(line.text)
                if name and (meta.get("author") in (None, name)) and "title" in meta:
                    meta.setdefault("author", name)
                    report.consume("author", line.text)
                    continue
                header = False
            kept.append(line)
        if kept:
            body.append(kept)
    copyright_author = meta.pop(COPYRIGHT_AUTHOR, None)
    if copyright_author:
        meta.setdefault("author", copyright_author)
    remove_bio(body, meta, settings, report)
    remove_cards(body, report)
    collapse_repeats(body, report)
    body = [para for para in body if para]
    mark_quotes(body)
    return [para for para in body if para]


def remove_bio(body: list[list[Line]], meta: dict, settings: dict, report: FileReport) -> None:
    """Take the author's box or bio off the end of the body; it names the author if
    nothing did."""
    lines = [(para, x) for para in body[-6:] for x in para]
    for at, (para, line) in enumerate(lines):
        signed = FOOTER_BYLINE_RE.fullmatch(line.text)
        after = lines[at + 1 :]
        if not signed or sum(len(x.text.split()) for _, x in after) > 60:
            continue
        name = person_name(signed.group("name") or (after[0][1].text if after else ""))
        if name:
            meta.setdefault("author", name)
        report.consume("author", line.text)
        para.remove(line)
        for later, rest in after:
            report.remove("author-bio", rest.text)
            later.remove(rest)
        return
    tail = [para for para in body[-3:] if para and all(x.kind == "text" for x in para)]
    for para in tail:
        text = " ".join(x.text for x in para)
        found = BIO_RE.fullmatch(text)
        if found and len(text.split()) <= 90 and "author" not in meta:
            meta["author"] = found.group("name")
            report.consume("author", found.group("name"))
    rules = compile_rules(settings, meta.get("author"))
    for i, para in enumerate(tail):
        text = " ".join(x.text for x in para)
        if rules.match_line(text, at_tail=True) == "author-bio":
            heading_only = len(text.split()) <= 4
            for later in tail[i:] if heading_only else [para]:
                report.remove("author-bio", " ".join(x.text for x in later))
                later.clear()
            if heading_only:
                return


def collapse_repeats(body: list[list[Line]], report: FileReport) -> None:
    """Keep a paragraph the copy repeated once, whole: a later copy, or a teaser that
    is the start of a paragraph ("... Read more"), goes."""
    copies: dict[str, list[int]] = {}
    for index, para in enumerate(body):
        text = " ".join(x.text for x in para)
        if para and all(x.kind == "text" for x in para) and len(text.split()) >= 4:
            copies.setdefault(text_key(CUT_TAIL_RE.sub("", text)), []).append(index)
    keys = sorted(copies)
    for n, key in enumerate(keys):
        following = keys[n + 1] if n + 1 < len(keys) else ""
        where = copies[key]
        if len(key) >= 40 and following.startswith(key):
            drop = where  # a teaser of the paragraph that follows in this order
        elif SENTENCE_END_RE.search(body[where[0]][-1].text):
            drop = where[1:]
        else:
            drop = where[:-1]  # a heading listed twice: the first is a table of contents
        for index in drop:
            report.remove("duplicate-paragraph", " ".join(x.text for x in body[index]))
            body[index].clear()


def visible(text: str) -> bool:
    """Whether `text` shows anything: not only spaces and format characters (zero-width,
    direction marks)."""
    return any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in text)


def recovered_post(meta: dict, body: list[list[Line]], source: Path, report: FileReport) -> Post:
    """The `Post` of a saved page or text copy, for the one writer."""
    title = meta.get("title")
    why = "no title line found"
    if title and not visible(title):
        why, title = f"the title {title!r} has nothing visible", None
    if not title:
        title = source.stem.replace("-", " ").replace("_", " ")
        if not visible(title):
            why, title = f"{why} and the file name shows nothing", "Untitled post"
        report.missing.append("title")
        report.notes.append(f"{why}; the file name was used")
    if title == title.lower():
        title = title_case(title)
    summary = meta.get("summary")
    if not summary:
        first = next((p for p in body if all(x.kind == "text" for x in p)), None)
        summary = " ".join(x.text for x in first) if first else None
    return Post(
        report.format or "text",
        str(source),
        title=title,
        date=meta.get("date"),
        author=meta.get("author"),
        categories=[meta["category"]] if meta.get("category") else [],
        tags=list(meta.get("tags") or []),
        summary=normalise(summary) if summary else None,
        url=meta.get("url"),
        body_markdown=render_body(body),
    )


def convert(source: Path, settings: dict, report: FileReport):
    """Read one source and return its metadata and body paragraphs."""
    name = str(source)
    try:
        data = source.read_bytes()
    except OSError as err:
        raise ImportFailure(f"{name}: cannot read the file ({err.strerror})") from None
    text, encoding = decode(data, name)
    check_text(text, name)
    if encoding not in ("utf-8", "ascii"):
        report.notes.append(f"not UTF-8: decoded as {encoding}")
    rules = compile_rules(settings)
    if is_html(text, source):
        meta, body, words = read_saved_page(text, settings, report, name)
    else:
        paragraphs, meta = text_paragraphs(text), {}
        body = extract(paragraphs, meta, rules, report, settings)
        words = sum(len(x.text.split()) for para in body for x in para)
    if words < MIN_BODY_WORDS:
        raise ImportFailure(
            f"{name}: no recognisable post body (only {words} words left once "
            "metadata and cruft were taken out); check it is the post itself"
        )
    return meta, body

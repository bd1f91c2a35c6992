"""A saved HTML page of any engine becomes a post: metadata, the post found, Markdown.

Metadata comes from structured data before heuristics (`page.page_metadata`);
the post is found before any chrome is taken out (`locate`); its Markdown is
written by the shared converter (`convert.html_to_markdown`). A body much
smaller than the page's main text is reported "incomplete", never a success.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from nextsale.cruft.rules import URL_RE, RuleSet, compile_rules, normalise

from .chrome import CHROME_RULE, is_chrome_line
from .convert import html_to_markdown
from .html import MAX_DEPTH, html_metadata, nesting_depth
from .locate import clean_body, find_body, main_text, report_outside, widen_to_post
from .model import FileReport, ImportFailure, Line
from .page import page_metadata, visible_words
from .text import as_name, meta_line, same_text, split_tags

# Below this share of the page's main text, the body kept is reported incomplete.
MIN_SHARE = 0.4
# A summary taken from the body is a paragraph at least this long.
MIN_SUMMARY_WORDS = 8
LEAVES = ["p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "span", "time", "dd", "dt",
          "header", "footer", "section", "small", "address"]  # fmt: skip
BULLETS = "•·▪◦‣"
JUNK_SUMMARY_RE = re.compile(
    r"(?:categor(?:y|ies)|tags?|labels|filed under|posted in|share|by)\b.*|\S*https?://\S*",
    re.I,
)
# "Tagged in Sales, Retention" (Medium), "Published · Tagged with …" (Eleventy themes).
TAGGED_RE = re.compile(r"(?:published\s*·?\s*)?tagged (?:in|with|as)\s*:?\s+(?P<tags>.+)", re.I)
MARKDOWN_URL_RE = re.compile(r"\]\([^)]*\)|<https?://[^>]+>|https?://\S+")


def read_page(text: str, rules: RuleSet, report: FileReport, name: str) -> tuple[dict, Tag]:
    """Return (metadata, the post's element with its chrome taken out) from a page.

    `metadata["page_words"]` counts the words of the page's main text.
    """
    soup = BeautifulSoup(text, "html.parser")
    if (depth := nesting_depth(soup)) > MAX_DEPTH:
        raise ImportFailure(
            f"{name}: nested too deeply to convert ({depth} elements inside one another, "
            f"at most {MAX_DEPTH}); flatten the markup or save the post as text, and "
            "import it again"
        )
    meta = page_metadata(soup, text, html_metadata(soup))
    kept, library = main_text(text)
    container = find_body(soup, kept)
    if container is None:
        raise ImportFailure(
            f"{name}: no recognisable post body (no block of text in which the page's "
            "main text could be found); save the post's own page and import it again"
        )
    report.notes.append(f"post found by {library}")
    container = widen_to_post(container)
    meta["page_words"] = visible_words(soup.body or soup, container, rules)
    page_text = normalise((soup.body or soup).get_text(" "))
    if len(page_text) > len(normalise(container.get_text(" "))):
        report.notes.append(
            "text outside the post body (site header, menus, sidebars) was left out"
        )
    report_outside(soup, container, rules, report)
    take_metadata_lines(container, meta, rules, report)
    clean_body(container, kept, rules, report)
    use_noscript_images(container)
    bullets_to_lists(container)
    link_bare_urls(container)
    return meta, container


def take_metadata_lines(container: Tag, meta: dict, rules: RuleSet, report: FileReport) -> None:
    """Take the title, bylines, dates and tag lines the post repeats out of its body,
    recording each as consumed (and filling in what the metadata still lacks)."""
    author = meta.get("author")
    for img in container.find_all("img", alt=True):
        # The author's portrait by the byline ("[![Name](avatar)](profile)").
        if author and same_text(str(img["alt"]), author):
            report.remove(CHROME_RULE, f"portrait of {author}")
            link = img.find_parent("a")
            (link if link is not None and not normalise(link.get_text()) else img).decompose()
    header = True
    for el in container.find_all(LEAVES):
        if el.decomposed or el.find(LEAVES) or el.find(["img", "pre", "table"]):
            continue
        text = normalise(el.get_text(" "))
        if not text:
            continue
        if header and meta.get("title") and same_text(text, meta["title"]):
            report.consume("title", text)
            el.decompose()
            continue
        if header and meta.get("author") and as_name(text) == meta["author"]:
            report.consume("author", text)
            el.decompose()
            continue
        tagged = TAGGED_RE.fullmatch(text)
        if tagged:
            names = [normalise(a.get_text(" ")) for a in el.find_all("a")]
            names = [n for n in names if n] or split_tags(tagged.group("tags"))
            meta["tags"] = list(dict.fromkeys([*meta.get("tags", []), *names]))
            report.consume("tags", text)
            el.decompose()
            continue
        if meta_line(Line(text), meta, report, rules, header) is None:
            el.decompose()
            continue
        if el.name == "p" and len(text.split()) >= MIN_SUMMARY_WORDS:
            header = False


def is_junk_summary(text: str, meta: dict, rules: RuleSet) -> bool:
    """Tell a summary no reader wants: a byline, a category line, share links, chrome."""
    text = normalise(text)
    if len(text.split()) < 4 or JUNK_SUMMARY_RE.fullmatch(text):
        return True
    if rules.match_line(text) or is_chrome_line(text):
        return True
    author = meta.get("author")
    return bool(author and author in text and len(text.split()) <= 10)


def first_paragraph(markdown: str, meta: dict, rules: RuleSet) -> str | None:
    """Return the post's first real paragraph (not a heading, list, quote or image)
    as plain text."""
    for block in markdown.split("\n\n"):
        if re.match(r"\s*(?:[#>|`~*+-]|\d+\.|<)", block):
            continue
        text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", block)
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
        text = normalise(re.sub(r"\\(?=\S)|[*_]{1,2}(?=\S)|(?<=\S)[*_]{1,2}", "", text))
        if len(text.split()) >= MIN_SUMMARY_WORDS and not is_junk_summary(text, meta, rules):
            return text
    return None


def bullets_to_lists(container: Tag) -> None:
    """Make lines written with "•" between `<br>`s (old Blogger posts) a real list."""
    for el in container.find_all(["p", "div", "td"]):
        if el.find("br", recursive=False) is None:
            continue
        lines: list[list] = [[]]
        for child in list(el.children):
            if isinstance(child, Tag) and child.name == "br":
                lines.append([])
            else:
                lines[-1].append(child)
        bullet = [bool(ln) and _bulleted(ln[0]) for ln in lines]
        if bullet.count(True) < 2:
            continue
        el.clear()
        current = None
        for nodes, is_item in zip(lines, bullet, strict=True):
            if not is_item:
                if el.contents and current is None:
                    el.append(container.new_tag("br"))
                current = None
                for node in nodes:
                    el.append(node)
                continue
            if current is None:
                current = container.new_tag("ul")
                el.append(current)
            item = container.new_tag("li")
            nodes[0] = NavigableString(str(nodes[0]).lstrip().lstrip(BULLETS).lstrip())
            for node in nodes:
                item.append(node)
            current.append(item)


def use_noscript_images(container: Tag) -> None:
    """Keep the real image a lazy-loading page puts in `<noscript>` (Medium), not its
    blurred placeholder."""
    for noscript in container.find_all("noscript"):
        if noscript.decomposed or noscript.find("img", src=True) is None:
            continue
        holder = noscript.find_parent("figure") or noscript.parent
        for img in holder.find_all("img"):
            if img.find_parent("noscript") is None:
                img.decompose()
        noscript.unwrap()


def link_bare_urls(container: Tag) -> None:
    """Make an address written as plain text a link, as a browser shows it."""
    for text in container.find_all(string=URL_RE):
        if text.find_parent(["a", "pre", "code"]) is not None or isinstance(text, Comment):
            continue
        pieces, pos = [], 0
        for match in URL_RE.finditer(str(text)):
            url = match.group(0).rstrip(".,;:!?)")
            link = container.new_tag("a", href=url)
            link.string = url
            pieces += [NavigableString(str(text)[pos : match.start()]), link]
            pos = match.start() + len(url)
        pieces.append(NavigableString(str(text)[pos:]))
        text.replace_with(*pieces)


def _bulleted(node) -> bool:
    return (
        isinstance(node, NavigableString)
        and str(node).lstrip()[:1] in BULLETS
        and bool(str(node).strip())
    )


def check_complete(name: str, words: int, page_words: int, report: FileReport) -> None:
    """Mark the report incomplete when the body kept is much smaller than the page's
    main text (what a reader sees outside menus, headers, footers and comments)."""
    if page_words and words < MIN_SHARE * page_words:
        report.status = "incomplete"
        report.notes.append(
            f"{name}: only {words} words kept of the about {page_words} words the page "
            f"shows as its main text ({100 * words // page_words} %); compare the article "
            "with the page, copy what is missing by hand, or save the post's own page "
            "(not a list or a preview) and import it again"
        )


def markdown_words(markdown: str) -> int:
    """Count the words a reader sees in Markdown (link addresses left out)."""
    return len(re.findall(r"\w+", MARKDOWN_URL_RE.sub(" ", markdown)))


def read_saved_page(text: str, settings: dict, report: FileReport, name: str):
    """Return (metadata, body, words kept) for a saved page; the body is one
    Markdown block (a `Line` of kind "markdown").

    The body is cleaned with the rules the build will clean it with, which
    know the author once the page has named one (an author bio at the end)."""
    rules = compile_rules(settings)
    meta, container = read_page(text, rules, report, name)
    # The title, bylines and dates the page shows are metadata, not body text.
    shown = [meta.get("title") or ""] + [
        c["text"] for c in report.consumed if c["field"] != "title"
    ]
    page_words = max(0, meta.pop("page_words") - sum(len(t.split()) for t in shown))
    summary = meta.get("summary")
    if not summary or is_junk_summary(summary, meta, rules):
        if summary:
            report.notes.append(f"summary {summary!r} read as chrome; the first paragraph used")
        meta["summary"] = None
    body_rules = compile_rules(settings, meta.get("author")) if meta.get("author") else rules
    markdown = html_to_markdown(container, body_rules, report, base_url=meta.get("url"))
    meta["summary"] = meta["summary"] or first_paragraph(markdown, meta, rules)
    words = markdown_words(markdown)
    check_complete(name, words, page_words, report)
    plain = normalise(BeautifulSoup(markdown, "html.parser").get_text(" "))
    return meta, [[Line(plain, markdown.strip("\n"), "markdown")]], words

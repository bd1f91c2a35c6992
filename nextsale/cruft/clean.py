"""Pure cleaning functions: HTML trees and text lines against the cruft rules."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import lxml.html
from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from lxml import etree

from .rules import (
    ALT_RESIDUE_RE,
    DANGLING_LINK_TEXT_RE,
    SHORTLINK_RULE,
    URL_RE,
    CompiledRule,
    RuleSet,
    normalise,
    trigger_regex,
)

# Elements whose text is tested as a unit once they hold no other block.
BLOCK_TAGS = frozenset(
    {
        "address",
        "aside",
        "blockquote",
        "caption",
        "dd",
        "div",
        "dt",
        "figcaption",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "li",
        "nav",
        "p",
        "section",
        "td",
        "th",
    }
)
# How many final blocks count as the end of a post (where author bios sit).
TAIL_BLOCKS = 2


@dataclass(frozen=True)
class Removal:
    """One piece of cruft taken out, and the rule that took it."""

    rule: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def clean_html(html: str, rules: RuleSet) -> tuple[str, list[Removal]]:
    """Remove cruft blocks, lines and tracking links from an HTML fragment.

    Returns the cleaned HTML (the input unchanged when nothing matched) and
    the removals in document order.
    """
    if not html or not might_hold_cruft(html, rules):
        return html, []
    soup = BeautifulSoup(html, "html.parser")
    removals: list[Removal] = []
    _remove_containers(soup, rules, removals)
    _remove_shortlinks(soup, rules, removals)
    leaves = [
        el
        for el in soup.find_all(BLOCK_TAGS)
        if not el.find(BLOCK_TAGS) and el.get_text(strip=True)
    ]
    tail = set(map(id, leaves[-TAIL_BLOCKS:]))
    for block in leaves:
        _clean_block(block, rules, removals, at_tail=id(block) in tail)
    if not removals:
        return html, []
    return str(soup), removals


def might_hold_cruft(html: str, rules: RuleSet) -> bool:
    """Cheap, conservative pre-check: could clean_html remove anything here?

    Trigger words alone ("like", "home", "account") occur in most real prose,
    so when one is present the fast lxml parser looks at exactly what
    clean_html would test: container class/id tokens, and the whole text and
    the lines of each leaf block (the last ones also against tail-only rules).
    Only then is the slower, editable BeautifulSoup tree built.
    """
    if not rules.could_match(html):
        return False
    if rules.always_parse or rules.names_shortlink_host(html.lower()):
        return True
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return True
    blocks, parents = [], set()
    for el in root.iter(etree.Element):
        classes, name = el.get("class"), el.get("id")
        if classes or name:
            tokens = {c.lower() for c in (classes or "").split()}
            if name:
                tokens.add(name.lower())
            if tokens and rules.match_element(tokens):
                return True
        if el.tag == "br":  # line breaks split lines, as _split_lines does
            el.tail = "\n" + (el.tail or "")
        elif el.tag in BLOCK_TAGS:
            blocks.append(el)
            ancestor = el.getparent()
            while ancestor is not None and ancestor not in parents:
                parents.add(ancestor)
                ancestor = ancestor.getparent()
    # Leaves with text only, as clean_html counts them: an empty block after the
    # post (an ad slot) must not push its last paragraph out of the tail.
    texts = (list(el.itertext()) for el in blocks if el not in parents)
    leaves = [pieces for pieces in texts if "".join(pieces).strip()]
    first_tail = len(leaves) - TAIL_BLOCKS
    for position, pieces in enumerate(leaves):
        at_tail = position >= first_tail
        whole = " ".join(pieces)
        candidates = [whole, *"".join(pieces).split("\n")] if "\n" in whole else (whole,)
        for text in candidates:
            # Rules match whole short lines only; prose is skipped unread.
            words = text.split()  # `normalise`'s words: no-break spaces split too
            fitting, gate = line_gate(rules, len(words), at_tail)
            if not fitting:
                continue
            line = " ".join(words)
            if gate is not None and not gate.search(line.lower()):
                continue
            if rules.match_line(line, at_tail=at_tail, among=fitting):
                return True
    return False


def line_gate(
    rules: RuleSet, words: int, at_tail: bool
) -> tuple[tuple[CompiledRule, ...], re.Pattern | None]:
    """The rules a line of `words` words can match, and one regex of their trigger words.

    A long line is within reach of few rules, so its test looks for their few
    trigger words instead of every rule's (None: some rule needs no trigger).
    """
    key = (words, at_tail)
    known = rules.line_gates.get(key)
    if known is None:
        fitting = tuple(
            rule
            for rule in rules.rules
            if rule.patterns and words <= rule.max_words and (at_tail or not rule.tail_only)
        )
        triggers = sorted({t for rule in fitting for t in rule.triggers})
        gate = None
        if triggers and all(rule.triggers for rule in fitting):
            gate = trigger_regex(triggers)
        known = rules.line_gates[key] = (fitting, gate)
    return known


def _tokens(el: Tag) -> set[str]:
    tokens = {str(c).lower() for c in el.get("class") or []}
    if el.get("id"):
        tokens.add(str(el["id"]).lower())
    return tokens


def _remove_containers(soup: BeautifulSoup, rules: RuleSet, removals: list) -> None:
    for el in soup.find_all(True):
        if el.decomposed:
            continue
        rule = rules.match_element(_tokens(el))
        if rule:
            removals.append(Removal(rule, normalise(el.get_text(" "))))
            el.decompose()


def _remove_shortlinks(soup: BeautifulSoup, rules: RuleSet, removals: list) -> None:
    if rules.shortlink_re is None:
        return
    for link in soup.find_all("a", href=True):
        if not rules.is_shortlink(link["href"]):
            continue
        removals.append(Removal(SHORTLINK_RULE, link["href"]))
        text = link.get_text()
        if URL_RE.fullmatch(text.strip()):
            link.decompose()
        else:
            link.unwrap()
    for string in soup.find_all(string=rules.shortlink_re):
        if isinstance(string, Comment) or string.find_parent(["code", "pre"]):
            continue
        kept, removed = strip_shortlinks(str(string), rules)
        if removed:
            removals.extend(Removal(SHORTLINK_RULE, url) for url in removed)
            string.replace_with(kept)


def _split_lines(block: Tag) -> list[list]:
    """Group a block's children into lines, split at <br> and newlines."""
    for child in list(block.children):
        if isinstance(child, NavigableString) and "\n" in child.strip("\n"):
            parts = str(child).split("\n")
            for i, part in enumerate(parts):
                piece = NavigableString(part + ("\n" if i < len(parts) - 1 else ""))
                child.insert_before(piece)
            child.extract()
    lines: list[list] = [[]]
    for child in list(block.children):
        lines[-1].append(child)
        if (isinstance(child, Tag) and child.name == "br") or (
            isinstance(child, NavigableString) and str(child).endswith("\n")
        ):
            lines.append([])
    return [line for line in lines if line]


def _node_text(node) -> str:
    return node.get_text() if isinstance(node, Tag) else str(node)


def _clean_block(block: Tag, rules: RuleSet, removals: list, *, at_tail: bool) -> None:
    whole = normalise(block.get_text(" "))
    rule = rules.match_line(whole, at_tail=at_tail)
    if rule:
        removals.append(Removal(rule, whole))
        block.decompose()
        return
    lines = _split_lines(block)
    if len(lines) < 2:
        return
    for line in lines:
        text = normalise("".join(_node_text(n) for n in line))
        rule = rules.match_line(text, at_tail=at_tail)
        if rule:
            removals.append(Removal(rule, text))
            for node in line:
                node.extract()
    if not block.get_text(strip=True):
        block.decompose()
    else:
        # Drop a line break left dangling at either end by a removed line.
        children = [c for c in block.children if not (isinstance(c, str) and not c.strip())]
        for edge in (children[:1], children[-1:]):
            for node in edge:
                if isinstance(node, Tag) and node.name == "br":
                    node.extract()


def strip_shortlinks(text: str, rules: RuleSet) -> tuple[str, list[str]]:
    """Remove tracking short-links from a line of text; return what was removed.

    Link text left dangling by the removal ("... click here") goes with it.
    """
    if rules.shortlink_re is None:
        return text, []
    removed: list[str] = []

    def drop(match: re.Match) -> str:
        url = match.group(0).rstrip(".,;:!?")
        removed.append(url)
        return match.group(0)[len(url) :]

    kept = rules.shortlink_re.sub(drop, text)
    if not removed:
        return text, []
    kept = re.sub(r"[ \t]{2,}", " ", kept)
    if is_dangling(kept):
        removed.insert(0, normalise(kept))
        kept = ""
    return kept, removed


def is_dangling(text: str) -> bool:
    """Tell whether a short line is only the text of a link that is gone."""
    return bool(DANGLING_LINK_TEXT_RE.fullmatch(text.strip())) and len(text.split()) <= 8


def split_alt_residue(text: str) -> tuple[str, str | None]:
    """Split image-alt or file-name residue glued to a line's first word."""
    match = ALT_RESIDUE_RE.match(text)
    if not match:
        return text, None
    return text[match.end() :], match.group(1)


# --- a whole page copied as text: where the post starts and ends ------------------
#
# A copy of a page holds the menu, the sidebars and the footer around the post.
# Each block scores by how much it reads like prose (long lines with common
# words, ending as sentences) against short labels; the post is the run of
# blocks with the highest total, cut where the comment thread begins.

# Words every sentence of English prose is full of, and menus and labels lack.
STOPWORDS = frozenset(
    re.findall(
        r"\w+",
        "a about after all also an and any are as at be because been before but by can could "
        "did do does for from had has have he her here his how i if in into is it its just me "
        "more most my no not of on only or other our out over she so some such than that the "
        "their them then there these they this those to up us very was we were what when "
        "which who will with would you your",
    )
)
SENTENCE_END_RE = re.compile(r"[.!?;:][\"'”’)\]]*$")
# A teaser cut short: "… Read more", "[…]".
CUT_SHORT_RE = re.compile(
    r"(?:\.\.\.|…)\s*\]?\s*(?:(?:read more|continue reading|more)\W*){0,2}$"
    r"|\[\s*(?:…|\.\.\.|more)\s*\]$",
    re.IGNORECASE,
)
# Blocks after which the post's own text is over: the comment thread, related posts.
END_RULES = frozenset({"comment-count", "comment-form", "reply-prompt"})
END_BLOCK_RE = re.compile(
    r"(?:related(?: posts?| articles?| stories)?|you (?:may|might) also like"
    r"|more (?:posts|stories)(?: from .{1,40})?|comments|responses)\s*:?",
    re.IGNORECASE,
)
SHORT_BLOCK = -3.0  # a short line that is not a sentence: a menu entry, a label
# Words of prose that make a run of blocks a post rather than a notice or a tagline.
MIN_PROSE = 40
# A line of code: operators and braces, or a parenthesised expression.
CODE_RE = re.compile(r"[{}=;<>$].*[{}=;<>$]|[{};]\s*$|^\s*\(.*\)\s*$|^[\W\d_]+$")


def line_score(text: str) -> float:
    """Score one line: its words when it reads as prose, negative for a short label."""
    words = text.split()
    if CUT_SHORT_RE.search(text) or CODE_RE.search(text):
        return 0.0  # a teaser cut short, or a line of code: neither prose nor chrome
    stops = sum(w.strip(".,;:!?\"'“”‘’()").lower() in STOPWORDS for w in words)
    if len(words) >= 4 and stops and SENTENCE_END_RE.search(text):
        return float(len(words))
    capitals = sum(w[:1].isupper() for w in words)
    if capitals >= 0.7 * len(words):
        return SHORT_BLOCK  # a headline in title case: a link to some other post
    if len(words) >= 10 and stops / len(words) >= 0.15:
        return len(words) / 2
    return SHORT_BLOCK


def block_score(lines: list[str], rules: RuleSet) -> float:
    """Score a block of lines; several long lines in a row (a list) count as content."""
    if rules.match_line(" ".join(lines)):
        return SHORT_BLOCK
    scores = [SHORT_BLOCK if rules.match_line(x) else line_score(x) for x in lines]
    words = sum(len(x.split()) for x in lines)
    if len(lines) >= 3 and words / len(lines) >= 4:
        return max(sum(scores), words / 2)
    return sum(scores)


def ends_post(lines: list[str], rules: RuleSet) -> bool:
    """Whether a block opens the comment thread or the related posts."""
    text = normalise(" ".join(lines))
    return rules.match_line(text) in END_RULES or bool(END_BLOCK_RE.fullmatch(text))


def post_span(blocks: list[list[str]], rules: RuleSet) -> tuple[int, int]:
    """Return (start, end) of the blocks that hold the post in a copied page.

    Blocks that open a comment thread split the page; the first part holding
    a good share of the prose is the post. Returns (0, 0) when nothing reads
    as prose.
    """
    scores = [block_score(lines, rules) for lines in blocks]
    parts, begin = [], 0
    for i, lines in enumerate(blocks):
        # A comment count above the post ("2 responses") opens no thread.
        if ends_post(lines, rules) and sum(s for s in scores[begin:i] if s > 0) >= MIN_PROSE / 4:
            parts.append(_best_run(scores, begin, i))
            begin = i + 1
    parts.append(_best_run(scores, begin, len(blocks)))
    best = max(score for _, _, score in parts)
    if best <= 0:
        return 0, 0
    start, end, _ = next(part for part in parts if part[2] >= best * 0.3)
    return _trim_edges(scores, start, end)


def _best_run(scores: list[float], begin: int, end: int) -> tuple[int, int, float]:
    """The run of blocks in scores[begin:end] with the highest total (Kadane)."""
    best, total, start = (begin, begin, 0.0), 0.0, begin
    for i in range(begin, end):
        if total <= 0:
            total, start = 0.0, i
        total += scores[i]
        if total > best[2]:
            best = (start, i + 1, total)
    return best


def _trim_edges(scores: list[float], start: int, end: int) -> tuple[int, int]:
    """Drop a little prose at either end held on by three or more chrome blocks
    (an unlisted-story notice above the title, a tagline below the byline)."""
    enough = MIN_PROSE

    def cut(order: range) -> int | None:
        kept, run = 0.0, 0
        for i in order:
            if scores[i] > 0:
                if run >= 3:
                    return i
                kept += scores[i]
                run = 0
            elif scores[i] < 0:
                run += 1
            if kept >= enough:
                return None
        return None

    while (first := cut(range(start, end))) is not None:
        start = first
    while (last := cut(range(end - 1, start - 1, -1))) is not None:
        end = last + 1
    return start, end

"""The Markdown writer of imported posts: markdownify set up for Python-Markdown with `extra`.

It writes what the site's Markdown reads back the same: ATX headings, lists
nested by four spaces, fenced code with its language, pipe tables, footnotes,
and escapes only what Markdown would otherwise read as markup.
"""

from __future__ import annotations

import re

from bs4 import NavigableString, Tag
from markdownify import ATX, MarkdownConverter, chomp

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Markers crossing the sanitiser: a code block's language, a footnote reference, an image title.
LANG_OPEN, LANG_CLOSE = "\ufdd0", "\ufdd1"
NOTE_OPEN, NOTE_CLOSE = "\ufdd2", "\ufdd3"
TITLE_MARK = "\ufdd4"
NOTE_RE = re.compile(f"{NOTE_OPEN}([^{NOTE_CLOSE}]*){NOTE_CLOSE}")
LANG_RE = re.compile(f"^{LANG_OPEN}([^{LANG_CLOSE}]*){LANG_CLOSE}")

# Python-Markdown joins a quote or list to one right before it; an empty comment parts them.
SEPARATE = {"blockquote": {"blockquote"}, "ul": {"ul", "ol"}, "ol": {"ul", "ol"}}
SEPARATOR = "<!-- -->"
# Elements that start a new line in the converted text.
LINE_BLOCKS = {
    "[document]", "p", "div", "li", "td", "th", "blockquote", "dd", "dt", "figcaption", "section",
    "article", "header", "footer", "main", "figure", "br", "pre", "table", "ul", "ol", "dl",
    "hr", *HEADINGS,
}  # fmt: skip

# Only what Markdown would read as markup is escaped, nothing in ordinary words.
_BACKSLASH_RE = re.compile(r"\\(?=[\\`*_{}\[\]()>#+\-.!|])")
_ESCAPES = (
    (_BACKSLASH_RE, r"\\\\"),
    (re.compile(r"`"), r"\\`"),
    (re.compile(r"(?<!\s)\*|\*(?!\s)"), r"\\*"),
    (re.compile(r"(?<![^\W_])_|_(?![^\W_])"), r"\\_"),
    (re.compile(r"\[(?=\^)|\](?=[(\[:])"), lambda m: "\\" + m.group(0)),
    (re.compile(r"\{(?=[:#.])"), r"\\{"),
    (re.compile(r"&(?=#?\w+;)"), "&amp;"),
    (re.compile(r"<(?=[A-Za-z/!?])"), "&lt;"),
)
# At the start of a line: headings, quotes, list items, setext rules, definitions, fences.
_LINE_START_RE = re.compile(
    r"^([ ]*)(?:([#>]|[-*+](?=\s|$)|[=-](?=[=-]*[ ]*$))"
    r"|(\d{1,9})(?=\.(?:\s|$))|(:)(?=\s)|(~)(?=~~))"
)
_PIPE_OUTSIDE_CODE_RE = re.compile(r"(`+).*?\1|(?<!\\)\|")


def destination(url: str) -> str:
    """A URL as a Markdown link destination: no spaces or parentheses to end it early."""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C")


def _starts_line(node) -> bool:
    """Whether a text node begins a line of the converted Markdown."""
    while node is not None:
        prev = node.previous_sibling
        while isinstance(prev, NavigableString) and not str(prev).strip():
            prev = prev.previous_sibling
        if prev is not None:
            return isinstance(prev, Tag) and prev.name in LINE_BLOCKS
        node = node.parent
        if node is None or node.name in LINE_BLOCKS:
            return True
    return True


def _guard_line_start(text: str) -> str:
    """Escape what would start a heading, list, quote or definition at a line's start."""

    def escape(match: re.Match) -> str:
        lead, mark, number, colon, tilde = match.groups()
        if number:
            return f"{lead}{number}\\"
        if colon:
            return f"{lead}&#58;"
        if tilde:
            return f"{lead}&#126;"
        if mark == "=":  # Markdown has no escape for "="
            return f"{lead}&#61;"
        return f"{lead}\\{mark}"

    return _LINE_START_RE.sub(escape, text, count=1)


class PostConverter(MarkdownConverter):
    """markdownify set up for Python-Markdown with `extra` (tables, footnotes, fenced code)."""

    class Options(MarkdownConverter.DefaultOptions):
        heading_style = ATX
        bullets = "-"
        table_infer_header = True
        wrap = True  # collapse source newlines: only <br> breaks a line
        wrap_width = None

    def __init__(self, **options):
        super().__init__(**options)
        self._tables: dict[int, tuple[Tag, int]] = {}

    def escape(self, text, parent_tags):
        for pattern, replacement in _ESCAPES:
            text = pattern.sub(replacement, text)
        return text

    def process_text(self, el, parent_tags=None):
        text = super().process_text(el, parent_tags)
        inside = set(parent_tags or ())
        if text and not ({"pre", "_noformat", "_inline"} & inside) and _starts_line(el):
            text = _guard_line_start(text.lstrip(" "))
        return text

    def convert_hN(self, n, el, text, parent_tags):
        if not text.strip():
            return ""
        return super().convert_hN(n, el, text, parent_tags)

    def convert_a(self, el, text, parent_tags):
        if "_noformat" in parent_tags:
            return text
        prefix, suffix, text = chomp(text)
        href = str(el.get("href") or "")
        if not text or not href:
            return prefix + text + suffix
        if "\n\n" in text:
            text = " ".join(text.split())
        plain = re.sub(r"\\(.)", r"\1", text)
        if plain == href and re.match(r"(?i)(https?|ftp)://[^\s<>]+$", href):
            return f"{prefix}<{href}>{suffix}"
        return f"{prefix}[{text}]({destination(href)}){suffix}"

    def convert_img(self, el, text, parent_tags):
        alt, _, title = str(el.get("alt") or "").partition(TITLE_MARK)
        alt = _BACKSLASH_RE.sub(r"\\\\", " ".join(alt.split()))
        alt = alt.replace("[", "\\[").replace("]", "\\]")
        if "_inline" in parent_tags and el.find_parent(HEADINGS):
            return alt
        title_part = ' "{}"'.format(title.replace('"', '\\"')) if title else ""
        return f"![{alt}]({destination(str(el.get('src') or ''))}{title_part})"

    def convert_br(self, el, text, parent_tags):
        if "pre" in parent_tags:
            return "\n" + text
        return super().convert_br(el, text, parent_tags)

    def convert_dt(self, el, text, parent_tags):
        """Terms that share a definition stay on consecutive lines."""
        term = super().convert_dt(el, text, parent_tags)
        prev = el.previous_sibling
        while isinstance(prev, NavigableString) and not str(prev).strip():
            prev = prev.previous_sibling
        return term.lstrip("\n") if isinstance(prev, Tag) and prev.name == "dt" else term

    def convert_blockquote(self, el, text, parent_tags):
        return self._apart(el, super().convert_blockquote(el, text, parent_tags))

    def convert_ul(self, el, text, parent_tags):
        return self._apart(el, super().convert_list(el, text, parent_tags))

    convert_ol = convert_ul

    def _apart(self, el, text: str) -> str:
        """Keep a quote or list apart from the one before it (Python-Markdown would join them)."""
        prev = el.previous_sibling
        while isinstance(prev, NavigableString) and not str(prev).strip():
            prev = prev.previous_sibling
        if isinstance(prev, Tag) and prev.name in SEPARATE.get(el.name, ()) and text.strip():
            return "\n\n" + SEPARATOR + "\n\n" + text.lstrip("\n")
        return text

    def convert_li(self, el, text, parent_tags):
        text = (text or "").strip()
        if not text:
            return "\n"
        parent = el.parent
        if parent is not None and parent.name == "ol":
            start = str(parent.get("start") or "1")
            first = int(start) if start.isdigit() else 1
            bullet = f"{first + len(el.find_previous_siblings('li'))}."
        else:
            bullet = "-"
        # Python-Markdown nests by four spaces, whatever the marker's width; an item
        # of several blocks ends with a blank line, or the next item is read as its text.
        body = text.replace("\n", "\n    ").replace("\n    \n", "\n\n")
        return f"{bullet} {body}" + ("\n\n" if "\n\n" in text else "\n")

    def convert_pre(self, el, text, parent_tags):
        match = LANG_RE.match(text)
        language = match.group(1) if match else ""
        text = text[match.end() :] if match else text
        text = text.strip("\n").rstrip()
        if not text.strip():
            return ""
        if {"li", "blockquote"} & set(parent_tags):
            # Fences are read at the top level only: nested code is indented.
            return "\n\n    " + text.replace("\n", "\n    ") + "\n\n"
        fence = "```"
        while fence in text:
            fence += "`"
        return f"\n\n{fence}{language}\n{text}\n{fence}\n\n"

    def _cell(self, el, text):
        text = " ".join(text.split())
        text = _PIPE_OUTSIDE_CODE_RE.sub(lambda m: m.group(0) if m.group(1) else "\\|", text)
        return f" {text} |"

    def convert_tr(self, el, text, parent_tags):
        """A row padded to the table's widest row; the first row is the header."""
        table = el.find_parent("table")
        if table is None:
            return text + "\n"
        if id(table) not in self._tables:
            rows = [r for r in table.find_all("tr") if r.find_parent("table") is table]
            width = max(len(r.find_all(["td", "th"], recursive=False)) for r in rows)
            self._tables[id(table)] = (rows[0], width)
        first, width = self._tables[id(table)]
        text += " |" * (width - len(el.find_all(["td", "th"], recursive=False)))
        rule = "| " + " | ".join(["---"] * width) + " |\n" if el is first else ""
        return f"|{text}\n{rule}"

    def convert_td(self, el, text, parent_tags):
        return self._cell(el, text)

    def convert_th(self, el, text, parent_tags):
        return self._cell(el, text)

    def convert_figcaption(self, el, text, parent_tags):
        text = " ".join(text.split())
        return f"\n\n*{text}*\n\n" if text else ""

    def convert_div(self, el, text, parent_tags):
        if "_inline" in parent_tags:
            return " " + text.strip() + " "
        text = text.strip()
        return f"\n\n{text}\n\n" if text else ""

    convert_figure = convert_header = convert_footer = convert_main = convert_div
    convert_section = convert_article = convert_div


def tidy(markdown: str) -> str:
    """One blank line between blocks, no trailing spaces but a line break's, no end blanks."""
    markdown = NOTE_RE.sub(r"[^\1]", markdown)
    markdown = re.sub(f"[{LANG_OPEN}{LANG_CLOSE}{NOTE_OPEN}{NOTE_CLOSE}{TITLE_MARK}]", "", markdown)
    lines = markdown.split("\n")
    out: list[str] = []
    fence = None
    for i, line in enumerate(lines):
        if fence is not None:
            out.append(line)
            if line.strip() == fence:
                fence = None
            continue
        opening = re.fullmatch(r"(`{3,}|~{3,})[\w#+.-]*", line)
        if opening:
            fence = opening.group(1)
            out.append(line.rstrip())
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        stripped = line.rstrip()
        if stripped and line.endswith("  ") and nxt.strip():
            stripped += "  "
        if not stripped and (not out or not out[-1]):
            continue
        out.append(stripped)
    return "\n".join(out).strip("\n")

"""Text out of HTML, and text safe to put anywhere: one rule each for the whole site.

- `CONTROL_CHARS` and `clean_text`: the characters XML cannot carry or that only
  hide in text (content checks report them, feeds and emails drop them);
- `BLOCK_TAGS`: the elements that start a new block of text (the plain-text
  email renders each as its own paragraph);
- `html_to_text`: the visible text of an HTML fragment on one line (feed
  summaries, the newsletter's preheader);
- `shorten`: cut text at a word boundary.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

# XML 1.0 refuses C0 controls (except tab, newline, carriage return), lone
# surrogates and the non-characters U+FFFE/U+FFFF; C1 controls are legal but
# invisible noise that validators flag, so they go too.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

# Elements whose content is a block of its own, never run into its neighbours.
BLOCK_TAGS = frozenset(
    {"address", "article", "aside", "blockquote", "caption", "dd", "div", "dl", "dt",
     "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
     "li", "main", "ol", "p", "pre", "section", "table", "tr", "ul"}
)  # fmt: skip

# Not blocks, but they still separate the words on either side.
WORD_BREAKS = frozenset({"br", "td", "th"})
_SEPARATED = sorted(BLOCK_TAGS | WORD_BREAKS)


def clean_text(text: str) -> str:
    """Drop characters that XML cannot carry or that only hide in text."""
    return CONTROL_CHARS.sub("", text)


def html_to_text(fragment: str) -> str:
    """Return the visible text of an HTML fragment on one line."""
    soup = BeautifulSoup(fragment, "html.parser")
    # Inline tags join their neighbours ("first." not "first ."); blocks and
    # breaks are separated by a space so paragraphs do not run together.
    for tag in soup.find_all(_SEPARATED):
        tag.insert_after(" ")
    return " ".join(soup.get_text().split())


def shorten(text: str, width: int) -> str:
    """Cut `text` at a word boundary, marking the cut with an ellipsis."""
    if len(text) <= width:
        return text
    return text[: width - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"

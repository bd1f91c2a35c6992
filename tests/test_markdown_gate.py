"""A gated converter (`nextsale.markdown_gate`) writes the HTML of Python-Markdown's own.

The reading pipeline keeps one converter per reader and leaves out, or passes
over, the steps a text cannot use. On Python-Markdown's own test documents,
the site's posts, posts from other blogs and generated texts made of every
construct the gates look for, the kept, gated converter and a fresh, full one
must write the same HTML.
"""

from __future__ import annotations

import pytest
from conftest import FIXTURES, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown import Markdown
from pelican.readers import MarkdownReader
from pelican.settings import read_settings

from nextsale.markdown_gate import BLOCK_SEARCHES, StepGate

# As Pelican's reader completes them (every configured extension listed, and meta).
MARKDOWN = MarkdownReader(read_settings(str(ROOT / "pelicanconf.py"))).settings["MARKDOWN"]

DOCUMENTS = sorted(
    [
        *(FIXTURES / "markdown").glob("*.txt"),
        *(FIXTURES / "import-markdown").glob("*.md"),
        *(ROOT / "content").rglob("*.md"),
    ]
)


class Gated:
    """One converter for every text, as a reader keeps it."""

    def __init__(self) -> None:
        self.converter = Markdown(**MARKDOWN)
        self.gate = StepGate(self.converter)

    def convert(self, text: str) -> str:
        self.converter.reset()
        self.gate.use(text)
        return self.converter.convert(text)


def full(text: str) -> str:
    return Markdown(**MARKDOWN).convert(text)


@pytest.fixture(scope="module")
def gated() -> Gated:
    return Gated()


def test_the_sites_converter_is_gated_everywhere(gated):
    # Otherwise the comparisons below would compare a converter with itself.
    assert gated.gate.needs and gated.gate.block_needs and gated.gate.pre_needs
    blocks = gated.converter.parser.blockprocessors
    for name, (_kind, method, _needs) in BLOCK_SEARCHES.items():
        assert name in blocks, name
        assert method in vars(blocks[name]), f"{name}.{method} is not gated"


def test_there_are_real_documents_to_compare():
    assert len(DOCUMENTS) > 80


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_real_documents_convert_as_with_the_full_converter(gated, path):
    text = path.read_text(encoding="utf-8")
    assert gated.convert(text) == full(text)


# Pieces of Markdown: every block step the gates pass over, each with and
# without its text, and the inline constructs of the site's posts.
PIECES = [
    "# Heading", "## Heading ##", "Heading\n=======", "Heading\n-------", "Not # a heading",
    "> A quote", "> > Nested\n> quote", "Ends with >", "a > b",
    "* item\n* item", "- item", "1. item\n2. item", "    code block", "\tcode",
    "---", "* * *", "___", "- - -", "a - b -- c", "snake_case_name", "2 * 3 * 4",
    '[ref]: http://example.com "Title"', "[ref2]:http://example.org", "[link][ref] [x][ref2]",
    "[Ref] : not a reference", "a]: b",
    "Text[^1] and more", "[^1]: The note.", "[^ not a note",
    "*[HTML]: Hyper Text", "The HTML here", "*[ not an abbreviation",
    "Term\n:   Definition", "Time: 10:30", ": lone colon",
    "| a | b |\n|---|---|\n| 1 | 2 |", "a | b",
    "`code` and ``more``", "<div>raw</div>", "<cite>Someone</cite> said", "&amp; &copy; AT&T",
    "**bold** and _em_ and *em*", "line  \nbreak", "[a link](http://example.com)",
    "[Earlier]({filename}/articles/post.md)", "![image](pic.png)", "<http://example.com>",
    "```\nfenced\n```", "~~~\nfenced\n~~~", "[TOC]", "Paragraph\n{: .class }", "\\# escaped",
]  # fmt: skip
SEPARATORS = ["\n", "\n\n", "\n\n\n", " ", "\n    ", "\n> "]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(PIECES), st.sampled_from(SEPARATORS)), min_size=1, max_size=12
    )
)
def test_generated_texts_convert_as_with_the_full_converter(gated, parts):
    text = "".join(piece + separator for piece, separator in parts)
    assert gated.convert(text) == full(text)


def test_a_converter_with_another_extensions_step_keeps_every_step():
    # An extension's own block step (admonition) might write text the gates never saw.
    settings = {
        **MARKDOWN,
        "extensions": [*MARKDOWN["extensions"], "markdown.extensions.admonition"],
    }
    converter = Markdown(**settings)
    gate = StepGate(converter)
    assert (gate.needs, gate.block_needs, gate.pre_needs) == ({}, {}, {})
    blocks = converter.parser.blockprocessors
    assert not any(method in vars(blocks[name]) for name, (_, method, _) in BLOCK_SEARCHES.items())
    text = '!!! note "Call back"\n    Within a week.\n\n# Heading\n\n> quote'
    converter.reset()
    gate.use(text)
    assert converter.convert(text) == Markdown(**settings).convert(text)

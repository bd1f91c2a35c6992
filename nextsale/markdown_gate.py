"""Python-Markdown, converting only with the steps a text can use.

Python-Markdown tries every inline pattern on every piece of text and every
block step on every block, with a regex search each time, though most posts
use a few of them. A `StepGate` keeps one converter for many texts and, before
each conversion, leaves out the steps whose text (a character or two any match
needs) is nowhere in the source; and within a conversion, it passes over a
block or a piece of text without a step's text instead of searching it. The
HTML is the same as the full converter's, which `tests/test_markdown_gate.py`
checks on real posts and on generated ones. Only Python-Markdown's own steps,
as listed here, are gated: a converter with another extension's step before
the inline one keeps every step.
"""

from __future__ import annotations

from markdown import Markdown, inlinepatterns
from markdown.blockprocessors import (
    BlockQuoteProcessor,
    HashHeaderProcessor,
    HRProcessor,
    ReferenceProcessor,
)
from markdown.extensions.abbr import AbbrBlockprocessor
from markdown.extensions.def_list import DefListProcessor
from markdown.extensions.fenced_code import FencedBlockPreprocessor
from markdown.extensions.footnotes import FootnoteBlockProcessor
from markdown.extensions.tables import TableProcessor
from markdown.treeprocessors import InlineProcessor
from markdown.util import Registry

# Python-Markdown's own inline patterns, each with a text any match of it holds:
# a piece of text without it cannot match, and the inline step skips the pattern
# there. Everything that step reads comes from the source (or is a placeholder of
# letters and digits), so a pattern whose text is nowhere in the source is left
# out of the whole conversion. Either way the HTML is the same. Each pattern was
# tried on every piece of text; most posts use a few of the fifteen. A pattern
# some extension replaced (another regex) is always kept.
INLINE_NEEDS = {
    "backtick": (inlinepatterns.BACKTICK_RE, ("`",)),
    "escape": (inlinepatterns.ESCAPE_RE, ("\\",)),
    "footnote": (r"\[\^([^\]]*)\]", ("[^",)),
    "reference": (inlinepatterns.REFERENCE_RE, ("[",)),
    "link": (inlinepatterns.LINK_RE, ("[",)),
    "image_link": (inlinepatterns.IMAGE_LINK_RE, ("![",)),
    "image_reference": (inlinepatterns.IMAGE_REFERENCE_RE, ("![",)),
    "short_reference": (inlinepatterns.REFERENCE_RE, ("[",)),
    "short_image_ref": (inlinepatterns.IMAGE_REFERENCE_RE, ("![",)),
    "autolink": (inlinepatterns.AUTOLINK_RE, ("<",)),
    "automail": (inlinepatterns.AUTOMAIL_RE, ("<",)),
    "linebreak": (inlinepatterns.LINE_BREAK_RE, ("  ", "\t")),  # tabs become spaces first
    "html": (inlinepatterns.HTML_RE, ("<",)),
    "entity": (inlinepatterns.ENTITY_RE, ("&",)),
    "em_strong": (r"\*|_", ("*", "_")),
}
# Block steps of Python-Markdown's extensions that act only on a block holding
# their text (a footnote or abbreviation definition, a definition, a table row);
# tried on every block of every post, though few posts have any.
BLOCK_NEEDS = {
    "footnote": (FootnoteBlockProcessor, ("[^",)),
    "abbr": (AbbrBlockprocessor, ("*[",)),
    "deflist": (DefListProcessor, (":",)),
    "table": (TableProcessor, ("|",)),
}
# Steps before the blocks are parsed that search the whole text for their fence:
# without it they give the text back as it was.
PRE_NEEDS = {
    "fenced_code_block": (FencedBlockPreprocessor, ("```", "~~~")),
}
# Block steps that search each block they are tried on with a regex (every block
# that is not something else is tried on all of them before it becomes a
# paragraph), with the text any match needs: a block without it is passed over
# as the search would pass it, without searching. The method is the one that
# searches: `run` for the steps whose `test` always says yes.
BLOCK_SEARCHES = {
    "quote": (BlockQuoteProcessor, "test", (">",)),
    "hashheader": (HashHeaderProcessor, "test", ("#",)),
    "hr": (HRProcessor, "test", ("-", "_", "*")),
    "reference": (ReferenceProcessor, "run", ("]:",)),
    "footnote": (FootnoteBlockProcessor, "run", ("[^",)),
    "abbr": (AbbrBlockprocessor, "run", ("*[",)),
    "deflist": (DefListProcessor, "test", (":",)),
}
# The steps before the inline one in the extensions the site uses (extra, meta, toc,
# codehilite): none writes text of its own. Another extension's step might, so a
# converter with any other keeps every pattern.
KNOWN_BEFORE_INLINE = {
    "preprocessors": {"normalize_whitespace", "meta", "fenced_code_block", "html_block"},
    "blockprocessors": {
        "empty", "indent", "code", "hashheader", "setextheader", "hr", "olist", "ulist",
        "quote", "reference", "paragraph", "footnote", "defindent", "deflist", "table",
        "abbr", "markdown_block",
    },
    "treeprocessors": {"footnote", "hilite"},
}  # fmt: skip


def only_known_steps(converter: Markdown) -> bool:
    """Whether every step up to the inline one is Python-Markdown's own, as listed."""
    steps = {
        "preprocessors": converter.preprocessors,
        "blockprocessors": converter.parser.blockprocessors,
        "treeprocessors": converter.treeprocessors,
    }
    if "inline" not in converter.treeprocessors:
        return False
    inline = converter.treeprocessors["inline"]
    if (
        not isinstance(inline, InlineProcessor)
        or inline.inlinePatterns is not converter.inlinePatterns
    ):
        return False
    for kind, registry in steps.items():
        before = len(registry)
        if kind == "treeprocessors":
            before = registry.get_index_for_name("inline")
        known = [n for n in KNOWN_BEFORE_INLINE[kind] if n in registry]
        if sum(registry.get_index_for_name(n) < before for n in known) != before:
            return False
    return True


def gated_patterns(converter: Markdown) -> dict[str, tuple[str, ...]]:
    """The converter's inline patterns that can be left out of a text without their needs."""
    patterns = converter.inlinePatterns
    return {
        name: needs
        for name, (regex, needs) in INLINE_NEEDS.items()
        if name in patterns
        and getattr(patterns[name], "compiled_re", None) is not None
        and patterns[name].compiled_re.pattern == regex
    }


def gated_steps(steps: Registry, table: dict) -> dict[str, tuple[str, ...]]:
    """The steps of `steps` (a converter's preprocessors or block steps) that `table`
    lists, of the very class it names, with the texts they need (last in each entry)."""
    return {
        name: entry[-1]
        for name, entry in table.items()
        if name in steps and type(steps[name]) is entry[0]
    }


def gate_block_searches(converter: Markdown) -> None:
    """Have the converter's block steps search only blocks holding their text."""
    blocks = converter.parser.blockprocessors
    for name, needs in gated_steps(blocks, BLOCK_SEARCHES).items():
        method = BLOCK_SEARCHES[name][1]
        step = blocks[name]
        setattr(step, method, _searching_only(getattr(step, method), method, needs))


def holds_any(needs: tuple[str, ...]):
    """A test of whether a text holds any of `needs` (one `in` when there is one)."""
    if len(needs) == 1:
        (need,) = needs
        return lambda text: need in text
    return lambda text: any(n in text for n in needs)


def _searching_only(original, method: str, needs: tuple[str, ...]):
    holds = holds_any(needs)
    if method == "test":

        def test(parent, block: str) -> bool:
            return holds(block) and original(parent, block)

        return test

    def run(parent, blocks: list[str]):
        if not holds(blocks[0]):
            return False  # what the step returns when its search finds nothing
        return original(parent, blocks)

    return run


class GatedInlineProcessor(InlineProcessor):
    """Python-Markdown's inline step, trying a pattern on a piece of text only if
    the piece holds what any match of it needs (most pieces hold no '[' or '<')."""

    def __init__(self, converter: Markdown, needs: dict[int, tuple[str, ...]]) -> None:
        super().__init__(converter)
        # By id() of the pattern: whether a piece of text holds what it needs.
        self.needs = {pattern: holds_any(texts) for pattern, texts in needs.items()}

    # The step's own (name-mangled) method, called once per pattern and piece of text.
    def _InlineProcessor__applyPattern(self, pattern, data, patternIndex, startIndex=0):
        holds = self.needs.get(id(pattern))
        if holds is not None and not holds(data):
            return data, False, 0  # what the step itself returns when nothing matches
        return super()._InlineProcessor__applyPattern(pattern, data, patternIndex, startIndex)


# What stops the choice: an entity, and Python-Markdown's placeholder markers.
UNREAD_CHARACTERS = ("&", "\x02", "\x03")
# Python-Markdown's priority of its inline step.
INLINE_PRIORITY = 20


class StepGate:
    """Gives a converter only the inline patterns and block steps a text can use."""

    def __init__(self, converter: Markdown) -> None:
        self.converter = converter
        self.blocks = converter.parser.blockprocessors  # all of them, whatever a text uses
        self.preprocessors = converter.preprocessors
        self.kept: dict[tuple, tuple] = {}
        self.needs, self.block_needs, self.pre_needs = {}, {}, {}
        if not only_known_steps(converter):
            return  # another extension's step might write text: every step stays
        self.needs = gated_patterns(converter)
        self.block_needs = gated_steps(self.blocks, BLOCK_NEEDS)
        self.pre_needs = gated_steps(self.preprocessors, PRE_NEEDS)
        if self.needs:
            self.use_gated_step()
        gate_block_searches(converter)

    def use_gated_step(self) -> None:
        registry = self.converter.treeprocessors
        original, index = registry["inline"], registry.get_index_for_name("inline")
        patterns = self.converter.inlinePatterns
        step = GatedInlineProcessor(
            self.converter, {id(patterns[n]): needs for n, needs in self.needs.items()}
        )
        registry.register(step, "inline", INLINE_PRIORITY)
        if registry.get_index_for_name("inline") != index:  # another order: leave it as it was
            registry.register(original, "inline", INLINE_PRIORITY)
            self.needs = {}

    def use(self, text: str) -> None:
        """Leave out of the next conversion the steps `text` cannot use anywhere."""
        if not self.needs and not self.block_needs and not self.pre_needs:
            return
        # An entity might stand for any character, and the converter deletes the
        # characters it marks its placeholders with first: such a text keeps every step.
        absent: tuple = ((), (), ())
        if not any(c in text for c in UNREAD_CHARACTERS):
            absent = tuple(
                tuple(name for name, needs in table.items() if not any(n in text for n in needs))
                for table in (self.needs, self.block_needs, self.pre_needs)
            )
        kept = self.kept.get(absent)
        if kept is None:
            kept = self.kept[absent] = (
                tuple(without(self.converter.inlinePatterns, absent[0])),
                without(self.blocks, absent[1]),
                without(self.preprocessors, absent[2]),
            )
        # The inline step only counts its patterns and takes them by position:
        # a tuple answers at once (a registry sorts itself again each time).
        self.converter.treeprocessors["inline"].inlinePatterns = kept[0]
        self.converter.parser.blockprocessors = kept[1]
        self.converter.preprocessors = kept[2]


class ListedRegistry(Registry):
    """A copy of a Python-Markdown registry that lists its steps once.

    Python-Markdown's own sorts and lists them again at every loop over it, and
    the block parser loops over its steps once for every block of every post.
    Registering or deregistering in the copy still works and lists them again.
    """

    def __init__(self, registry: Registry | None = None) -> None:
        super().__init__()
        self._listed: list | None = None
        for entry in registry._priority if registry is not None else ():  # (name, priority)
            super().register(registry[entry.name], entry.name, entry.priority)

    def register(self, item, name: str, priority: float) -> None:
        self._listed = None
        super().register(item, name, priority)

    def deregister(self, name: str, strict: bool = True) -> None:
        self._listed = None
        super().deregister(name, strict)

    def __iter__(self):
        if self._listed is None:
            self._listed = list(super().__iter__())
        return iter(self._listed)


def without(registry: Registry, names: tuple[str, ...]) -> ListedRegistry:
    """A copy of a Markdown registry, in the same order, less `names`."""
    kept = ListedRegistry(registry)
    for name in names:
        kept.deregister(name)
    return kept

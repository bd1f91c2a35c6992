"""Writing Markdown: escaping plain text, making bare URLs links, rendering a post's body."""

from __future__ import annotations

import html as htmllib
import re

from nextsale.cruft.rules import URL_RE

from .model import Line


def md_escape(text: str, *, line_start: bool = False) -> str:
    """Escape plain text so Markdown shows it as written and runs no HTML."""
    text = text.replace("\\", "\\\\")
    text = re.sub(r"([`*_\[\]])", r"\\\1", text)
    text = re.sub(r"&(?=#?\w+;)", "&amp;", text).replace("<", "&lt;")
    if line_start:
        text = re.sub(r"^(\s*)([#>+=-])", r"\1\\\2", text)
        text = re.sub(r"^(\s*\d+)([.)])(\s)", r"\1\\\2\3", text)
    return text


def md_inline(text: str, *, line_start: bool = True) -> str:
    """Render a line of plain text: escaped, bare URLs made into links."""
    out, pos = [], 0
    for match in URL_RE.finditer(text):
        url = match.group(0).rstrip(".,;:!?")
        end = match.start() + len(url)
        out.append(md_escape(text[pos : match.start()], line_start=line_start and pos == 0))
        out.append(f"<{url}>")
        pos = end
    out.append(md_escape(text[pos:], line_start=line_start and pos == 0))
    return "".join(out)


def line_md(line: Line) -> str:
    return line.md if line.md is not None else md_inline(line.text)


def render_body(paragraphs: list[list[Line]]) -> str:
    """Render paragraphs of lines as Markdown blocks."""
    blocks: list[str] = []
    for para in paragraphs:
        run: list[Line] = []

        def flush(run=run):
            if run:
                blocks.append("  \n".join(line_md(line) for line in run))
                run.clear()

        i = 0
        while i < len(para):
            line = para[i]
            if line.kind in ("item", "ordered"):
                flush()
                items = []
                while i < len(para) and para[i].kind == line.kind:
                    marker = f"{len(items) + 1}." if line.kind == "ordered" else "-"
                    items.append(f"{marker} {line_md(para[i])}")
                    i += 1
                blocks.append("\n".join(items))
                continue
            if line.kind in ("quote", "cite"):
                flush()
                quote, cite = [], None
                while i < len(para) and para[i].kind in ("quote", "cite"):
                    if para[i].kind == "cite":
                        cite = para[i].text
                    else:
                        quote.append("> " + line_md(para[i]))
                    i += 1
                text = "\n>\n".join(quote)
                if cite:
                    text += f"\n>\n> — <cite>{htmllib.escape(cite, quote=False)}</cite>"
                blocks.append(text)
                continue
            if line.kind == "heading":
                flush()
                blocks.append("#" * max(2, min(line.level, 6)) + " " + line_md(line))
            elif line.kind == "pre":
                flush()
                fence = "~~~~" if "```" in line.text else "```"
                blocks.append(f"{fence}\n{line.text}\n{fence}")
            else:
                run.append(line)
            i += 1
        flush()
    return "\n\n".join(blocks)


ATX_RE = re.compile(r"^(#{1,6})([ \t]+.*?)?[ \t]*#*[ \t]*$")
SETEXT_RE = re.compile(r"^(=+|-+)[ \t]*$")
FENCE_RE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})")


def even_headings(body: str) -> tuple[str, list[tuple[int, int]]]:
    """Headings renumbered under the page's title (its one h1): the body's top
    level becomes h2 and no level is skipped, as the HTML checker and screen
    readers expect. Return the body and the (old, new) levels that changed."""
    lines = body.split("\n")
    found: list[tuple[int, int, bool]] = []  # line, level, setext
    fence = None
    for i, line in enumerate(lines):
        opened = FENCE_RE.match(line)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            continue
        if opened:
            fence = opened.group(1)
        elif (atx := ATX_RE.match(line)) and atx.group(2) is not None:
            found.append((i, len(atx.group(1)), False))
        elif (
            SETEXT_RE.match(line)
            and i
            and lines[i - 1].strip()
            and not re.match(r"^\s*([-*+]|\d+[.)])\s", lines[i - 1])
            and not (found and found[-1][0] == i - 1)
        ):
            found.append((i - 1, 1 if line.lstrip()[0] == "=" else 2, True))
    if not found:
        return body, []
    # Each heading sits one level below the nearest earlier heading of a higher
    # level (the outline the author meant), the outermost at h2.
    changed: list[tuple[int, int]] = []
    outline: list[tuple[int, int]] = []  # (level as written, level given)
    for i, level, setext in found:
        while outline and outline[-1][0] >= level:
            outline.pop()
        new = min(6, outline[-1][1] + 1 if outline else 2)
        outline.append((level, new))
        if new == level and not setext:
            continue
        text = lines[i].strip() if setext else ATX_RE.match(lines[i]).group(2).strip()
        lines[i] = "#" * new + " " + text
        if setext:
            lines[i + 1] = ""
        if new != level:
            changed.append((level, new))
    return "\n".join(lines), changed

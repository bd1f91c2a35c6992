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

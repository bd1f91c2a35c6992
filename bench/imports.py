"""How well each real input imports, ours beside Pelican's own `pelican-import`.

    python -m bench.imports [--no-build] [--markdown FILE]

For every input under tests/fixtures/import-*/ (real files from public
projects), import it into a fresh site, read what was written and build it
with the publish settings, strictly. Columns:

- written: articles and pages written;
- title, date, author, tags: share of written posts that have one;
- body kept: share of the source body's words found in the written body
  (the source body is the page's `expected.html` where the fixture has one,
  else the post's own HTML in the export), rendered as a reader sees it;
- cruft left: written paragraphs that are not body (mostly words that the
  expected text does not have, or a well-known piece of platform chrome);
- raw HTML: HTML tags left in the Markdown (outside code), which an author must edit by hand;
- builds: the strict publish build passes and no link is broken.

`pelican-import` runs on the inputs it reads (WordPress, Blogger, Medium,
feeds; it needs pandoc) and is measured the same way.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import markdown
from bs4 import BeautifulSoup

from nextsale import build as sitebuild
from nextsale import sitecheck
from nextsale.site import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
PUBLISH = PROJECT_ROOT / "publishconf.py"
TAG_RE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
CODE_RE = re.compile(r"^(```|~~~).*?^\1|`[^`\n]+`", re.S | re.M)
WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
# Platform chrome a reader recognises at once; counted only when the source body lacks it.
CHROME = (
    "share this", "like this:", "leave a reply", "leave a comment", "exported from medium",
    "canonical link", "min read", "powered by disqus", "related articles", "posted by",
    "tagged in", "categories:", "subscribe to", "sign up for", "follow us", "written by",
    "about the author", "read more", "click to share", "comments",
)  # fmt: skip
# The author's old address, given as --site-url (posts without their own address).
OLD_SITE = "https://old-blog.example/"
# pelican-import's switch for each format it reads.
PELICAN_IMPORT = {"wordpress": "--wpfile", "blogger": "--blogger", "medium": "--medium",
                  "feed": "--feed"}  # fmt: skip


@dataclass
class Input:
    """One input: its path, the format, and the expected body text where known."""

    name: str
    path: Path
    kind: str
    expected: Path | None = None


@dataclass
class Row:
    name: str
    written: int = 0
    counts: Counter = field(default_factory=Counter)
    kept: list[float] = field(default_factory=list)
    cruft: int = 0
    raw_html: int = 0
    builds: str = "—"
    note: str = ""

    def share(self, key: str) -> str:
        return f"{self.counts[key]}/{self.written}" if self.written else "—"

    def cells(self) -> list[str]:
        kept = f"{100 * sum(self.kept) / len(self.kept):.0f} %" if self.kept else "—"
        return [
            self.name, str(self.written), self.share("title"), self.share("date"),
            self.share("author"), self.share("tags"), kept, str(self.cruft), str(self.raw_html),
            self.builds,
        ]  # fmt: skip


def inputs() -> list[Input]:
    """Every real input the tests hold, with its format and expected text."""
    found = []
    for folder in sorted(FIXTURES.glob("import-*")):
        kind = folder.name.removeprefix("import-")
        if kind == "convert":
            continue  # article bodies only: the converter's own test
        for path in sorted(folder.iterdir()):
            if path.name.startswith(".") or path.suffix == ".py" or ".expected" in path.name:
                continue
            if path.name in {"SOURCES.md", "README.md"}:
                continue
            expected = None
            if path.is_dir() and (path / "source.html").is_file():
                expected = path / "expected.html" if (path / "expected.html").is_file() else None
                path = path / "source.html"  # noqa: PLW2901
            elif (same := FIXTURES / "import-pages" / path.stem / "expected.html").is_file():
                expected = same  # a text copy of a saved page: that page's true body
            name = f"{kind}/{path.parent.name if path.name == 'source.html' else path.name}"
            found.append(Input(name, path, kind, expected))
    return found


def words(text: str) -> Counter:
    return Counter(w.lower() for w in WORD_RE.findall(text))


def kept_share(reference: Counter, written: Counter) -> float:
    total = sum(reference.values())
    return sum((reference & written).values()) / total if total else 1.0


def html_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for el in soup(["script", "style", "nav", "header", "footer", "aside"]):
        el.decompose()
    return soup.get_text(" ")


def read_markdown(path: Path) -> tuple[dict[str, str], list[str], int]:
    """Front matter (Pelican's `Key: value` lines), the body's paragraphs as text and
    the number of HTML tags left in the Markdown."""
    text = path.read_text(encoding="utf-8")
    head, _, body = text.partition("\n\n")
    meta = {}
    for line in head.splitlines():
        key, sep, value = line.partition(":")
        if sep and value.strip():
            meta[key.strip().lower()] = value.strip()
    html = markdown.markdown(body, extensions=["extra"])
    soup = BeautifulSoup(html, "html.parser")
    blocks = [el.get_text(" ") for el in soup.find_all(["p", "li", "h1", "h2", "h3", "h4",
                                                        "td", "pre", "blockquote"])]  # fmt: skip
    raw = len(TAG_RE.findall(CODE_RE.sub("", body)))
    return meta, [b for b in blocks if b.strip()], raw


def measure(row: Row, files: list[Path], reference: dict[str, Counter], whole: Counter | None):
    """Fill `row` from written Markdown files; `reference` maps titles to source words."""
    for path in files:
        meta, blocks, raw = read_markdown(path)
        row.written += 1
        row.raw_html += raw
        for key in ("title", "date", "author"):
            row.counts[key] += bool(meta.get(key))
        # Tags kept: shown ones, and those kept for the taxonomy (Imported-Tags).
        row.counts["tags"] += bool(meta.get("tags") or meta.get("imported-tags"))
        body = words(" ".join(blocks))
        source = whole if whole is not None else reference.get(_key(meta.get("title", "")))
        if source:
            row.kept.append(kept_share(source, body))
        source_text = " ".join(source.elements()) if source else ""
        for block in blocks:
            block_words = words(block)
            if (
                whole is not None
                and sum(block_words.values()) >= 3
                and kept_share(block_words, whole) < 0.5
            ):
                row.cruft += 1
                continue
            low = block.lower()
            if any(p in low and p not in source_text for p in CHROME) and len(low) < 200:
                row.cruft += 1


def _key(title: str) -> str:
    return " ".join(WORD_RE.findall(title.lower()))


def export_reference(item: Input) -> dict[str, Counter]:
    """Each post's source body words, by title, as the export stores it."""
    from nextsale.importer.cli import READERS
    from nextsale.importer.detect import detect, reader_module

    try:
        module = reader_module(READERS[detect(item.path)])
    except Exception:  # not an export: no per-post reference
        return {}
    found: dict[str, Counter] = {}
    for post in module.iter_posts(item.path, {}, counts=Counter()):
        text = post.body_markdown if post.body_markdown is not None else html_text(post.body_html)
        found[_key(post.title)] = words(text)
    return found


def sample_site(site: Path) -> Path:
    """A copy of the sample site's content: an author imports into a working site."""
    content = site / "content"
    shutil.copytree(PROJECT_ROOT / "content", content)
    return content


def entries(report: Path) -> list[dict]:
    data = json.loads(report.read_text(encoding="utf-8"))
    return data["files"] if isinstance(data, dict) else data


def written_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.md") if p.is_file())


def ours(item: Input, site: Path, build: bool) -> Row:
    content = sample_site(site)
    report = site / "report.json"
    run = subprocess.run(
        [sys.executable, "-m", "nextsale.importer", str(item.path), "--settings",
         str(PROJECT_ROOT / "pelicanconf.py"), "--dest", str(content / "articles"),
         "--report", str(report), "--site-url", OLD_SITE],
        check=False, capture_output=True, text=True, cwd=PROJECT_ROOT,
    )  # fmt: skip
    row = Row(item.name)
    if not report.is_file():
        row.note = (run.stderr or run.stdout).strip().splitlines()[-1:]
        return row
    whole = words(html_text(item.expected.read_text(encoding="utf-8"))) if item.expected else None
    reference = {} if whole is not None else export_reference(item)
    files = [
        Path(r["output"])
        for r in entries(report)
        if r.get("output") and r["status"] in ("imported", "unchanged", "incomplete")
    ]
    measure(row, files, reference, whole)
    if run.returncode:
        row.note = f"exit {run.returncode}"
    if build:
        row.builds = build_result(content, site)
    return row


def pelican_import(item: Input, site: Path, build: bool) -> Row | None:
    fmt = {"wxr": "wordpress"}.get(item.kind, item.kind)
    switch = PELICAN_IMPORT.get(fmt)
    if switch is None or shutil.which("pandoc") is None:
        return None
    content = sample_site(site)
    (content / "articles" / "imported").mkdir()
    # pelican-import reads a Medium archive's posts/ folder, not the archive.
    source = item.path / "posts" if fmt == "medium" else item.path
    run = subprocess.run(
        [str(Path(sys.executable).with_name("pelican-import")), switch, str(source), "-o",
         str(content / "articles" / "imported"), "-m", "markdown"],
        check=False, capture_output=True, text=True,
    )  # fmt: skip
    row = Row(item.name)
    measure(row, written_files(content / "articles" / "imported"), export_reference(item), None)
    if run.returncode:
        row.note = f"exit {run.returncode}"
    if build and row.written:
        row.builds = build_result(content, site)
    return row


def build_result(content: Path, site: Path) -> str:
    """'yes' when the strict publish build passes and no link is broken, else why not."""
    published, relative = site / "published", site / "relative"
    with contextlib.redirect_stdout(io.StringIO()):  # Pelican's "Done: ..." lines
        result = sitebuild.build(PUBLISH, published, content=content, strict=True)
        dev = sitebuild.build(PROJECT_ROOT / "pelicanconf.py", relative, content=content)
    if not result.ok:
        first = result.problems[0] if result.problems else result.failed or ""
        return f"no (strict build: {first[:160]})"
    if not dev.ok:
        return "no (build)"
    broken = sitecheck.broken_links(relative, "thenextsale.example")
    return f"no ({len(broken)} broken links, first: {broken[0][:160]})" if broken else "yes"


HEADER = ["input", "written", "title", "date", "author", "tags", "body kept", "cruft left",
          "raw HTML", "builds"]  # fmt: skip


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in rows:
        cells = row.cells()
        if row.note:
            cells[-1] += f" ({row.note})" if isinstance(row.note, str) else ""
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true", help="skip the site builds")
    parser.add_argument("--markdown", type=Path, help="also write the tables to this file")
    parser.add_argument("--only", help="only inputs whose name contains this")
    args = parser.parse_args(argv)
    sitebuild.setup_logging(logging.WARNING)  # a strict build counts warnings
    mine, theirs = [], []
    for item in inputs():
        if args.only and args.only not in item.name:
            continue
        with tempfile.TemporaryDirectory(prefix="nextsale-imports-") as scratch:
            mine.append(ours(item, Path(scratch) / "ours", not args.no_build))
            other = pelican_import(item, Path(scratch) / "pelican", not args.no_build)
            if other is not None:
                theirs.append(other)
        print(" | ".join(mine[-1].cells()), file=sys.stderr)
    out = "## The Next Sale importer\n\n" + table(mine)
    out += "\n\n## pelican-import (Pelican 4.12), on the inputs it reads\n\n" + table(theirs)
    print(out)
    if args.markdown:
        args.markdown.write_text(out + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

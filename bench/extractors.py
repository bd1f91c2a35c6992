"""Which extraction library finds a saved page's post best: trafilatura or readability-lxml.

    python -m bench.extractors [FOLDER]

Runs each extractor, and the importer's whole reading of a page, on every
real saved page of FOLDER (default: the test fixtures in
tests/fixtures/import-pages) that comes with the text its publisher's reader
view keeps (`expected.html`), and prints per page and in total:

- kept (recall): the share of the expected text's words the extractor kept;
- chrome: the share of the extractor's words that are not in the expected text
  (menus, share bars, related posts, comments): 1 - precision.

Words are compared as multisets of lowercase words, so a word kept twice as
often as the page has it counts once as kept and once as chrome.
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import markdown
import trafilatura
from bs4 import BeautifulSoup
from readability import Document

from nextsale.cruft.rules import compile_rules
from nextsale.importer.model import FileReport
from nextsale.importer.saved import read_saved_page

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "fixtures" / "import-pages"
WORD_RE = re.compile(r"\w+")


def words(html: str | None) -> Counter:
    """Count the lowercase words of an HTML text."""
    if not html:
        return Counter()
    text = BeautifulSoup(html, "html.parser").get_text(" ")
    return Counter(w.lower() for w in WORD_RE.findall(text))


def trafilatura_precise(html: str) -> str | None:
    """Run trafilatura as the importer does by default."""
    return trafilatura.extract(
        html, output_format="html", include_comments=False, include_images=True,
        include_tables=True, include_links=True, include_formatting=True,
    )  # fmt: skip


def trafilatura_recall(html: str) -> str | None:
    """Run trafilatura leaning towards keeping more text."""
    return trafilatura.extract(
        html, output_format="html", include_comments=False, include_images=True,
        include_tables=True, include_links=True, include_formatting=True,
        favor_recall=True,
    )  # fmt: skip


def readability_summary(html: str) -> str | None:
    """Run readability-lxml's article finder."""
    return Document(html).summary(html_partial=True)


def importer(html: str) -> str | None:
    """Run the importer's own reading of a saved page (extraction, chrome rules, Markdown)."""
    _, body, _ = read_saved_page(html, compile_rules({}), FileReport("page"), "page")
    return markdown.markdown(body[0][0].md)


EXTRACTORS: dict[str, Callable[[str], str | None]] = {
    "trafilatura": trafilatura_precise,
    "trafilatura favor_recall": trafilatura_recall,
    "readability-lxml": readability_summary,
    "importer": importer,
}


def score(kept: Counter, expected: Counter) -> tuple[int, int, int]:
    """Return (expected words kept, words kept in all, words expected)."""
    return sum((kept & expected).values()), sum(kept.values()), sum(expected.values())


def measure(folder: Path = PAGES) -> dict[str, dict[str, tuple[int, int, int]]]:
    """Score every extractor on every page of `folder` that has an expected text."""
    results: dict[str, dict[str, tuple[int, int, int]]] = {}
    for page in sorted(p for p in folder.iterdir() if (p / "expected.html").is_file()):
        source = (page / "source.html").read_text(encoding="utf-8")
        expected = words((page / "expected.html").read_text(encoding="utf-8"))
        results[page.name] = {
            name: score(words(run(source)), expected) for name, run in EXTRACTORS.items()
        }
    return results


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "–"


def table(results: dict[str, dict[str, tuple[int, int, int]]]) -> str:
    """Render the results as a Markdown table with a totals row."""
    names = list(EXTRACTORS)
    head = "| page | words | " + " | ".join(f"{n} kept | {n} chrome" for n in names) + " |"
    rows = [head, "|" + "---|" * (2 + 2 * len(names))]
    totals = {n: [0, 0, 0] for n in names}
    for page, scores in results.items():
        cells = []
        for name in names:
            kept, out, expected = scores[name]
            cells += [percent(kept, expected), percent(out - kept, out)]
            totals[name] = [a + b for a, b in zip(totals[name], scores[name], strict=True)]
        expected_words = next(iter(scores.values()))[2]
        rows.append(f"| {page} | {expected_words} | " + " | ".join(cells) + " |")
    cells = []
    for name in names:
        kept, out, expected = totals[name]
        cells += [f"**{percent(kept, expected)}**", f"**{percent(out - kept, out)}**"]
    expected_words = totals[names[0]][2]
    rows.append(f"| **all** | {expected_words} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else PAGES
    started = time.perf_counter()
    results = measure(folder)
    print(table(results))
    print(f"\n{len(results)} pages in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

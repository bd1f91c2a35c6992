"""Saved pages of real blogs (Blogger, WordPress, Medium, Tumblr, Ghost-like and news
themes) import with their metadata, nearly all their text and none of their chrome.

The pages and the text their publisher's reader view keeps (`expected.html`,
`expected-metadata.json`) come from mozilla/readability's and trafilatura's
test suites (tests/fixtures/SOURCES.md).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import markdown
import pytest
from bs4 import BeautifulSoup

from nextsale.importer import import_posts, locate, main
from tests.conftest import FIXTURES

PAGES = FIXTURES / "import-pages"
WORD_RE = re.compile(r"\w+")


@dataclass
class Page:
    """What a reader of the page sees as its metadata, and its platform's chrome."""

    author: str | None
    date: str
    chrome: list[str]
    title: str | None = None  # when the reader view's title keeps the site's name
    kept: list[str] = field(default_factory=list)  # phrases of the post that must stay
    leave_out: str | None = None  # part of expected.html that is not the post


EXPECTATIONS = {
    "ars-1": Page("Dan Goodin", "2015-04-16", ["Previous story", "Powered by", "Reddit"]),
    "blog-python-org": Page(
        "Ned Deily", "2016-12-23",
        ["Newer Post", "Older Post", "BlogThis", "Share to Twitter", "Blog Archive"],
        kept=["Python 3.6.0 is the newest major release of the Python language"],
    ),
    "blogger": Page(
        "Andrew Zonenberg", "2016-05-08",
        ["Post a Comment", "Older Post", "BlogThis", "Share to Twitter", "Blog Archive",
         "Powered by", "Labels:", "Posted by"],
    ),
    "dropbox-blog": Page("Arun Sai Krishnan", "2020-11-11", ["Subscribe", "Privacy"]),
    "ebb-org": Page(
        "Bradley M. Kuhn", "2019-10-15", ["Powered by", "Submit comments", "Previous :"],
        title="On Recent Controversial Events",
    ),
    "firefox-nightly-blog": Page(
        "Mike Conley", "2020-12-18",
        ["Leave a Reply", "Alan Goodale", "Sign up", "Firefox Nightly News"],
        title="These Weeks in Firefox: Issue 85",
        leave_out="#comments",  # the readers' comments under the post
    ),
    "gitlab-blog": Page("Dave Steer", "2024-06-25", ["min read", "Sign up", "newsletter"]),
    "herald-sun-1": Page(
        # The page's byline and article:author; the reader view took the name from a
        # teaser card of another column.
        "Laurie Oakes", "2015-03-13",
        ["Most Popular", "Other Opinion Columns", "Wave of stupidity", "Starbeam"],
    ),
    "iab-1": Page(
        "Scott Cunningham", "2015-10-15", ["Sign up", "facebook.com/sharer", "Related"],
        title="Getting LEAN with Digital Ad UX",
    ),
    "lemire-me": Page(
        "Daniel Lemire", "2019-08-02",
        ["Leave a Reply", "Proudly powered", "Science and Technology links", "Skip to content"],
        kept=["I use a Skylake processor with GNU GCC 8.3.", "0.091 GB/s"],
    ),
    "lifehacker-post-comment-load": Page(
        "Patrick Allan", "2015-03-09", ["Reply", "Trending", "Share to Twitter", "Log in"]
    ),
    "medium-1": Page("Pippin Lee", "2015-03-17", ["Follow", "min read", "Sign up", "Sign in"]),
    "medium-2": Page(
        "Courtney Kirchoff", "2015-02-24",
        ["Follow", "min read", "Sign in", "Written on", "Will work for bacon"],
    ),
    "medium-3": Page(
        "John C. Welch", "2015-10-15", ["Follow", "min read", "Written by", "Responses"],
        title="Samantha and The Great Big Lie",
    ),
    "topicseed-1": Page(None, "2018-06-12", ["All rights reserved", "Privacy"]),
    "tumblr": Page(None, "2014-09-02", ["Powered by"]),
    "v8-blog": Page(
        "Alon Zakai", "2019-11-21", ["Tagged with", "Privacy", "Terms"],
        # The page's own heading; the reader view kept the HTML title.
        title="Outside the web: standalone WebAssembly binaries using Emscripten",
    ),
    "wordpress": Page(
        "Sarah Gooding", "2017-03-09", ["Share this", "Powered by", "Trending", "Reddit"]
    ),
}  # fmt: skip


def words(html: str) -> Counter:
    text = BeautifulSoup(html, "html.parser").get_text(" ")
    return Counter(w.lower() for w in WORD_RE.findall(text))


def read_article(path: Path) -> tuple[dict[str, str], str]:
    head, _, body = path.read_text(encoding="utf-8").partition("\n\n")
    meta = dict(line.split(": ", 1) for line in head.splitlines())
    return meta, body


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """Import every page once: {page name: (report, front matter, body HTML)}."""
    dest = tmp_path_factory.mktemp("pages")
    names = sorted(EXPECTATIONS)
    reports = import_posts([PAGES / name / "source.html" for name in names], dest)
    done = {}
    for name, report in zip(names, reports, strict=True):
        assert report.status == "imported", f"{name}: {report.status} {report.error}"
        meta, body = read_article(Path(report.output))
        done[name] = (report, meta, markdown.markdown(body))
    return done


def test_every_page_fixture_has_its_expectations():
    assert sorted(p.name for p in PAGES.iterdir() if p.is_dir()) == sorted(EXPECTATIONS)


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_metadata_is_what_the_page_shows(imported, name):
    _, meta, _ = imported[name]
    page = EXPECTATIONS[name]
    known = PAGES / name / "expected-metadata.json"
    expected = json.loads(known.read_text(encoding="utf-8")) if known.exists() else {}
    assert meta["Title"] == (page.title or expected.get("title") or meta["Title"])
    assert meta.get("Author") == page.author
    assert meta["Date"][:10] == page.date
    if expected.get("publishedTime"):
        assert meta["Date"][:10] == expected["publishedTime"][:10]
    assert meta["Imported-From"].startswith("http") or name in ("ebb-org", "v8-blog")


@pytest.mark.parametrize(
    "name", sorted(n for n in EXPECTATIONS if (PAGES / n / "expected.html").exists())
)
def test_body_keeps_the_expected_text(imported, name):
    _, _, body = imported[name]
    expected_html = (PAGES / name / "expected.html").read_text(encoding="utf-8")
    if EXPECTATIONS[name].leave_out:
        soup = BeautifulSoup(expected_html, "html.parser")
        for el in soup.select(EXPECTATIONS[name].leave_out):
            el.decompose()
        expected_html = str(soup)
    expected, kept = words(expected_html), words(body)
    share = sum((kept & expected).values()) / sum(expected.values())
    assert share >= 0.9, f"{name}: {share:.0%} of the expected words kept"


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_no_chrome_is_left_and_the_post_stays(imported, name):
    report, _, body = imported[name]
    text = " ".join(BeautifulSoup(body, "html.parser").get_text(" ").split())
    hrefs = " ".join(a["href"] for a in BeautifulSoup(body, "html.parser").find_all("a"))
    for phrase in EXPECTATIONS[name].chrome:
        assert phrase not in text and phrase not in hrefs, f"{name}: {phrase!r} left"
    for phrase in EXPECTATIONS[name].kept:
        assert phrase in text, f"{name}: {phrase!r} lost"
    assert report.removed, f"{name}: nothing reported as removed"


@pytest.mark.parametrize(
    "name", sorted(n for n in EXPECTATIONS if (PAGES / n / "expected.html").exists())
)
def test_images_are_kept_with_their_alt_text(imported, name):
    report, _, body = imported[name]
    expected = BeautifulSoup(
        (PAGES / name / "expected.html").read_text(encoding="utf-8"), "html.parser"
    )
    soup = BeautifulSoup(body, "html.parser")
    kept = {Path(img["src"]).name: img.get("alt", "") for img in soup.find_all("img")}
    for img in expected.find_all("img", alt=True):
        file = Path(img.get("src", "")).name
        if img["alt"].strip() and file in kept:
            assert kept[file] == img["alt"], f"{name}: alt of {file}"
    # The author's portrait by the byline is left out on purpose.
    author = EXPECTATIONS[name].author
    wanted = [i for i in expected.find_all("img", alt=True) if i["alt"].strip() not in ("", author)]
    with_alt = [i for i in soup.find_all("img") if i.get("alt")]
    assert len(with_alt) >= len(wanted) - (1 if name == "firefox-nightly-blog" else 0), name
    assert len(report.images) == len(soup.find_all("img"))


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_summary_is_a_sentence_of_the_post(imported, name):
    _, meta, _ = imported[name]
    summary = meta.get("Summary", "")
    assert len(summary.split()) >= 5, f"{name}: {summary!r}"
    assert "http" not in summary and "://" not in summary
    assert not re.match(r"(?i)(categor|tags?\b|labels|by\b|posted|share|follow)", summary)
    assert summary != meta["Title"]


def test_the_blogger_post_inside_its_widget_imports(imported):
    report, meta, body = imported["blogger"]
    assert 'class="widget Blog"' in (PAGES / "blogger" / "source.html").read_text().replace(
        "'", '"'
    )
    assert meta["Tags"] == "FPGA, Tools"
    assert "So what's a GreenPak?" in body
    # The widget rule removed the sidebar's widgets, never the one holding the post.
    assert any(r["rule"] == "sidebar-residue" for r in report.removed)
    assert not any("So what's a GreenPak?" in r["text"] for r in report.removed)


def test_a_page_cut_to_a_fragment_is_incomplete_and_fails_the_run(tmp_path, monkeypatch, capsys):
    """When the extraction keeps a fragment of the post, the article is written but
    the run is not a success: the report says so, with both word counts."""
    page = PAGES / "wordpress" / "source.html"
    real = locate.main_text

    def first_paragraph_only(html):
        text, library = real(html)
        return text.split("\n")[0], library

    monkeypatch.setattr(locate, "main_text", first_paragraph_only)
    monkeypatch.setattr("nextsale.importer.saved.main_text", first_paragraph_only)
    report_file = tmp_path / "report.json"
    code = main([str(page), "--dest", str(tmp_path / "out"), "--report", str(report_file)])
    assert code != 0
    entry = json.loads(report_file.read_text(encoding="utf-8"))["files"][0]
    assert entry["status"] == "incomplete"
    note = next(n for n in entry["notes"] if "words kept" in n)
    assert str(page) in note and "main text" in note
    kept, shown = (int(n) for n in re.findall(r"(\d+) words", note)[:2])
    assert kept < 0.4 * shown
    assert Path(entry["output"]).is_file()
    assert "incomplete" in capsys.readouterr().out

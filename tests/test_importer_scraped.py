"""Whole pages copied as text: the post is kept, the page around it is reported and goes.

The inputs are the visible text of real blog pages (menus, sidebars, share bars,
comment threads, bios and footers included), made by
tests/fixtures/import-scraped/make_text.py from mozilla/readability's test pages;
each page's expected.html (readability's own extraction, in import-pages/) is the true body.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import markdown
import pytest
from bs4 import BeautifulSoup

from nextsale.cruft.clean import clean_html
from nextsale.cruft.rules import RULES, compile_rules
from nextsale.importer import import_posts
from tests.conftest import FIXTURES

PAGES_DIR = FIXTURES / "import-scraped"
PAGES = sorted(path.stem for path in PAGES_DIR.glob("*.txt"))
WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# What each page shows about its post, read off the page by a person.
SHOWN = {
    "blogger": {
        "title": "Open Verilog flow for Silego GreenPak4 programmable logic devices",
        "author": "Andrew Zonenberg",
        "date": "2016-05-08",
    },
    "dropbox-blog": {
        "title": "How we designed Dropbox ATF: an async task framework",
        "author": "Arun Sai Krishnan",
        "date": "2020-11-11",
    },
    "ebb-org": {
        "title": "On Recent Controversial Events",
        "author": "Bradley M. Kuhn",
        "date": "2019-10-15",
    },
    "firefox-nightly-blog": {
        "title": "These Weeks in Firefox: Issue 85",
        "author": "Mike Conley",
        "date": "2020-12-18",
    },
    "gitlab-blog": {
        "title": "3 surprising findings from our 2024 Global DevSecOps Survey",
        "author": "Dave Steer",
        "date": "2024-06-25",
    },
    "iab-1": {
        "title": "Getting LEAN with Digital Ad UX",
        "author": "Scott Cunningham",
        "date": "2015-10-15",
    },
    "medium-1": {
        "title": "Open Journalism Project: Better Student Journalism",
        "author": "Pippin Lee",
    },
    "medium-2": {
        "title": "On Behalf of “Literally”",
        "author": "Courtney Kirchoff",
        "date": "2011-11-18",
    },
    "topicseed-1": {
        "title": "Content Depth — Write Comprehensively About Your Core Topics",
        "date": "2018-06-13",
    },
    "tumblr": {"title": "Minecraft 1.8 - The Bountiful Update"},
    "v8-blog": {
        "title": "Outside the web: standalone WebAssembly binaries using Emscripten",
        "author": "Alon Zakai",
        "date": "2019-11-21",
    },
    "wordpress": {
        "title": "Stack Overflow Jobs Data Shows ReactJS Skills in High Demand, "
        "WordPress Market Oversaturated with Developers",
        "author": "Sarah Gooding",
        "date": "2017-03-09",
    },
}
LEAVES = ["p", "li", "pre", "blockquote", "dd", "td"]
RULE_NAMES = {rule.name for rule in RULES} | {"tracking-shortlink", "duplicate-paragraph",
                                              "duplicate-title", "image-alt-residue"}  # fmt: skip


def words(text: str) -> list[str]:
    return [w.casefold().replace("’", "'") for w in WORD_RE.findall(text)]


def letters(text: str) -> str:
    """Only the letters of a text: spacing, numbering and punctuation set aside."""
    return "".join(words(text))


def expected_body(name: str) -> BeautifulSoup:
    """The page's true body; a comment thread readability kept is not part of it."""
    true_body = FIXTURES / "import-pages" / name / "expected.html"
    soup = BeautifulSoup(true_body.read_text("utf-8"), "html.parser")
    for thread in soup.find_all(id=re.compile("comment")):
        thread.decompose()
    return soup


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> dict:
    """Import every page once: {name: (report, front matter, body soup)}."""
    dest = tmp_path_factory.mktemp("articles")
    reports = import_posts([PAGES_DIR / f"{name}.txt" for name in PAGES], dest)
    result = {}
    for name, report in zip(PAGES, reports, strict=True):
        assert report.status == "imported", report.error
        head, _, body = Path(report.output).read_text(encoding="utf-8").partition("\n\n")
        meta = dict(line.split(": ", 1) for line in head.splitlines())
        result[name] = (report, meta, BeautifulSoup(markdown.markdown(body), "html.parser"))
    return result


def shown_text(meta: dict, body: BeautifulSoup) -> str:
    """What a reader of the imported post sees: its title and its body."""
    return meta["Title"] + "\n" + body.get_text(" ")


@pytest.mark.parametrize("name", PAGES)
def test_body_is_kept_and_the_page_around_it_goes(imported, name):
    _, meta, body = imported[name]
    truth = expected_body(name)
    expected = Counter(words(truth.get_text(" ")))
    shown = Counter(words(shown_text(meta, body)))
    kept = sum((expected & shown).values()) / sum(expected.values())
    # Chrome: the words of every block of the output that is not text of the true body.
    stream = letters(truth.get_text(" "))
    blocks = [
        b.get_text(" ")
        for b in body.find_all(["p", "li", "h2", "h3", "h4", "pre"])
        if not b.find(["p", "li"])
    ]
    chrome = [b for b in blocks if letters(b) not in stream]
    chrome_share = sum(len(words(b)) for b in chrome) / max(1, sum(len(words(b)) for b in blocks))
    assert kept >= 0.90, f"{name}: {kept:.1%} of the body's words kept (at least 90 % expected)"
    assert chrome_share <= 0.05, (
        f"{name}: chrome is {chrome_share:.1%} of the output (at most 5 % allowed): {chrome}"
    )


@pytest.mark.parametrize("name", PAGES)
def test_every_body_paragraph_survives(imported, name):
    """Every paragraph of the true body is in the post, or read as its metadata (a
    byline), or is the author's bio at its very end; sentences that merely mention
    sharing, photos or downloads stay."""
    report, meta, body = imported[name]
    shown = letters(shown_text(meta, body))
    consumed = [letters(entry["text"]) for entry in report.consumed]
    bios = [letters(e["text"]) for e in report.removed if e["rule"] == "author-bio"]
    leaves = [
        leaf
        for leaf in expected_body(name).find_all(LEAVES)
        if not leaf.find(LEAVES) and len(words(leaf.get_text(" "))) >= 2
    ]
    lost = []
    for position, leaf in enumerate(leaves):
        key = letters(leaf.get_text(" "))
        at_end = position >= len(leaves) - 2
        if key in shown or any(key in text or text in key for text in consumed if text):
            continue
        if not (at_end and any(key in text for text in bios)):
            lost.append(normalised(leaf.get_text(" ")))
    assert not lost, f"{name}: {len(lost)} paragraph(s) of the body lost: {lost}"


def normalised(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("name", PAGES)
def test_metadata_shown_on_the_page_is_read(imported, name):
    _, meta, _ = imported[name]
    shown = SHOWN[name]
    assert meta["Title"] == shown["title"]
    assert meta.get("Author") == shown.get("author")
    if "date" in shown:
        assert meta["Date"][:10] == shown["date"]
    else:
        assert meta["Status"] == "draft"


@pytest.mark.parametrize("name", PAGES)
def test_nothing_vanishes_silently(imported, name):
    """Each line of the copy is in the post, read as metadata, or removed by a named rule."""
    report, meta, body = imported[name]
    shown = letters(shown_text(meta, body) + " ".join(meta.values()))
    # A line may be reported in pieces: a copyright sentence read, the rest removed.
    pieces = sorted({letters(e["text"]) for e in report.removed + report.consumed}, key=len)
    assert {e["rule"] for e in report.removed} <= RULE_NAMES
    missing = []
    for line in (PAGES_DIR / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        rest = letters(line)
        if rest in shown or any(rest in piece for piece in pieces):
            continue
        for piece in reversed(pieces):
            if piece and piece in rest:
                rest = rest.replace(piece, "", 1)
        if rest and rest not in shown and not any(rest in piece for piece in pieces):
            missing.append(line)
    assert not missing, f"{name}: lines neither kept nor reported: {missing[:5]}"


def test_page_chrome_is_reported_by_the_rule_that_names_it(imported):
    def rules(name: str, text: str) -> set[str]:
        """The rules that removed `text` (a run of lines one rule took is one removal)."""
        return {e["rule"] for e in imported[name][0].removed if text in e["text"].split(" / ")}

    assert rules("blogger", "Powered by Blogger.") == {"engine-footer"}
    assert rules("blogger", "Post a Comment") == {"comment-form"}
    assert rules("blogger", "► 2015 (8)") == {"sidebar-residue"}
    assert rules("wordpress", "Share this:") == {"share-prompt"}
    assert rules("wordpress", "Subscribe to Blog via Email") == {"promo"}
    assert rules("wordpress", "There are 13 comments") == {"comment-count"}
    assert rules("medium-1", "11 min read") == {"reading-time"}
    assert rules("medium-1", "I don’t know much, so I better start here.") == {"author-bio"}
    assert rules("iab-1", "About the author") == {"author-bio"}
    # The comment thread goes whole, its commenters' bylines are not read as the author.
    _, meta, body = imported["wordpress"]
    assert "Barry Kooij" not in body.get_text() and meta["Author"] == "Sarah Gooding"


# --- the same behaviour on small copies written for these tests --------------------

TEASER = (
    "A returning buyer already trusts your delivery times, so the second order "
    "needs far less persuasion than the first"
)
BODY = [
    TEASER + ". Keep a note of what each customer bought and when.",
    "Call back within a week of delivery and ask one question about the order. "
    "People remember the shop that asked, and they share that story with friends.",
    "We photographed every shelf before the sale so nothing was forgotten, and "
    "readers who subscribe to the idea of follow-up calls will find it familiar.",
]


def import_text(tmp_path: Path, text: str, name: str = "copy.txt"):
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    report = import_posts([source], tmp_path / "out")[0]
    assert report.status == "imported", report.error
    head, _, body = Path(report.output).read_text(encoding="utf-8").partition("\n\n")
    meta = dict(line.split(": ", 1) for line in head.splitlines())
    paragraphs = [
        normalised(p.get_text(" "))
        for p in BeautifulSoup(markdown.markdown(body), "html.parser").find_all(["p", "li"])
    ]
    return report, meta, paragraphs


def rules_for(report, text: str) -> set[str]:
    return {e["rule"] for e in report.removed if text in e["text"]}


def test_a_repeated_or_cut_short_paragraph_is_kept_once_whole(tmp_path):
    text = "\n\n".join(
        [
            "The second order",
            "Posted on 9 March 2015 by Dana Whitfield",
            BODY[1],
            TEASER + "… Read more",
            BODY[0],
            BODY[1],
            BODY[2],
            BODY[1],  # a third copy, as a sticky header repeats it
            BODY[0][:60] + "...",
        ]
    )
    report, meta, paragraphs = import_text(tmp_path, text)
    assert paragraphs == [BODY[1], BODY[0], BODY[2]]
    assert meta["Date"] == "2015-03-09" and meta["Author"] == "Dana Whitfield"
    removed = [e["text"] for e in report.removed]
    for copy in (TEASER + "… Read more", BODY[1], BODY[0][:60] + "..."):
        assert copy in removed


@pytest.mark.parametrize(
    ("line", "author"),
    [
        ("Copyright 2015, Dana Whitfield", "Dana Whitfield"),
        ("© 2015 Dana Whitfield. All rights reserved.", "Dana Whitfield"),
        ("By Ruth Okafor", "Ruth Okafor"),
        ("Written by Ruth Okafor", "Ruth Okafor"),
        ("Posted by Ruth Okafor on March 9th, 2015", "Ruth Okafor"),
    ],
)
def test_a_copyright_line_or_byline_names_the_author(tmp_path, line, author):
    text = "\n\n".join(["The second order", line, *BODY])
    report, meta, paragraphs = import_text(tmp_path, text)
    assert meta["Author"] == author
    assert paragraphs == BODY
    assert any(line in e["text"] or e["text"] in line for e in report.consumed)


def test_a_bio_at_the_end_names_the_author_and_goes(tmp_path):
    bio = (
        "Ruth Okafor is a retail consultant who writes about repeat business for independent shops."
    )
    report, meta, paragraphs = import_text(
        tmp_path, "\n\n".join(["The second order", *BODY, "About the author", bio])
    )
    assert meta["Author"] == "Ruth Okafor"
    assert paragraphs == BODY
    assert rules_for(report, "Ruth Okafor is a retail consultant") == {"author-bio"}


CRUFT = {
    "Photo: Lena Marsh / Reuters": "sidebar-residue",
    "Image credit: Harbour Studio": "sidebar-residue",
    "Photograph by Tomas Reyes": "sidebar-residue",
    "(Getty Images)": "sidebar-residue",
    "Proudly powered by WordPress": "engine-footer",
    "Theme by Anders Noren.": "engine-footer",
    "Hosted on GitHub Pages": "engine-footer",
    "Sponsored by Harbour Street Consulting": "engine-footer",
    "Subscribe to our newsletter": "promo",
    "Download our free guide to repeat customers": "promo",
    "Click here to get the checklist": "promo",
    "Like this:": "share-prompt",
    "Loading...": "share-prompt",
    "Share this:": "share-prompt",
    "4 comments": "comment-count",
    "Leave a Reply": "reply-prompt",
}
SIDEBAR = [
    "Recent Posts",
    "Why referrals matter",
    "The follow-up call",
    "Archives",
    "March 2015",
    "February 2015",
    "Categories",
    "Customer Loyalty",
    "Retention",
]


def test_credits_sidebars_footers_promos_and_share_residue_go_by_rule(tmp_path):
    text = "\n\n".join(
        [
            "Home",
            "About",
            "Blog",
            "The second order",
            "March 9th, 2015",
            BODY[0],
            "Photo: Lena Marsh / Reuters",
            BODY[1],
            "Image credit: Harbour Studio",
            "Subscribe to our newsletter",
            BODY[2],
            "(Getty Images)",
            "Photograph by Tomas Reyes",
            "Click here to get the checklist",
            "Download our free guide to repeat customers",
            "Share this:",
            "Like this:",
            "Loading...",
            "4 comments",
            "Leave a Reply",
            *SIDEBAR,
            "Sponsored by Harbour Street Consulting",
            "Theme by Anders Noren.",
            "Hosted on GitHub Pages",
            "Proudly powered by WordPress",
        ]
    )
    report, meta, paragraphs = import_text(tmp_path, text)
    assert paragraphs == BODY
    assert meta["Title"] == "The second order" and meta["Date"] == "2015-03-09"
    for line, rule in CRUFT.items():
        assert rules_for(report, line) == {rule}, line
    for line in SIDEBAR:
        assert rules_for(report, line) <= {"sidebar-residue", "outside-post"}, line
        assert rules_for(report, line), line


def test_a_card_for_another_post_inside_the_text_goes(tmp_path):
    headline = "Why Regulars Stop Coming Back"
    text = "\n\n".join(
        ["The second order", "March 9th, 2015", BODY[0], f"{headline}   {headline}",
         "When a regular stops coming, the reason is rarely the price, and the… Read more",
         BODY[1], BODY[2]]
    )  # fmt: skip
    report, _, paragraphs = import_text(tmp_path, text)
    assert paragraphs == BODY
    assert rules_for(report, headline) == {"sidebar-residue"}
    assert rules_for(report, "the reason is rarely the price") == {"sidebar-residue"}


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("3/09/15", date(2015, 3, 9)),
        ("10.15.15", date(2015, 10, 15)),
        ("March 9th, 2015", date(2015, 3, 9)),
        ("Posted on 9 March 2015", date(2015, 3, 9)),
    ],
)
def test_dates_as_blogs_print_them_are_read(tmp_path, printed, expected):
    _, meta, paragraphs = import_text(tmp_path, "\n\n".join(["The second order", printed, *BODY]))
    assert meta["Date"][:10] == expected.isoformat()
    assert paragraphs == BODY


def test_imported_pages_build_into_the_site_without_their_chrome(imported, build_site):
    files = {}
    for name in ("blogger", "wordpress", "dropbox-blog"):
        output = Path(imported[name][0].output)
        files[f"articles/{output.name}"] = output.read_text(encoding="utf-8")
    site = build_site(files)
    # Slugs are cut at a hyphen to 80 characters.
    page = site.soup(
        "2017/stack-overflow-jobs-data-shows-reactjs-skills-in-high-demand-wordpress-market/"
        "index.html"
    )
    assert page.find("h1").get_text(strip=True) == SHOWN["wordpress"]["title"]
    content = page.select_one(".content").get_text(" ")
    assert "One commenter, Bruce Van Horn" in content
    for chrome in ("Share this:", "There are 13 comments", "Subscribe to Blog via Email",
                   "Powered by WordPress", "Recent Comments", "Barry Kooij"):  # fmt: skip
        assert chrome not in content


def test_an_articles_own_words_for_page_furniture_stay_in_the_build():
    """Sidebar headings are named only around a copied post; in an article they stay."""
    html = (
        "<h2>Menu</h2><p>Soup of the day and a sandwich.</p><h2>Tags</h2>"
        "<p>March 2015</p><p>Share the photo with the customers who subscribe.</p>"
        "<h2>Responses</h2><p>Get the list of customers who ordered twice.</p>"
    )
    cleaned, removed = clean_html(html, compile_rules({}))
    assert cleaned == html and not removed

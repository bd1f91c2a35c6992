"""HTML → Markdown on real articles, read back with the site's Markdown; dates as blogs print them.

The pages are mozilla/readability's test pages (real articles from Blogger,
WordPress, Medium, LWN, Wikipedia, a Sphinx manual, the V8 blog, an O'Reilly
book); each is converted, rendered with Python-Markdown and `extra` (what the
site runs), and compared with the source as a reader would see it.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path

import markdown
import pytest
from bs4 import BeautifulSoup, Tag
from lxml import etree

from nextsale.cruft.rules import compile_rules, normalise
from nextsale.importer.convert import html_to_markdown
from nextsale.importer.dates import format_date, parse_date
from nextsale.importer.model import FileReport, ImportFailure
from tests.conftest import FIXTURES

PAGES = FIXTURES / "import-convert"
# Pages shared with the saved-page tests whose whole source is the input.
WHOLE_PAGES = {"v8-blog"}
BASE = "https://old.example.org/2019/11/a-post/"
# Each page and the element holding its article.
ARTICLES = {
    "v8-blog": "article",
    "mercurial": "div.content",
    "google-sre-book-1": "main",
    "wikipedia-3": None,
    "dropbox-blog": None,
    "blogger": None,
    "lwn-1": None,
    "medium-3": None,
    "wordpress": None,
    "gitlab-blog": None,
    "topicseed-1": None,
}
RULES = compile_rules({})


def page_file(name: str) -> Path:
    """The page's file: its own here, else the saved-page fixture of the same name
    (readability's source.html, or its expected.html when that is the article)."""
    own = PAGES / f"{name}.html"
    if own.is_file():
        return own
    folder = FIXTURES / "import-pages" / name
    return folder / ("source.html" if name in WHOLE_PAGES else "expected.html")


@cache
def source(name: str) -> Tag:
    soup = BeautifulSoup(page_file(name).read_text(encoding="utf-8"), "html.parser")
    selector = ARTICLES.get(name)
    return soup.select_one(selector) if selector else soup.body or soup


def convert(name: str, base_url: str | None = BASE) -> tuple[str, FileReport]:
    report = FileReport(f"{name}.html")
    return html_to_markdown(source(name), RULES, report, base_url=base_url), report


def render(text: str) -> BeautifulSoup:
    html = markdown.Markdown(extensions=["extra"]).convert(text)
    return BeautifulSoup(html, "html.parser")


def words(tag: Tag) -> Counter:
    tag = BeautifulSoup(str(tag), "html.parser")
    for el in tag.find_all(["script", "style", "noscript", "iframe", "svg", "button", "form"]):
        el.decompose()
    return Counter(re.findall(r"\w+", tag.get_text(" ").lower()))


def own_rows(table: Tag) -> list[list[str]]:
    """A table's rows as cell texts (spaces aside), without empty trailing cells or rows."""
    rows = []
    for row in table.find_all("tr"):
        if row.find_parent("table") is not table:
            continue
        cells = ["".join(c.get_text().split()) for c in row.find_all(["td", "th"], recursive=False)]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            rows.append(cells)
    return rows


def is_data_table(table: Tag) -> bool:
    rows = own_rows(table)
    return not table.find("table") and not table.find_parent("table") and max(map(len, rows)) > 1


@pytest.mark.parametrize("name", sorted(ARTICLES))
def test_a_real_article_reads_the_same_once_converted_and_rendered(name):
    text, _ = convert(name)
    before, after = words(source(name)), words(render(text))
    kept = sum(min(n, after[w]) for w, n in before.items()) / sum(before.values())
    added = sum(max(0, n - before[w]) for w, n in after.items())
    assert kept >= 0.98, (name, kept, (before - after).most_common(10))
    assert added <= 10, (after - before).most_common(10)
    # Clean Markdown: one blank line between blocks, no trailing blanks or spaces.
    assert "\n\n\n" not in text and text == text.strip()
    for line in text.split("\n"):
        assert line == line.rstrip() or (line.endswith("  ") and line[:-2] == line[:-2].rstrip())
    # Nothing escaped that needs no escaping: underscores inside words stay bare.
    assert not re.search(r"[^\W_]\\_[^\W_]", text)


@pytest.mark.parametrize("name", ["lwn-1", "google-sre-book-1", "dropbox-blog", "wikipedia-3"])
def test_every_data_table_becomes_a_pipe_table_with_the_same_cells(name):
    text, _ = convert(name)
    tables = [own_rows(t) for t in source(name).find_all("table") if is_data_table(t)]
    rendered = [own_rows(t) for t in render(text).find_all("table")]
    assert tables and "| --- |" in text
    for rows in tables:
        assert rows in rendered, rows[:3]


def test_layout_tables_give_their_cells_and_captioned_images_become_figures():
    text, _ = convert("blogger")
    assert "| --- |" not in text  # the three tables only frame an image and its caption
    assert "\n\n*Schematic from hell!*\n\n" in text
    page = render(text)
    assert page.find("em", string="Schematic from hell!") is not None
    # LWN's side-by-side tables of developers become one pipe table each.
    lwn = render(convert("lwn-1")[0])
    heads = [normalise(t.find("th").get_text()) for t in lwn.find_all("table")]
    assert "By changesets" in heads and "By changed lines" in heads


def test_code_blocks_keep_their_language():
    text, _ = convert("v8-blog")
    languages = [
        c["class"][0] for c in source("v8-blog").select("pre > code[class]") if c.get("class")
    ]
    rendered = [c["class"][0] for c in render(text).select("pre > code[class]")]
    assert languages == rendered and {"language-js", "language-cpp"} <= set(rendered)
    assert "```js\n// load-add.js" in text
    # Sphinx marks the language on a wrapper: <div class="highlight-python">.
    sphinx = render(convert("mercurial")[0]).select("pre > code")
    assert len(sphinx) == len(source("mercurial").find_all("pre")) == 46
    assert {c.get("class", [""])[0] for c in sphinx} == {"language-python"}


@pytest.mark.parametrize(
    ("markup", "language"),
    [
        ('<pre class="brush: php; title: ;">echo $total;</pre>', "php"),
        ('<pre><code class="lang-ruby">puts total</code></pre>', "ruby"),
        (
            '<div class="highlight highlight-source-python"><pre>print(total)</pre></div>',
            "python",
        ),
        (
            '<div class="highlight-sql"><div class="highlight"><pre>SELECT 1;</pre></div></div>',
            "sql",
        ),
        ('<pre class="language-none">plain words</pre>', None),
    ],
)
def test_code_language_is_read_from_each_highlighter_s_markup(markup, language):
    code = render(html_to_markdown(markup, RULES, FileReport("x.html"))).find("code")
    assert code.get("class") == ([f"language-{language}"] if language else None)


@pytest.mark.parametrize("name", ["blogger", "wikipedia-3", "wordpress", "dropbox-blog", "v8-blog"])
def test_images_keep_their_number_and_alt_text_and_are_listed(name):
    text, report = convert(name)
    before = [i for i in source(name).find_all("img") if i.get("src")]
    after = render(text).find_all("img")
    assert len(after) == len(before) == len(report.images)
    for old, new in zip(before, after, strict=True):
        if old.get("alt"):
            assert new["alt"] == normalise(old["alt"])
        else:  # words of the file name stand in, and the report says so
            assert new["alt"] and any(new["alt"] in note for note in report.notes)
    assert [i["src"] for i in report.images] == [i["src"] for i in after]


@pytest.mark.parametrize("name", ["blogger", "wordpress", "wikipedia-3"])
def test_a_linked_image_stays_an_image_inside_its_link(name):
    text, _ = convert(name)
    linked = [i for i in source(name).find_all("img") if i.find_parent("a") and i.get("src")]
    after = [i for i in render(text).find_all("img") if i.find_parent("a")]
    assert linked and len(after) == len(linked)
    assert re.search(r"\[!\[.*?\]\([^)]+\)\]\([^)]+\)", text)


def test_figures_give_the_image_and_an_italic_caption_below():
    html = (
        '<figure><img src="/shop.jpg" alt="The shop" title="Our shop">'
        "<figcaption>Our first counter, <b>spring</b> 2014</figcaption></figure>"
    )
    text = html_to_markdown(html, RULES, FileReport("x.html"), base_url=BASE)
    assert text == (
        '![The shop](https://old.example.org/shop.jpg "Our shop")\n\n'
        "*Our first counter, **spring** 2014*"
    )
    # Without alt text, the caption (else the file's name) describes the image.
    report = FileReport("x.html")
    html = '<figure><img src="/counter-300x200.jpg"><figcaption>The till</figcaption></figure>'
    assert html_to_markdown(html, RULES, report).startswith("![The till](/counter-300x200.jpg)")
    report = FileReport("x.html")
    assert html_to_markdown('<img src="/team-lunch_2019-300x200.jpg">', RULES, report) == (
        "![team lunch 2019](/team-lunch_2019-300x200.jpg)"
    )
    assert report.notes == [
        "image /team-lunch_2019-300x200.jpg had no alt text; it now reads 'team lunch 2019'"
    ]


@pytest.mark.parametrize(("name", "count"), [("google-sre-book-1", 4), ("wikipedia-3", 5)])
def test_footnotes_become_python_markdown_footnotes(name, count):
    text, _ = convert(name)
    page = render(text)
    notes = page.select("div.footnote li")
    assert len(notes) == count and re.search(r"^\[\^\w+\]: \S", text, re.M)
    assert page.select("sup a.footnote-ref")
    for note in notes:  # the note's text, without the old page's "↩" links
        assert len(normalise(note.get_text())) > 20
    if name == "google-sre-book-1":
        assert "alert spam" in notes[0].get_text()
        assert "*email alerts*,[^22] and *pages*" in text


@pytest.mark.parametrize("name", ["gitlab-blog", "topicseed-1", "mercurial", "v8-blog"])
def test_headings_carry_no_permalink_residue(name):
    text, _ = convert(name)
    headings = [line for line in text.split("\n") if line.startswith("#")]
    assert headings
    assert not [h for h in headings if re.search(r"<#|¶|\(#|\s#$", h)]
    before = [normalise(h.get_text()).rstrip(" ¶#") for h in source(name).find_all(["h2", "h3"])]
    after = [normalise(h.get_text()) for h in render(text).find_all(["h2", "h3"])]
    assert after == before


def test_nested_lists_keep_their_depth():
    def items(tag: Tag) -> list[tuple[int, str]]:
        return [
            (len(li.find_parents(["ul", "ol"])), next(li.stripped_strings))
            for li in tag.find_all("li")
        ]

    text, _ = convert("mercurial")
    contents = source("mercurial").find("div", class_="contents")
    depths = items(contents)
    assert {d for d, _ in depths} == {1, 2, 3}
    assert items(render(text))[: len(depths)] == depths
    assert "\n        - [Setting up](#setting-up)" in text


def test_relative_links_and_images_become_absolute_and_are_reported():
    text, report = convert("base-url", base_url="http://fakehost/test/page.html")
    page = render(text)
    addresses = [a["href"] for a in page.find_all("a")] + [i["src"] for i in page.find_all("img")]
    assert all(url.startswith(("http://", "https://", "#")) for url in addresses), addresses
    assert "http://fakehost/foo/bar/baz.html" in addresses
    assert {"from": "foo/bar/baz.png", "to": "http://fakehost/test/foo/bar/baz.png",
            "why": "relative to the old site"} in report.links  # fmt: skip
    assert len(report.links) == 8  # five links and three images; "#foo" stays as it is
    # Without the old site's address they are kept, and listed as unknown.
    text, report = convert("base-url", base_url=None)
    assert "](foo/bar/baz.html)" in text
    assert {link["why"] for link in report.links} == {"relative, old site unknown"}


def test_cruft_and_dangerous_markup_are_removed_and_reported():
    text, report = convert("medium-3")
    assert "t.co/" not in text
    assert {"rule": "tracking-shortlink", "text": "http://t.co/u79ZLsnhdM"} in report.removed
    html = (
        '<div class="sharedaddy"><p>Share this:</p><a href="https://x.example/s">Share</a></div>'
        "<p>Regulars come back for the welcome.</p><p>Leave a Reply</p>"
        '<p onclick="steal()">Ask them <a href="javascript:steal()">what</a> they need.</p>'
        "<script>steal()</script>"
    )
    report = FileReport("x.html")
    text = html_to_markdown(html, RULES, report)
    assert text == "Regulars come back for the welcome.\n\nAsk them what they need."
    rules = [r["rule"] for r in report.removed]
    assert {"share-prompt", "reply-prompt", "sanitiser"} <= set(rules)
    assert "table" not in rules  # a table cell reading "Home" or "May 2014" is data


def test_a_quote_s_cite_becomes_its_last_line():
    html = (
        "<blockquote><p>Sell to the same customer twice.</p>"
        "<footer>— <cite>Rosa Alvarez</cite></footer></blockquote>"
        '<blockquote class="wp-block-quote"><p>Write it down.</p>'
        "<cite>Sam Ortiz</cite></blockquote>"
    )
    text = html_to_markdown(html, RULES, FileReport("x.html"))
    assert text == (
        "> Sell to the same customer twice.\n>\n> — Rosa Alvarez\n\n<!-- -->\n\n"
        "> Write it down.\n>\n> — Sam Ortiz"
    )
    assert len(render(text).find_all("blockquote")) == 2


def test_markdown_characters_in_text_stay_text():
    html = (
        "<p># of calls per day<br>- Follow up within 2_days * 3 = 6_days<br>=====<br>+ one</p>"
        "<p>1. Ask, then <code>a_b*c</code>, not *this* or [^1] or &lt;b&gt;</p>"
        "<ul><li>snake_case and __init__</li></ul>"
    )
    text = html_to_markdown(html, RULES, FileReport("x.html"))
    page = render(text)
    assert normalise(page.get_text(" ")) == normalise(
        BeautifulSoup(html, "html.parser").get_text(" ")
    )
    assert page.find(["h1", "h2", "em", "strong", "ol"]) is None and len(page("ul")) == 1
    assert "snake_case" in text and "2_days * 3" in text


def test_wordpress_post_bodies_keep_their_words():
    ns = {"content": "http://purl.org/rss/1.0/modules/content/"}
    tree = etree.parse(str(FIXTURES / "import-wxr" / "wordpressexport.xml"))
    bodies = [b for b in tree.findall(".//item/content:encoded", ns) if (b.text or "").strip()]
    assert len(bodies) >= 8
    for body in bodies:
        text = html_to_markdown(body.text, RULES, FileReport("wordpressexport.xml"))
        before = words(BeautifulSoup(body.text, "html.parser"))
        after = words(render(text))
        assert sum((before & after).values()) >= 0.95 * sum(before.values()), before - after


def test_markup_nested_too_deeply_is_refused_by_name():
    with pytest.raises(ImportFailure, match=r"^deep\.html: nested too deeply"):
        html_to_markdown("<div>" * 300 + "x", RULES, FileReport("deep.html"))


# --- dates -----------------------------------------------------------------------

LONDON = {"TIMEZONE": "Europe/London", "DEFAULT_LANG": "en"}
UTC_MINUS_5 = timezone(timedelta(hours=-5))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-03-09T10:00:00-05:00", datetime(2015, 3, 9, 10, 0, tzinfo=UTC_MINUS_5)),
        ("2015-10-15T02:19:15.607Z", datetime(2015, 10, 15, 2, 19, 15, 607000, tzinfo=UTC)),
        ("2017-03-09T23:16:02+00:00", datetime(2017, 3, 9, 23, 16, 2, tzinfo=UTC)),
        (
            "2016-10-06 11:10:38 -0700",
            datetime(2016, 10, 6, 11, 10, 38, tzinfo=timezone(timedelta(hours=-7))),
        ),
        ("Mon, 09 Mar 2015 10:00:00 +0000", datetime(2015, 3, 9, 10, 0, tzinfo=UTC)),
        ("Mon, 09 Mar 2015 10:00:00 EST", datetime(2015, 3, 9, 10, 0, tzinfo=UTC_MINUS_5)),
        ("2012-02-17 15:11", datetime(2012, 2, 17, 15, 11)),
        ("March 31, 2007 at 9:15 pm", datetime(2007, 3, 31, 21, 15)),
        ("March 9, 2015", date(2015, 3, 9)),
        ("9 March 2015", date(2015, 3, 9)),
        ("3/09/15", date(2015, 3, 9)),
        ("10.15.15", date(2015, 10, 15)),
        ("Tuesday, October 6, 2016", date(2016, 10, 6)),
        ("Posted on 31st of March 2007", date(2007, 3, 31)),
        ("2024-06-25", date(2024, 6, 25)),
        ("31/03/2007", date(2007, 3, 31)),  # only one reading is possible
    ],
)
def test_dates_as_blogs_print_them_are_read(text, expected):
    found = parse_date(text)
    assert found == expected and type(found) is type(expected)
    if isinstance(expected, datetime):
        assert (found.tzinfo is None) == (expected.tzinfo is None)


def test_the_date_printed_on_a_real_page_is_read():
    stamp = source("v8-blog").find_parent("body").find("time")
    assert parse_date(stamp.get_text()) == parse_date(stamp["datetime"]) == date(2019, 11, 21)


@pytest.mark.parametrize(
    ("text", "settings", "expected"),
    [
        ("9. März 2015", {"DEFAULT_LANG": "de"}, date(2015, 3, 9)),
        (
            "Dienstag, 6. Oktober 2016, 14:30 Uhr",
            {"DEFAULT_LANG": "de"},
            datetime(2016, 10, 6, 14, 30),
        ),
        ("9 mars 2015", {"DEFAULT_LANG": "fr"}, date(2015, 3, 9)),
        ("March 9, 2015", {"DEFAULT_LANG": "de"}, date(2015, 3, 9)),  # English still read
        ("3/09/15", {"DEFAULT_LANG": "de"}, date(2015, 9, 3)),  # day first
        ("3/09/15", {"DEFAULT_LANG": "en", "LOCALE": "en_GB.UTF-8"}, date(2015, 9, 3)),
        ("3/09/15", {"DEFAULT_LANG": "en", "LOCALE": ("C.UTF-8", "C")}, date(2015, 3, 9)),
        ("9 March 2015", {"DEFAULT_LANG": "tlh"}, date(2015, 3, 9)),  # unknown: English
    ],
)
def test_the_site_language_and_locale_guide_the_reading(text, settings, expected):
    assert parse_date(text, settings) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Posted by Jo",
        "Dana Whitfield",
        "2015",
        "12",
        "1425895200",
        "March 2015",
        "March 9",
        "13/13/15",
        "February 30, 2015",
        "version 1.2.3",
        "2 days ago",
        "",
        "Read the whole story about the March 9, 2015 launch of our loyalty cards here",
    ],
)
def test_what_is_not_plainly_a_date_is_refused(text):
    assert parse_date(text) is None


def test_dates_are_written_in_the_site_timezone():
    morning = parse_date("2015-03-09T10:00:00-05:00")
    assert format_date(morning, LONDON) == "2015-03-09 15:00"  # GMT in March
    assert format_date(parse_date("2016-07-01T09:30:00-04:00"), LONDON) == "2016-07-01 14:30"
    assert format_date(morning, {}) == "2015-03-09 15:00"  # no TIMEZONE: UTC, as Pelican
    assert format_date(morning) == "2015-03-09 10:00"  # no settings: its own clock
    assert format_date(parse_date("March 31, 2007 at 9:15 pm"), LONDON) == "2007-03-31 21:15"
    assert format_date(parse_date("March 9, 2015"), LONDON) == "2015-03-09"
    with pytest.raises(ImportFailure, match=r"TIMEZONE 'Mars/Olympus'.*pelicanconf\.py"):
        format_date(morning, {"TIMEZONE": "Mars/Olympus"})


def test_same_page_links_lead_to_the_headings_the_site_names():
    # The real page's contents list links to headings by ids the Markdown cannot
    # keep; the build's toc extension names each heading from its text.
    page = (FIXTURES / "import-pages" / "topicseed-1" / "source.html").read_text(encoding="utf-8")
    text = html_to_markdown(page, RULES, FileReport("topicseed-1.html"))
    html = markdown.Markdown(extensions=["extra", "toc"]).convert(text)
    soup = BeautifulSoup(html, "html.parser")
    targets = [a["href"][1:] for a in soup.find_all("a", href=True) if a["href"][1:2]
               and a["href"].startswith("#") and not a["href"].startswith("#fn")]  # fmt: skip
    assert targets, "the page links to its own headings"
    ids = {el["id"] for el in soup.find_all(id=True)}
    assert [t for t in targets if t not in ids] == []

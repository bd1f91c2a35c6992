"""The theme, read the way a reader and a search engine read the built pages."""

from __future__ import annotations

import gzip
import json
import re
from datetime import datetime
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT, Site, article

CANONICAL = "https://thenextsale.example"
HOSTILE_ATTR = 'x" autofocus onfocus="alert(1)'
HOSTILE_TEXT = '<Price> & "Value"'
THEME_CSS = ROOT / "theme" / "static" / "css" / "style.css"


def words(n: int) -> str:
    """Return a body of exactly n words."""
    return " ".join(["customer"] * n)


def resolve(site: Site, page: Path, href: str) -> Path | None:
    """Return the output file a relative or root link points to, None if external."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    base = site.output if path.startswith("/") else page.parent
    target = (base / path.lstrip("/")).resolve()
    if href.split("#", maxsplit=1)[0].endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


def html_files(site: Site) -> list[Path]:
    return [p for p in site.files() if p.suffix == ".html"]


def rel(site: Site, page: Path) -> str:
    return page.relative_to(site.output).as_posix()


def listed_titles(soup: BeautifulSoup) -> set[str]:
    """Titles of posts linked from the main part of a listing page."""
    main = soup.find("main")
    return {a.get_text(strip=True) for a in main.select(".dated a, .summary h2 a")}


# A small site used by most tests: two authors, two categories, shared tags.
SMALL = {
    "articles/one.md": article(
        "First order",
        words(700),
        date="2023-01-10 09:00",
        category="Retention",
        tags="repeat business, trust",
        author="Mara Ellison",
        slug="first-order",
    ),
    "articles/two.md": article(
        "Second order",
        "See [the first post]({filename}/articles/one.md) first.",
        date="2023-06-05 09:00",
        category="Referrals",
        tags="referrals, trust",
        author="Tom Okafor",
        slug="second-order",
    ),
    "articles/three.md": article(
        "Third order",
        words(20),
        date="2024-02-20 09:00",
        category="Retention",
        tags="repeat business",
        author="Tom Okafor",
        slug="third-order",
        summary="A short summary for the third post.",
    ),
    "pages/about.md": "Title: About\nSlug: about\nSummary: Who we are.\n\nHello.\n",
}


@pytest.fixture
def small(build_site) -> Site:
    return build_site(SMALL)


# --- article page ---------------------------------------------------------


def test_article_page_shows_title_date_author_category_tags_reading_time(small):
    soup = small.soup("2023/first-order/index.html")
    main = soup.find("main", id="main")
    assert main.find("h1").get_text(strip=True) == "First order"
    published = main.find("time")
    assert datetime.fromisoformat(published["datetime"]).date().isoformat() == "2023-01-10"
    assert "10 January 2023" in published.get_text()
    author = main.find("a", rel="author")
    assert author.get_text(strip=True) == "Mara Ellison"
    assert resolve(small, small.path("2023/first-order/index.html"), author["href"]).is_file()
    tag_links = {a.get_text(strip=True) for a in main.select("a[rel~=tag]")}
    assert tag_links == {"repeat business", "trust"}
    assert any(a.get_text(strip=True) == "Retention" for a in main.find_all("a"))
    # 700 words at 230 a minute is 3.04 minutes: rounded up to 4.
    assert main.select_one(".reading-time").get_text(strip=True) == "4 min read"


def test_reading_time_is_at_least_one_minute(small):
    soup = small.soup("2024/third-order/index.html")
    assert soup.select_one(".reading-time").get_text(strip=True) == "1 min read"


def test_modified_date_is_shown_when_set(build_site):
    site = build_site(
        {"articles/a.md": article("Edited post", modified="2024-04-02 10:00", slug="edited")}
    )
    times = site.soup("2024/edited/index.html").find("main").find_all("time")
    assert [t["datetime"][:10] for t in times] == ["2024-03-01", "2024-04-02"]


def test_questions_link_is_a_prefilled_mailto(build_site):
    site = build_site(
        {"articles/a.md": article(HOSTILE_TEXT, slug="q")},
        QUESTIONS_EMAIL="ask@example.org",
        QUESTIONS_SUBJECT="About {title}",
    )
    link = site.soup("2024/q/index.html").find("a", string=re.compile("Questions"))
    href = link["href"]
    assert href.startswith("mailto:ask@example.org?subject=")
    subject = href.split("subject=", 1)[1]
    assert " " not in subject and "&" not in subject
    assert unquote(subject) == f"About {HOSTILE_TEXT}"


def test_no_questions_link_when_turned_off(build_site):
    site = build_site({"articles/a.md": article("Quiet", slug="quiet")}, QUESTIONS_EMAIL=None)
    soup = site.soup("2024/quiet/index.html")
    # The only address left is the newsletter's mailto sign-up.
    mailtos = [a["href"] for a in soup.find_all("a", href=re.compile("^mailto:"))]
    assert all(href.endswith("?subject=subscribe") for href in mailtos), mailtos
    assert "write to us" not in soup.get_text()
    assert "Questions?" not in soup.get_text()


# --- index and pagination -------------------------------------------------


def test_index_paginates_with_rel_links_and_page_count(build_site):
    files = {
        f"articles/p{i}.md": article(
            f"Post number {i}", date=f"2024-01-{i:02d} 09:00", slug=f"post-{i}"
        )
        for i in range(1, 8)
    }
    site = build_site(files, DEFAULT_PAGINATION=3)
    first, second, third = (
        site.path(p) for p in ("index.html", "page/2/index.html", "page/3/index.html")
    )
    assert second.is_file() and third.is_file()
    assert not site.path("page/4/index.html").exists()

    seen = []
    for page in (first, second, third):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        seen += [a.get_text(strip=True) for a in soup.select("main .summary h2 a")]
        head_rel = {
            link["rel"][0]: link["href"]
            for link in soup.head.find_all("link")
            if link.get("rel") in (["prev"], ["next"])
        }
        nav = soup.find("nav", attrs={"aria-label": "Pages"})
        body_rel = {a["rel"][0]: a["href"] for a in nav.find_all("a")}
        assert head_rel == body_rel
        for href in body_rel.values():
            assert resolve(site, page, href).is_file(), href
        number = [first, second, third].index(page) + 1
        assert f"Page {number} of 3" in nav.get_text()
        assert ("prev" in body_rel) == (number > 1)
        assert ("next" in body_rel) == (number < 3)
    # Newest first, each post exactly once across the pages.
    assert seen == [f"Post number {i}" for i in range(7, 0, -1)]
    soup2 = BeautifulSoup(second.read_text(encoding="utf-8"), "html.parser")
    assert resolve(site, second, soup2.find("a", rel="prev")["href"]) == first.resolve()


def test_compact_listings_hold_25_posts_a_page_the_index_six(build_site):
    """Tag, category and author pages list a title and a date a line: 25 to a
    page, while the index's summaries stay six to a page."""
    files = {
        f"articles/p{i}.md": article(
            f"Post number {i}",
            date=f"2024-02-{i % 28 + 1:02d} 09:{i:02d}",
            slug=f"post-{i}",
            tags="follow-up",
            category="Retention",
        )
        for i in range(1, 31)
    }
    site = build_site(files)
    for listing in ("tags/follow-up/", "category/retention/"):
        first = site.soup(f"{listing}index.html").select("main ul.dated li")
        second = site.soup(f"{listing}page/2/index.html").select("main ul.dated li")
        assert (len(first), len(second)) == (25, 5), listing
        assert not site.path(f"{listing}page/3/index.html").exists()
    assert len(site.soup("index.html").select("main .summary")) == 6
    assert site.path("page/5/index.html").is_file()


def test_single_page_index_has_no_pagination(small):
    soup = small.soup("index.html")
    assert not soup.find("nav", attrs={"aria-label": "Pages"})
    assert not soup.head.find("link", rel="next")
    assert listed_titles(soup) == {"First order", "Second order", "Third order"}


# --- listing pages ----------------------------------------------------------


def test_category_tag_author_and_archive_pages_list_the_right_posts(small):
    expect = {
        "category/retention/index.html": {"First order", "Third order"},
        "category/referrals/index.html": {"Second order"},
        "tags/trust/index.html": {"First order", "Second order"},
        "tags/repeat-business/index.html": {"First order", "Third order"},
        "authors/tom-okafor/index.html": {"Second order", "Third order"},
        "authors/mara-ellison/index.html": {"First order"},
        "archives/index.html": {"First order", "Second order", "Third order"},
        "archives/2023/index.html": {"First order", "Second order"},
        "archives/2024/02/index.html": {"Third order"},
    }
    for page, titles in expect.items():
        soup = small.soup(page)
        assert listed_titles(soup) == titles, page
        assert len(soup.find_all("h1")) == 1
        for time in soup.find("main").select(".dated time"):
            datetime.fromisoformat(time["datetime"])


def test_archive_lists_newest_first_with_dates(small):
    items = small.soup("archives/index.html").select("main .dated li")
    assert [li.a.get_text() for li in items] == [
        "Third order",
        "Second order",
        "First order",
    ]
    assert items[0].time.get_text() == "20 February 2024"


def test_tags_index_shows_counts_and_weights(small):
    cloud = small.soup("tags/index.html").select("main .cloud a")
    counts = {
        a.contents[0].strip(): a.select_one(".count").get_text(" ", strip=True) for a in cloud
    }
    assert counts == {
        "referrals": "1 post",
        "repeat business": "2 posts",
        "trust": "2 posts",
    }
    weights = {a.contents[0].strip(): a["class"][0] for a in cloud}
    assert weights["trust"] == "w5" and weights["referrals"] in {"w1", "w2", "w3"}


def test_category_and_author_indexes_count_posts(small):
    cats = small.soup("category/index.html").select("main .index-list li")
    assert [li.get_text(" ", strip=True) for li in cats] == [
        "Referrals 1 post",
        "Retention 2 posts",
    ]
    authors = small.soup("authors/index.html").select("main .index-list li")
    assert [li.get_text(" ", strip=True) for li in authors] == [
        "Mara Ellison 1 post",
        "Tom Okafor 2 posts",
    ]


def test_draft_and_future_posts_stay_out_of_listings(build_site):
    files = dict(SMALL)
    files["articles/draft.md"] = article(
        "Unfinished draft",
        date="2024-02-01 09:00",
        status="draft",
        category="Retention",
        tags="trust",
        author="Tom Okafor",
        slug="draft",
    )
    files["articles/future.md"] = article(
        "Scheduled for later",
        date="2031-01-06 08:00",
        category="Retention",
        tags="trust",
        author="Tom Okafor",
        slug="later",
    )
    site = build_site(files, WITH_FUTURE_DATES=False)
    listings = [
        "index.html",
        "tags/index.html",
        "tags/trust/index.html",
        "category/retention/index.html",
        "archives/index.html",
        "authors/tom-okafor/index.html",
        "authors/index.html",
        "category/index.html",
    ]
    for page in listings:
        text = site.soup(page).get_text()
        assert "Unfinished draft" not in text, page
        assert "Scheduled for later" not in text, page
    assert not site.path("archives/2031/index.html").exists()
    assert "2031" not in site.soup("index.html").find("footer", class_="site-footer").get_text()


def test_footer_year_is_the_newest_post_not_the_clock(build_site):
    site = build_site(
        {
            "articles/a.md": article(
                "Old post",
                date="2018-05-01 09:00",
                slug="old",
                tags="trust",
                category="Referrals",
            ),
            "articles/b.md": article("Newer post", date="2019-07-01 09:00", slug="newer"),
            "pages/about.md": "Title: About\nSlug: about\n\nHello.\n",
        }
    )
    # The tag, category and 2018 archive pages only list the 2018 post, yet
    # the site's newest post is from 2019.
    for page in (
        "index.html",
        "about/index.html",
        "2018/old/index.html",
        "tags/index.html",
        "tags/trust/index.html",
        "category/referrals/index.html",
        "archives/2018/index.html",
        "404.html",
    ):
        footer = site.soup(page).find("footer", class_="site-footer").get_text(" ", strip=True)
        assert "© 2019 The Next Sale" in footer, page


# --- links ----------------------------------------------------------------


def test_filename_links_resolve_to_written_pages(small):
    page = small.path("2023/second-order/index.html")
    link = small.soup("2023/second-order/index.html").select_one(".content a")
    assert link.get_text() == "the first post"
    target = resolve(small, page, link["href"])
    assert target == small.path("2023/first-order/index.html").resolve()
    assert target.is_file()


def test_every_internal_link_and_asset_exists(small):
    for page in html_files(small):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for tag in soup.find_all(["a", "link", "img"]):
            href = tag.get("href") or tag.get("src")
            if not href or href.startswith(("mailto:", "data:", "#")):
                continue
            if tag.name == "link" and tag.get("rel") == ["canonical"]:
                continue
            target = resolve(small, page, href)
            assert target is not None, f"{rel(small, page)} links off-site: {href}"
            assert target.is_file(), f"{rel(small, page)}: broken {href}"


def test_nav_marks_the_current_page(small):
    expect = {
        "index.html": "Home",
        "tags/index.html": "Tags",
        "archives/index.html": "Archives",
        "about/index.html": "About",
    }
    for page, label in expect.items():
        nav = small.soup(page).find("nav", attrs={"aria-label": "Main"})
        current = nav.select('[aria-current="page"]')
        assert [a.get_text(strip=True) for a in current] == [label], page
    nav = small.soup("2023/first-order/index.html").find("nav", attrs={"aria-label": "Main"})
    assert not nav.select('[aria-current="page"]')


def test_404_links_from_the_site_root(small):
    soup = small.soup("404.html")
    assert soup.find("h1")
    hrefs = [a["href"] for a in soup.find("main").find_all("a")]
    assert hrefs and all(h.startswith("/") for h in hrefs)
    assert soup.find("link", rel="stylesheet")["href"] == "/theme/css/style.css"


def test_robots_allows_everything_and_names_the_sitemap(small):
    lines = small.text("robots.txt").splitlines()
    assert "User-agent: *" in lines
    assert not any(line.strip() == "Disallow: /" for line in lines)
    assert f"Sitemap: {CANONICAL}/sitemap.xml" in lines


# --- safety ---------------------------------------------------------------

COMMENT_WORDS = re.compile(
    r"leave a (reply|comment)|post a comment|\d+\s+comments?\b"
    r"|disqus|commento|utterances",
    re.IGNORECASE,
)


def assert_comment_free(site: Site) -> None:
    for page in html_files(site):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        where = rel(site, page)
        assert not soup.find_all(["form", "iframe", "textarea", "input", "embed", "object"]), where
        for script in soup.find_all("script"):
            assert script.get("type") == "application/ld+json", where
            assert not script.get("src"), where
        for tag in soup.find_all(True):
            # Markdown gives headings ids from their text ("No comments, by design").
            ident = "" if re.fullmatch(r"h[1-6]", tag.name) else tag.get("id", "")
            marks = " ".join([ident, *tag.get("class", [])]).lower()
            assert "comment" not in marks, f"{where}: {tag.name} {marks}"
            assert not [a for a in tag.attrs if a.startswith("on")], where
        assert not COMMENT_WORDS.search(soup.get_text(" ")), where
        for tag in soup.find_all(["img", "link", "script", "source", "video", "audio"]):
            url = tag.get("src") or tag.get("href") or ""
            if tag.name == "link" and tag.get("rel") in (["canonical"], ["alternate"]):
                continue
            host = urlsplit(url).netloc
            assert host in ("", "thenextsale.example"), f"{where}: third-party {url}"


def test_no_comment_markup_or_third_party_requests_anywhere(small):
    assert_comment_free(small)


def test_sample_site_is_comment_free(sample_site, published_sample_site):
    for site in (sample_site, published_sample_site):
        assert html_files(site)
        assert_comment_free(site)


def test_hostile_titles_render_literally_everywhere(build_site):
    site = build_site(
        {
            "articles/a.md": article(HOSTILE_ATTR, tags="trust", slug="attr", summary=HOSTILE_ATTR),
            "articles/b.md": article(
                HOSTILE_TEXT, tags="trust", slug="text", date="2024-03-02 09:00"
            ),
        }
    )
    pages = [
        "index.html",
        "tags/trust/index.html",
        "archives/index.html",
        "2024/attr/index.html",
        "2024/text/index.html",
    ]
    for page in pages:
        soup = site.soup(page)
        for tag in soup.find_all(True):
            assert "autofocus" not in tag.attrs and "onfocus" not in tag.attrs, page
        assert soup.find("price") is None, page
        assert "<Price>" not in site.text(page).replace("&lt;Price&gt;", ""), page
    for slug, title in (("attr", HOSTILE_ATTR), ("text", HOSTILE_TEXT)):
        soup = site.soup(f"2024/{slug}/index.html")
        assert soup.find("h1").get_text() == title
        assert soup.title.get_text().startswith(title)
        assert soup.find("meta", property="og:title")["content"] == title
        data = json.loads(soup.find("script", type="application/ld+json").string)
        assert data["headline"] == title
        index = site.soup("index.html")
        links = [a.get_text() for a in index.select("p.more a")]
        assert f"Read the post: “{title}”" in links
    description = site.soup("2024/attr/index.html").find("meta", attrs={"name": "description"})
    assert description["content"] == HOSTILE_ATTR


# --- search engines and sharing ---------------------------------------------


def test_head_has_canonical_open_graph_and_blogposting(small):
    soup = small.soup("2024/third-order/index.html")
    url = f"{CANONICAL}/2024/third-order/"
    assert soup.find("link", rel="canonical")["href"] == url
    og = {m["property"]: m["content"] for m in soup.find_all("meta", property=True)}
    assert og["og:url"] == url
    assert og["og:type"] == "article"
    assert og["og:title"] == "Third order"
    assert og["og:site_name"] == "The Next Sale"
    assert og["og:description"] == "A short summary for the third post."
    assert og["article:published_time"].startswith("2024-02-20T09:00")
    assert soup.find("meta", attrs={"name": "description"})["content"] == (
        "A short summary for the third post."
    )
    data = json.loads(soup.find("script", type="application/ld+json").string)
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == "Third order"
    assert data["url"] == url and data["mainEntityOfPage"]["@id"] == url
    assert data["author"] == {
        "@type": "Person",
        "name": "Tom Okafor",
        "url": f"{CANONICAL}/authors/tom-okafor/",
    }
    assert data["datePublished"].startswith("2024-02-20T09:00")
    assert data["dateModified"] == data["datePublished"]
    assert data["publisher"]["name"] == "The Next Sale"
    assert data["keywords"] == ["repeat business"]


def test_every_page_has_the_common_head_and_landmarks(small):
    for page in html_files(small):
        soup = small.soup(rel(small, page))
        where = rel(small, page)
        assert soup.html["lang"] == "en", where
        assert soup.find("meta", charset=True)["charset"].lower() == "utf-8", where
        assert soup.find("meta", attrs={"name": "viewport"}), where
        assert soup.find("meta", attrs={"name": "color-scheme"})["content"] == "light dark"
        csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
        assert csp == (
            "default-src 'none'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            "base-uri 'none'; form-action 'none'"
        ), where
        assert soup.find("link", rel="canonical")["href"].startswith(CANONICAL + "/"), where
        assert soup.find("meta", property="og:type")["content"] in {
            "article",
            "website",
        }
        assert soup.title.get_text(strip=True), where
        assert soup.find("meta", attrs={"name": "description"})["content"], where
        assert len(soup.find_all("link", rel="stylesheet")) == 1, where
        assert len(soup.find_all("h1")) == 1, where
        assert soup.find("main", id="main"), where
        assert soup.find("header") and soup.find("footer"), where
        assert soup.find("nav", attrs={"aria-label": True}), where
        first_link = soup.body.find(["a", "button", "input"])
        assert first_link["href"] == "#main", where
        ids = [tag["id"] for tag in soup.find_all(id=True)]
        assert len(ids) == len(set(ids)), f"{where}: repeated ids"


def test_canonical_of_listing_pages_is_their_pretty_url(small):
    assert small.soup("index.html").find("link", rel="canonical")["href"] == f"{CANONICAL}/"
    assert small.soup("tags/trust/index.html").find("link", rel="canonical")["href"] == (
        f"{CANONICAL}/tags/trust/"
    )


# --- URL modes --------------------------------------------------------------


def test_dev_build_links_relatively(small):
    soup = small.soup("2023/first-order/index.html")
    assert soup.find("link", rel="stylesheet")["href"] == "../../theme/css/style.css"
    hrefs = [a["href"] for a in soup.find_all("a") if not a["href"].startswith(("#", "mailto:"))]
    assert hrefs and all(not urlsplit(h).scheme and not h.startswith("/") for h in hrefs)


def test_publish_build_links_absolutely(build_site):
    site = build_site(SMALL, publish=True)
    soup = site.soup("2023/first-order/index.html")
    assert soup.find("link", rel="stylesheet")["href"] == f"{CANONICAL}/theme/css/style.css"
    hrefs = [a["href"] for a in soup.find_all("a") if not a["href"].startswith(("#", "mailto:"))]
    assert hrefs and all(h.startswith(f"{CANONICAL}/") for h in hrefs)
    second = site.soup("2023/second-order/index.html").select_one(".content a")["href"]
    assert second == f"{CANONICAL}/2023/first-order/"


# --- weight -------------------------------------------------------------------


def test_stylesheet_is_small_and_has_no_imports_or_fonts():
    css = THEME_CSS.read_text(encoding="utf-8")
    # 6 KB since the sign-up form's styles; the gzip round-trip budget below still holds.
    assert len(css.encode()) < 6 * 1024
    assert "@import" not in css and "@font-face" not in css and "url(" not in css
    for needed in (
        "prefers-color-scheme: dark",
        "@media print",
        ":focus-visible",
        "65ch",
    ):
        assert needed in css


def test_article_html_and_css_fit_in_the_first_round_trip(sample_site):
    articles = sorted(p for p in sample_site.output.glob("20*/*/index.html"))
    if not articles:
        pytest.skip("no sample articles yet")
    biggest = max(articles, key=lambda p: p.stat().st_size)
    css = sample_site.path("theme/css/style.css").read_bytes()
    total = len(gzip.compress(biggest.read_bytes(), 9)) + len(gzip.compress(css, 9))
    assert total <= 14 * 1024, f"{rel(sample_site, biggest)}: {total} bytes gzipped"


def test_sample_pages_keep_theme_links_inside_the_site(sample_site):
    """Theme chrome (not article text) never links to a missing file."""
    for page in html_files(sample_site):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for content in soup.select(".content"):
            content.decompose()
        for tag in soup.find_all(["a", "link"]):
            href = tag.get("href", "")
            if (
                href.startswith(("mailto:", "data:", "#"))
                or not href
                or tag.get("rel") in (["canonical"], ["alternate"])
            ):
                continue
            target = resolve(sample_site, page, href)
            if target is None or PurePosixPath(urlsplit(href).path).suffix == ".xml":
                continue
            assert target.is_file(), f"{rel(sample_site, page)}: broken {href}"


def palette(css: str, block_start: str) -> dict[str, str]:
    """Return the custom properties declared in the first :root after block_start."""
    start = css.index(block_start)
    body = css[css.index(":root", start) :]
    body = body[: body.index("}")]
    return dict(re.findall(r"--([a-z]+):\s*(#[0-9a-f]{6})", body))


def contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, bl = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * bl

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("scheme", ["/* The Next Sale", "prefers-color-scheme: dark"])
def test_colours_meet_wcag_aa_in_light_and_dark(scheme):
    colours = palette(THEME_CSS.read_text(encoding="utf-8"), scheme)
    for text in ("fg", "muted", "accent"):
        for background in ("bg", "soft"):
            ratio = contrast(colours[text], colours[background])
            assert ratio >= 4.5, f"{scheme}: {text} on {background} is {ratio:.2f}"
    assert contrast(colours["focus"], colours["bg"]) >= 3


# --- parts filled in by plugins, checked once the plugins are switched on ------


def enabled(site: Site, plugin: str) -> bool:
    return plugin in site.settings.get("PLUGINS", [])


def check_taxonomy_parts(site: Site) -> None:
    """Tag pages, the tags index and articles show what the taxonomy gives them."""
    page = "tags/repeat-business/index.html"
    soup = site.soup(page)
    assert soup.find("h1").get_text(strip=True) == "Repeat business"
    assert soup.select_one("main .lede").get_text(strip=True)
    topic = soup.select_one("main .kicker a")
    assert resolve(site, site.path(page), topic["href"]).is_file()
    guide = soup.select_one("main .guidance a")
    assert resolve(site, site.path(page), guide["href"]).is_file()

    groups = site.soup("tags/index.html").select("main section.topic-group")
    assert groups
    for group in groups:
        assert group.find("h2").get_text(strip=True)
        for link in group.select(".cloud a"):
            assert link["class"][0] in {"w1", "w2", "w3", "w4", "w5"}
            assert re.fullmatch(r"\d+ posts?", link.select_one(".count").get_text(" ", strip=True))

    page = "2019/second-sale-is-the-real-sale/index.html"
    aside = site.soup(page).select_one("main aside.guidance")
    links = aside.find_all("a")
    assert links and len(aside.select("ul li")) <= 5
    for link in links:
        assert resolve(site, site.path(page), link["href"]).is_file(), link["href"]


def check_feed_links(site: Site) -> None:
    """Every page advertises the site feeds, and tag pages their own, all existing."""
    for page in html_files(site):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        if not soup.find("link", href=re.compile(r"theme/css/style\.css$")):
            continue  # not a theme page (an email body, say)
        feeds = soup.head.find_all("link", rel="alternate")
        assert feeds, rel(site, page)
        for link in feeds:
            assert link.get("type") and link.get("title")
            assert resolve(site, page, link["href"]).is_file(), link["href"]
    page = "tags/repeat-business/index.html"
    tag_feeds = site.soup(page).select("main .feeds a")
    assert tag_feeds
    for link in tag_feeds:
        assert resolve(site, site.path(page), link["href"]).is_file(), link["href"]


def test_sample_taxonomy_parts(sample_site):
    if not enabled(sample_site, "taxonomy"):
        pytest.skip("the taxonomy plugin is not switched on in pelicanconf.py")
    check_taxonomy_parts(sample_site)


def test_sample_feed_links(sample_site):
    if not enabled(sample_site, "feeds"):
        pytest.skip("the feeds plugin is not switched on in pelicanconf.py")
    check_feed_links(sample_site)

"""Feeds, read the way a feed reader and a browser read them."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import PurePosixPath
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest
from bs4 import BeautifulSoup
from conftest import FIXTURES, ROOT, Site, article
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from pelican.settings import read_settings

from nextsale.feeds.items import guidance_block
from nextsale.guidance import as_link
from nextsale.urls import utm_setting

CANONICAL = "https://thenextsale.example"
ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
FIXTURE_PLUGINS = str(FIXTURES / "feeds" / "plugins")
PLUGINS = ["feeds"]


# ------------------------------------------------------------------ helpers


def feed_files(site: Site) -> dict[str, bytes]:
    """Every feed the build wrote, by output-relative path."""
    root = site.output / "feeds"
    return {
        p.relative_to(site.output).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.suffix in (".xml", ".json")
    }


def read(data: bytes) -> feedparser.FeedParserDict:
    """Parse a feed like a reader does, failing on any well-formedness issue."""
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def xml_root(data: bytes) -> ET.Element:
    return ET.fromstring(data)


def atom_entries(data: bytes) -> list[ET.Element]:
    return xml_root(data).findall(f"{ATOM}entry")


def rss_items(data: bytes) -> list[ET.Element]:
    return xml_root(data).findall("channel/item")


def raw_contents(path: str, data: bytes) -> list[str]:
    """The item HTML exactly as stored, before any reader cleans it."""
    if path.endswith(".json"):
        return [item["content_html"] for item in json.loads(data)["items"]]
    if path.endswith(".atom.xml"):
        return [e.find(f"{ATOM}content").text or "" for e in atom_entries(data)]
    return [i.find(CONTENT_ENCODED).text or "" for i in rss_items(data)]


def ids(path: str, data: bytes) -> list[str]:
    if path.endswith(".json"):
        return [item["id"] for item in json.loads(data)["items"]]
    return [entry.id for entry in read(data).entries]


def build(build_site, files, **settings) -> Site:
    settings.setdefault("PLUGINS", PLUGINS)
    return build_site(files, **settings)


SMALL = {
    "articles/second-sale.md": article(
        "The second sale",
        "Write to them a week after the first order.",
        date="2024-02-11 08:00",
        category="Retention",
        tags="repeat business, follow-up",
    ),
    "articles/lifetime.md": article(
        "What a customer is worth",
        "Add up the orders, not just the first.",
        date="2024-03-05 10:30",
        category="Numbers",
        tags="lifetime value",
    ),
    "articles/referrals.md": article(
        "Ask after the thank-you",
        "Referrals follow gratitude.",
        date="2024-01-20 09:00",
        category="Retention",
        tags="referrals, repeat business",
    ),
}


# ------------------------------------------------------------ feeds written


def test_every_feed_is_written_once_and_reads_cleanly(build_site):
    site = build(build_site, SMALL)
    written = feed_files(site)
    expected = {"feeds/all.atom.xml", "feeds/all.rss.xml", "feeds/all.json"}
    for kind, slugs in (
        ("category", ["retention", "numbers"]),
        ("tags", ["repeat-business", "follow-up", "lifetime-value", "referrals"]),
    ):
        for slug in slugs:
            expected |= {
                f"feeds/{kind}/{slug}.atom.xml",
                f"feeds/{kind}/{slug}.rss.xml",
            }
    assert set(written) == expected
    # Pelican's own writer is off: no other feed anywhere in the output.
    others = [
        p
        for p in site.files()
        if p.suffix in (".xml", ".atom", ".rss")
        and "feeds" not in p.relative_to(site.output).parts
        and xml_root(p.read_bytes()).tag in ("rss", f"{ATOM}feed")
    ]
    assert others == []
    for path, data in written.items():
        if path.endswith(".json"):
            assert len(json.loads(data)["items"]) == 3
            continue
        xml_root(data)
        parsed = read(data)
        assert parsed.version in ("atom10", "rss20")
        assert parsed.entries


def test_tag_and_category_feeds_hold_only_their_articles(build_site):
    site = build(build_site, SMALL)
    titles = {
        path: [e.title for e in read(data).entries]
        for path, data in feed_files(site).items()
        if path.endswith(".atom.xml")
    }
    assert titles["feeds/tags/repeat-business.atom.xml"] == [
        "The second sale",
        "Ask after the thank-you",
    ]
    assert titles["feeds/tags/lifetime-value.atom.xml"] == ["What a customer is worth"]
    assert titles["feeds/category/retention.atom.xml"] == [
        "The second sale",
        "Ask after the thank-you",
    ]
    tag_feed = read(site.text("feeds/tags/referrals.rss.xml").encode())
    assert tag_feed.feed.link == f"{CANONICAL}/tags/referrals/"
    assert "referrals" in tag_feed.feed.title.lower()


def test_items_carry_summary_author_terms_and_dates(build_site):
    files = {
        "articles/one.md": article(
            "Dated twice",
            "First paragraph here.\n\nSecond paragraph.",
            date="2024-02-01 09:00",
            modified="2024-05-02 16:45",
            category="Retention",
            tags="follow-up",
            summary="A short *summary*.",
            author="Jo Brand",
        )
    }
    site = build(build_site, files)
    atom = read(site.path("feeds/all.atom.xml").read_bytes())
    entry = atom.entries[0]
    assert entry.published.startswith("2024-02-01T09:00:00")
    assert entry.updated.startswith("2024-05-02T16:45:00")
    assert atom.feed.updated == entry.updated
    assert entry.author == "Jo Brand"
    assert [t.term for t in entry.tags] == ["Retention", "follow-up"]
    assert BeautifulSoup(entry.summary, "html.parser").get_text() == "A short summary."
    rss = read(site.path("feeds/all.rss.xml").read_bytes())
    assert rss.entries[0].author == "Jo Brand"  # dc:creator: RSS author needs an email
    assert rss.feed.updated_parsed == atom.feed.updated_parsed  # lastBuildDate
    item = json.loads(site.text("feeds/all.json"))["items"][0]
    assert item["summary"] == "A short summary."
    assert item["authors"] == [{"name": "Jo Brand"}]
    assert item["tags"] == ["Retention", "follow-up"]
    assert datetime.fromisoformat(item["date_modified"]) > datetime.fromisoformat(
        item["date_published"]
    )


# ------------------------------------------------------------- absolute URLs


LINKY = {
    "articles/links.md": article(
        "Links everywhere",
        "See [the other post]({filename}other.md), "
        "[the chart]({static}/images/chart.png), "
        "[a root link](/tags/), [a relative one](../notes/), [a section](#part) and "
        "[mail](mailto:letters@thenextsale.example).\n\n"
        "![Chart]({static}/images/chart.png)\n\n"
        '<img src="../images/chart.png" srcset="/images/chart.png 1x, chart@2x.png 2x" '
        'alt="chart">',
        date="2024-03-01 09:00",
        slug="links-everywhere",
    ),
    "articles/other.md": article("Other post", date="2024-02-01 09:00", slug="other"),
    "images/chart.png": b"\x89PNG\r\n\x1a\n",
}


def urls_in(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    found = [t.get("href") for t in soup.find_all(href=True)]
    found += [t.get("src") for t in soup.find_all(src=True)]
    for tag in soup.find_all(srcset=True):
        found += [part.split()[0] for part in tag["srcset"].split(",")]
    return found


@pytest.mark.parametrize("publish", [False, True], ids=["development", "publish"])
def test_every_link_and_image_is_absolute(build_site, publish):
    site = build(build_site, LINKY, publish=publish)
    for path, data in feed_files(site).items():
        html = raw_contents(path, data)[0]
        urls = urls_in(html)
        assert urls
        for url in urls:
            assert url.startswith(f"{CANONICAL}/") or url.startswith("mailto:"), (
                path,
                url,
            )
        assert f"{CANONICAL}/2024/other/" in urls
        assert f"{CANONICAL}/images/chart.png" in urls
        assert f"{CANONICAL}/tags/" in urls
        assert f"{CANONICAL}/2024/notes/" in urls  # ../notes/ from /2024/links-everywhere/
        assert f"{CANONICAL}/2024/links-everywhere/#part" in urls
        assert f"{CANONICAL}/2024/links-everywhere/chart@2x.png" in urls
    atom = read(site.path("feeds/all.atom.xml").read_bytes())
    assert atom.feed.id == f"{CANONICAL}/"
    assert {link.href for link in atom.feed.links} == {
        f"{CANONICAL}/",
        f"{CANONICAL}/feeds/all.atom.xml",
    }
    assert atom.entries[0].link == f"{CANONICAL}/2024/links-everywhere/"


def test_development_and_publish_builds_give_the_same_feeds(build_site):
    dev = feed_files(build(build_site, LINKY))
    pub = feed_files(build(build_site, LINKY, publish=True))
    assert dev == pub


def test_two_builds_are_byte_identical(build_site):
    first = feed_files(build(build_site, SMALL))
    second = feed_files(build(build_site, SMALL))
    assert first == second


# --------------------------------------------------------------- stable ids


def test_ids_survive_an_edit_and_a_retitle(build_site):
    before = build(
        build_site,
        {
            "articles/second-sale.md": article(
                "The second sale", "First version.", date="2019-02-11 09:00"
            )
        },
    )
    after = build(
        build_site,
        {
            "articles/second-sale.md": article(
                "Why the second sale is the real one",
                "Rewritten from scratch.",
                date="2019-02-11 09:00",
                modified="2024-06-01 12:00",
            )
        },
    )
    for path, data in feed_files(before).items():
        old, new = ids(path, data), ids(path, feed_files(after)[path])
        assert old == new == ["tag:thenextsale.example,2019-02-11:/articles/second-sale"]
    # The URL moved with the new slug; the id did not.
    assert (
        read(feed_files(before)["feeds/all.atom.xml"]).entries[0].link
        != read(feed_files(after)["feeds/all.atom.xml"]).entries[0].link
    )


def test_rss_guid_is_not_a_permalink_and_explicit_ids_win(build_site):
    site = build(
        build_site,
        {
            "articles/a.md": article(
                "Kept id", guid="urn:uuid:6d2a1b4e-0c2f-4d55-9b1e-7f00c0ffee00"
            ),
            "articles/b.md": article("Own path", id="/legacy/42", date="2020-05-05 10:00"),
            "articles/c.md": article("Plain", date="2021-01-02 10:00"),
        },
    )
    guids = rss_items(site.path("feeds/all.rss.xml").read_bytes())
    assert {g.find("guid").get("isPermaLink") for g in guids} == {"false"}
    assert [g.find("guid").text for g in guids] == [
        "urn:uuid:6d2a1b4e-0c2f-4d55-9b1e-7f00c0ffee00",
        "tag:thenextsale.example,2021-01-02:/articles/c",
        "tag:thenextsale.example,2020-05-05:/legacy/42",
    ]


# ------------------------------------------------------------ order and cap


def test_newest_first_capped_and_updated_from_newest(build_site):
    dates = ["2024-01-05", "2024-03-09", "2023-12-24", "2024-02-14", "2024-03-01"]
    files = {
        f"articles/post{n}.md": article(f"Post {n}", date=f"{d} 09:00", tags="follow-up")
        for n, d in enumerate(dates)
    }
    site = build(build_site, files, FEEDS_MAX_ITEMS=3)
    newest = [f"Post {n}" for n, _ in sorted(enumerate(dates), key=lambda p: p[1], reverse=True)][
        :3
    ]
    for path, data in feed_files(site).items():
        if path.endswith(".json"):
            items = json.loads(data)["items"]
            assert [i["title"] for i in items] == newest
            continue
        parsed = read(data)
        assert [e.title for e in parsed.entries] == newest, path
        assert parsed.feed.updated_parsed == parsed.entries[0].published_parsed


def test_no_cap_when_max_items_is_none(build_site):
    files = {
        f"articles/p{n}.md": article(f"P{n}", date=f"2024-01-{n + 1:02d} 09:00") for n in range(25)
    }
    assert len(read(build(build_site, files).path("feeds/all.atom.xml").read_bytes()).entries) == 20
    site = build(build_site, files, FEEDS_MAX_ITEMS=None)
    assert len(read(site.path("feeds/all.atom.xml").read_bytes()).entries) == 25


def test_empty_site_still_has_valid_site_feeds(build_site):
    site = build(build_site, {"pages/about.md": "Title: About\n\nJust a page.\n"})
    written = feed_files(site)
    assert set(written) == {"feeds/all.atom.xml", "feeds/all.rss.xml", "feeds/all.json"}
    for path, data in written.items():
        if path.endswith(".json"):
            assert json.loads(data)["items"] == []
        else:
            assert read(data).entries == []


# ------------------------------------------------------ nothing leaks out


def test_drafts_hidden_and_future_articles_never_appear(build_site):
    files = {
        "articles/live.md": article("Live post", "Visible body.", tags="follow-up"),
        "articles/draft.md": article(
            "Zanzibar draft",
            "Zanzibar body.",
            status="draft",
            tags="follow-up, draftonly",
        ),
        "articles/hidden.md": article(
            "Quokka hidden",
            "Quokka body.",
            status="hidden",
            tags="follow-up, hiddenonly",
        ),
        "articles/future.md": article(
            "Xylophone future",
            "Xylophone body.",
            date="2999-01-01 09:00",
            tags="follow-up, futureonly",
        ),
    }
    site = build(build_site, files)
    written = feed_files(site)
    for path, data in written.items():
        text = data.decode()
        for secret in ("Zanzibar", "Quokka", "Xylophone"):
            assert secret not in text, (path, secret)
        assert "Live post" in text
    assert not any(("draftonly" in p or "hiddenonly" in p or "futureonly" in p) for p in written)


# ---------------------------------------------------------- hostile input


HOSTILE_TITLES = [
    'Tom & Jerry\'s "best" <deal>',
    "Repeat 🛒 customers 🎉",
    "לקוחות חוזרים: המכירה השנייה",
    "Ends with ]]> and <![CDATA[ fake ]]>",
    "Bell\x07 and escape\x1b gone",
    "A &amp; B are &lt;not&gt; entities",
]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_hostile_titles_read_the_same_in_a_client(build_site, title):
    files = {
        "articles/hostile.md": article(
            title,
            "Body with ]]> and <![CDATA[ bits ]]> and \x0c form feed & more.",
            slug="hostile",
            tags="follow-up",
        )
    }
    site = build(build_site, files)
    expected = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", title)
    for path, data in feed_files(site).items():
        if path.endswith(".json"):
            assert json.loads(data)["items"][0]["title"] == expected
            continue
        xml_root(data)
        assert read(data).entries[0].title == expected, path


def test_scripts_and_handlers_never_reach_a_feed(build_site):
    body = (
        '<p onclick="steal()">Click '
        '<a href="javascript:alert(1)" onmouseover="x()">here</a>'
        '<script>alert("feed")</script><img src="/x.png" onerror="boom()">'
        '<iframe src="https://evil.example/"></iframe>'
        '<a href="JaVaScRiPt:alert(2)">again</a></p>'
    )
    site = build(build_site, {"articles/evil.md": article("Evil", body, summary=body)})
    for path, data in feed_files(site).items():
        stored = raw_contents(path, data)
        if not path.endswith(".json"):
            root = xml_root(data)
            stored += [
                el.text or "" for el in root.iter() if el.tag in (f"{ATOM}summary", "description")
            ]
        for html in stored:
            soup = BeautifulSoup(html, "html.parser")
            assert not soup.find_all(["script", "iframe"]), path
            for tag in soup.find_all(True):
                assert not [a for a in tag.attrs if a.lower().startswith("on")], path
                assert "javascript" not in str(tag.get("href", "")).lower(), path


# --------------------------------------------------------------- JSON Feed


def test_json_feed_has_the_spec_required_fields(build_site):
    site = build(build_site, SMALL)
    feed = json.loads(site.text("feeds/all.json"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["title"]
    assert feed["feed_url"] == f"{CANONICAL}/feeds/all.json"
    assert feed["home_page_url"] == f"{CANONICAL}/"
    assert isinstance(feed["items"], list) and feed["items"]
    for author in feed["authors"]:
        assert set(author) <= {"name", "url", "avatar"} and author
    seen = set()
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"] not in seen
        seen.add(item["id"])
        assert item.get("content_html") or item.get("content_text")
        assert urlsplit(item["url"]).scheme == "https"
        for key in ("date_published", "date_modified"):
            assert datetime.fromisoformat(item[key]).tzinfo is not None
        assert all(isinstance(t, str) for t in item.get("tags", []))


# ---------------------------------------------------- guidance and UTM


class StandIn(SimpleNamespace):
    """Stand-in for the taxonomy's Guidance object."""


def test_guidance_block_links_absolutely_and_escapes():
    guidance = StandIn(
        title="The repeat-business guide",
        url="repeat-business-guide/",
        cta="Plan the <second> order & the third.",
        tag=None,
    )
    html = guidance_block(as_link(guidance), CANONICAL, None, "rss")
    soup = BeautifulSoup(html, "html.parser")
    link = soup.find("a")
    assert link["href"] == f"{CANONICAL}/repeat-business-guide/"
    assert "The repeat-business guide" in link.get_text()
    assert "Plan the <second> order & the third." in soup.get_text()
    assert soup.find("h3").get_text() == "Keep them coming back"
    assert guidance_block(as_link(None), CANONICAL, None, "rss") == ""


def guidance_href(url: str, utm: dict | None, source: str = "atom") -> str:
    link = as_link(StandIn(title="Guide", url=url, cta="", tag=None))
    return BeautifulSoup(guidance_block(link, CANONICAL, utm, source), "html.parser").a["href"]


def test_guidance_block_utm_tags_keep_existing_query():
    href = guidance_href("guide/?page=2#top", {"medium": "feed", "campaign": "spring"})
    parts = urlsplit(href)
    assert parts.fragment == "top"
    assert parse_qs(parts.query) == {
        "page": ["2"],
        "utm_source": ["atom"],
        "utm_medium": ["feed"],
        "utm_campaign": ["spring"],
    }


def test_a_links_own_utm_parameters_win():
    href = guidance_href("guide/?utm_campaign=launch", {"medium": "feed", "campaign": "spring"})
    assert parse_qs(urlsplit(href).query) == {
        "utm_campaign": ["launch"],
        "utm_source": ["atom"],
        "utm_medium": ["feed"],
    }


def test_old_utm_shape_still_works_with_a_deprecation_warning():
    old = {"utm_medium": "feed", "utm_campaign": "spring"}
    with pytest.warns(DeprecationWarning, match="FEEDS_UTM"):
        utm = utm_setting(old, "FEEDS_UTM", filled=("source",))
    assert utm == {"medium": "feed", "campaign": "spring"}
    assert guidance_href("guide/", utm, "rss") == guidance_href(
        "guide/", {"medium": "feed", "campaign": "spring"}, "rss"
    )


GUIDED = {
    "articles/guided.md": article(
        "Guided post",
        "Body first.",
        tags="follow-up",
        guidance_url="repeat-business-guide/",
        guidance_title="The repeat-business guide",
        guidance_cta="Turn one order into ten.",
    ),
    "articles/unguided.md": article("Unguided post", "No guidance here.", date="2024-02-01 09:00"),
}


def build_guided(build_site, utm: dict | None) -> Site:
    return build(
        build_site,
        GUIDED,
        PLUGINS=["stand_in_guidance", "feeds"],
        PLUGIN_PATHS=[str(ROOT / "plugins"), FIXTURE_PLUGINS],
        FEEDS_UTM=utm,
    )


@pytest.mark.parametrize("utm", [None, {"medium": "feed", "campaign": "comeback"}])
def test_every_item_ends_with_the_guidance_block(build_site, utm):
    site = build_guided(build_site, utm)
    checked = 0
    for path, data in feed_files(site).items():
        source = "json" if path.endswith(".json") else PurePosixPath(path).suffixes[0][1:]
        contents = raw_contents(path, data)
        for html in contents:
            soup = BeautifulSoup(html, "html.parser")
            blocks = soup.find_all("aside", class_="keep-them-coming-back")
            if "Body first." not in html:
                assert blocks == []  # no guidance chosen: no block
                continue
            assert len(blocks) == 1
            assert soup.find_all(True, recursive=False)[-1] is blocks[0]  # at the end
            assert "Turn one order into ten." in blocks[0].get_text()
            href = blocks[0].find("a")["href"]
            parts = urlsplit(href)
            assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
                f"{CANONICAL}/repeat-business-guide/"
            )
            query = parse_qs(parts.query)
            if utm is None:
                assert query == {}
            else:
                assert query == {
                    "utm_source": [source],
                    "utm_medium": ["feed"],
                    "utm_campaign": ["comeback"],
                }
            checked += 1
    # Site Atom, RSS and JSON, then Atom and RSS for the tag and the category.
    assert checked == 7


def test_old_utm_shape_in_a_build_gives_the_same_links(build_site):
    new = build_guided(build_site, {"medium": "feed", "campaign": "comeback"})
    with pytest.warns(DeprecationWarning, match="FEEDS_UTM"):
        old = build_guided(build_site, {"utm_medium": "feed", "utm_campaign": "comeback"})
    assert feed_files(old) == feed_files(new)
    warned = [m for m in old.messages() if "FEEDS_UTM" in m and "deprecated" in m]
    assert warned and "{'medium': 'feed', 'campaign': 'comeback'}" in warned[0]
    assert not [m for m in new.messages() if "FEEDS_UTM" in m]


# ------------------------------------------------------------- no XSLT


def test_no_feed_carries_an_xsl_stylesheet(build_site):
    """Browsers are removing XSLT: feeds are plain XML, their pages explain them."""
    site = build(build_site, SMALL, PLUGINS=["feeds", "newsletter"])
    feeds = sorted(site.output.rglob("*.xml"))
    assert len(feeds) > 5
    for path in feeds:
        data = path.read_bytes()
        assert b"<?xml-stylesheet" not in data, path
        doc = etree.fromstring(data)
        assert not [
            n
            for n in doc.getroottree().getroot().itersiblings(preceding=True)
            if isinstance(n, etree._ProcessingInstruction)
        ], path
    assert not list(site.output.rglob("*.xsl"))


def test_the_old_stylesheet_setting_is_named_as_unused(build_site):
    site = build(build_site, SMALL, FEEDS_XSL=True)
    assert "FEEDS_XSL is no longer used" in site.one_message("FEEDS_XSL")
    assert not list(site.output.rglob("*.xsl"))


# ---------------------------------------------------- pages link the feeds


def test_every_page_head_autodiscovers_the_site_feeds(build_site):
    files = dict(SMALL)
    files["pages/about.md"] = "Title: About\n\nAbout us.\n"
    site = build(build_site, files)
    pages = [p for p in site.files() if p.suffix == ".html"]
    assert len(pages) > 5
    for page in pages:
        head = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").head
        links = head.find_all("link", rel="alternate")
        kinds = {link["type"] for link in links}
        assert {
            "application/atom+xml",
            "application/rss+xml",
            "application/feed+json",
        } <= kinds, page
        for link in links:
            target = (
                (page.parent / link["href"]).resolve()
                if not link["href"].startswith("/")
                else site.output / link["href"].lstrip("/")
            )
            assert target.is_file(), (page, link["href"])


def test_tag_page_links_its_own_feeds(build_site):
    site = build(build_site, SMALL)
    page = site.path("tags/repeat-business/index.html")
    hrefs = [
        a["href"] for a in site.soup("tags/repeat-business/index.html").find_all("a", href=True)
    ]
    feeds_linked = [h for h in hrefs if "feeds/tags/" in h]
    assert {PurePosixPath(h).name for h in feeds_linked} == {
        "repeat-business.atom.xml",
        "repeat-business.rss.xml",
    }
    for href in feeds_linked:
        assert (page.parent / href).resolve().is_file()


def test_feed_links_interface(build_site):
    files = {**SMALL, "pages/subscribe.md": "Title: Subscribe\nTemplate: subscribe\n\nFollow.\n"}
    site = build(build_site, files, PLUGINS=["feeds", "newsletter"], SITENAME="Shop")
    head = site.soup("index.html").head.find_all("link", rel="alternate")
    assert [link["href"].lstrip("./") for link in head] == [
        "feeds/all.atom.xml",
        "feeds/all.rss.xml",
        "feeds/all.json",
        "newsletter/feed.rss.xml",
    ]
    assert [link["title"] for link in head] == [
        "Shop (Atom)",
        "Shop (RSS)",
        "Shop (JSON Feed)",
        "Shop newsletter (RSS)",
    ]
    page = site.soup("subscribe/index.html")
    by_tag = {li.get_text(" ").split(":")[0]: li for li in page.select("ul li")}
    referrals = [(a["href"].rsplit("/", 2)[-2:], a["type"]) for a in by_tag["referrals"]("a")]
    assert referrals == [
        (["tags", "referrals.atom.xml"], "application/atom+xml"),
        (["tags", "referrals.rss.xml"], "application/rss+xml"),
    ]
    # Plain names: the format, not the feed's full title.
    assert [a.get_text(" ", strip=True) for a in by_tag["referrals"]("a")] == [
        "Atom feed",
        "RSS feed",
    ]
    assert [a["type"] for a in by_tag["Retention"]("a")] == [
        "application/atom+xml",
        "application/rss+xml",
    ]
    alone = build(build_site, SMALL, PLUGINS=["feeds"])
    hrefs = [link["href"] for link in alone.soup("index.html").head("link", rel="alternate")]
    assert hrefs and not [h for h in hrefs if "newsletter" in h]


# ------------------------------------------------------------ bad settings


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("FEEDS_MAX_ITEMS", "ten", "FEEDS_MAX_ITEMS"),
        ("FEEDS_MAX_ITEMS", 0, "FEEDS_MAX_ITEMS"),
        ("FEEDS_UTM", {"medium": "feed"}, "FEEDS_UTM"),
        ("FEEDS_TAG_ATOM", "feeds/tags.atom.xml", "{slug}"),
        ("SITE_CANONICAL_URL", "", "SITE_CANONICAL_URL"),
    ],
)
def test_bad_settings_stop_the_build_with_a_clear_message(build_site, setting, value, named):
    with pytest.raises(ValueError, match=re.escape(named)) as caught:
        build(build_site, SMALL, **{setting: value})
    assert "feeds:" in str(caught.value)
    assert "settings file" in str(caught.value)


# ------------------------------------------------------- the real content


def test_the_sample_content_builds_valid_feeds(build_site):
    content = ROOT / "content"
    files = {
        p.relative_to(content).as_posix(): p.read_bytes() for p in content.rglob("*") if p.is_file()
    }
    plugins = read_settings(str(ROOT / "pelicanconf.py"))["PLUGINS"]
    site = build(build_site, files, PLUGINS=[*plugins, "feeds"])
    written = feed_files(site)
    assert {"feeds/all.atom.xml", "feeds/all.rss.xml", "feeds/all.json"} <= set(written)
    for path, data in written.items():
        if path.endswith(".json"):
            links = {i["url"] for i in json.loads(data)["items"]}
        else:
            xml_root(data)
            links = {e.link for e in read(data).entries}
        assert links, path
        for link in links:
            page = site.output / urlsplit(link).path.lstrip("/") / "index.html"
            assert page.is_file(), (path, link)
            assert "/drafts/" not in link
    # Articles the author has not released never reach a feed.
    unreleased = [
        p
        for p in (content / "articles").glob("*.md")
        if re.search(r"^Status:\s*(draft|hidden)", p.read_text(), re.M | re.I)
        or _future(p.read_text())
    ]
    everything = b"".join(written.values()).decode()
    for source in unreleased:
        assert f":/articles/{source.stem}<" not in everything
        assert f':/articles/{source.stem}"' not in everything


def _future(text: str) -> bool:
    found = re.search(r"^Date:\s*(\d{4}-\d{2}-\d{2})", text, re.M)
    return bool(found) and found.group(1) > datetime.now().strftime("%Y-%m-%d")


# ------------------------------------------------- with the taxonomy plugin


TAXONOMY_SITE = FIXTURES / "feeds" / "taxonomy_site"


def test_items_end_with_the_guidance_the_taxonomy_chose(build_site):
    files = {
        p.relative_to(TAXONOMY_SITE).as_posix(): p.read_bytes()
        for p in TAXONOMY_SITE.rglob("*")
        if p.is_file()
    }
    site = build(
        build_site,
        files,
        PLUGINS=["taxonomy", "feeds"],
        FEEDS_UTM={"medium": "feed", "campaign": "comeback"},
    )
    expected = {  # article -> (guidance page, its call to action)
        "After the first order": (
            "follow-up-calendar/",
            "Plan the next ninety days of calls & notes:",
        ),
        "No tags at all": ("start-here/", "New here? Begin with the basics:"),
    }
    atom = site.path("feeds/all.atom.xml").read_bytes()
    entries = {e.find(f"{ATOM}title").text: e for e in atom_entries(atom)}
    assert set(expected) < set(entries)
    for title, (page, cta) in expected.items():
        html = entries[title].find(f"{ATOM}content").text
        block = BeautifulSoup(html, "html.parser").find_all(True, recursive=False)[-1]
        assert block.name == "aside"
        assert cta in block.get_text()
        href = urlsplit(block.find("a")["href"])
        assert f"{href.scheme}://{href.netloc}{href.path}" == f"{CANONICAL}/{page}"
        assert parse_qs(href.query)["utm_source"] == ["atom"]
        assert site.path(f"{page}index.html").is_file()
    # Aliases were folded into the canonical tag before the feeds were grouped.
    tag_feed = read(site.path("feeds/tags/follow-up.rss.xml").read_bytes())
    assert [e.title for e in tag_feed.entries] == ["After the first order"]
    assert not site.path("feeds/tags/following-up.rss.xml").exists()


# ------------------------------------------ format rules (RFC 4287, RSS 2.0)


def test_feeds_follow_the_atom_and_rss_rules(build_site):
    site = build(build_site, SMALL)
    for path, data in feed_files(site).items():
        if path.endswith(".json"):
            continue  # checked against the JSON Feed spec above
        root = xml_root(data)
        if path.endswith(".atom.xml"):
            for child in ("id", "title", "updated"):
                assert root.find(f"{ATOM}{child}").text, (path, child)
            datetime.fromisoformat(root.find(f"{ATOM}updated").text)
            self_links = root.findall(f"{ATOM}link[@rel='self']")
            assert [lk.get("href") for lk in self_links] == [f"{CANONICAL}/{path}"]
            feed_author = root.find(f"{ATOM}author/{ATOM}name") is not None
            entry_ids = []
            for entry in root.findall(f"{ATOM}entry"):
                for child in ("id", "title", "updated", "published"):
                    assert entry.find(f"{ATOM}{child}").text, (path, child)
                for child in ("updated", "published"):
                    moment = datetime.fromisoformat(entry.find(f"{ATOM}{child}").text)
                    assert moment.tzinfo is not None
                # A link without rel is rel="alternate" (RFC 4287, 4.2.7.2).
                rels = [lk.get("rel", "alternate") for lk in entry.findall(f"{ATOM}link")]
                assert "alternate" in rels
                assert entry.find(f"{ATOM}content").get("type") == "html"
                assert feed_author or entry.find(f"{ATOM}author") is not None
                entry_ids.append(entry.find(f"{ATOM}id").text)
            assert len(entry_ids) == len(set(entry_ids))
        else:
            assert root.tag == "rss" and root.get("version") == "2.0"
            channel = root.find("channel")
            for child in ("title", "link", "description"):
                assert channel.find(child).text, (path, child)
            self_link = channel.find(f"{ATOM}link[@rel='self']")
            assert self_link.get("href") == f"{CANONICAL}/{path}"
            parsedate_to_datetime(channel.find("lastBuildDate").text)
            for item in channel.findall("item"):
                assert item.find("title").text and item.find("link").text
                assert item.find("guid").get("isPermaLink") == "false"
                assert parsedate_to_datetime(item.find("pubDate").text).tzinfo
                assert item.find("author") is None  # RSS author must be an email


def test_subscribe_page_lists_every_feed(sample_site):
    output = sample_site.output
    written = {
        p.relative_to(output).as_posix()
        for p in output.glob("feeds/**/*")
        if p.suffix in {".xml", ".json"}
    }
    written |= {p.relative_to(output).as_posix() for p in output.glob("newsletter/*.xml")}
    page = output / "subscribe" / "index.html"
    soup = sample_site.soup("subscribe/index.html")
    linked = {
        (page.parent / a["href"]).resolve().relative_to(output).as_posix()
        for a in soup.find_all("a", href=True)
        if a["href"].endswith((".xml", ".json"))
    }
    assert written and written <= linked


# ------------------------------------------- every feed has a page that explains it


def _alternates(site: Site, page: str) -> dict[str, str]:
    """A page's autodiscovery links: output path of the feed -> its title."""
    found = {}
    for link in site.soup(page).head.find_all("link", rel="alternate"):
        target = (site.path(page).parent / link["href"]).resolve()
        assert target.is_file(), (page, link["href"])
        found[target.relative_to(site.output.resolve()).as_posix()] = link["title"]
    return found


def test_tag_category_and_topic_pages_advertise_their_own_feeds(sample_site):
    site = sample_site
    for page, feeds in {
        "tags/referrals/index.html": "feeds/tags/referrals",
        "category/retention/index.html": "feeds/category/retention",
        "topics/lifetime-value/index.html": "feeds/topics/lifetime-value",
    }.items():
        own = {path for path in _alternates(site, page) if path.startswith(feeds)}
        assert own == {f"{feeds}.atom.xml", f"{feeds}.rss.xml"}, page
        # The same feeds are visible links on the page, with a word on how to use them.
        note = site.soup(page).select_one("main .feeds")
        assert "feed reader" in note.get_text(" ")
        visible = {(site.path(page).parent / a["href"]).resolve() for a in note("a")}
        assert {site.path(f).resolve() for f in own} <= visible


def test_a_topic_feed_holds_the_articles_of_its_tags(sample_site):
    site = sample_site
    topic = read(site.path("feeds/topics/lifetime-value.atom.xml").read_bytes())
    tagged = set()
    for tag in ("customer-lifetime-value", "pricing", "upselling"):
        tagged |= {
            e.link for e in read(site.path(f"feeds/tags/{tag}.atom.xml").read_bytes()).entries
        }
    assert {e.link for e in topic.entries} == tagged
    assert topic.feed.link == f"{CANONICAL}/topics/lifetime-value/"
    assert topic.feed.title == "The Next Sale: all of Lifetime value"
    titles = _alternates(site, "topics/lifetime-value/index.html").values()
    assert "The Next Sale: all of Lifetime value (Atom)" in titles


def test_a_live_session_reuses_only_what_an_edit_left_alone(build_site):
    memory: dict = {}
    build(build_site, SMALL, ENGINE_MEMORY=memory)
    items = dict(memory["feeds"]["items"])
    assert len(items) == len(SMALL)
    edited = {
        **SMALL,
        "articles/lifetime.md": article(
            "What a customer is worth",
            "Add up every order.",
            date="2024-03-05 10:30",
            category="Numbers",
            tags="lifetime value, referrals",
        ),
    }
    live = feed_files(build(build_site, edited, ENGINE_MEMORY=memory))
    assert live == feed_files(build(build_site, edited))
    kept = [key for key, item in memory["feeds"]["items"].items() if items.get(key) is item]
    assert len(kept) == len(SMALL) - 1


@settings(max_examples=60, deadline=None)
@given(
    ages=st.lists(st.tuples(st.integers(1, 4), st.sampled_from("abc")), min_size=1, max_size=12),
    picks=st.lists(st.lists(st.integers(0, 14), max_size=8), max_size=4),
)
def test_each_groups_feed_order_is_the_newest_first_sort_of_that_group(ages, picks):
    """Feeds sort every tag's, category's and topic's articles by their place in the
    site's newest-first list: the same order as sorting each group on its own,
    articles of the same age (date and file) included, and for articles the
    site's list does not hold."""
    from plugins.feeds.feeds import Order, newest_first

    def post(day: int, path: str) -> SimpleNamespace:
        return SimpleNamespace(date=datetime(2024, 3, day, 9, 0), relative_source_path=path)

    articles = [post(day, path) for day, path in ages]
    outside = [post(2, "b"), post(5, "a")]  # (not in the site's list)
    pool = articles + outside
    order = Order(articles)
    # (by identity: two posts of the same age are equal namespaces)
    assert list(map(id, order.articles)) == list(map(id, newest_first(articles)))
    for pick in picks:
        group = [pool[number % len(pool)] for number in pick]
        assert list(map(id, order.of(group))) == list(map(id, newest_first(group)))

"""Nothing leaks, nothing runs, the same content builds to the same bytes."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from urllib.parse import urlparse

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT, article, make_settings, run_pelican, tree_differences

DRAFT = (
    "Telling your regulars about a price rise",
    "price-rise-letter",
    "the quiet envelope method",
)
SCHEDULED = (
    "The annual review your best customers deserve",
    "annual-customer-review",
    "the kitchen-table review",
)
TEXT_SUFFIXES = {".html", ".xml", ".json", ".txt", ".eml", ".xsl", ".css"}


def _text_files(site):
    return [p for p in site.files() if p.suffix in TEXT_SUFFIXES]


@pytest.mark.parametrize("secret", [*DRAFT, *SCHEDULED])
def test_publish_build_never_contains_drafts_or_scheduled_posts(published_sample_site, secret):
    leaks = [
        str(p.relative_to(published_sample_site.output))
        for p in _text_files(published_sample_site)
        if secret.lower() in p.read_text(encoding="utf-8").lower()
    ]
    assert leaks == []
    assert not (published_sample_site.output / "drafts").exists()


def test_development_build_keeps_drafts_out_of_everything_but_their_page(sample_site):
    for secret in (*DRAFT, *SCHEDULED):
        where = {
            str(p.relative_to(sample_site.output))
            for p in _text_files(sample_site)
            if secret.lower() in p.read_text(encoding="utf-8").lower()
        }
        assert where <= {
            "drafts/price-rise-letter/index.html",
            "drafts/annual-customer-review/index.html",
        }, (secret, where)


def test_hidden_articles_stay_out_of_listings_feeds_and_sitemap(build_site):
    site = build_site(
        {
            "articles/seen.md": article("Seen post", "Visible words.", tags="trust", slug="seen"),
            "articles/unseen.md": article(
                "Unseen post",
                "Secret hidden words.",
                tags="trust",
                status="hidden",
                slug="unseen",
            ),
        }
    )
    for path in _text_files(site):
        rel = str(path.relative_to(site.output))
        if rel.startswith("2024/unseen/"):
            continue  # a hidden post is reachable by its own address only
        assert "Secret hidden words" not in path.read_text(encoding="utf-8"), rel
        assert "/unseen/" not in path.read_text(encoding="utf-8"), rel


HOSTILE = """<script>alert('body')</script>

Plain words stay.

<img src="x.png" alt="x" onerror="alert('img')">
<a href="javascript:alert('link')">a javascript link</a>
<a href="jav&#x61;script:alert('encoded')">an encoded one</a>
<iframe src="https://tracker.example/"></iframe>
<form action="https://evil.example/"><input name="q"></form>
<p onclick="alert('p')" style="color:red">A styled paragraph.</p>
<svg onload="alert('svg')"><circle r="2"/></svg>
"""


def _html_fragments(path):
    """The HTML a reader's client renders from a file: the page, or feed/email bodies."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".xml":
        import xml.etree.ElementTree as ET

        root = ET.fromstring(text)
        return [el.text for el in root.iter() if el.text and "<" in el.text]
    if path.suffix == ".json":
        import json

        def walk(value):
            if isinstance(value, dict):
                for item in value.values():
                    yield from walk(item)
            elif isinstance(value, list):
                for item in value:
                    yield from walk(item)
            elif isinstance(value, str) and "<" in value:
                yield value

        return list(walk(json.loads(text)))
    if path.suffix == ".eml":
        from email import message_from_string, policy

        message = message_from_string(text, policy=policy.default)
        return [
            part.get_content() for part in message.walk() if part.get_content_type() == "text/html"
        ]
    if path.suffix == ".xsl":
        return []  # a stylesheet, not content; feed bodies are checked in the feeds
    return [text]


def _assert_nothing_runs(text: str, where: str) -> None:
    soup = BeautifulSoup(text, "html.parser")
    for script in soup.find_all("script"):
        assert script.get("type") == "application/ld+json", where
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on"), (where, tag.name, name)
            values = value if isinstance(value, list) else [value]
            assert not any("javascript:" in v.lower() for v in values), (
                where,
                tag.name,
            )


def test_hostile_markdown_never_reaches_pages_or_feeds(build_site):
    site = build_site(
        {"articles/hostile.md": article("Hostile", HOSTILE, slug="hostile", tags="trust")}
    )
    assert any("hostile.md" in m and "unsafe HTML" in m for m in site.messages())
    page = site.text("2024/hostile/index.html")
    assert "Plain words stay." in page and "A styled paragraph." in page
    assert "tracker.example" not in page and "evil.example" not in page
    checked = 0
    for path in _text_files(site):
        for fragment in _html_fragments(path):
            _assert_nothing_runs(fragment, str(path))
            checked += "Plain words stay." in fragment
    assert checked >= 2  # the article page and at least one feed carried the body


def test_hostile_markdown_fails_a_publish_build(tmp_path):
    from conftest import run_sitebuild, write_files

    content = tmp_path / "content"
    write_files(content, {"articles/hostile.md": article("Hostile", HOSTILE, slug="hostile")})
    done = run_sitebuild(content, tmp_path / "out", publish=True)
    assert done.returncode == 1
    assert "hostile.md" in done.stderr and "Traceback" not in done.stderr


def test_every_page_has_a_strict_content_security_policy(published_sample_site):
    site = published_sample_site
    for path in site.output.rglob("*.html"):
        if path.name in {"email.html"}:
            continue  # email bodies are not web pages
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
        assert csp, path
        policy = csp["content"]
        assert "default-src 'none'" in policy and "script-src" not in policy, path


def test_pages_load_nothing_from_other_hosts(published_sample_site):
    site = published_sample_site
    own = urlparse(site.settings["SITE_CANONICAL_URL"]).netloc
    for path in site.output.rglob("*.html"):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        urls = [tag.get("src") for tag in soup.find_all(src=True)]
        urls += [
            tag["href"]
            for tag in soup.find_all("link", href=True)
            if "stylesheet" in tag.get("rel", []) or "icon" in tag.get("rel", [])
        ]
        for url in urls:
            host = urlparse(url).netloc
            assert host in ("", own), (path, url)


def _build_sample_into(tmp_path, name):
    content, output = tmp_path / name / "content", tmp_path / name / "output"
    shutil.copytree(ROOT / "content", content)
    run_pelican(make_settings(content, output, True, {}))
    return output


def test_two_builds_are_byte_identical(tmp_path):
    first = _build_sample_into(tmp_path, "one")
    second = _build_sample_into(tmp_path, "two")
    assert tree_differences(first, second) == []
    assert len(list(first.rglob("*"))) > 50


def test_sitemap_is_absolute_and_dated_from_content(published_sample_site):
    sitemap = published_sample_site.text("sitemap.xml")
    locs = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    assert locs and all(loc.startswith("https://thenextsale.example/") for loc in locs)
    assert "https://thenextsale.example/2019/second-sale-is-the-real-sale/" in locs
    assert not any("price-rise-letter" in loc or "annual-customer-review" in loc for loc in locs)
    assert "<lastmod>2019-02-11T08:30:00+00:00</lastmod>" in sitemap


def test_each_listing_in_the_sitemap_is_dated_by_its_newest_post():
    """A listing's lastmod is its newest post's modified date, else its date; the
    home page and the site-wide listings take the newest of all."""
    from types import SimpleNamespace as Thing

    from plugins.sitemap_xml.sitemap_xml import sitemap_entries

    day = lambda n: datetime(2024, 3, n, 9, 0, tzinfo=UTC)  # noqa: E731
    old = Thing(url="2024/old/", date=day(1), modified=day(20))  # edited long after
    mid = Thing(url="2024/mid/", date=day(10))
    new = Thing(url="2024/new/", date=day(15))
    context = {
        "articles": [new, mid, old],
        "pages": [Thing(url="about/")],
        "tags": [(Thing(url="tags/referrals/"), [new, mid]), (Thing(url="tags/trust/"), [old])],
        "categories": [(Thing(url="category/notes/"), [mid])],
        "authors": [],
        "topics": [Thing(url="topics/follow-up/", articles=[new, old])],
        "ARCHIVES_URL": "archives/",
    }
    assert dict(sitemap_entries(context)) == {
        "": day(20),
        "2024/new/": day(15),
        "2024/mid/": day(10),
        "2024/old/": day(20),
        "about/": None,
        "tags/referrals/": day(15),
        "tags/trust/": day(20),
        "category/notes/": day(10),
        "topics/follow-up/": day(20),
        "archives/": day(20),
    }


def test_dev_sitemap_uses_the_canonical_url_too(sample_site):
    locs = re.findall(r"<loc>([^<]+)</loc>", sample_site.text("sitemap.xml"))
    assert locs and all(loc.startswith("https://thenextsale.example/") for loc in locs)

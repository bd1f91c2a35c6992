"""Check the built sample site with real validators, as a careful reader would."""

from __future__ import annotations

import os
import shutil
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, ROOT

from nextsale import sitecheck

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def _need(path: Path, what: str) -> None:
    """Tools are installed by `make test`; outside CI a missing one skips, in CI it fails."""
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{what} is missing: run `make test-setup`")
        pytest.skip(f"{what} is not installed (`make test-setup` installs it)")


def test_every_page_passes_the_nu_html_checker(published_sample_site):
    _need(sitecheck.VNU, "the Nu HTML checker (npm vnu-jar)")
    if not shutil.which("java"):
        pytest.fail("java is missing: run `make test-setup`")
    assert sitecheck.nu_html_problems(published_sample_site.output) == []
    pages = list(published_sample_site.output.rglob("*.html"))
    assert len(pages) > 40 and any(p.name == "email.html" for p in pages)


def test_sign_up_form_pages_pass_the_nu_html_checker(build_site, tmp_path):
    """The form's markup, on every kind of page that carries it, as the checker reads it."""
    _need(sitecheck.VNU, "the Nu HTML checker (npm vnu-jar)")
    files = {
        "articles/a.md": "Title: Ask\nSlug: a\nDate: 2024-03-01\nTags: referrals\n\nAsk again.\n",
        "pages/subscribe.md": "Title: Subscribe\nTemplate: subscribe\n\nHello.\n",
        "newsletter/001-one.md": "Subject: One\nDate: 2024-04-01\nArticles: since-previous\n\n.\n",
    }
    action = "https://example.us21.list-manage.com/subscribe/post?u=5a1b2c&id=9f8e7d"
    site = build_site(
        files,
        PLUGINS=["feeds", "newsletter"],
        NEWSLETTER_SIGNUP={
            "service": "mailchimp",
            "action": action,
            "segments": {"referrals": "7"},
        },
    )
    pages = tmp_path / "pages"
    for number, rel in enumerate(
        (
            "2024/a/index.html",
            "subscribe/index.html",
            "newsletter/index.html",
            "tags/referrals/index.html",
            "newsletter/001-one/index.html",
        )
    ):
        assert "<form" in site.text(rel), rel
        pages.mkdir(exist_ok=True)
        shutil.copy(site.path(rel), pages / f"{number}.html")
    assert sitecheck.nu_html_problems(pages) == []


def test_nu_checker_reports_an_invalid_page(tmp_path):
    _need(sitecheck.VNU, "the Nu HTML checker (npm vnu-jar)")
    (tmp_path / "bad.html").write_text(
        "<!DOCTYPE html><html lang=en><title>x</title><p><div>unclosed", encoding="utf-8"
    )
    problems = sitecheck.nu_html_problems(tmp_path)
    assert problems and all(p.startswith("bad.html:") for p in problems)


def test_no_broken_internal_link_or_anchor(sample_site):
    """Crawl every page of the relative-URL build: every href/src/srcset and #fragment."""
    assert sitecheck.broken_links(sample_site.output, "thenextsale.example") == []
    assert len(list(sample_site.output.rglob("*.html"))) > 40


def test_link_crawl_finds_a_broken_link_and_anchor(tmp_path):
    (tmp_path / "index.html").write_text(
        '<a href="missing/">x</a><a href="#nowhere">y</a><a id="here" href="#here">z</a>',
        encoding="utf-8",
    )
    assert sitecheck.broken_links(tmp_path, "thenextsale.example") == [
        "index.html -> missing/",
        "index.html -> #nowhere (no such anchor)",
    ]


def test_every_feed_parses_without_errors(sample_site):
    assert sitecheck.feed_problems(sample_site.output) == []
    feeds = [f for f in sample_site.output.rglob("*.xml") if f.name != "sitemap.xml"]
    assert feeds
    for feed in feeds:
        data = feed.read_bytes()
        assert feedparser.parse(data).entries, feed
        assert b"<?xml-stylesheet" not in data, feed  # no XSLT: browsers are removing it
    assert not list(sample_site.output.rglob("*.xsl"))


@pytest.fixture(scope="module")
def served_site(sample_site):
    # The development build: its relative URLs keep the stylesheet on this server.
    handler = partial(SimpleHTTPRequestHandler, directory=str(sample_site.output))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", sample_site
    server.shutdown()


AXE_PAGES = [
    "index.html",
    "2019/second-sale-is-the-real-sale/index.html",
    "tags/repeat-business/index.html",
    "tags/index.html",
    "newsletter/index.html",
]


@pytest.mark.browser
def test_no_accessibility_violations(served_site):
    _need(AXE, "axe-core (npm)")
    _need(CHROMIUM, "Debian's chromium")
    from playwright.sync_api import sync_playwright

    base, site = served_site
    issue_pages = sorted(site.output.glob("newsletter/*/index.html"))
    pages = AXE_PAGES + [str(p.relative_to(site.output)) for p in issue_pages[:1]]
    found = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        # The pages forbid every script by CSP; only the test may inject axe.
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()
        for rel in pages:
            assert (site.output / rel).exists(), rel
            for scheme in ("light", "dark"):
                page.emulate_media(color_scheme=scheme)
                page.goto(f"{base}/{rel}")
                page.add_script_tag(path=str(AXE))
                assert page.evaluate("document.styleSheets.length") == 1, rel
                result = page.evaluate("async () => await axe.run(document)")
                bad = [f"{v['id']}: {v['help']} ({len(v['nodes'])}x)" for v in result["violations"]]
                if bad:
                    found[f"{rel} [{scheme}]"] = bad
        browser.close()
    assert found == {}

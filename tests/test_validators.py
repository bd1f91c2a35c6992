"""Check the built sample site with real validators, as a careful reader would."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import feedparser
import pytest
from bs4 import BeautifulSoup
from conftest import ROOT

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _need(path: Path, what: str) -> None:
    """Tools are installed by `make test`; outside CI a missing one skips, in CI it fails."""
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{what} is missing: run `make test-setup`")
        pytest.skip(f"{what} is not installed (`make test-setup` installs it)")


def test_every_page_passes_the_nu_html_checker(published_sample_site):
    _need(VNU, "the Nu HTML checker (npm vnu-jar)")
    if not shutil.which("java"):
        pytest.fail("java is missing: run `make test-setup`")
    pages = sorted(str(p) for p in published_sample_site.output.rglob("*.html"))
    done = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *pages],
        capture_output=True,
        text=True,
        timeout=600,
    )
    messages = json.loads(done.stderr or '{"messages": []}')["messages"]
    problems = [
        f"{Path(urlparse(m.get('url', '')).path).relative_to(published_sample_site.output)}"
        f":{m.get('lastLine')}: {m['message']}"
        for m in messages
        if not _outlook_only(m)
    ]
    assert problems == []
    assert len(pages) > 40
    assert any(p.endswith("email.html") for p in pages)


def _outlook_only(message: dict) -> bool:
    # Email bodies carry Outlook's own CSS (mso-hide) on purpose; nothing else is excused.
    return message.get("url", "").endswith("/email.html") and "“mso-" in message["message"]


def _targets(soup: BeautifulSoup) -> list[str]:
    urls = [tag["href"] for tag in soup.find_all(["a", "link"], href=True)]
    urls += [tag["src"] for tag in soup.find_all(src=True)]
    for tag in soup.find_all(srcset=True):
        urls += [part.strip().split()[0] for part in tag["srcset"].split(",") if part.strip()]
    return urls


def test_no_broken_internal_link_or_anchor(sample_site):
    """Crawl every page of the relative-URL build: every href/src/srcset and #fragment."""
    output = sample_site.output
    ids: dict[Path, set[str]] = {}
    broken = []

    def ids_of(page: Path) -> set[str]:
        if page not in ids:
            soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
            ids[page] = {tag["id"] for tag in soup.find_all(id=True)}
            ids[page] |= {tag["name"] for tag in soup.find_all("a", attrs={"name": True})}
        return ids[page]

    pages = sorted(output.rglob("*.html"))
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for url in _targets(soup):
            parsed = urlparse(url)
            if parsed.scheme in ("mailto", "tel", "data") or (
                parsed.scheme and parsed.netloc != "thenextsale.example"
            ):
                continue
            path, fragment = urldefrag(url)
            if parsed.netloc:  # canonical/og links point at the real site: map them home
                path = str(output) + urlparse(path).path
                target = Path(path)
            elif path.startswith("/"):
                target = output / unquote(path).lstrip("/")
            else:
                target = (page.parent / unquote(path)) if path else page
            if target.is_dir() or str(path).endswith("/"):
                target = target / "index.html"
            target = target.resolve()
            if not target.exists():
                broken.append(f"{page.relative_to(output)} -> {url}")
            elif fragment and target.suffix == ".html" and fragment not in ids_of(target):
                broken.append(f"{page.relative_to(output)} -> {url} (no such anchor)")
    assert broken == []
    assert len(pages) > 40


def test_every_feed_parses_without_errors(sample_site):
    feeds = sorted(sample_site.output.rglob("*.xml"))
    feeds = [f for f in feeds if f.name != "sitemap.xml"]
    assert feeds, "no feeds were built"
    for feed in feeds:
        parsed = feedparser.parse(feed.read_bytes())
        assert not parsed.bozo, (feed, parsed.get("bozo_exception"))
        assert parsed.entries, feed


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

"""Read the served sample site in Debian's Chromium, as a visitor would."""

from __future__ import annotations

import functools
import os
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS
from playwright import sync_api

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
WIDTHS = (375, 1280)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        """Keep the test output free of access logs."""


@pytest.fixture(scope="module")
def served(sample_site):
    """Serve the built sample site on 127.0.0.1 and a free port."""
    handler = functools.partial(QuietHandler, directory=str(sample_site.output))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):  # CI must really run it: `make test` installs chromium
            pytest.fail("Debian's chromium is missing: run `make test-setup`")
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_reader_journey_stays_local_and_fits_every_width(served, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    page.goto(served + "/")
    assert page.locator("h1").count() == 1
    shot(page, "index-1280")

    link = page.locator("main .summary h2 a").first
    title = link.inner_text()
    link.click()
    page.wait_for_load_state()
    assert page.locator("main h1").inner_text() == title
    assert page.locator("main time[datetime]").count() >= 1
    article_url = page.url
    shot(page, "article-1280")

    tag = page.locator("main a[rel~=tag]").first
    tag_name = tag.inner_text()
    tag.click()
    page.wait_for_load_state()
    assert "/tags/" in page.url
    assert page.locator("main h1").inner_text() == tag_name
    assert page.locator("main .dated a", has_text=title).count() == 1
    tag_url = page.url
    shot(page, "tag-1280")

    for url in (
        served + "/",
        article_url,
        tag_url,
        served + "/tags/",
        served + "/archives/",
    ):
        page.goto(url)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            assert no_horizontal_scroll(page), f"{url} scrolls sideways at {width}px"
    page.goto(article_url)
    page.set_viewport_size({"width": 375, "height": 800})
    shot(page, "article-375")

    outside = sorted({u for u in requests if urlsplit(u).hostname != "127.0.0.1"})
    assert outside == []
    assert errors == []
    context.close()


def test_skip_link_comes_first_and_shows_on_focus(served, browser):
    page = browser.new_page()
    page.goto(served + "/")
    skip = page.locator("a.skip")
    assert skip.bounding_box()["y"] < 0
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    box = skip.bounding_box()
    assert box["y"] >= 0 and box["height"] > 0
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
    page.close()


def test_dark_scheme_changes_the_colours(served, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(served + "/")
    article = page.locator("main .summary h2 a").first.get_attribute("href")
    page.goto(served + "/" + article.lstrip("./"))
    backgrounds = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        backgrounds[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
        shot(page, f"article-{scheme}")
        page.set_viewport_size({"width": 375, "height": 800})
        shot(page, f"article-{scheme}-375")
        page.set_viewport_size({"width": 1280, "height": 900})
    assert backgrounds["light"] != backgrounds["dark"]
    page.close()

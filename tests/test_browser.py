"""Read the served sample site in Debian's Chromium, as a visitor would."""

from __future__ import annotations

import functools
import os
import shutil
import threading
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qsl, urlsplit

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, ROOT, Site, make_settings, run_pelican
from playwright import sync_api

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
WIDTHS = (320, 375, 1280)
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        """Keep the test output free of access logs."""


def serve(handler) -> tuple[ThreadingHTTPServer, str]:
    """Start `handler` on 127.0.0.1 and a free port; return the server and its address."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def stop(server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def served(sample_site):
    """Serve the built sample site on 127.0.0.1 and a free port."""
    server, url = serve(functools.partial(QuietHandler, directory=str(sample_site.output)))
    try:
        yield url
    finally:
        stop(server)


class SignupEndpoint(BaseHTTPRequestHandler):
    """Stands in for the email service: records each sign-up it receives."""

    received: ClassVar[list[dict]] = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length).decode("utf-8")
        self.received.append(
            {"path": self.path, "type": self.headers.get("Content-Type"), "fields": parse_qsl(body)}
        )
        # An empty icon, so the browser asks this stand-in for nothing else.
        page = b'<!DOCTYPE html><html lang=en><title>Thanks</title><link rel=icon href="data:,">'
        page += b"<p>Almost there."
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, format, *args):
        """Keep the test output free of access logs."""


@pytest.fixture(scope="module")
def signup_site(tmp_path_factory):
    """The sample site built with its sign-up form posting to a local stand-in service."""
    SignupEndpoint.received = []
    endpoint, endpoint_url = serve(SignupEndpoint)
    root = tmp_path_factory.mktemp("signup")
    content, output = root / "content", root / "output"
    shutil.copytree(ROOT / "content", content)
    action = f"{endpoint_url}/api/emails/embed-subscribe/nextsale"
    signup = {"service": "buttondown", "action": action}
    settings = make_settings(content, output, False, {"NEWSLETTER_SIGNUP": signup})
    site = Site(content, output, settings, run_pelican(settings))
    server, url = serve(functools.partial(QuietHandler, directory=str(output)))
    try:
        yield url, endpoint_url, site
    finally:
        stop(server)
        stop(endpoint)


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
        served + "/subscribe/",
        served + "/newsletter/",
        served + "/topics/retention/",
        served + "/category/retention/",
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


def test_reader_signs_up_at_the_end_of_an_article(signup_site, browser):
    base, endpoint, _site = signup_site
    context = browser.new_context(viewport={"width": 320, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(base + "/2019/second-sale-is-the-real-sale/")
    assert no_horizontal_scroll(page)
    form = page.locator("main .post-footer form")
    assert form.get_attribute("action").startswith(endpoint)
    page.get_by_label("Your email address").fill("reader@example.com")
    shot(page, "signup-320")
    with page.expect_navigation():
        form.get_by_role("button", name="Subscribe").click()
    assert page.locator("p").inner_text() == "Almost there."
    (received,) = SignupEndpoint.received
    assert received["path"] == "/api/emails/embed-subscribe/nextsale"
    assert received["type"] == "application/x-www-form-urlencoded"
    assert received["fields"] == [("email", "reader@example.com"), ("embed", "1")]
    assert errors == []  # the page's CSP let the form through
    context.close()


def test_a_tag_page_signs_up_with_its_tag(signup_site, browser):
    base, _endpoint, _site = signup_site
    SignupEndpoint.received.clear()
    page = browser.new_page(viewport={"width": 320, "height": 800})
    page.goto(base + "/tags/referrals/")
    assert no_horizontal_scroll(page)
    page.get_by_label("Your email address").fill("friend@example.org")
    with page.expect_navigation():
        page.get_by_role("button", name="Subscribe").click()
    (received,) = SignupEndpoint.received
    assert ("tag", "Referrals") in received["fields"]
    assert ("email", "friend@example.org") in received["fields"]
    page.close()


def test_an_empty_or_wrong_address_is_stopped_before_anything_is_sent(signup_site, browser):
    base, _endpoint, _site = signup_site
    SignupEndpoint.received.clear()
    page = browser.new_page()
    page.goto(base + "/subscribe/")
    button = page.locator("main form").get_by_role("button", name="Subscribe")
    button.click()
    page.get_by_label("Your email address").fill("not an address")
    button.click()
    page.wait_for_timeout(300)
    assert SignupEndpoint.received == []
    assert page.evaluate("document.querySelector('#signup-email').validity.valid") is False
    page.close()


def test_sign_up_pages_have_no_accessibility_violations(signup_site, browser):
    if not AXE.exists():
        pytest.skip("axe-core is not installed (`make test-setup` installs it)")
    base, _endpoint, _site = signup_site
    # The pages forbid every script by CSP; only the test may inject axe.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    found = {}
    for path in (
        "/2019/second-sale-is-the-real-sale/",
        "/subscribe/",
        "/newsletter/",
        "/tags/referrals/",
    ):
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.goto(base + path)
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("async () => await axe.run(document)")
            bad = [f"{v['id']}: {v['help']}" for v in result["violations"]]
            if bad:
                found[f"{path} [{scheme}]"] = bad
    context.close()
    assert found == {}


def test_without_a_service_the_sign_up_is_a_mailto(served, browser):
    page = browser.new_page(viewport={"width": 320, "height": 800})
    for path in ("/subscribe/", "/newsletter/"):
        page.goto(served + path)
        assert no_horizontal_scroll(page), path
        assert page.locator("main form").count() == 0
        link = page.locator("main .signup a[href^='mailto:']")
        assert link.get_attribute("href").endswith("?subject=subscribe")
    page.close()


def test_audits_can_read_robots_txt_and_nothing_else_opens(served, browser):
    """connect-src 'self': a same-site fetch works (Lighthouse's robots.txt audit), others fail."""
    page = browser.new_page()
    page.goto(served + "/")
    assert page.evaluate("fetch('/robots.txt').then(r => r.status)") == 200
    # The same server under another name is another origin: the policy refuses it.
    other = served.replace("127.0.0.1", "localhost") + "/robots.txt"
    outside = f"fetch('{other}', {{mode: 'no-cors'}}).then(() => 'open', () => 'blocked')"
    assert page.evaluate(outside) == "blocked"
    page.close()

"""Score the published sample site with Lighthouse in Debian's Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, ROOT, make_settings, run_pelican

pytestmark = pytest.mark.browser

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("seo", "accessibility", "best-practices")
PAGES = (
    "",
    "2019/second-sale-is-the-real-sale/",
    "subscribe/",
)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        """Keep the test output free of access logs."""


@pytest.fixture(scope="module")
def published_and_served(tmp_path_factory):
    """A publish build whose site address is the local server that serves it.

    The address must be known before the build (links, canonical URLs and the sitemap are
    absolute in a publish build), so the server takes a free port first.
    """
    if not LIGHTHOUSE.exists():
        if os.environ.get("CI"):
            pytest.fail("Lighthouse is missing: run `make test-setup`")
        pytest.skip("Lighthouse is not installed (npm; `make test-setup` installs it)")
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    root = tmp_path_factory.mktemp("lighthouse")
    content, output = root / "content", root / "output"
    shutil.copytree(ROOT / "content", content)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(output)))
    address = f"http://127.0.0.1:{server.server_address[1]}"
    settings = make_settings(
        content, output, True, {"SITEURL": address, "SITE_CANONICAL_URL": address}
    )
    run_pelican(settings)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield address
    finally:
        server.shutdown()
        server.server_close()


def lighthouse(url: str, report: Path) -> dict:
    """Run the Lighthouse command line once on `url` and return its JSON report."""
    command = [
        str(LIGHTHOUSE),
        url,
        f"--only-categories={','.join(CATEGORIES)}",
        "--output=json",
        f"--output-path={report}",
        "--quiet",
        f"--chrome-flags={' '.join(CHROMIUM_ARGS)}",
    ]
    # CHROME_PATH makes Lighthouse use Debian's Chromium; it never fetches a browser.
    env = {**os.environ, "CHROME_PATH": str(CHROMIUM)}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(report.read_text(encoding="utf-8"))


def failing_audits(result: dict, category: str) -> list[str]:
    """The audits that cost `category` points, by id and title."""
    failing = []
    for ref in result["categories"][category]["auditRefs"]:
        audit = result["audits"][ref["id"]]
        if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
            failing.append(f"{ref['id']}: {audit['title']}")
    return failing


def test_home_article_and_subscribe_score_100(published_and_served, tmp_path):
    """One Lighthouse run per page; every category scores 100, or the failing audits are named."""
    below = {}
    for number, page in enumerate(PAGES):
        url = f"{published_and_served}/{page}"
        result = lighthouse(url, tmp_path / f"report-{number}.json")
        assert result["finalDisplayedUrl"] == url
        assert not result.get("runtimeError"), result["runtimeError"]
        for category in CATEGORIES:
            score = result["categories"][category]["score"]
            if score != 1:
                below[f"{page or 'home'} {category} {score}"] = failing_audits(result, category)
    assert below == {}

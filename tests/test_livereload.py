"""`invoke livereload`: serve, rebuild on an edit, and the open page reloads itself."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS
from test_validators import _need


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} never answered")


def _content(page) -> str:
    """The page's HTML, or "" while it is reloading (Playwright refuses to read it then)."""
    from playwright.sync_api import Error

    try:
        return page.content()
    except Error:
        return ""


@pytest.mark.browser
def test_edit_rebuilds_and_reloads_the_open_page(project_copy):
    _need(CHROMIUM, "Debian's chromium")
    from playwright.sync_api import sync_playwright

    port = _free_port()
    server_log = Path(project_copy) / "livereload.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "invoke", "livereload", "--port", str(port)],
        cwd=project_copy,
        stdout=subprocess.DEVNULL,
        stderr=server_log.open("w", encoding="utf-8"),
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/about/")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page()
            blocked = []
            page.on("console", lambda message: blocked.append(message.text))
            page.goto(f"http://127.0.0.1:{port}/about/")
            assert "A line added while the page was open." not in page.content()
            # Edit only once the page's live-reload socket is connected: a reload
            # sent before that reaches nobody.
            deadline = time.monotonic() + 30
            while "Browser Connected" not in server_log.read_text(encoding="utf-8"):
                assert time.monotonic() < deadline, "the page never connected for live reload"
                page.wait_for_timeout(200)
            # livereload ignores changes within 3 s of its start (or of its last
            # reload) as part of a burst; an author never edits that fast.
            page.wait_for_timeout(3500)
            about = Path(project_copy) / "content" / "pages" / "about.md"
            about.write_text(
                about.read_text(encoding="utf-8") + "\nA line added while the page was open.\n",
                encoding="utf-8",
            )
            deadline = time.monotonic() + 60
            while "A line added while the page was open." not in _content(page):
                if time.monotonic() > deadline:
                    built = (Path(project_copy) / "output" / "about" / "index.html").read_text(
                        encoding="utf-8"
                    )
                    rebuilt = "A line added while the page was open." in built
                    log = server_log.read_text(encoding="utf-8")[-3000:]
                    pytest.fail(f"the page never reloaded (rebuilt: {rebuilt}); server:\n{log}")
                page.wait_for_timeout(300)
            browser.close()
        assert not [m for m in blocked if "Content Security Policy" in m], blocked
    finally:
        server.terminate()
        server.wait(timeout=20)

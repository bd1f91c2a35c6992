"""Check a built site the way a careful reader would; used by `invoke check` and the tests.

Each checker takes an output folder and returns a list of problems (empty when
all is well), one line each, naming the file.

    python -m nextsale.sitecheck OUTPUT [--links OUTPUT_WITH_RELATIVE_URLS]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

from nextsale.site import PROJECT_ROOT as ROOT

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


class ToolMissing(RuntimeError):
    """A validator is not installed (`make test-setup` installs them)."""


def nu_html_problems(output: Path) -> list[str]:
    """Errors the Nu HTML checker finds in every page (and email body)."""
    if not VNU.exists() or not shutil.which("java"):
        raise ToolMissing("the Nu HTML checker needs java and npm's vnu-jar: run `make test-setup`")
    pages = sorted(str(p) for p in output.rglob("*.html"))
    if not pages:
        return ["no HTML pages were built"]
    done = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *pages],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    messages = json.loads(done.stderr or '{"messages": []}')["messages"]
    return [
        f"{Path(urlparse(m.get('url', '')).path).relative_to(output)}"
        f":{m.get('lastLine')}: {m['message']}"
        for m in messages
        if not _outlook_only(m)
    ]


def _outlook_only(message: dict) -> bool:
    # Email bodies carry Outlook's own CSS (mso-hide) on purpose; nothing else is excused.
    return message.get("url", "").endswith("/email.html") and "“mso-" in message["message"]


def _targets(soup) -> list[str]:
    urls = [tag["href"] for tag in soup.find_all(["a", "link"], href=True)]
    urls += [tag["src"] for tag in soup.find_all(src=True)]
    for tag in soup.find_all(srcset=True):
        urls += [part.strip().split()[0] for part in tag["srcset"].split(",") if part.strip()]
    return urls


def broken_links(output: Path, site_host: str) -> list[str]:
    """Every href/src/srcset and #fragment of a relative-URL build that leads nowhere."""
    from bs4 import BeautifulSoup

    ids: dict[Path, set[str]] = {}
    broken = []

    def ids_of(page: Path) -> set[str]:
        if page not in ids:
            soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
            ids[page] = {tag["id"] for tag in soup.find_all(id=True)}
            ids[page] |= {tag["name"] for tag in soup.find_all("a", attrs={"name": True})}
        return ids[page]

    for page in sorted(output.rglob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for url in _targets(soup):
            parsed = urlparse(url)
            if parsed.scheme in ("mailto", "tel", "data") or (
                parsed.scheme and parsed.netloc != site_host
            ):
                continue
            path, fragment = urldefrag(url)
            if parsed.netloc:  # canonical/og links point at the real site: map them home
                target = output / urlparse(path).path.lstrip("/")
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
    return broken


def _page_at(output: Path, base: Path, url: str) -> Path:
    """The output file a link names: relative to `base`, root-relative, or on the site."""
    parsed = urlparse(url)
    path = unquote(parsed.path)
    on_site = parsed.netloc or path.startswith("/")
    target = output / path.lstrip("/") if on_site else base / path
    if target.is_dir() or not path or path.endswith("/"):
        target = target / "index.html"
    return target.resolve()


def broken_redirects(
    output: Path, site_host: str, redirects_file: str | None = "_redirects"
) -> list[str]:
    """Every redirect page and redirects-file line whose new address is not a page here."""
    from bs4 import BeautifulSoup

    from nextsale.redirects import MARK, is_redirect_page

    broken = []
    for page in sorted(output.rglob("*.html")):
        text = page.read_text(encoding="utf-8", errors="replace")
        if not is_redirect_page(text):
            continue
        source = text.split(MARK, 1)[1].split("-->", 1)[0].strip()
        refresh = BeautifulSoup(text, "html.parser").find("meta", attrs={"http-equiv": "refresh"})
        url = (refresh.get("content", "") if refresh else "").partition("url=")[2].strip()
        parsed = urlparse(url)
        if not url or (parsed.netloc and parsed.netloc != site_host):
            broken.append(f"{page.relative_to(output)} (for {source}): no address on this site")
        elif not _page_at(output, page.parent, url).is_file():
            broken.append(f"{page.relative_to(output)} (for {source}) -> {url}: no such page")
    listing = output / redirects_file if redirects_file else None
    if listing is None or not listing.is_file():
        return broken
    source = listing.name
    for number, line in enumerate(listing.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("#"):
            source = line[1:].strip()
            continue
        parts = line.split()
        if len(parts) < 2:
            continue
        if not _page_at(output, output, parts[1]).is_file():
            broken.append(f"{listing.name}:{number} (for {source}) -> {parts[1]}: no such page")
    return broken


def feed_problems(output: Path) -> list[str]:
    """Feeds a real client (feedparser) cannot read cleanly."""
    import feedparser

    feeds = [f for f in sorted(output.rglob("*.xml")) if f.name != "sitemap.xml"] + sorted(
        output.rglob("*.json")
    )
    problems = [] if feeds else ["no feeds were built"]
    for feed in feeds:
        if feed.suffix == ".json":
            data = json.loads(feed.read_text(encoding="utf-8"))
            missing = [key for key in ("version", "title", "items") if key not in data]
            problems += [f"{feed.relative_to(output)}: JSON Feed lacks {key}" for key in missing]
            continue
        parsed = feedparser.parse(feed.read_bytes())
        if parsed.bozo:
            problems.append(f"{feed.relative_to(output)}: {parsed.get('bozo_exception')}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="a publish build")
    parser.add_argument("--links", type=Path, help="a relative-URL build to crawl for links")
    parser.add_argument("--host", default="thenextsale.example")
    args = parser.parse_args(argv)
    checks = [
        ("HTML (Nu checker)", lambda: nu_html_problems(args.output)),
        ("feeds (feedparser)", lambda: feed_problems(args.output)),
        ("redirects", lambda: broken_redirects(args.output, args.host)),
    ]
    if args.links:
        checks.append(("links and anchors", lambda: broken_links(args.links, args.host)))
    failed = 0
    for name, check in checks:
        try:
            problems = check()
        except ToolMissing as missing:
            problems = [str(missing)]
        for problem in problems:
            print(f"  {name}: {problem}")
        print(f"{'ok  ' if not problems else 'FAIL'} {name}: {len(problems)} problem(s)")
        failed += bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

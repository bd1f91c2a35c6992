"""Check built newsletter issues before they are sent.

    python -m nextsale.newsletter.check [OUTPUT] [--settings pelicanconf.py]
        [--site-url URL] [--issue NNN] [--subject-max 60] [--max-bytes 102000]
        [--third-party-images report|remove|keep]

Reads OUTPUT/newsletter/*/ (email.html, email.txt, issue.eml) and reports:
subject length, images without alt text, third-party images (tracking pixels;
unless THIRD_PARTY_IMAGES is "keep"), links into the site that do not
resolve to a built file, vague link text, a missing plain-text part, unsafe
markup and oversized HTML. Exit status 0 when clean, 1 with findings, 2 on
bad usage.
"""

from __future__ import annotations

import argparse
import email
import sys
from dataclasses import dataclass
from email import policy
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup

from nextsale.sanitise import (
    THIRD_PARTY_IMAGES,
    THIRD_PARTY_IMAGES_DEFAULT,
    ThirdPartyImagesSettingError,
    is_third_party,
    site_hosts,
    third_party_images_setting,
)

VAGUE_LINK_TEXT = frozenset(
    {"click here", "click", "here", "this", "this link", "link", "read more", "more",
     "learn more", "find out more", "go", "see here", "continue", "details", "this page"}
)  # fmt: skip


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in one built file."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def resolves(url: str, site_url: str, output: Path) -> bool:
    """Return True if a URL on the site maps to a file in the built output."""
    path = unquote(urlsplit(url).path)
    base = urlsplit(site_url).path.rstrip("/")
    if base and path.startswith(base):
        path = path[len(base) :]
    target = output / path.lstrip("/")
    if not target.resolve().is_relative_to(output.resolve()):
        return False
    return (
        (target / "index.html").is_file()
        if path.endswith("/") or not path
        else (target.is_file() or (target / "index.html").is_file())
    )


def third_party_findings(soup: BeautifulSoup, rel: str, site_url: str) -> list[Finding]:
    """One finding per image that loads from another host (a tracking pixel, or hot-linked)."""
    own = site_hosts(site_url)
    urls: list[str] = []
    for element in soup.find_all(["img", "source"]):
        candidates = [element.get("src") or ""]
        candidates += [part.split()[0] for part in (element.get("srcset") or "").split(",")
                       if part.split()]  # fmt: skip
        urls += [u for u in candidates if is_third_party(u, own) and u not in urls]
    return [
        Finding(
            rel,
            f"third-party image {url}: it tells {urlsplit(url).hostname} who opens the email "
            'and when; remove it, or set THIRD_PARTY_IMAGES = "remove" (or "keep")',
        )
        for url in urls
    ]


def check_html(
    html: str,
    rel: str,
    site_url: str,
    output: Path,
    third_party: str = THIRD_PARTY_IMAGES_DEFAULT,
) -> list[Finding]:
    """Check one email body: alt text, third-party images, links, link text, unsafe markup."""
    findings = []
    soup = BeautifulSoup(html, "html.parser")
    host = urlsplit(site_url).netloc
    if third_party != "keep":
        findings += third_party_findings(soup, rel, site_url)
    for img in soup.find_all("img"):
        src = img.get("src", "")
        if img.get("alt") is None:
            findings.append(Finding(rel, f"image without alt text: {src}"))
        elif not img["alt"].strip():
            findings.append(Finding(rel, f"image with empty alt text: {src}"))
    for element in soup.find_all(True):
        if element.name == "script":
            findings.append(Finding(rel, "contains a <script> element"))
        if element.name == "link" and "stylesheet" in (element.get("rel") or []):
            findings.append(Finding(rel, f"loads an external stylesheet: {element.get('href')}"))
        for attr in element.attrs:
            if attr.lower().startswith("on"):
                findings.append(Finding(rel, f"<{element.name}> has an event handler '{attr}'"))
    for link in soup.find_all("a"):
        href = (link.get("href") or "").strip()
        text = " ".join(link.get_text(" ").split())
        if not href:
            findings.append(Finding(rel, f"link '{text}' has no address"))
            continue
        scheme = urlsplit(href).scheme.lower()
        if scheme == "javascript":
            findings.append(Finding(rel, f"link '{text}' runs JavaScript"))
            continue
        if text.lower().strip(" .:!?…→»") in VAGUE_LINK_TEXT:
            findings.append(Finding(rel, f"vague link text '{text}' ({href}); say where it leads"))
        if scheme in ("http", "https") and urlsplit(href).netloc == host:
            if not resolves(href, site_url, output):
                findings.append(
                    Finding(rel, f"link to {href} does not resolve inside the built site")
                )
        elif not scheme:
            findings.append(Finding(rel, f"relative link {href}; emails need absolute links"))
    for img in soup.find_all("img"):
        src = img.get("src", "")
        if urlsplit(src).netloc == host and not resolves(src, site_url, output):
            findings.append(Finding(rel, f"image {src} does not resolve inside the built site"))
    return findings


def check_issue(
    folder: Path,
    output: Path,
    site_url: str,
    subject_max: int,
    max_bytes: int,
    third_party: str = THIRD_PARTY_IMAGES_DEFAULT,
) -> list[Finding]:
    """Check one issue folder (email.html, email.txt, issue.eml)."""
    rel = folder.relative_to(output).as_posix()
    findings = []
    html_path, text_path, eml_path = (
        folder / "email.html",
        folder / "email.txt",
        folder / "issue.eml",
    )
    if not html_path.is_file():
        return [Finding(rel, "no email.html: the build could not render this issue's email")]
    html = html_path.read_bytes()
    if len(html) > max_bytes:
        findings.append(
            Finding(
                f"{rel}/email.html",
                f"{len(html)} bytes, {len(html) - max_bytes} over the {max_bytes}-byte limit",
            )
        )
    findings += check_html(html.decode("utf-8"), f"{rel}/email.html", site_url, output, third_party)
    if not text_path.is_file() or not text_path.read_text(encoding="utf-8").strip():
        findings.append(Finding(rel, "missing plain-text part (email.txt)"))
    if not eml_path.is_file():
        findings.append(Finding(rel, "missing issue.eml"))
        return findings
    message = email.message_from_bytes(eml_path.read_bytes(), policy=policy.default)
    subject = str(message.get("Subject", "")).strip()
    if not subject:
        findings.append(Finding(f"{rel}/issue.eml", "no Subject"))
    elif len(subject) > subject_max:
        findings.append(
            Finding(
                f"{rel}/issue.eml",
                f"subject is {len(subject)} characters, over {subject_max}; "
                f"phones cut it: {subject!r}",
            )
        )
    plain = message.get_body(preferencelist=("plain",))
    if plain is None or not plain.get_content().strip():
        findings.append(Finding(f"{rel}/issue.eml", "missing plain-text part (text/plain)"))
    if message.get_body(preferencelist=("html",)) is None:
        findings.append(Finding(f"{rel}/issue.eml", "missing HTML part (text/html)"))
    if not message.get("List-Unsubscribe"):
        findings.append(Finding(f"{rel}/issue.eml", "no List-Unsubscribe header"))
    return findings


def read_site_settings(path: str) -> dict:
    from pelican.settings import read_settings

    return read_settings(path, override={"THEME": "simple"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", nargs="?", default="output", help="built site folder")
    parser.add_argument("--settings", default="pelicanconf.py", help="to read SITE_CANONICAL_URL")
    parser.add_argument("--site-url", help="the site's absolute address (overrides --settings)")
    parser.add_argument(
        "--newsletter-dir", default="newsletter", help="issues folder in the output"
    )
    parser.add_argument("--issue", help="check only the issue with this number, e.g. 003")
    parser.add_argument("--subject-max", type=int, default=60, help="longest subject (characters)")
    parser.add_argument("--max-bytes", type=int, default=102_000, help="largest email.html (bytes)")
    parser.add_argument(
        "--third-party-images",
        choices=THIRD_PARTY_IMAGES,
        help="the THIRD_PARTY_IMAGES policy (default: the settings', else report)",
    )
    args = parser.parse_args(argv)

    output = Path(args.output)
    site_url = args.site_url
    third_party = args.third_party_images
    if not site_url or not third_party:
        if not Path(args.settings).is_file():
            if not site_url:
                print(
                    f"error: pass --site-url or a settings file (no {args.settings})",
                    file=sys.stderr,
                )
                return 2
            settings: dict = {}
        else:
            try:
                settings = read_site_settings(args.settings)
            except (OSError, SyntaxError, ValueError) as exc:
                print(f"error: cannot read {args.settings}: {exc}", file=sys.stderr)
                return 2
        site_url = site_url or settings.get("SITE_CANONICAL_URL") or None
        if not third_party:
            try:
                third_party = third_party_images_setting(settings)
            except ThirdPartyImagesSettingError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
    if not site_url:
        print(
            "error: no SITE_CANONICAL_URL in the settings; pass --site-url",
            file=sys.stderr,
        )
        return 2
    root = output / args.newsletter_dir
    folders = sorted(
        p
        for p in root.glob("*/")
        if p.is_dir() and (not args.issue or p.name.startswith(f"{args.issue}-"))
    )
    if not folders:
        print(f"error: no built issues in {root}; build the site first", file=sys.stderr)
        return 2
    findings = []
    for folder in folders:
        findings += check_issue(
            folder, output, site_url.rstrip("/"), args.subject_max, args.max_bytes, third_party
        )
    for finding in sorted(findings):
        print(finding)
    print(f"Checked {len(folders)} issue(s): {len(findings) or 'no'} problem(s) found.")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())

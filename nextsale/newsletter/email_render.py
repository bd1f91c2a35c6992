"""Email building blocks: safe email HTML, inlined CSS, the plain-text renderer and the .eml.

Pure functions; `nextsale.newsletter.render` assembles an issue from them and
the newsletter plugin writes the files.
"""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Iterable
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlsplit

import css_inline
from bs4 import BeautifulSoup, NavigableString, PageElement, Tag

from nextsale.sanitise import sanitise
from nextsale.text import BLOCK_TAGS

CHROME_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)

# The theme's policy when a site sets no CONTENT_SECURITY_POLICY (partials/head_meta.html).
SITE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'"
)


def email_csp(site_policy: str | None, site_url: str, image_sources: Iterable[str] = ()) -> str:
    """The site's Content-Security-Policy as an email page needs it.

    Every directive stays as the site has it, except two: an email's CSS is
    inline (mail clients load no stylesheet), so `style-src 'unsafe-inline'`;
    and its images are absolute addresses on the site, so `img-src` adds the
    site's origin (and `image_sources`, when third-party images are kept).
    """
    parts = urlsplit(site_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    directives: dict[str, list[str]] = {}
    for part in (site_policy or SITE_CSP).split(";"):
        words = part.split()
        if words:
            directives.setdefault(words[0].lower(), words[1:])
    directives["style-src"] = ["'unsafe-inline'"]
    images = [v for v in directives.get("img-src", []) if v != "'none'"]
    for source in (origin, *image_sources):
        if source not in images:
            images.append(source)
    directives["img-src"] = images
    return "; ".join(" ".join([name, *values]) for name, values in directives.items())


def safe_email_html(html: str, base_url: str, *, images: bool = True) -> str:
    """Keep what mail clients render (the email profile), every link absolute from `base_url`."""
    drop = () if images else ("img", "figcaption")
    return sanitise(html, "email", base_url=base_url, drop=drop).strip()


def inline_css(html: str) -> str:
    """Inline the template's CSS; keep @media rules (dark mode) in a <style>."""
    return CHROME_INLINER.inline(html)


# --- plain text -------------------------------------------------------------


class TextRenderer:
    """Render HTML as readable plain text; links become numbered footnotes."""

    def __init__(self, width: int = 72) -> None:
        self.width = width
        self.links: list[str] = []

    def footnote(self, url: str) -> int:
        if url not in self.links:
            self.links.append(url)
        return self.links.index(url) + 1

    def take_links(self) -> str:
        """Return the footnote list collected so far and start a new one."""
        lines = [f"[{n}] {url}" for n, url in enumerate(self.links, 1)]
        self.links = []
        return "\n".join(lines)

    def inline(self, nodes: Iterable[PageElement]) -> str:
        out = []
        for child in nodes:
            if isinstance(child, NavigableString):
                # Source line breaks are soft; only <br> ends a line.
                out.append(" ".join(str(child).split("\n")))
            elif not isinstance(child, Tag):
                continue
            elif child.name == "br":
                out.append("\n")
            elif child.name == "img":
                alt = (child.get("alt") or "").strip()
                out.append(f"[Image: {alt}]" if alt else "")
            elif child.name == "a":
                text = self.inline(child.children).strip()
                href = child.get("href", "")
                if href.startswith("mailto:"):
                    address = href[7:].split("?", 1)[0]
                    out.append(text if address in text else f"{text} <{address}>")
                elif href and href != text:
                    out.append(f"{text} [{self.footnote(href)}]")
                else:
                    out.append(text)
            elif child.name in ("em", "i"):
                out.append(f"_{self.inline(child.children)}_")
            elif child.name in ("strong", "b"):
                out.append(f"*{self.inline(child.children)}*")
            elif child.name == "q":
                out.append(f"“{self.inline(child.children)}”")
            else:
                out.append(self.inline(child.children))
        return "".join(out)

    def wrap(self, text: str, first: str = "", rest: str = "") -> str:
        lines = []
        for part in text.split("\n"):
            words = " ".join(part.split())
            if not words:
                continue
            lines.append(
                textwrap.fill(
                    words,
                    self.width,
                    initial_indent=first if not lines else rest,
                    subsequent_indent=rest,
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
        return "\n".join(lines)

    def blocks(self, node: Tag) -> list[str]:
        """Return the paragraphs of `node` as wrapped text blocks."""
        out: list[str] = []
        pending: list[PageElement] = []

        def flush() -> None:
            text = self.wrap(self.inline(pending))
            if text:
                out.append(text)
            pending.clear()

        for child in node.children:
            if not (isinstance(child, Tag) and child.name in BLOCK_TAGS):
                pending.append(child)
                continue
            flush()
            name = child.name
            if name in ("h1", "h2"):
                title = " ".join(self.inline(child.children).split())
                out.append(
                    f"{title}\n{('=' if name == 'h1' else '-') * min(len(title), self.width)}"
                )
            elif name in ("h3", "h4", "h5", "h6"):
                out.append(" ".join(self.inline(child.children).split()).upper())
            elif name in ("ul", "ol"):
                items = child.find_all("li", recursive=False)
                lines = []
                for n, li in enumerate(items, 1):
                    marker = f"{n}. " if name == "ol" else "- "
                    text = " ".join(" ".join(self.blocks(li)).split())
                    lines.append(self.wrap(text, marker, " " * len(marker)))
                if lines:
                    out.append("\n".join(lines))
            elif name == "blockquote":
                inner = "\n\n".join(self.blocks(child))
                out.append("\n".join(f"> {line}".rstrip() for line in inner.splitlines()))
            elif name == "pre":
                out.append("\n".join(f"    {line}" for line in child.get_text().splitlines()))
            elif name == "hr":
                out.append("* * *")
            else:
                out.extend(self.blocks(child))
        flush()
        return out

    def render(self, html: str) -> str:
        return "\n\n".join(self.blocks(BeautifulSoup(html, "html.parser")))


# --- MIME -------------------------------------------------------------------


def message_id(number_text: str, slug: str, site_url: str) -> str:
    """A Message-ID that depends only on the issue and the site's host."""
    host = urlsplit(site_url).hostname or "localhost"
    return f"<newsletter.{number_text}.{slug}@{host}>"


def list_unsubscribe(url: str | None, mailto: str | None) -> str | None:
    """Return the List-Unsubscribe header value: `<mailto:...>, <https://...>`."""
    targets = []
    if mailto:
        targets.append(mailto if mailto.startswith("mailto:") else f"mailto:{mailto}")
    if url:
        targets.append(url)
    return ", ".join(f"<{t}>" for t in targets) or None


def build_eml(
    *,
    sender: str,
    subject: str,
    date: datetime,
    msg_id: str,
    text: str,
    html: str,
    unsubscribe_url: str | None,
    unsubscribe_mailto: str | None,
    list_id: str | None = None,
    language: str | None = None,
) -> bytes:
    """Build a multipart/alternative message, byte-identical for the same input."""
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = sender
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = msg_id
    if list_id:
        msg["List-Id"] = list_id
    header = list_unsubscribe(unsubscribe_url, unsubscribe_mailto)
    if header:
        msg["List-Unsubscribe"] = header
    if unsubscribe_url:
        # RFC 8058: lets mail clients unsubscribe with one POST, no page visit.
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if language:
        msg["Content-Language"] = language
    msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    # The email package picks a random boundary; derive one from the content
    # so two builds of the same issue are byte-identical.  Quoted-printable
    # never lets "=_" through unescaped, so the boundary cannot occur inside.
    digest = hashlib.sha256((text + "\0" + html + "\0" + msg_id).encode("utf-8"))
    msg.set_boundary(f"=_next_{digest.hexdigest()[:32]}")
    return msg.as_bytes(policy=policy.SMTP)

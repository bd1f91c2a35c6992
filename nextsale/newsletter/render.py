"""Render one newsletter issue: its view for the web page, email HTML, plain text and feed item.

Pure functions over an `Issue` (see `issues`), the articles it covers and the
templates the caller passes in; the newsletter plugin gathers those from
Pelican, calls these and writes the files.
"""

from __future__ import annotations

import functools
import html
import mimetypes
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from bs4 import BeautifulSoup
from pelican.utils import path_to_url

from nextsale.feeds import FeedMeta, FeedSite, Item, LeadImage, rss_bytes, stable_id
from nextsale.guidance import HEADING, GuidanceLink, as_link, guidance_links
from nextsale.newsletter.email_render import TextRenderer, inline_css, safe_email_html
from nextsale.newsletter.issues import Issue
from nextsale.sanitise import ImagePolicy
from nextsale.text import clean_text
from nextsale.urls import absolute, add_utm

# Tried in order until the email fits under NEWSLETTER_MAX_BYTES.
MODES = (
    ("full", "full articles"),
    ("summary", "summaries with read-on links"),
    ("summary-no-images", "summaries, no images"),
)
RULE = "-" * 72


@dataclass
class IssueView:
    """What the templates and writers need about one rendered issue."""

    issue: Issue
    subject_line: str
    locale_date: str
    url: str
    save_as: str
    abs_url: str
    email_html_save_as: str
    email_text_save_as: str
    eml_save_as: str
    preheader: str  # plain text: templates escape it
    intro: str = ""  # web version, sanitised, links relative to the page
    guidance: list[GuidanceLink] = field(default_factory=list)
    feed_html: str = ""
    mode: str = "full"
    has_email: bool = False
    sizes: dict[str, int] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        # Templates read issue fields (subject, number, date, articles) directly.
        if name.startswith("__") or name == "issue":
            raise AttributeError(name)
        return getattr(self.issue, name)

    @property
    def email_html_url(self) -> str:
        return path_to_url(self.email_html_save_as)

    @property
    def email_text_url(self) -> str:
        return path_to_url(self.email_text_save_as)

    @property
    def eml_url(self) -> str:
        return path_to_url(self.eml_save_as)


def issue_guidance(
    articles: Sequence[Any], default: Mapping[str, str] | None
) -> list[GuidanceLink]:
    """The issue's guidance: its articles' distinct links, else the default."""
    found = guidance_links(articles)
    if not found and default:
        link = as_link(default)
        return [link] if link else []
    return found


def issue_utm(utm: Mapping[str, str] | None, issue: Issue) -> dict[str, str] | None:
    """The UTM parameters of one issue's links: the setting, campaign `NNN-slug` by default."""
    return {"campaign": f"{issue.number_text}-{issue.slug}", **utm} if utm else None


@dataclass
class Email:
    """An issue's email in the largest mode that fits the size limit."""

    html: str  # the whole document, CSS inlined
    body: str  # the issue's content alone (the feed carries it)
    intro: str
    items: list[dict[str, Any]]
    mode: str
    size: int
    attempts: list[str]
    fits: bool = True


def email_items(
    articles: Sequence[Any], mode: str, site_url: str, images: ImagePolicy | None = None
) -> list[dict[str, Any]]:
    """The articles as the email shows them: full, or summaries with or without images.

    `images` (THIRD_PARTY_IMAGES) notes, or removes, images from other hosts.
    """
    items = []
    for article in articles:
        url = absolute(site_url, article.url)
        if mode == "full":
            body = safe_email_html(article.get_content(site_url), url)
        else:
            body = safe_email_html(
                article.get_summary(site_url), url, images=mode != "summary-no-images"
            )
        if images is not None:
            body = images.apply(body)
        author = getattr(article, "author", None)
        items.append(
            {
                "title": article.title,
                "url": url,
                "date": article.locale_date,
                "iso_date": article.date.isoformat(),
                "author": author.name if author else "",
                "html": body,
                "read_on": mode != "full",
            }
        )
    return items


def render_email(
    view: IssueView,
    intro_email: str,
    *,
    body_template: Any,
    email_template: Any,
    common: Mapping[str, Any],
    site_url: str,
    utm: Mapping[str, str] | None,
    limit: int,
    images: ImagePolicy | None = None,
) -> Email:
    """Render email.html, shrinking it mode by mode until it fits in `limit` bytes.

    `utm` is the issue's (see `issue_utm`); `images` the third-party image
    policy, already applied to `intro_email`. The result's `fits` is False when
    even the smallest mode does not fit.
    """
    attempts: list[str] = []
    email = None
    for mode, label in MODES:
        intro = (
            intro_email
            if mode != "summary-no-images"
            else safe_email_html(intro_email, view.abs_url, images=False)
        )
        items = email_items(view.issue.articles, mode, site_url, images)
        body = body_template.render(common, intro=intro, items=items)
        document = email_template.render(common, body=body, preheader=view.preheader)
        page = inline_css(add_utm(document, site_url, utm))
        size = len(page.encode("utf-8"))
        attempts.append(f"{label}: {size} bytes")
        email = Email(page, body, intro, items, mode, size, attempts)
        if size <= limit:
            return email
    email.fits = False
    return email


def email_guidance(guidance: Sequence[GuidanceLink], site_url: str) -> list[dict[str, str]]:
    """The guidance links for the email templates, each with its absolute URL."""
    return [dict(asdict(link), abs_url=absolute(site_url, link.url)) for link in guidance]


def render_text(
    view: IssueView,
    email: Email,
    *,
    sitename: str,
    title: str,
    guidance: Sequence[Mapping[str, str]],
    link: Callable[[str], str],
    unsubscribe_url: str | None,
    unsubscribe_mailto: str | None,
) -> str:
    """Render the plain-text alternative; links become numbered footnotes.

    `link(url)` returns the URL as the email links it (with UTM parameters).
    `email.intro` must already carry them.
    """
    renderer = TextRenderer()
    issue = view.issue
    parts = [
        f"{sitename} · Issue {issue.number} · {view.locale_date}",
        f"{issue.subject}\n{'=' * min(len(issue.subject), 72)}",
    ]

    def add(text: str) -> None:
        if text:
            parts.append(text)

    add(renderer.render(email.intro))
    add(renderer.take_links())
    for item in email.items:
        parts.append(RULE)
        parts.append(
            f"{item['title']}\n{item['author']} · {item['date']}\n{link(item['url'])}".replace(
                "\n · ", "\n"
            )
        )
        add(renderer.render(item["html"]))
        if item["read_on"]:
            parts.append(f"Read on: {item['title']}\n{link(item['url'])}")
        add(renderer.take_links())
    if guidance:
        parts.append(RULE)
        lines = [HEADING.upper()]
        for entry in guidance:
            lead = f"{entry['cta']} {entry['title']}" if entry.get("cta") else entry["title"]
            lines.append(renderer.wrap(lead, "- ", "  "))
            lines.append(f"  {link(entry['abs_url'])}")
        parts.append("\n".join(lines))
    parts.append(RULE)
    footer = [
        f"Read this issue on the web: {link(view.abs_url)}",
        renderer.wrap(f"You receive this because you subscribed to {title}."),
    ]
    if unsubscribe_url:
        footer.append(f"Unsubscribe: {unsubscribe_url}")
    if unsubscribe_mailto:
        address = unsubscribe_mailto.removeprefix("mailto:").split("?")[0]
        footer.append(renderer.wrap(f"Or unsubscribe by email: write to {address}."))
    parts.append("\n".join(footer))
    return "\n\n".join(parts) + "\n"


def utm_link(site_url: str, utm: Mapping[str, str] | None) -> Callable[[str], str]:
    """A function giving a URL as the email's HTML links it (`utm`: the issue's)."""

    def link(url: str) -> str:
        if not utm:
            return url
        tagged = add_utm(f'<a href="{html.escape(url)}"></a>', site_url, utm)
        return BeautifulSoup(tagged, "html.parser").a["href"]

    return link


# --------------------------------------------------------------- the feed


def feed_content(body_html: str, base_url: str) -> str:
    """The issue's content as its feed item carries it, headed by the issue's title.

    Email HTML has no `<h1>` (mail clients style it unpredictably); the feed
    keeps the title as a heading, so services that paste the content into
    their own template still show which issue it is.
    """
    soup = BeautifulSoup(body_html, "html.parser")
    for heading in soup.find_all("h1"):
        heading.name = "h2"
    return safe_email_html(str(soup), base_url)


@functools.lru_cache(maxsize=256)
def first_image_source(content_html: str) -> str | None:
    """The `src` of the first image in some HTML, if any. Kept by the HTML itself:
    an issue's content is parsed once, not at every build of a live session."""
    image = BeautifulSoup(content_html, "html.parser").find("img", src=True)
    return None if image is None else str(image["src"])


def lead_image(content_html: str, size_of: Callable[[str], int] | None = None) -> LeadImage | None:
    """The first image of an issue's content, as an enclosure (None when it has none).

    `size_of(url)` gives the image file's size in bytes (0 when unknown).
    """
    url = first_image_source(content_html)
    if url is None or not url.startswith(("https://", "http://")):
        return None
    kind = mimetypes.guess_type(url.split("?", maxsplit=1)[0])[0] or ""
    if not kind.startswith("image/"):
        return None
    return LeadImage(url, kind, size_of(url) if size_of else 0)


def feed_item(
    view: IssueView,
    site: FeedSite,
    *,
    author_email: str | None = None,
    size_of: Callable[[str], int] | None = None,
) -> Item:
    """The issue as an item of the newsletter feed; its id follows the site feeds' rule.

    Every item names the site's author (RSS `author` needs `author_email` too)
    and carries the issue's lead image, when it has one.
    """
    issue = view.issue
    return Item(
        id=stable_id(issue.source_path, issue.date, site.authority, issue.guid or None),
        url=view.abs_url,
        title=clean_text(view.subject_line),
        content_html=view.feed_html,
        # The preheader is text; a feed's description is HTML.
        summary_html=html.escape(view.preheader, quote=False),
        summary_text=view.preheader,
        published=issue.date,
        updated=issue.date,
        authors=(site.author,),
        author_email=author_email,
        image=lead_image(view.feed_html, size_of),
    )


def newsletter_feed(
    views: Sequence[IssueView],
    meta: FeedMeta,
    site: FeedSite,
    *,
    author_email: str | None = None,
    size_of: Callable[[str], int] | None = None,
) -> bytes:
    """The RSS feed that RSS-to-email services read: issues with an email, newest first."""
    items = [
        feed_item(view, site, author_email=author_email, size_of=size_of)
        for view in views
        if view.has_email
    ]
    return rss_bytes(meta, items, site)

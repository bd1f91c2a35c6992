"""One post read from any source, before it is written as Markdown.

Every reader (WordPress, Blogger, Ghost, Substack, Medium, feeds, Markdown
with front matter, saved pages, text copies) gives `Post`s; one writer
turns them into articles and pages, so the front matter, dates, categories
and tags are decided in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Post:
    """A post or page as the old platform described it."""

    format: str  # wordpress, blogger, ghost, substack, medium, feed, markdown, html, text
    ident: str  # names the post in the report: "export.xml#post-12"
    title: str = ""
    kind: str = "article"  # article or page
    date: datetime | None = None  # timezone-aware where the export says the zone
    modified: datetime | None = None
    author: str | None = None  # display name, not a login
    authors: list[str] = field(default_factory=list)  # when there are several
    status: str = "published"  # published or draft (private and scheduled are drafts)
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    summary: str | None = None  # plain text
    url: str | None = None  # the post's address on the old site
    aliases: list[str] = field(default_factory=list)  # other old addresses
    slug: str | None = None
    body_html: str = ""  # as the platform stored it; converted by the writer
    body_markdown: str | None = None  # set instead of body_html when already Markdown
    notes: list[str] = field(default_factory=list)

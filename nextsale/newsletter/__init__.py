"""The newsletter's core: issues, rendering, the pre-send check and drafting.

- `issues`: read issue files and choose the articles each issue covers;
- `render`: an issue as a web page view, email HTML, plain text and feed item;
- `email_render`: safe email HTML, the plain-text renderer and the .eml message;
- `check`, `draft`: the tools run as `python -m nextsale.newsletter.check|draft`.

This module holds what other parts of the site need to know about the
newsletter without running it: where its feed is and what it is called.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The default of NEWSLETTER_FEED_SAVE_AS, the newsletter plugin's setting.
FEED_SAVE_AS = "newsletter/feed.rss.xml"


def feed_path(settings: Mapping[str, Any]) -> str | None:
    """Where the newsletter feed is written, relative to the output folder."""
    path = settings.get("NEWSLETTER_FEED_SAVE_AS", FEED_SAVE_AS)
    return str(path).lstrip("/") if path else None


def newsletter_title(settings: Mapping[str, Any]) -> str:
    """The newsletter's name: NEWSLETTER_TITLE, else "<SITENAME> newsletter"."""
    return (
        settings.get("NEWSLETTER_TITLE") or f"{settings.get('SITENAME', 'Newsletter')} newsletter"
    )

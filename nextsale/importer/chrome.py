"""The chrome blog platforms print around and inside a post, as data.

A saved page carries its platform's furniture: Medium's "Follow" and
"· 18 min read", share and clap bars, "More from" cards, newsletter boxes,
"blog comments powered by Disqus", "Tagged in … / Exported from Medium"
footers. These patterns only ever run on the element holding the post once
it has been found, so a theme's class names can never remove the post itself
(Blogger wraps every post in `<div class="widget Blog">`).
"""

from __future__ import annotations

import re

from bs4 import Tag

from nextsale.cruft.rules import normalise

CHROME_RULE = "page-chrome"

# Class and id tokens of containers that hold no part of a post's text.
CHROME_TOKENS = frozenset(
    {
        "sharedaddy", "share", "shares", "sharing", "share-buttons", "sharebar",
        "social", "social-share", "social-links", "post-share", "share-post",
        "jp-relatedposts", "related", "related-posts", "relatedposts", "related-articles",
        "more-from", "newsletter", "newsletter-signup", "subscribe", "subscription-widget",
        "subscribe-widget", "signup", "author-bio", "author-box", "about-author",
        "author-info", "entry-author", "post-author-bio", "post-navigation", "nav-links",
        "navigation", "breadcrumb", "breadcrumbs", "post-tags", "tag-links", "cat-links",
        "entry-footer", "post-footer", "entry-meta", "post-meta", "postmeta", "byline",
        "advert", "advertisement", "ad-container", "sponsored", "promo", "cookie-notice",
        "popup", "modal", "skip-link", "screen-reader-text", "sr-only", "visually-hidden",
        "reading-time", "post-reading-time", "disqus", "dsq-brlink", "blog-pager",
        "gh-post-upgrade-cta", "post-upgrade-cta", "kg-signup-card", "gh-read-next",
        "read-next", "gh-subscribe", "subscription-widget-wrap", "post-ufi",
        "like-button-container", "footer-buttons",
    }
)  # fmt: skip
# Parts of class words that mark chrome whatever the theme's naming style
# ("postFooter-info", "sd-social-share", "js-infoCardUser").
CHROME_PARTS = ("share", "social", "related", "newsletter", "subscribe", "infocard",
                "postfooter", "authorbio", "author-bio", "authorcard", "outbrain",
                "taboola", "disqus", "promo", "advert", "mostread", "most-read",
                "most-popular", "more-stories", "morestories", "recommend", "prev-next",
                "prevnext", "pagination", "pager", "footer")  # fmt: skip
# Elements that never hold a post's text, wherever they are.
CHROME_TAGS = ("nav", "aside", "form", "button", "select", "input", "textarea", "dialog")
# Whole lines of platform chrome (matched case-insensitively against a whole block).
CHROME_LINES = [
    r"follow(?:ing)?",
    r"(?:·\s*)?\d+\s*min(?:ute)?s? read",
    r"(?:share|tweet|pin it|email|print|clap|claps|responses?|bookmark)(?:\s+(?:this|on \w+))?",
    r"share (?:this|on|via)\b.{0,60}",
    r"(?:more from|related (?:articles|posts|stories)|you might also like|read next|"
    r"recommended(?: for you)?|keep reading)\b.{0,80}",
    r"(?:published\s*·?\s*)?tagged (?:in|with|as)\b.{0,200}",
    r"\d*\s*(?:reply|replies)",
    r"canonical link",
    r"exported from medium on .{1,60}",
    r"(?:blog )?comments powered by disqus\.?",
    r"please enable javascript to view the comments.{0,80}",
    r"(?:sign up|subscribe)(?: now| today)?(?: for| to)? (?:(?:our|my|the|a) )?"
    r"(?:free )?(?:weekly )?(?:newsletter|updates|mailing list)\b.{0,80}",
    r"get (?:the|our) newsletter.{0,60}",
    r"(?:most (?:popular|read|viewed|shared)|more stories|trending)\b.{0,40}",
    r"(?:written|posted|published)(?: on .{1,40})? by(?: .{1,60})?",
    r"(?:about the author|about me)",
    r"(?:\d+\s*)?(?:likes?|reblogs?|notes?)",
    r"(?:previous|next) (?:post|article|story)\b.{0,120}",
    r"(?:←|→)\s*.{0,120}",
    r"(?:sponsored|advertisement|ad)",
]
CHROME_LINE_RE = re.compile("|".join(f"(?:{p})" for p in CHROME_LINES), re.I)
# Longer blocks are prose, whatever they start with.
MAX_CHROME_WORDS = 30


def tokens(el: Tag) -> set[str]:
    """The lowercase class words and id of an element."""
    found = {str(c).lower() for c in el.get("class") or []}
    if el.get("id"):
        found.add(str(el["id"]).lower())
    return found


def is_chrome_element(el: Tag) -> bool:
    """Tell whether an element inside a post is platform furniture by its name or class."""
    if el.name in CHROME_TAGS:
        return True
    if el.has_attr("hidden") or str(el.get("aria-hidden", "")).lower() == "true":
        return True
    style = str(el.get("style", "")).replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    found = tokens(el)
    return bool(found & CHROME_TOKENS) or any(p in t for t in found for p in CHROME_PARTS)


def is_chrome_line(text: str) -> bool:
    """Tell whether a whole block of text is a line of platform chrome."""
    text = normalise(text)
    if not text or len(text.split()) > MAX_CHROME_WORDS:
        return False
    return CHROME_LINE_RE.fullmatch(text) is not None


def is_card_list(el: Tag) -> bool:
    """Tell whether an element is a list of teaser cards ("Other columns",
    "More from"): two or more headings, nearly all of them links elsewhere."""
    headings = el.find_all(["h2", "h3", "h4", "h5", "h6"])
    linked = [h for h in headings if _link_share(h) >= 0.5]
    return len(linked) >= 2 and len(linked) >= 0.75 * len(headings)


def _link_share(el: Tag) -> float:
    words = len(el.get_text(" ").split())
    linked = sum(len(a.get_text(" ").split()) for a in el.find_all("a", href=True))
    return linked / words if words else 0.0

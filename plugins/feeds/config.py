"""The feeds plugin's settings: defaults, validation, and the facts every feed needs."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from nextsale.feeds import FeedMeta, FeedSite
from nextsale.newsletter import feed_path, newsletter_title
from nextsale.sanitise import ThirdPartyImagesSettingError, site_hosts, third_party_images_setting
from nextsale.site import plugin_enabled, setting
from nextsale.text import clean_text
from nextsale.urls import UtmSettingError, utm_setting

DEFAULTS: dict[str, Any] = {
    "FEEDS_ALL_ATOM": "feeds/all.atom.xml",
    "FEEDS_ALL_RSS": "feeds/all.rss.xml",
    "FEEDS_ALL_JSON": "feeds/all.json",
    "FEEDS_CATEGORY_ATOM": "feeds/category/{slug}.atom.xml",
    "FEEDS_CATEGORY_RSS": "feeds/category/{slug}.rss.xml",
    "FEEDS_TAG_ATOM": "feeds/tags/{slug}.atom.xml",
    "FEEDS_TAG_RSS": "feeds/tags/{slug}.rss.xml",
    "FEEDS_TOPIC_ATOM": "feeds/topics/{slug}.atom.xml",
    "FEEDS_TOPIC_RSS": "feeds/topics/{slug}.rss.xml",
    "FEEDS_MAX_ITEMS": 20,
    "FEEDS_UTM": None,
}

log = logging.getLogger(__name__)


class FeedsError(ValueError):
    """A feeds setting is missing or malformed."""


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class FeedsConfig:
    """Validated feeds settings plus the site facts every feed needs."""

    site: FeedSite
    sitename: str
    description: str
    all_atom: str | None
    all_rss: str | None
    all_json: str | None
    category_atom: str | None
    category_rss: str | None
    tag_atom: str | None
    tag_rss: str | None
    topic_atom: str | None
    topic_rss: str | None
    max_items: int | None
    newsletter_feed: str | None  # listed in `feeds.site`; the newsletter plugin writes it
    newsletter_title: str

    @property
    def canonical(self) -> str:
        return self.site.canonical

    def absolute(self, rel: str) -> str:
        """Return the canonical URL of a site-relative path."""
        return self.site.absolute(rel)

    def meta(self, save_as: str, title: str, description: str, home_url: str) -> FeedMeta:
        """Describe the feed saved at `save_as`; `home_url` is the page that explains it."""
        return FeedMeta(title, description, home_url, save_as, self.absolute(save_as))


def _path_setting(settings: dict[str, Any], name: str, needs_slug: bool) -> str | None:
    value = setting(settings, DEFAULTS, name)
    if not value:
        return None
    if not isinstance(value, str):
        raise FeedsError(
            f"feeds: setting {name} in your settings file must be a path string "
            f"like {DEFAULTS[name]!r}, or None to switch that feed off (got {value!r})."
        )
    if needs_slug and "{slug}" not in value:
        raise FeedsError(
            f"feeds: setting {name} = {value!r} in your settings file must contain "
            f"'{{slug}}' so each feed gets its own file, e.g. {DEFAULTS[name]!r}."
        )
    if value.startswith("/") or ".." in value.split("/"):
        raise FeedsError(
            f"feeds: setting {name} = {value!r} must be a path inside the output "
            "folder, without a leading '/' or '..'."
        )
    return value


def load_config(settings: dict[str, Any]) -> FeedsConfig:
    """Merge feeds settings over DEFAULTS and validate them loudly."""
    canonical = settings.get("SITE_CANONICAL_URL") or settings.get("SITEURL") or ""
    parts = urlsplit(str(canonical))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FeedsError(
            "feeds: feeds need the site's absolute address. Set SITE_CANONICAL_URL "
            "in your settings file to something like 'https://example.com' "
            f"(got {canonical!r})."
        )

    max_items = setting(settings, DEFAULTS, "FEEDS_MAX_ITEMS")
    if max_items is not None and (
        isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 1
    ):
        raise FeedsError(
            "feeds: setting FEEDS_MAX_ITEMS in your settings file must be a whole "
            f"number of at least 1, or None for no cap (got {max_items!r})."
        )

    try:
        utm = utm_setting(setting(settings, DEFAULTS, "FEEDS_UTM"), "FEEDS_UTM", filled=("source",))
    except UtmSettingError as exc:
        raise FeedsError(
            f"feeds: setting FEEDS_UTM in your settings file {exc}; e.g. "
            "{'medium': 'feed', 'campaign': 'keep-them-coming-back'} "
            "(source is the feed format unless given)."
        ) from None

    if "FEEDS_XSL" in settings:
        # Browsers are removing XSLT; a feed's own page (tag, category, topic,
        # newsletter archive, Subscribe) says how to follow it instead.
        log.warning(
            "feeds: FEEDS_XSL is no longer used: feeds carry no XSL stylesheet, because "
            "browsers are removing XSLT. Remove the setting from your settings file",
            extra={"limit_msg": "feeds: FEEDS_XSL is no longer used"},
        )

    try:
        images = third_party_images_setting(settings)
    except ThirdPartyImagesSettingError as exc:
        raise FeedsError(f"feeds: {exc}.") from None

    sitename = clean_text(str(settings.get("SITENAME") or parts.hostname))
    newsletter = plugin_enabled(settings, "newsletter")
    return FeedsConfig(
        site=FeedSite(
            canonical=str(canonical).rstrip("/"),
            author=clean_text(str(settings.get("AUTHOR") or sitename)),
            language=str(settings.get("DEFAULT_LANG") or "en"),
            utm=utm,
            third_party_images=images,
            own_hosts=site_hosts(str(canonical), settings.get("SITEURL")),
        ),
        sitename=sitename,
        description=clean_text(
            str(
                settings.get("SITE_DESCRIPTION")
                or settings.get("SITESUBTITLE")
                or f"Latest posts from {sitename}"
            )
        ),
        all_atom=_path_setting(settings, "FEEDS_ALL_ATOM", False),
        all_rss=_path_setting(settings, "FEEDS_ALL_RSS", False),
        all_json=_path_setting(settings, "FEEDS_ALL_JSON", False),
        category_atom=_path_setting(settings, "FEEDS_CATEGORY_ATOM", True),
        category_rss=_path_setting(settings, "FEEDS_CATEGORY_RSS", True),
        tag_atom=_path_setting(settings, "FEEDS_TAG_ATOM", True),
        tag_rss=_path_setting(settings, "FEEDS_TAG_RSS", True),
        topic_atom=_path_setting(settings, "FEEDS_TOPIC_ATOM", True),
        topic_rss=_path_setting(settings, "FEEDS_TOPIC_RSS", True),
        max_items=max_items,
        newsletter_feed=feed_path(settings) if newsletter else None,
        newsletter_title=clean_text(newsletter_title(settings)),
    )

"""The newsletter plugin's settings: NEWSLETTER_* defaults, read and checked once per build."""

from __future__ import annotations

import re
from email.utils import parseaddr
from typing import Any

from nextsale.newsletter import FEED_SAVE_AS, feed_path, newsletter_title
from nextsale.text import CONTROL_CHARS
from nextsale.urls import UtmSettingError, utm_setting

DEFAULTS: dict[str, Any] = {
    "NEWSLETTER_PATH": "newsletter",
    "NEWSLETTER_FROM": "The Next Sale <letters@thenextsale.example>",
    "NEWSLETTER_UNSUBSCRIBE_URL": None,
    "NEWSLETTER_UNSUBSCRIBE_MAILTO": None,
    "NEWSLETTER_MAX_BYTES": 102_000,
    "NEWSLETTER_UTM": None,
    "NEWSLETTER_DEFAULT_GUIDANCE": None,
    "NEWSLETTER_TITLE": None,
    "NEWSLETTER_DESCRIPTION": None,
    "NEWSLETTER_SUBJECT_FORMAT": "#{number}: {subject}",
    "NEWSLETTER_INDEX_URL": "newsletter/",
    "NEWSLETTER_INDEX_SAVE_AS": "newsletter/index.html",
    "NEWSLETTER_ISSUE_URL": "newsletter/{number}-{slug}/",
    "NEWSLETTER_ISSUE_SAVE_AS": "newsletter/{number}-{slug}/index.html",
    "NEWSLETTER_EMAIL_HTML_SAVE_AS": "newsletter/{number}-{slug}/email.html",
    "NEWSLETTER_EMAIL_TEXT_SAVE_AS": "newsletter/{number}-{slug}/email.txt",
    "NEWSLETTER_EML_SAVE_AS": "newsletter/{number}-{slug}/issue.eml",
    "NEWSLETTER_FEED_SAVE_AS": FEED_SAVE_AS,
}
PATH_SETTINGS = tuple(
    k for k in DEFAULTS if k.endswith(("_URL", "_SAVE_AS")) and "UNSUBSCRIBE" not in k
)
WHERE = "pelicanconf.py/publishconf.py"
# Settings that end up in an email header: a line break there would start a header of its own.
HEADER_SETTINGS = (
    "NEWSLETTER_FROM",
    "NEWSLETTER_UNSUBSCRIBE_URL",
    "NEWSLETTER_UNSUBSCRIBE_MAILTO",
    "NEWSLETTER_TITLE",
    "NEWSLETTER_SUBJECT_FORMAT",
)
# What may not appear in an address or a List-Unsubscribe link.
UNSAFE_IN_LINK_RE = re.compile(r"[\s<>\"',]")


class NewsletterSettingsError(ValueError):
    """A NEWSLETTER_* setting that cannot work; the message names the fix."""


def load_config(settings: dict[str, Any]) -> dict[str, Any]:
    """Merge settings over DEFAULTS and validate them, without touching `settings`.

    Adds SITE_URL, FROM_ADDRESS, UTM (the one UTM shape), FEED_SAVE_AS, TITLE and
    DESCRIPTION (the newsletter feed's).
    """
    cfg = {name: settings.get(name, default) for name, default in DEFAULTS.items()}
    check_header_settings(cfg)

    site_url = settings.get("SITE_CANONICAL_URL") or settings.get("SITEURL") or ""
    if not site_url.startswith(("https://", "http://")):
        raise NewsletterSettingsError(
            f"{WHERE}: SITE_CANONICAL_URL must be the site's absolute address "
            "(e.g. 'https://thenextsale.example'); emails need absolute links"
        )
    cfg["SITE_URL"] = site_url.rstrip("/")

    _name, address = parseaddr(cfg["NEWSLETTER_FROM"] or "")
    if "@" not in address:
        raise NewsletterSettingsError(
            f"{WHERE}: NEWSLETTER_FROM {cfg['NEWSLETTER_FROM']!r} has no email address; "
            "write it as 'Name <address@example.com>'"
        )
    name_part = str(cfg["NEWSLETTER_FROM"]).rsplit("<", 1)[0]
    if (
        UNSAFE_IN_LINK_RE.search(address)
        or ":" in address
        or ":" in re.sub(r'"[^"]*"', "", name_part)
    ):
        raise NewsletterSettingsError(
            f"{WHERE}: NEWSLETTER_FROM {cfg['NEWSLETTER_FROM']!r} has an address that mail"
            " cannot carry (a ':' outside quotes starts a group, a scheme such as javascript:"
            " is not an address); write it as 'Name <address@example.com>'"
        )
    cfg["FROM_ADDRESS"] = address

    url = cfg["NEWSLETTER_UNSUBSCRIBE_URL"]
    if url is not None and not str(url).startswith("https://"):
        raise NewsletterSettingsError(
            f"{WHERE}: NEWSLETTER_UNSUBSCRIBE_URL must start with https:// "
            f"(got {url!r}); mail clients only offer one-click unsubscribe over https"
        )
    mailto = cfg["NEWSLETTER_UNSUBSCRIBE_MAILTO"]
    if mailto is not None and "@" not in str(mailto):
        raise NewsletterSettingsError(
            f"{WHERE}: NEWSLETTER_UNSUBSCRIBE_MAILTO {mailto!r} is not an address; "
            "write e.g. 'mailto:unsubscribe@thenextsale.example?subject=unsubscribe'"
        )
    if mailto and not str(mailto).startswith("mailto:"):
        cfg["NEWSLETTER_UNSUBSCRIBE_MAILTO"] = f"mailto:{mailto}"
    if mailto is not None:
        check_mailto(str(cfg["NEWSLETTER_UNSUBSCRIBE_MAILTO"]), mailto)
    if url is not None and UNSAFE_IN_LINK_RE.search(str(url)):
        raise NewsletterSettingsError(
            f"{WHERE}: NEWSLETTER_UNSUBSCRIBE_URL {url!r} contains spaces, quotes, commas or"
            " angle brackets, which cannot go into the List-Unsubscribe header; percent-encode"
            " them (e.g. %20 for a space)"
        )

    max_bytes = cfg["NEWSLETTER_MAX_BYTES"]
    if not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes <= 0:
        raise NewsletterSettingsError(
            f"{WHERE}: NEWSLETTER_MAX_BYTES must be a positive whole number of bytes "
            f"(got {max_bytes!r}); Gmail clips at 102_000"
        )

    try:
        cfg["UTM"] = utm_setting(cfg["NEWSLETTER_UTM"], "NEWSLETTER_UTM", filled=("campaign",))
    except UtmSettingError as exc:
        raise NewsletterSettingsError(
            f"{WHERE}: NEWSLETTER_UTM {exc}; e.g. {{'source': 'newsletter', 'medium': 'email'}} "
            "(campaign is NNN-slug unless given)"
        ) from None

    guidance = cfg["NEWSLETTER_DEFAULT_GUIDANCE"]
    if guidance is not None and not (
        isinstance(guidance, dict) and guidance.get("title") and guidance.get("url")
    ):
        raise NewsletterSettingsError(
            f"{WHERE}: NEWSLETTER_DEFAULT_GUIDANCE must be None or a dict with 'title' "
            "and 'url' (and optionally 'cta'), e.g. {'title': 'Repeat business: the "
            "complete guide', 'url': 'repeat-business-guide/'}"
        )

    for key in PATH_SETTINGS:
        value = cfg[key]
        if not isinstance(value, str) or (key.endswith("_SAVE_AS") and not value):
            raise NewsletterSettingsError(f"{WHERE}: {key} must be a non-empty path string")
        try:
            value.format(number="001", slug="x")
        except (KeyError, IndexError, ValueError):
            raise NewsletterSettingsError(
                f"{WHERE}: {key} {value!r} may only use {{number}} and {{slug}}"
            ) from None

    cfg["FEED_SAVE_AS"] = feed_path(cfg)
    cfg["TITLE"] = newsletter_title(settings)
    cfg["DESCRIPTION"] = str(
        cfg["NEWSLETTER_DESCRIPTION"]
        or f"Every issue of {cfg['TITLE']}: the newest posts in one letter, "
        "with a short note on what to do with them."
    )
    return cfg


def check_header_settings(cfg: dict[str, Any]) -> None:
    """Refuse line breaks and control characters in settings that become email headers."""
    for name in HEADER_SETTINGS:
        value = cfg.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise NewsletterSettingsError(
                f"{WHERE}: {name} must be a string, not {type(value).__name__} {value!r}"
            )
        found = re.search(r"[\r\n]", value) or CONTROL_CHARS.search(value)
        if found:
            raise NewsletterSettingsError(
                f"{WHERE}: {name} {value!r} contains the control character"
                f" U+{ord(found.group()):04X} (a line break or an invisible character);"
                " it would add a header of its own to every email. Write it on one line"
                " without it"
            )


def check_mailto(mailto: str, given: Any) -> None:
    """NEWSLETTER_UNSUBSCRIBE_MAILTO must be one plain mailto: address, nothing that runs."""
    address = mailto.removeprefix("mailto:").split("?", 1)[0]
    local, _, domain = address.rpartition("@")
    if (
        not local
        or not domain
        or ":" in address
        or "/" in address
        or UNSAFE_IN_LINK_RE.search(mailto)
    ):
        raise NewsletterSettingsError(
            f"{WHERE}: NEWSLETTER_UNSUBSCRIBE_MAILTO {given!r} is not a plain mailto: address;"
            " write e.g. 'mailto:unsubscribe@thenextsale.example?subject=unsubscribe'"
        )

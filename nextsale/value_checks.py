"""Checks of metadata values a file may set for itself: Lang, Timezone and Template.

A wrong value would reach every page (an invalid `lang` attribute), stop Pelican
placing the dates, or stop the build when the page is written; each is refused
with the line and what was used instead, for Markdown and other source formats.
"""

from __future__ import annotations

import re
import zoneinfo

from nextsale.findings import Finding, closest

LANG_RE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


def check_lang(number: int, value: str, default: str | None) -> Finding | None:
    """A Lang that is not a language tag would end up in every page's lang attribute."""
    if LANG_RE.match(value):
        return None
    used = f"the site's language ({default})" if default else "the site's language"
    return Finding(
        number,
        f"Lang {value!r} is not a language code. Write a code such as en, en-GB or"
        f" de, or remove the line; {used} was used",
    )


def check_timezone(number: int, value: str, default: str | None) -> Finding | None:
    """A Timezone must be an IANA name, or Pelican cannot place the dates."""
    try:
        if value and "\\" not in value and not value.startswith("/"):
            zoneinfo.ZoneInfo(value)
            return None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        pass
    guess = closest(value, zoneinfo.available_timezones())
    hint = f" (did you mean '{guess}'?)" if guess else ""
    used = f"the site's time zone ({default})" if default else "the site's time zone"
    return Finding(
        number,
        f"unknown Timezone {value!r}{hint}. Use a name such as Europe/London or"
        f" America/New_York, or remove the line; {used} was used",
    )


def check_template(number: int, value: str, templates: frozenset[str]) -> Finding | None:
    """A Template the theme does not have stops the build when the page is written."""
    name = value.strip()
    if name.startswith("!") or name in templates or name.removesuffix(".html") in templates:
        return None
    guess = closest(name, templates)
    hint = f" (did you mean '{guess}'?)" if guess else ""
    names = ", ".join(sorted(t for t in templates if "/" not in t and "." not in t))
    return Finding(
        number,
        f"unknown Template {value!r}{hint}: the theme has no such template. Use one of"
        f" {names}, or remove the line; the default template was used",
    )


def check_values(
    found: dict[str, tuple[int | None, str]],
    templates: frozenset[str] | None,
    default_lang: str | None,
    default_timezone: str | None,
) -> tuple[list[Finding], set[str]]:
    """Check Lang, Timezone and Template values; return findings and the keys to drop.

    `found` maps lower-cased keys to (line or None, value), for any source format.
    """
    refused = {
        "lang": lambda n, v: check_lang(n, v, default_lang),
        "timezone": lambda n, v: check_timezone(n, v, default_timezone),
    }
    if templates is not None:
        refused["template"] = lambda n, v: check_template(n, v, templates)
    findings, dropped = [], set()
    for key, check in refused.items():
        if key in found:
            finding = check(*found[key])
            if finding:
                findings.append(finding)
                dropped.add(key)
    return findings, dropped

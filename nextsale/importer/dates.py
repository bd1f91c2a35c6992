"""Dates as blogs print them, read with dateparser; dates as the importer writes them.

`parse_date` reads a whole string as one date ("March 9, 2015", "9. März 2015",
"3/09/15", RFC 822, ISO 8601 with its zone) in the site's language: month
first for US English, day first otherwise (or the language's own order), an
impossible reading refused. It refuses what is not plainly a date: bare
numbers, a year or a month alone, a name, a version number. `format_date`
writes the `Date:` line as Pelican reads it, in the site's TIMEZONE.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timezone
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateparser.date import DateDataParser

from nextsale.cruft.rules import normalise

from .model import ImportFailure

# Words blogs print before a date: "Posted on", "Published:", "Last updated".
LEAD_RE = re.compile(
    r"^(?:(?:posted|published|written|updated|last updated|date)\b\s*:?\s*)?(?:on\s+)?", re.I
)
# Numbers alone must be shaped like a date (a version such as 1.2.3 is not).
NUMERIC_DATE_RE = re.compile(
    r"(?<!\d)(?:\d{1,2}([/.-])\d{1,2}\1(?:\d{4}|\d{2})|\d{4}([/.-])\d{1,2}\2\d{1,2})(?!\d)"
)
ISO_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
MAX_WORDS = 10
MAX_LENGTH = 80
EARLIEST_YEAR = 1990  # the web's first blogs; an earlier "date" is a misreading
# Only absolute dates: no "2 days ago" (it would depend on today), no bare timestamps.
PARSER_SETTINGS = {
    "PARSERS": ["custom-formats", "absolute-time"],
    "REQUIRE_PARTS": ["day", "month", "year"],
    "PREFER_DATES_FROM": "past",
    "PREFER_LOCALE_DATE_ORDER": True,
    "RETURN_TIME_AS_PERIOD": True,
}


def parse_date(text: str, settings: Mapping | None = None) -> datetime | date | None:
    """Read a whole string as one date; a `date`, a `datetime` (aware with a zone), or None."""
    language, order = site_language(settings)
    return _parse(normalise(text), language, order)


def format_date(value: date | datetime, settings: Mapping | None = None) -> str:
    """The `Date:` value: `YYYY-MM-DD`, or `YYYY-MM-DD HH:MM` in the site's TIMEZONE.

    Pelican reads a date without a zone in the site's TIMEZONE, so an aware
    datetime is converted to it first and keeps its instant. Without settings
    an aware datetime keeps its own clock time; a naive one is written as it is.
    """
    if not isinstance(value, datetime):
        return value.isoformat()
    if value.tzinfo is not None and settings is not None:
        value = value.astimezone(site_zone(settings))
    return value.strftime("%Y-%m-%d %H:%M")


def site_zone(settings: Mapping) -> ZoneInfo:
    """The site's TIMEZONE (UTC when unset, as Pelican assumes)."""
    name = settings.get("TIMEZONE") or "UTC"
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ImportFailure(
            f"TIMEZONE {name!r} in the site's settings is not a time zone name; "
            "set one such as 'Europe/London' in pelicanconf.py"
        ) from None


def site_language(settings: Mapping | None) -> tuple[str, str]:
    """The site's language (DEFAULT_LANG) and its day/month order (LOCALE's region)."""
    settings = settings or {}
    lang = str(settings.get("DEFAULT_LANG") or "en").replace("-", "_")
    language, _, region = lang.partition("_")
    language = language.lower() or "en"
    locales = settings.get("LOCALE") or ()
    for locale in [locales] if isinstance(locales, str) else locales:
        match = re.match(r"([a-z]{2,3})_([A-Za-z]{2})\b", str(locale))
        if match and match.group(1) == language and not region:
            region = match.group(2)
    month_first = language == "en" and region.upper() in ("", "US")
    return language, "MDY" if month_first else "DMY"


@lru_cache(maxsize=4096)
def _parse(text: str, language: str, order: str) -> datetime | date | None:
    text = LEAD_RE.sub("", text.strip(" .,;|·•–—-"), count=1).strip()
    if (
        not text
        or len(text) > MAX_LENGTH
        or len(text.split()) > MAX_WORDS
        or not re.search(r"\d", text)
    ):
        return None
    if ISO_RE.fullmatch(text):
        found, with_time = _iso(text)
    else:
        if not re.search(r"[^\W\d_]", text) and not NUMERIC_DATE_RE.search(text):
            return None  # numbers alone: only the shapes of a date
        data = _parser(language, order).get_date_data(text.replace("@", " at "))
        found, with_time = data.date_obj, data.period == "time"
    if found is None or found.year < EARLIEST_YEAR:
        return None
    if not with_time:
        return found.date()
    if found.tzinfo is not None:
        found = found.replace(tzinfo=timezone(found.utcoffset()))
    return found


def _iso(text: str) -> tuple[datetime | None, bool]:
    try:
        found = datetime.fromisoformat(text.replace(" ", "T").replace("Z", "+00:00"))
    except ValueError:
        return None, False
    return found, len(text) > 10


@cache
def _parser(language: str, order: str) -> DateDataParser:
    """One parser per language, built once: building one loads its locale data."""
    settings = {**PARSER_SETTINGS, "DATE_ORDER": order}
    if language != "en":
        parser = DateDataParser(
            languages=[language, "en"], settings=settings, try_previous_locales=False
        )
        try:
            parser.get_date_data("1 1 2000")  # loads the language, or fails if unknown
            return parser
        except ValueError:
            pass
    return DateDataParser(languages=["en"], settings=settings, try_previous_locales=False)

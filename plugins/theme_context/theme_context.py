"""The small site-wide facts every page shows, worked out once per build.

The footer's copyright year and whether the menu has a Topics entry depend on
the whole site. Worked out here once, they reach every page as two small
values: a page then names only what it shows, so the engine's page memo
(plugins/engine/memo.py) can tell that an edit elsewhere leaves it unchanged,
and no template scans a list of every article on every page.
"""

from __future__ import annotations

from pelican import signals

from nextsale.site import plugin_enabled


def newest_year(articles) -> int | None:
    """The year of the newest published article, never the build clock's: rebuilding
    old content gives identical output."""
    dates = [article.date for article in articles if getattr(article, "date", None)]
    return max(dates).year if dates else None


def add_site_facts(generators) -> None:
    """`copyright_year` and `has_topics`, for every template."""
    if not generators or not plugin_enabled(generators[0].settings, "theme_context"):
        return
    context = generators[0].context
    context["copyright_year"] = newest_year(context.get("articles") or ())
    context["has_topics"] = bool(context.get("topics"))


def register() -> None:
    # Every generator has read everything (the taxonomy has made its topics);
    # nothing has been written yet.
    signals.all_generators_finalized.connect(add_site_facts)

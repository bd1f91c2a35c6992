"""What one plugin needs from another, written down once and checked when a build starts.

Pelican runs the handlers of a signal in the order the plugins were listed, so
a plugin that reads another's output must come after it in PLUGINS. Rather than
let a wrong order produce a quietly wrong site (feed items without their
guidance), every plugin that consumes something checks its needs at start-up
and stops the build with a message saying which line to move.

Who provides what:
- `taxonomy` sets `article.guidance` (see nextsale.guidance) and `article.related`
  on every article, and the context keys `topics` and `tags` (normalised);
- `feeds` sets the context key `feeds` (feed links for templates);
- `newsletter` sets the context key `newsletter_issues`;
- `reading` replaces the readers (at `readers_init`, so its place in PLUGINS
  does not matter).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nextsale.site import plugin_names


@dataclass(frozen=True)
class Need:
    """`consumer` reads `what`, which `provider` makes; `provider` must come first."""

    consumer: str
    provider: str
    what: str
    required: bool = False  # must the provider be listed at all?


NEEDS: tuple[Need, ...] = (
    Need("feeds", "taxonomy", "article.guidance, to end every item with its guidance"),
    Need("newsletter", "taxonomy", "article.guidance, to end every issue with its guidance"),
)


class PluginOrderError(ValueError):
    """PLUGINS lists a plugin before one whose output it reads."""


def problems(settings: Mapping[str, Any]) -> list[str]:
    """What is wrong with the order of PLUGINS, one sentence per broken need."""
    names = plugin_names(settings)
    found = []
    for need in NEEDS:
        consumer = need.consumer
        if consumer not in names:
            continue
        if need.provider not in names:
            if need.required:
                found.append(
                    f"{consumer} needs the {need.provider} plugin ({need.what}); "
                    f"add '{need.provider}' to PLUGINS before '{consumer}'"
                )
            continue
        if names.index(need.provider) > names.index(consumer):
            found.append(
                f"{consumer} needs {need.provider} earlier in PLUGINS (it reads {need.what}); "
                f"move '{need.provider}' before '{consumer}' in PLUGINS"
            )
    return found


def check(settings: Mapping[str, Any]) -> None:
    """Raise PluginOrderError when a plugin would run before what it reads.

    Every plugin named in NEEDS calls this when a build starts; the first to
    run stops the build, so the order of the calls does not matter.
    """
    found = problems(settings)
    if found:
        where = settings.get("SETTINGS_FILE") or "your settings file"
        raise PluginOrderError(f"{'; '.join(found)} (in {where})")

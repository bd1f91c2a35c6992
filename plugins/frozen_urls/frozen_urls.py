"""Work out each article's and page's URL once, not on every mention.

Pelican recomputes `url` and `save_as` from the URL settings on every access
(copying the metadata and resolving paths each time); a site's templates
mention an article's URL in its own page, every listing, feed, related block
and neighbour link, which made URL formatting about a third of rendering time.
Once every generator has finished reading (nothing can change a slug, date or
category any more), each URL is stored with Pelican's own override mechanism.
"""

from __future__ import annotations

import logging

from pelican import signals

log = logging.getLogger(__name__)

# The lists Pelican's articles and pages generators keep their content in.
CONTENT_LISTS = (
    "articles",
    "translations",
    "drafts",
    "drafts_translations",
    "hidden_articles",
    "hidden_translations",
    "pages",
    "hidden_pages",
    "draft_pages",
    "draft_translations",
)


def freeze_urls(generators) -> None:
    if not generators or "frozen_urls" not in (generators[0].settings.get("PLUGINS") or ()):
        return  # signals are process-wide; this build did not ask for us
    frozen = 0
    for generator in generators:
        for name in CONTENT_LISTS:
            for content in getattr(generator, name, None) or ():
                # Pelican's get_url_setting returns override_<key> when present.
                content.override_url = content.url
                content.override_save_as = content.save_as
                frozen += 1
    log.debug("frozen_urls: %d URLs computed once", frozen)


def register() -> None:
    # Everything is read and finalised; no output has been written yet.
    signals.all_generators_finalized.connect(freeze_urls)

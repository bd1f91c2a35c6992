"""Work out each article's and page's URL once, not on every mention.

Pelican computes `url` and `save_as` from the URL settings on every access
(copying the metadata and resolving paths each time), through the content's
public `get_url_setting`; templates mention an article's URL in its own page,
every listing, feed, related-reading block and neighbour link. When Pelican
asks for its writer, every generator and every plugin's
`all_generators_finalized` handler has finished (nothing changes a slug, date
or category any more): each content object then gets its own memo of
`get_url_setting`, which keeps the first answer for `url` and for `save_as`.
Pelican's `override_url` and `override_save_as` are never set, so the
writer's overwrite protection and every plugin see the content exactly as
Pelican made it.
"""

from __future__ import annotations

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


class RememberedUrls:
    """Stands in for one content's `get_url_setting`, asking it once per key."""

    __slots__ = ("compute", "known")

    def __init__(self, compute) -> None:
        self.compute = compute
        self.known: dict[str, str] = {}

    def __call__(self, key: str) -> str:
        try:
            return self.known[key]
        except KeyError:
            value = self.known[key] = self.compute(key)
            return value


def remember(generators) -> int:
    """Give every article and page its URL memo; return how many got one."""
    count = 0
    for generator in generators:
        for name in CONTENT_LISTS:
            for content in getattr(generator, name, None) or ():
                if not isinstance(content.get_url_setting, RememberedUrls):
                    content.get_url_setting = RememberedUrls(content.get_url_setting)
                    count += 1
    return count

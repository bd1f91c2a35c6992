"""The feed builder: items with stable ids, and Atom, RSS and JSON Feed documents.

Pure: nothing here reads Pelican's settings or context. The feeds plugin turns
articles into items and writes the site, category and tag feeds; the newsletter
plugin turns issues into items and writes its own feed, with the same ids and
the same renderer.

- `nextsale.feeds.items`: `FeedSite`, `Item`, `make_item`, `stable_id`, the
  guidance block that ends each article's item;
- `nextsale.feeds.render`: `FeedMeta`, `atom_bytes`, `rss_bytes`, `json_bytes`.

No feed carries an `<?xml-stylesheet?>` instruction: browsers are dropping XSLT,
so each feed's human page (tag, category, topic, newsletter archive, Subscribe)
says how to follow it instead.
"""

from nextsale.feeds.items import FeedSite, Item, LeadImage, Term, aware, make_item, stable_id
from nextsale.feeds.render import (
    LABEL,
    MIME,
    RENDER,
    FeedMeta,
    atom_bytes,
    json_bytes,
    rss_bytes,
)

__all__ = [
    "LABEL",
    "MIME",
    "RENDER",
    "FeedMeta",
    "FeedSite",
    "Item",
    "LeadImage",
    "Term",
    "atom_bytes",
    "aware",
    "json_bytes",
    "make_item",
    "rss_bytes",
    "stable_id",
]

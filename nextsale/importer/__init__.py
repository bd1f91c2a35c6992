"""Import posts scraped from other blog engines as clean Markdown articles.

Sources are platform exports (WordPress, Blogger, Ghost, Substack, Medium),
feeds, Markdown posts with front matter, saved HTML pages and plain-text
copies, each recognised by its content; a folder imports every file in it.
Cruft is removed by the same rules the build cleans with
(`nextsale.cruft`, configured by the site's CRUFT_* settings), tags are
matched with the build's taxonomy, and every removal is listed in the report.
See README.md in this folder.

    sources   finding files, decoding bytes, text or HTML
    detect    recognising each input by its content (FORMATS)
    writer    the one writer of exported posts (wxr, blogger, feed, ghost, ...)
    text      plain-text heuristics: dates, names, bylines, tag lines, quotes
    html      saved pages: metadata, the post's container, elements into lines
    markdown  escaping and rendering the body
    tags      matching tags with the taxonomy as the build does
    slugs     a usable slug for any title, never one an existing article uses
    article   one article: convert, extract, build_article
    cli       import_posts, the report, main
"""

from .article import build_article, convert, extract
from .cli import format_report, import_posts, main, read_site_settings
from .model import FileReport, ImportFailure, Line

__all__ = [
    "FileReport",
    "ImportFailure",
    "Line",
    "build_article",
    "convert",
    "extract",
    "format_report",
    "import_posts",
    "main",
    "read_site_settings",
]

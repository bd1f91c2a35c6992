"""Import posts scraped from other blog engines as clean Markdown articles.

Sources are platform exports (WordPress, Blogger, Ghost, Substack, Medium),
feeds, Markdown posts with front matter, saved HTML pages and plain-text
copies, each recognised by its content; a folder imports every file in it.
Cruft is removed by the same rules the build cleans with
(`nextsale.cruft`, configured by the site's CRUFT_* settings), tags are
matched with the build's taxonomy, and every removal is listed in the report.
See README.md in this folder.

    sources       finding files, decoding bytes, text or HTML
    detect        recognising each input by its content (FORMATS)
    post, writer  the Post every reader gives; the one writer of front matter
    wxr, blogger, feed, ghost, substack, medium
                  the export readers: each yields Posts
    frontmatter_posts  Markdown posts with YAML/TOML front matter
    saved, page, locate, chrome, html
                  saved pages: metadata, the post found (trafilatura), chrome out
    text, copied_page, article
                  text copies: dates, names, bylines, the post in a copied page
    convert, md_writer  HTML into Markdown (markdownify)
    dates         dates as blogs print them (dateparser), written in TIMEZONE
    markdown      escaping and rendering text lines
    tags, slugs   the build's taxonomy; a free, usable slug for any title
    links, images {filename} links, absolute old-site links, --fetch-images
    cli, report   import_posts and main; the printed report and totals
"""

from .article import convert, extract, recovered_post
from .cli import import_posts, main, read_site_settings
from .model import FileReport, ImportFailure, Line
from .report import format_report

__all__ = [
    "FileReport",
    "ImportFailure",
    "Line",
    "convert",
    "extract",
    "format_report",
    "import_posts",
    "main",
    "read_site_settings",
    "recovered_post",
]

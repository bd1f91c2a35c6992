"""Development settings: relative URLs, drafts visible, fast rebuilds."""

AUTHOR = "Mara Ellison"
SITENAME = "The Next Sale"
SITESUBTITLE = "Sales advice for winning the customer's second order, and the tenth."
SITE_DESCRIPTION = (
    "Short, practical posts on repeat business, customer lifetime value, referrals and follow-up."
)
# Empty in development so links work from any folder; feeds, the sitemap and
# canonical links always use SITE_CANONICAL_URL, never a relative or empty URL.
SITEURL = ""
SITE_CANONICAL_URL = "https://thenextsale.example"
RELATIVE_URLS = True

PATH = "content"
ARTICLE_PATHS = ["articles"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images"]
TIMEZONE = "Europe/London"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%-d %B %Y"
# Dates are written in the site's language, never in the builder's locale: the C
# locale, present on every machine, gives the English month names. A site in
# another language puts its locale first (e.g. "de_DE.UTF-8"; it must be installed).
LOCALE = ("C.UTF-8", "C.utf8", "C")
# Future-dated posts are scheduled: drafts until their date comes.
WITH_FUTURE_DATES = False
# The index shows six summaries to a page. Tag, category and author pages are
# compact dated lists (a title and a date a line): 25 to a page, so a tag with
# 300 posts is 12 pages to look through, not 50. (None: DEFAULT_PAGINATION.)
DEFAULT_PAGINATION = 6
PAGINATED_TEMPLATES = {"index": None, "tag": 25, "category": 25, "author": 25}
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)
SUMMARY_MAX_LENGTH = 45
TYPOGRIFY = False
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.meta": {},
        "markdown.extensions.toc": {},
    },
    "output_format": "html5",
}

THEME = "theme"
# Titles and metadata are plain text: escape them everywhere; the theme marks
# the already-rendered article HTML as safe explicitly.
JINJA_ENVIRONMENT = {
    "trim_blocks": True,
    "lstrip_blocks": True,
    "autoescape": True,
    "extensions": [],
    # Every build makes new template environments, so a template cannot change
    # during one: Jinja need not ask the disk again at every include and import.
    "auto_reload": False,
}

# No script, no third-party origin: pages load their own stylesheet and images.
# connect-src 'self' only lets audit tools (Lighthouse) fetch robots.txt. A page
# with the newsletter sign-up form allows form-action to that service's origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'"
)

# Pretty, stable URLs: a post keeps its address when retitled (slug is fixed
# by the file's Slug or name), folders with index.html serve cleanly anywhere.
ARTICLE_URL = "{date:%Y}/{slug}/"
ARTICLE_SAVE_AS = "{date:%Y}/{slug}/index.html"
DRAFT_URL = "drafts/{slug}/"
DRAFT_SAVE_AS = "drafts/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
CATEGORY_URL = "category/{slug}/"
CATEGORY_SAVE_AS = "category/{slug}/index.html"
CATEGORIES_URL = "category/"
CATEGORIES_SAVE_AS = "category/index.html"
TAG_URL = "tags/{slug}/"
TAG_SAVE_AS = "tags/{slug}/index.html"
TAGS_URL = "tags/"
TAGS_SAVE_AS = "tags/index.html"
AUTHOR_URL = "authors/{slug}/"
AUTHOR_SAVE_AS = "authors/{slug}/index.html"
AUTHORS_URL = "authors/"
AUTHORS_SAVE_AS = "authors/index.html"
ARCHIVES_URL = "archives/"
ARCHIVES_SAVE_AS = "archives/index.html"
YEAR_ARCHIVE_URL = "archives/{date:%Y}/"
YEAR_ARCHIVE_SAVE_AS = "archives/{date:%Y}/index.html"
MONTH_ARCHIVE_URL = "archives/{date:%Y}/{date:%m}/"
MONTH_ARCHIVE_SAVE_AS = "archives/{date:%Y}/{date:%m}/index.html"
DIRECT_TEMPLATES = ["index", "tags", "categories", "authors", "archives", "404"]
_404_SAVE_AS = "404.html"
TEMPLATE_PAGES = {"robots.txt": "robots.txt"}

# Pelican's own feed writer is off: the feeds plugin writes every feed once.
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
CATEGORY_FEED_RSS = None
TAG_FEED_ATOM = None
TAG_FEED_RSS = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
TRANSLATION_FEED_RSS = None

PLUGIN_PATHS = ["plugins"]
PLUGINS = [
    "reading",  # every source: check -> convert -> sanitise -> clean
    "content_checks",  # two files at one address, broken {filename} links
    "engine",  # reads on every core, renders on two processes, renders only what changed
    "comments_free",
    "taxonomy",  # before anything that reads article.tags or article.guidance
    "neighbors",
    "theme_context",  # after taxonomy: the copyright year and the menu's Topics entry
    "sitemap_xml",
    "feeds",  # after taxonomy: every item ends with the article's guidance
    "newsletter",
    "redirects",  # last: every page the site writes is known before a redirect is placed
]
FEEDS_UTM = {"medium": "feed", "campaign": "keep-them-coming-back"}


# Each article ends with a mailto link instead of a comment box; set to None
# to turn it off.
QUESTIONS_EMAIL = "letters@thenextsale.example"
QUESTIONS_SUBJECT = "Question about “{title}”"

MENUITEMS = ()
DISPLAY_PAGES_ON_MENU = True
DISPLAY_CATEGORIES_ON_MENU = False

LOAD_CONTENT_CACHE = True
CACHE_CONTENT = True
CACHE_PATH = "cache"
# Compressing the cache costs more time than reading it back saves.
GZIP_CACHE = False
DELETE_OUTPUT_DIRECTORY = False

# Newsletter (see plugins/newsletter/README.md). Sending goes through a service
# that reads newsletter/feed.rss.xml or takes the rendered .eml files.
NEWSLETTER_PATH = "newsletter"
NEWSLETTER_FROM = "The Next Sale <letters@thenextsale.example>"
NEWSLETTER_UNSUBSCRIBE_URL = "https://lists.thenextsale.example/unsubscribe"
NEWSLETTER_UNSUBSCRIBE_MAILTO = "mailto:unsubscribe@thenextsale.example?subject=unsubscribe"
NEWSLETTER_MAX_BYTES = 102_000  # Gmail clips messages over 102 KB
NEWSLETTER_UTM = None  # e.g. {"source": "newsletter", "medium": "email"}
# The sign-up form on articles, tags, the archive and the Subscribe page posts to
# your email service (buttondown, mailchimp, listmonk, kit or custom; the README
# shows each one's settings). With no "action", readers sign up by writing to
# "mailto" (else NEWSLETTER_FROM) with the subject "subscribe".
NEWSLETTER_SIGNUP = {
    "service": "buttondown",
    "action": None,  # e.g. "https://buttondown.com/api/emails/embed-subscribe/<username>"
    "mailto": "letters@thenextsale.example",
}

# Importing old posts (python -m nextsale.importer; invoke import): a category of
# an export becomes the site category it maps to here (names ignore case), else the
# same-named category the site's articles already use, else DEFAULT_CATEGORY, which
# the import report names so it can be mapped.
# IMPORT_CATEGORY_MAP = {"Uncategorized": "Retention", "Sales tips": "Follow-up"}
# The old site's address: links relative to it, in posts that do not carry their
# own old address (Markdown posts, text copies), are made absolute against it.
# IMPORT_SITE_URL = "https://old-blog.example/"

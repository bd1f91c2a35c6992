"""Newsletter: render each issue as a web page, an email (HTML, text, .eml) and a feed item.

Issues are Markdown files in NEWSLETTER_PATH (see README.md for the format and
every setting). All the work happens in one generator, which Pelican runs
after the articles generator, so the published articles are known.
"""

from __future__ import annotations

import logging
import posixpath
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from feedgen.feed import FeedGenerator
from markdown import Markdown
from pelican import signals
from pelican.generators import Generator
from pelican.urlwrappers import Author, Category, Tag
from pelican.utils import get_relative_path, path_to_url, sanitised_join

from nextsale.newsletter.email_render import (
    TextRenderer,
    absolute,
    add_utm,
    build_eml,
    inline_css,
    message_id,
    sanitize,
)
from nextsale.newsletter.issues import (
    Catalogue,
    Issue,
    IssueError,
    choose_articles,
    read_issue_file,
)

log = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

DEFAULTS: dict[str, Any] = {
    "NEWSLETTER_PATH": "newsletter",
    "NEWSLETTER_FROM": "The Next Sale <letters@thenextsale.example>",
    "NEWSLETTER_UNSUBSCRIBE_URL": None,
    "NEWSLETTER_UNSUBSCRIBE_MAILTO": None,
    "NEWSLETTER_MAX_BYTES": 102_000,
    "NEWSLETTER_UTM": None,
    "NEWSLETTER_DEFAULT_GUIDANCE": None,
    "NEWSLETTER_TITLE": None,
    "NEWSLETTER_SUBJECT_FORMAT": "#{number}: {subject}",
    "NEWSLETTER_INDEX_URL": "newsletter/",
    "NEWSLETTER_INDEX_SAVE_AS": "newsletter/index.html",
    "NEWSLETTER_ISSUE_URL": "newsletter/{number}-{slug}/",
    "NEWSLETTER_ISSUE_SAVE_AS": "newsletter/{number}-{slug}/index.html",
    "NEWSLETTER_EMAIL_HTML_SAVE_AS": "newsletter/{number}-{slug}/email.html",
    "NEWSLETTER_EMAIL_TEXT_SAVE_AS": "newsletter/{number}-{slug}/email.txt",
    "NEWSLETTER_EML_SAVE_AS": "newsletter/{number}-{slug}/issue.eml",
    "NEWSLETTER_FEED_SAVE_AS": "newsletter/feed.rss.xml",
}
# Tried in order until the email fits under NEWSLETTER_MAX_BYTES.
MODES = (
    ("full", "full articles"),
    ("summary", "summaries with read-on links"),
    ("summary-no-images", "summaries, no images"),
)
INTRASITE_RE = re.compile(
    r"^[{|](?P<what>filename|static|attach|tag|category|author|index)[|}](?P<value>.*)$"
)
PATH_SETTINGS = tuple(
    k for k in DEFAULTS if k.endswith(("_URL", "_SAVE_AS")) and "UNSUBSCRIBE" not in k
)


class NewsletterSettingsError(ValueError):
    """A NEWSLETTER_* setting that cannot work; the message names the fix."""


def load_config(settings: dict[str, Any]) -> dict[str, Any]:
    """Merge settings over DEFAULTS and validate them, without touching `settings`."""
    cfg = {name: settings.get(name, default) for name, default in DEFAULTS.items()}
    where = "pelicanconf.py/publishconf.py"

    site_url = settings.get("SITE_CANONICAL_URL") or settings.get("SITEURL") or ""
    if not site_url.startswith(("https://", "http://")):
        raise NewsletterSettingsError(
            f"{where}: SITE_CANONICAL_URL must be the site's absolute address "
            "(e.g. 'https://thenextsale.example'); emails need absolute links"
        )
    cfg["SITE_URL"] = site_url.rstrip("/")

    _name, address = parseaddr(cfg["NEWSLETTER_FROM"] or "")
    if "@" not in address:
        raise NewsletterSettingsError(
            f"{where}: NEWSLETTER_FROM {cfg['NEWSLETTER_FROM']!r} has no email address; "
            "write it as 'Name <address@example.com>'"
        )
    cfg["FROM_ADDRESS"] = address

    url = cfg["NEWSLETTER_UNSUBSCRIBE_URL"]
    if url is not None and not str(url).startswith("https://"):
        raise NewsletterSettingsError(
            f"{where}: NEWSLETTER_UNSUBSCRIBE_URL must start with https:// "
            f"(got {url!r}); mail clients only offer one-click unsubscribe over https"
        )
    mailto = cfg["NEWSLETTER_UNSUBSCRIBE_MAILTO"]
    if mailto is not None and "@" not in str(mailto):
        raise NewsletterSettingsError(
            f"{where}: NEWSLETTER_UNSUBSCRIBE_MAILTO {mailto!r} is not an address; "
            "write e.g. 'mailto:unsubscribe@thenextsale.example?subject=unsubscribe'"
        )
    if mailto and not str(mailto).startswith("mailto:"):
        cfg["NEWSLETTER_UNSUBSCRIBE_MAILTO"] = f"mailto:{mailto}"

    max_bytes = cfg["NEWSLETTER_MAX_BYTES"]
    if not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes <= 0:
        raise NewsletterSettingsError(
            f"{where}: NEWSLETTER_MAX_BYTES must be a positive whole number of bytes "
            f"(got {max_bytes!r}); Gmail clips at 102_000"
        )

    utm = cfg["NEWSLETTER_UTM"]
    if utm is not None and not (
        isinstance(utm, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in utm.items())
    ):
        raise NewsletterSettingsError(
            f"{where}: NEWSLETTER_UTM must be None or a dict of strings, "
            "e.g. {'utm_source': 'newsletter', 'utm_medium': 'email'}"
        )

    guidance = cfg["NEWSLETTER_DEFAULT_GUIDANCE"]
    if guidance is not None and not (
        isinstance(guidance, dict) and guidance.get("title") and guidance.get("url")
    ):
        raise NewsletterSettingsError(
            f"{where}: NEWSLETTER_DEFAULT_GUIDANCE must be None or a dict with 'title' "
            "and 'url' (and optionally 'cta'), e.g. {'title': 'Repeat business: the "
            "complete guide', 'url': 'repeat-business-guide/'}"
        )

    for key in PATH_SETTINGS:
        value = cfg[key]
        if not isinstance(value, str) or (key.endswith("_SAVE_AS") and not value):
            raise NewsletterSettingsError(f"{where}: {key} must be a non-empty path string")
        try:
            value.format(number="001", slug="x")
        except (KeyError, IndexError, ValueError):
            raise NewsletterSettingsError(
                f"{where}: {key} {value!r} may only use {{number}} and {{slug}}"
            ) from None

    cfg["TITLE"] = cfg["NEWSLETTER_TITLE"] or f"{settings.get('SITENAME', 'Newsletter')} newsletter"
    return cfg


def markdown_renderer(settings: dict[str, Any]) -> Markdown:
    """A Markdown converter configured like Pelican's reader (without the meta extension)."""
    md_settings = dict(settings.get("MARKDOWN") or {})
    configs = {
        name: conf
        for name, conf in (md_settings.get("extension_configs") or {}).items()
        if not name.endswith(".meta")
    }
    extensions = [e for e in md_settings.get("extensions", []) if not str(e).endswith(".meta")]
    extensions += [name for name in configs if name not in extensions]
    return Markdown(
        extensions=extensions,
        extension_configs=configs,
        output_format=md_settings.get("output_format", "html5"),
    )


def guidance_of(articles: list[Any], default: dict[str, str] | None) -> list[dict[str, str]]:
    """Return the issue's guidance links, one per target, in article order."""
    found: dict[str, dict[str, str]] = {}
    for article in articles:
        value = getattr(article, "guidance", None)
        entries = value if isinstance(value, list | tuple) else [value] if value else []
        for entry in entries:
            get = entry.get if isinstance(entry, dict) else lambda k, e=entry: getattr(e, k, None)
            url, title = get("url"), get("title")
            if not url or not title:
                continue
            key = str(url).strip("/")
            found.setdefault(
                key,
                {
                    "title": str(title),
                    "url": str(url).lstrip("/"),
                    "cta": str(get("cta") or ""),
                },
            )
    if not found and default:
        return [
            {
                "title": default["title"],
                "url": default["url"].lstrip("/"),
                "cta": default.get("cta", ""),
            }
        ]
    return list(found.values())


def shorten(text: str, width: int) -> str:
    """Cut `text` at a word boundary, marking the cut with an ellipsis."""
    if len(text) <= width:
        return text
    return text[: width - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def plain(html: str) -> str:
    """Return the text of an HTML fragment on one line."""
    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())


@dataclass
class IssueView:
    """What the templates and writers need about one rendered issue."""

    issue: Issue
    subject_line: str
    locale_date: str
    url: str
    save_as: str
    abs_url: str
    email_html_save_as: str
    email_text_save_as: str
    eml_save_as: str
    preheader: str
    intro: str = ""  # web version, links relative to the page
    guidance: list[dict[str, str]] = field(default_factory=list)
    feed_html: str = ""
    mode: str = "full"
    has_email: bool = False
    sizes: dict[str, int] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        # Templates read issue fields (subject, number, date, articles) directly.
        if name.startswith("__") or name == "issue":
            raise AttributeError(name)
        return getattr(self.issue, name)

    @property
    def email_html_url(self) -> str:
        return path_to_url(self.email_html_save_as)

    @property
    def email_text_url(self) -> str:
        return path_to_url(self.email_text_save_as)

    @property
    def eml_url(self) -> str:
        return path_to_url(self.eml_save_as)


class NewsletterGenerator(Generator):
    """Read the issues, then write pages, emails and the newsletter feed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cfg: dict[str, Any] = {}
        self.issues: list[Issue] = []
        self.views: list[IssueView] = []

    # --- reading -----------------------------------------------------------

    def generate_context(self) -> None:
        self.cfg = load_config(self.settings)
        root = Path(self.path)
        folder = root / self.cfg["NEWSLETTER_PATH"]
        now = datetime.now(UTC)  # only decides what is live, like Pelican's own future check
        issues: list[Issue] = []
        numbers: dict[int, str] = {}
        for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
            try:
                issue = read_issue_file(path, root, self.settings.get("TIMEZONE", "UTC"))
            except IssueError as exc:
                log.error("Newsletter: %s", exc)
                continue
            if issue.number in numbers:
                log.error(
                    "Newsletter: %s: issue number %s is already used by %s; renumber one of them",
                    issue.source_path,
                    issue.number_text,
                    numbers[issue.number],
                )
                continue
            numbers[issue.number] = issue.source_path
            if issue.status == "draft":
                log.info("Newsletter: %s is a draft, not published", issue.source_path)
                continue
            if issue.date > now:
                log.info(
                    "Newsletter: %s is dated in the future, not published yet",
                    issue.source_path,
                )
                continue
            issues.append(issue)

        catalogue = Catalogue.build(
            list(self.context.get("articles", [])),
            self.context.get("generated_content", {}),
            now,
        )
        failures = choose_articles(issues, catalogue)
        failed = {id(issue) for issue, _ in failures}
        for _issue, message in failures:
            log.error("Newsletter: %s", message)
        for issue in issues:
            for warning in issue.warnings:
                log.warning("Newsletter: %s: %s", issue.source_path, warning)
        self.issues = sorted(
            (i for i in issues if id(i) not in failed),
            key=lambda i: i.number,
            reverse=True,
        )
        self.context["newsletter_issues"] = self.issues

    # --- writing -----------------------------------------------------------

    def generate_output(self, writer: Any) -> None:
        if not self.cfg:
            return
        md = markdown_renderer(self.settings)
        if (
            not (
                self.cfg["NEWSLETTER_UNSUBSCRIBE_URL"] or self.cfg["NEWSLETTER_UNSUBSCRIBE_MAILTO"]
            )
            and self.issues
        ):
            log.warning(
                "Newsletter: neither NEWSLETTER_UNSUBSCRIBE_URL nor NEWSLETTER_UNSUBSCRIBE_MAILTO "
                "is set; emails fall back to a mailto link to %s. Set one in pelicanconf.py",
                self.cfg["FROM_ADDRESS"],
            )
        self.views = [self.render_issue(issue, md, writer) for issue in self.issues]
        self.write_index(writer)
        self.write_feed()
        log.info(
            "Newsletter: %d issue(s) rendered, %d email(s) within %d bytes",
            len(self.views),
            sum(v.has_email for v in self.views),
            self.cfg["NEWSLETTER_MAX_BYTES"],
        )

    def fmt(self, key: str, issue: Issue) -> str:
        return self.cfg[key].format(number=issue.number_text, slug=issue.slug)

    def resolve_links(self, html: str, issue: Issue, siteurl: str) -> str:
        """Replace {filename}, {static}, {tag}... links the way Pelican does for articles."""
        soup = BeautifulSoup(html, "html.parser")
        generated = self.context.get("generated_content", {})
        static = self.context.get("static_content", {})
        for element in soup.find_all(["a", "img"]):
            attr = "href" if element.name == "a" else "src"
            match = INTRASITE_RE.match(element.get(attr, ""))
            if not match:
                continue
            what, value = match["what"], match["value"]
            path, _, fragment = value.partition("#")
            if what in ("filename", "static", "attach"):
                rel = (
                    path.lstrip("/")
                    if path.startswith("/")
                    else posixpath.join(posixpath.dirname(issue.source_path), path)
                )
                rel = posixpath.normpath(rel)
                target = (
                    (generated if what == "filename" else static).get(rel)
                    or generated.get(rel)
                    or static.get(rel)
                )
                if target is None:
                    log.error(
                        "Newsletter: %s: the link '%s' points to nothing in the content folder; "
                        "fix the path (it is relative to the issue file, "
                        "or to content/ with a leading /)",
                        issue.source_path,
                        element[attr],
                    )
                    continue
                target_url = target.url
            elif what == "tag":
                target_url = Tag(path, self.settings).url
            elif what == "category":
                target_url = Category(path, self.settings).url
            elif what == "author":
                target_url = Author(path, self.settings).url
            else:
                target_url = ""
            href = f"{siteurl}/{target_url}" if siteurl else target_url
            element[attr] = href + (f"#{fragment}" if fragment else "")
        return str(soup)

    def render_issue(self, issue: Issue, md: Markdown, writer: Any) -> IssueView:
        cfg = self.cfg
        site_url = cfg["SITE_URL"]
        url = self.fmt("NEWSLETTER_ISSUE_URL", issue)
        save_as = self.fmt("NEWSLETTER_ISSUE_SAVE_AS", issue)
        abs_url = absolute(site_url, url)
        intro_source = md.reset().convert(issue.body)
        intro_email = sanitize(self.resolve_links(intro_source, issue, site_url), abs_url)
        preheader = issue.preheader or shorten(plain(intro_email), 150)
        view = IssueView(
            issue=issue,
            subject_line=cfg["NEWSLETTER_SUBJECT_FORMAT"].format(
                number=issue.number, subject=issue.subject, slug=issue.slug
            ),
            locale_date=issue.date.strftime(self.settings.get("DEFAULT_DATE_FORMAT", "%Y-%m-%d")),
            url=url,
            save_as=save_as,
            abs_url=abs_url,
            email_html_save_as=self.fmt("NEWSLETTER_EMAIL_HTML_SAVE_AS", issue),
            email_text_save_as=self.fmt("NEWSLETTER_EMAIL_TEXT_SAVE_AS", issue),
            eml_save_as=self.fmt("NEWSLETTER_EML_SAVE_AS", issue),
            preheader=preheader,
            guidance=guidance_of(issue.articles, cfg["NEWSLETTER_DEFAULT_GUIDANCE"]),
        )
        if not view.guidance:
            log.warning(
                "Newsletter: %s: no repeat-business guidance for its articles' tags; "
                "enable the taxonomy plugin or set NEWSLETTER_DEFAULT_GUIDANCE",
                issue.source_path,
            )
        web_siteurl = (
            path_to_url(get_relative_path(save_as))
            if self.settings.get("RELATIVE_URLS")
            else self.settings.get("SITEURL", "")
        )
        view.intro = self.resolve_links(intro_source, issue, web_siteurl)
        self.write_email(view, intro_email)
        writer.write_file(
            save_as,
            self.get_template("newsletter_issue"),
            self.context,
            relative_urls=self.settings.get("RELATIVE_URLS", False),
            issue=view,
            newsletter_index_url=cfg["NEWSLETTER_INDEX_URL"],
            newsletter_feed_url=path_to_url(cfg["NEWSLETTER_FEED_SAVE_AS"]),
        )
        return view

    def email_items(self, articles: list[Any], mode: str) -> list[dict[str, Any]]:
        site_url = self.cfg["SITE_URL"]
        items = []
        for article in articles:
            url = absolute(site_url, article.url)
            if mode == "full":
                html = sanitize(article.get_content(site_url), url)
            else:
                html = sanitize(
                    article.get_summary(site_url),
                    url,
                    images=mode != "summary-no-images",
                )
            author = getattr(article, "author", None)
            items.append(
                {
                    "title": article.title,
                    "url": url,
                    "date": article.locale_date,
                    "iso_date": article.date.isoformat(),
                    "author": author.name if author else "",
                    "html": html,
                    "read_on": mode != "full",
                }
            )
        return items

    def write_email(self, view: IssueView, intro_email: str) -> None:
        """Render email.html (shrinking it to fit), email.txt and issue.eml."""
        cfg = self.cfg
        issue = view.issue
        site_url = cfg["SITE_URL"]
        unsubscribe_url = cfg["NEWSLETTER_UNSUBSCRIBE_URL"]
        unsubscribe_mailto = cfg["NEWSLETTER_UNSUBSCRIBE_MAILTO"]
        if not (unsubscribe_url or unsubscribe_mailto):
            unsubscribe_mailto = f"mailto:{cfg['FROM_ADDRESS']}?subject=unsubscribe"
        utm = dict(cfg["NEWSLETTER_UTM"] or {})
        if utm:
            utm.setdefault("utm_campaign", f"{issue.number_text}-{issue.slug}")
        guidance = [dict(g, abs_url=absolute(site_url, g["url"])) for g in view.guidance]
        body_template = self.get_template("email/body")
        email_template = self.get_template("email/issue")
        limit = cfg["NEWSLETTER_MAX_BYTES"]
        common = {
            "SITENAME": self.settings.get("SITENAME", ""),
            "DEFAULT_LANG": self.settings.get("DEFAULT_LANG", "en"),
            "site_url": site_url,
            "issue": view,
            "guidance": guidance,
            "unsubscribe_url": unsubscribe_url or unsubscribe_mailto,
            "newsletter_title": cfg["TITLE"],
        }

        html = body = ""
        items: list[dict[str, Any]] = []
        attempts = []
        for mode, label in MODES:
            intro = (
                intro_email
                if mode != "summary-no-images"
                else sanitize(intro_email, view.abs_url, images=False)
            )
            items = self.email_items(issue.articles, mode)
            body = body_template.render(common, intro=intro, items=items)
            document = email_template.render(common, body=body, preheader=view.preheader)
            html = inline_css(add_utm(document, site_url, utm))
            size = len(html.encode("utf-8"))
            attempts.append(f"{label}: {size} bytes")
            view.mode = mode
            if size <= limit:
                break
        else:
            log.error(
                "Newsletter: %s: email.html is %d bytes even with summaries and no images, "
                "%d bytes over the %d-byte limit (Gmail clips longer emails); shorten the "
                "intro or move some articles to the next issue",
                issue.source_path,
                size,
                size - limit,
                limit,
            )
            return
        if view.mode != "full":
            log.info(
                "Newsletter: %s: full articles do not fit in %d bytes, using %s (%s)",
                issue.source_path,
                limit,
                dict(MODES)[view.mode],
                "; ".join(attempts),
            )

        text = self.render_text(
            view,
            intro=add_utm(intro, site_url, utm),
            items=items,
            guidance=guidance,
            utm=utm,
            unsubscribe_url=unsubscribe_url,
            unsubscribe_mailto=unsubscribe_mailto,
        )
        eml = build_eml(
            sender=cfg["NEWSLETTER_FROM"],
            subject=view.subject_line,
            date=issue.date,
            msg_id=message_id(issue.number_text, issue.slug, site_url),
            text=text,
            html=html,
            unsubscribe_url=unsubscribe_url,
            unsubscribe_mailto=unsubscribe_mailto,
            list_id=f"{cfg['TITLE']} <newsletter.{urlsplit(site_url).hostname}>",
            language=self.settings.get("DEFAULT_LANG"),
        )
        view.feed_html = sanitize(add_utm(body, site_url, utm), view.abs_url)
        view.has_email = True
        outputs = {
            view.email_html_save_as: html.encode("utf-8"),
            view.email_text_save_as: text.encode("utf-8"),
            view.eml_save_as: eml,
        }
        for rel, data in outputs.items():
            self.write_bytes(rel, data)
        view.sizes = {posixpath.basename(rel): len(data) for rel, data in outputs.items()}
        log.info(
            "Newsletter size: %s-%s  email.html %.1f KB of %.1f KB (%s), "
            "email.txt %.1f KB, issue.eml %.1f KB",
            issue.number_text,
            issue.slug,
            len(outputs[view.email_html_save_as]) / 1000,
            limit / 1000,
            dict(MODES)[view.mode],
            len(outputs[view.email_text_save_as]) / 1000,
            len(eml) / 1000,
        )

    def render_text(
        self,
        view: IssueView,
        *,
        intro: str,
        items: list[dict[str, Any]],
        guidance: list[dict[str, str]],
        utm: dict[str, str],
        unsubscribe_url: str | None,
        unsubscribe_mailto: str | None,
    ) -> str:
        """Render the plain-text alternative; links become numbered footnotes."""
        site_url = self.cfg["SITE_URL"]
        rule = "-" * 72
        renderer = TextRenderer()
        issue = view.issue

        def link(url: str) -> str:
            return BeautifulSoup(add_utm(f'<a href="{url}"></a>', site_url, utm), "html.parser").a[
                "href"
            ]

        parts = [
            f"{self.settings.get('SITENAME', '')} · Issue {issue.number} · {view.locale_date}",
            f"{issue.subject}\n{'=' * min(len(issue.subject), 72)}",
        ]
        intro_text = renderer.render(intro)
        if intro_text:
            parts.append(intro_text)
        notes = renderer.take_links()
        if notes:
            parts.append(notes)
        for item in items:
            parts.append(rule)
            parts.append(
                f"{item['title']}\n{item['author']} · {item['date']}\n{link(item['url'])}".replace(
                    "\n · ", "\n"
                )
            )
            text = renderer.render(item["html"])
            if text:
                parts.append(text)
            if item["read_on"]:
                parts.append(f"Read on: {item['title']}\n{link(item['url'])}")
            notes = renderer.take_links()
            if notes:
                parts.append(notes)
        if guidance:
            parts.append(rule)
            lines = ["KEEP THEM COMING BACK"]
            for entry in guidance:
                lead = f"{entry['cta']} {entry['title']}" if entry.get("cta") else entry["title"]
                lines.append(renderer.wrap(lead, "- ", "  "))
                lines.append(f"  {link(entry['abs_url'])}")
            parts.append("\n".join(lines))
        parts.append(rule)
        footer = [
            f"Read this issue on the web: {link(view.abs_url)}",
            renderer.wrap(f"You receive this because you subscribed to {self.cfg['TITLE']}."),
        ]
        if unsubscribe_url:
            footer.append(f"Unsubscribe: {unsubscribe_url}")
        if unsubscribe_mailto:
            address = unsubscribe_mailto.removeprefix("mailto:").split("?")[0]
            footer.append(renderer.wrap(f"Or unsubscribe by email: write to {address}."))
        parts.append("\n".join(footer))
        return "\n\n".join(parts) + "\n"

    def write_bytes(self, rel: str, data: bytes) -> None:
        target = Path(sanitised_join(self.output_path, rel))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        log.debug("Newsletter: wrote %s", target)

    def write_index(self, writer: Any) -> None:
        writer.write_file(
            self.cfg["NEWSLETTER_INDEX_SAVE_AS"],
            self.get_template("newsletter_index"),
            self.context,
            relative_urls=self.settings.get("RELATIVE_URLS", False),
            issues=self.views,
            newsletter_title=self.cfg["TITLE"],
            newsletter_index_url=self.cfg["NEWSLETTER_INDEX_URL"],
            newsletter_feed_url=path_to_url(self.cfg["NEWSLETTER_FEED_SAVE_AS"]),
        )

    def write_feed(self) -> None:
        """Write the RSS feed that RSS-to-email services read, newest issue first."""
        views = [v for v in self.views if v.has_email]
        cfg = self.cfg
        site_url = cfg["SITE_URL"]
        feed = FeedGenerator()
        feed.title(cfg["TITLE"])
        feed.link(href=absolute(site_url, cfg["NEWSLETTER_INDEX_URL"]), rel="alternate")
        feed.link(
            href=absolute(site_url, path_to_url(cfg["NEWSLETTER_FEED_SAVE_AS"])),
            rel="self",
        )
        feed.description(self.settings.get("SITE_DESCRIPTION") or f"Every issue of {cfg['TITLE']}")
        feed.language(self.settings.get("DEFAULT_LANG", "en"))
        # feedgen stamps "now" unless told otherwise; the newest issue keeps builds identical.
        # With no issue yet the feed is still written (pages link to it), dated
        # at the epoch rather than the clock.
        feed.lastBuildDate(views[0].issue.date if views else EPOCH)
        for view in views:
            entry = feed.add_entry(order="append")
            entry.id(view.abs_url)
            entry.guid(view.abs_url, permalink=True)
            entry.title(view.subject_line)
            entry.link(href=view.abs_url)
            entry.published(view.issue.date)
            entry.description(view.preheader)
            entry.content(view.feed_html)
        self.write_bytes(cfg["NEWSLETTER_FEED_SAVE_AS"], feed.rss_str(pretty=True))


def get_generators(pelican: Any) -> type[NewsletterGenerator] | None:
    # Signals outlive a run: in one process (tests, autoreload) an earlier
    # build may have connected this handler for a site without the plugin.
    enabled = [str(name).rsplit(".", 1)[-1] for name in pelican.settings.get("PLUGINS") or ()]
    return NewsletterGenerator if "newsletter" in enabled else None


def register() -> None:
    # A generator runs after the articles generator has read everything, and
    # can write files of its own (emails, .eml, feed) next to the pages.
    signals.get_generators.connect(get_generators)

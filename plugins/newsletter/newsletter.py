"""The newsletter plugin: Pelican glue around `nextsale.newsletter`.

One generator, run after the articles generator so the published articles are
known. It reads the issue files (`nextsale.newsletter.issues`), renders each
issue (`nextsale.newsletter.render`: web page view, email HTML, text, .eml)
and the feed (`nextsale.feeds`, the site feeds' builder), and writes the files.
Settings are read in `config.py` (README.md lists them), the intro's Markdown
and content links in `intro.py`.
"""

from __future__ import annotations

import logging
import posixpath
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from markdown import Markdown
from pelican import signals
from pelican.generators import Generator
from pelican.utils import get_relative_path, path_to_url

from nextsale import contracts
from nextsale.feeds import FeedMeta, FeedSite
from nextsale.guidance import expose_heading
from nextsale.newsletter.email_render import build_eml, email_csp, message_id, safe_email_html
from nextsale.newsletter.issues import (
    Catalogue,
    Issue,
    IssueError,
    choose_articles,
    read_issue_file,
)
from nextsale.newsletter.remembered import Remembered
from nextsale.newsletter.render import (
    MODES,
    IssueView,
    email_guidance,
    feed_content,
    issue_guidance,
    issue_utm,
    newsletter_feed,
    render_email,
    render_text,
    utm_link,
)
from nextsale.newsletter.signup import load_signup
from nextsale.reading import site_page_profile
from nextsale.sanitise import (
    ImagePolicy,
    looks_unsafe,
    sanitise,
    site_hosts,
    third_party_images_setting,
)
from nextsale.site import PreparedOutput, plugin_enabled, write_generated
from nextsale.text import clean_text, html_to_text, shorten
from nextsale.urls import absolute, add_utm

from .config import load_config
from .intro import markdown_renderer, resolve_links

log = logging.getLogger(__name__)


class NewsletterGenerator(PreparedOutput, Generator):
    """Read the issues, then write pages, emails and the newsletter feed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cfg: dict[str, Any] = {}
        self.issues: list[Issue] = []
        self.views: list[IssueView] = []
        self.remembered = Remembered(None)

    # --- reading -----------------------------------------------------------

    def generate_context(self) -> None:
        self.cfg = load_config(self.settings)
        self.cfg["THIRD_PARTY_IMAGES"] = third_party_images_setting(self.settings)
        now = datetime.now(UTC)  # only decides what is live, like Pelican's own future check
        issues = self.read_issues(now)
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

    def read_issues(self, now: datetime) -> list[Issue]:
        """Parse every issue file; keep the published, already-dated ones."""
        root = Path(self.path)
        folder = root / self.cfg["NEWSLETTER_PATH"]
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
            elif issue.date > now:
                log.info(
                    "Newsletter: %s is dated in the future, not published yet", issue.source_path
                )
            else:
                issues.append(issue)
        return issues

    # --- writing -----------------------------------------------------------

    def work_out_output(self) -> list[IssueView]:
        """Every issue's page view, with its email files and feed entry made (see
        PreparedOutput); `generate_output` writes the pages through Pelican's writer."""
        if not self.cfg:
            return []
        md = markdown_renderer(self.settings)
        cfg = self.cfg
        unsubscribe = cfg["NEWSLETTER_UNSUBSCRIBE_URL"] or cfg["NEWSLETTER_UNSUBSCRIBE_MAILTO"]
        if self.issues and not unsubscribe:
            log.warning(
                "Newsletter: neither NEWSLETTER_UNSUBSCRIBE_URL nor NEWSLETTER_UNSUBSCRIBE_MAILTO "
                "is set; emails fall back to a mailto link to %s. Set one in pelicanconf.py",
                cfg["FROM_ADDRESS"],
            )
        self.remembered = Remembered(self.settings.get("ENGINE_MEMORY"))
        views = [self.render_issue(issue, md) for issue in self.issues]
        self.remembered.keep()
        return views

    def generate_output(self, writer: Any) -> None:
        self.views = self.prepared_output()
        if not self.cfg:
            return
        for view in self.views:
            self.write_issue_page(view, writer)
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

    def render_issue(self, issue: Issue, md: Markdown) -> IssueView:
        cfg = self.cfg
        site_url = cfg["SITE_URL"]
        url = self.fmt("NEWSLETTER_ISSUE_URL", issue)
        save_as = self.fmt("NEWSLETTER_ISSUE_SAVE_AS", issue)
        abs_url = absolute(site_url, url)
        intro_source = md.reset().convert(issue.body)
        if looks_unsafe(intro_source):
            log.warning(
                "Newsletter: %s: removed unsafe HTML (scripts, styles, frames, forms, event "
                "handlers or javascript: links) from the intro. The site never runs code from "
                "content; remove it from the file",
                issue.source_path,
            )
        images = ImagePolicy(
            cfg["THIRD_PARTY_IMAGES"], site_hosts(site_url, self.settings.get("SITEURL"))
        )
        intro_email = images.apply(
            safe_email_html(
                resolve_links(intro_source, issue, site_url, self.context, self.settings), abs_url
            )
        )
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
            preheader=clean_text(issue.preheader) or shorten(html_to_text(intro_email), 150),
            guidance=issue_guidance(issue.articles, cfg["NEWSLETTER_DEFAULT_GUIDANCE"]),
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
        web_intro = resolve_links(intro_source, issue, web_siteurl, self.context, self.settings)
        view.intro = sanitise(web_intro, site_page_profile(self.settings))
        self.write_email(view, intro_email, images)
        self.report_images(issue, images)
        return view

    def write_issue_page(self, view: IssueView, writer: Any) -> None:
        writer.write_file(
            view.save_as,
            self.get_template("newsletter_issue"),
            self.context,
            relative_urls=self.settings.get("RELATIVE_URLS", False),
            issue=view,
            newsletter_index_url=self.cfg["NEWSLETTER_INDEX_URL"],
            newsletter_feed_url=path_to_url(self.cfg["FEED_SAVE_AS"]),
        )

    def report_images(self, issue: Issue, images: ImagePolicy) -> None:
        """Say in the build log which images of an issue's email load from another host."""
        for url in images.found:
            if images.mode == "remove":
                log.info(
                    "Newsletter: %s: removed the third-party image %s from the email and the "
                    'feed (THIRD_PARTY_IMAGES = "remove")',
                    issue.source_path,
                    url,
                )
            else:
                log.info(
                    "Newsletter: %s: third-party image %s tells that host who opens the email; "
                    "the pre-send check reports it until it is gone "
                    '(or set THIRD_PARTY_IMAGES = "remove" or "keep")',
                    issue.source_path,
                    url,
                )

    def write_email(self, view: IssueView, intro_email: str, images: ImagePolicy) -> None:
        """Render email.html (shrinking it to fit), email.txt and issue.eml, and write them."""
        cfg = self.cfg
        issue = view.issue
        site_url = cfg["SITE_URL"]
        unsubscribe_url = cfg["NEWSLETTER_UNSUBSCRIBE_URL"]
        unsubscribe_mailto = cfg["NEWSLETTER_UNSUBSCRIBE_MAILTO"]
        if not (unsubscribe_url or unsubscribe_mailto):
            unsubscribe_mailto = f"mailto:{cfg['FROM_ADDRESS']}?subject=unsubscribe"
        utm = issue_utm(cfg["UTM"], issue)
        guidance = email_guidance(view.guidance, site_url)
        limit = cfg["NEWSLETTER_MAX_BYTES"]
        common = {
            "SITENAME": self.settings.get("SITENAME", ""),
            "DEFAULT_LANG": self.settings.get("DEFAULT_LANG", "en"),
            "site_url": site_url,
            "issue": view,
            "guidance": guidance,
            "unsubscribe_url": unsubscribe_url or unsubscribe_mailto,
            "newsletter_title": cfg["TITLE"],
            # Kept third-party images load where the email is read, as its author chose.
            "CONTENT_SECURITY_POLICY": email_csp(
                self.settings.get("CONTENT_SECURITY_POLICY"),
                site_url,
                ("https:",) if images.mode == "keep" else (),
            ),
        }
        email = render_email(
            view,
            intro_email,
            body_template=self.get_template("email/body"),
            email_template=self.get_template("email/issue"),
            common=common,
            site_url=site_url,
            utm=utm,
            limit=limit,
            images=images,
        )
        view.mode = email.mode
        if not email.fits:
            log.error(
                "Newsletter: %s: email.html is %d bytes even with summaries and no images, "
                "%d bytes over the %d-byte limit (Gmail clips longer emails); shorten the "
                "intro or move some articles to the next issue",
                issue.source_path,
                email.size,
                email.size - limit,
                limit,
            )
            return
        if email.mode != "full":
            log.info(
                "Newsletter: %s: full articles do not fit in %d bytes, using %s (%s)",
                issue.source_path,
                limit,
                dict(MODES)[email.mode],
                "; ".join(email.attempts),
            )
        email.intro = add_utm(email.intro, site_url, utm)
        text = render_text(
            view,
            email,
            sitename=self.settings.get("SITENAME", ""),
            title=cfg["TITLE"],
            guidance=guidance,
            link=utm_link(site_url, utm),
            unsubscribe_url=unsubscribe_url,
            unsubscribe_mailto=unsubscribe_mailto,
        )
        eml = self.remembered.call(
            build_eml,
            sender=cfg["NEWSLETTER_FROM"],
            subject=view.subject_line,
            date=issue.date,
            msg_id=message_id(issue.number_text, issue.slug, site_url),
            text=text,
            html=email.html,
            unsubscribe_url=unsubscribe_url,
            unsubscribe_mailto=unsubscribe_mailto,
            list_id=f"{cfg['TITLE']} <newsletter.{urlsplit(site_url).hostname}>",
            language=self.settings.get("DEFAULT_LANG"),
        )
        view.feed_html = self.remembered.call(
            feed_content, add_utm(email.body, site_url, utm), view.abs_url
        )
        view.has_email = True
        outputs = {
            view.email_html_save_as: email.html.encode("utf-8"),
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

    def write_bytes(self, rel: str, data: bytes) -> None:
        if write_generated(self.output_path, rel, data):
            log.debug("Newsletter: wrote %s", rel)

    def write_index(self, writer: Any) -> None:
        writer.write_file(
            self.cfg["NEWSLETTER_INDEX_SAVE_AS"],
            self.get_template("newsletter_index"),
            self.context,
            relative_urls=self.settings.get("RELATIVE_URLS", False),
            issues=self.views,
            newsletter_title=self.cfg["TITLE"],
            newsletter_index_url=self.cfg["NEWSLETTER_INDEX_URL"],
            newsletter_feed_url=path_to_url(self.cfg["FEED_SAVE_AS"]),
        )

    def write_feed(self) -> None:
        """Write the RSS feed that RSS-to-email services read, newest issue first.

        Written even before the first issue (pages link to it), then dated at
        the epoch rather than by the clock.
        """
        cfg = self.cfg
        site_url = cfg["SITE_URL"]
        save_as = cfg["FEED_SAVE_AS"]
        site = FeedSite(
            canonical=site_url,
            author=clean_text(str(self.settings.get("AUTHOR") or cfg["TITLE"])),
            language=str(self.settings.get("DEFAULT_LANG") or "en"),
        )
        meta = FeedMeta(
            title=clean_text(cfg["TITLE"]),
            description=clean_text(cfg["DESCRIPTION"]),
            # The channel links to the archive, the page that says how to subscribe.
            home_url=absolute(site_url, cfg["NEWSLETTER_INDEX_URL"]),
            save_as=save_as,
            self_url=absolute(site_url, path_to_url(save_as)),
        )
        data = newsletter_feed(
            self.views,
            meta,
            site,
            author_email=cfg["FROM_ADDRESS"] or None,
            size_of=self.static_file_sizes(),
        )
        self.write_bytes(save_as, data)

    def static_file_sizes(self) -> Any:
        """A function giving the size of a site image from its absolute URL (0 if unknown)."""
        site_url = self.cfg["SITE_URL"]
        files: dict[str, str] = {}
        for static in self.context.get("static_content", {}).values():
            url = getattr(static, "url", None)
            if url and getattr(static, "source_path", None):
                files[absolute(site_url, url)] = static.source_path

        def size_of(url: str) -> int:
            path = files.get(url)
            return Path(path).stat().st_size if path and Path(path).is_file() else 0

        return size_of


def check_plugin_order(pelican: Any) -> None:
    """Stop the build at start-up when a plugin whose output we read comes after us."""
    if plugin_enabled(pelican.settings, "newsletter"):
        contracts.check(pelican.settings)


def expose_signup(generator: Any) -> None:
    """Give every template the sign-up form (`signup`), or its mailto stand-in."""
    if not plugin_enabled(generator.settings, "newsletter"):
        return
    cfg = load_config(generator.settings)
    generator.env.globals["signup"] = load_signup(generator.settings, cfg["FROM_ADDRESS"])


def get_generators(pelican: Any) -> type[NewsletterGenerator] | None:
    # Signals outlive a run: in one process (tests, autoreload) an earlier
    # build may have connected this handler for a site without the plugin.
    return NewsletterGenerator if plugin_enabled(pelican.settings, "newsletter") else None


def register() -> None:
    signals.initialized.connect(check_plugin_order)
    # Every template (issue page, email) reads the guidance heading from one place.
    signals.generator_init.connect(expose_heading)
    # Articles, pages, tags and the archive all draw the sign-up form.
    signals.generator_init.connect(expose_signup)
    # A generator runs after the articles generator has read everything, and
    # can write files of its own (emails, .eml, feed) next to the pages.
    signals.get_generators.connect(get_generators)

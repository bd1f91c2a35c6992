"""Every path that turns author text into HTML is sanitised: nothing in the content can run.

One site carries hostile markup in an article body, its `Summary:`, a page, a
newsletter intro, a preheader and a title; every file of the output (pages,
feeds, JSON, emails, `.eml`, text) is then read as its reader would read it.
The sanitiser itself is tested with random HTML built from dangerous pieces.
"""

from __future__ import annotations

import email
import html
import json
import re
import xml.etree.ElementTree as ET
from email import policy
from pathlib import Path

import lxml.html
import pytest
from bs4 import BeautifulSoup
from conftest import article
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nextsale.sanitise import PROFILES, page_profile, sanitise

# Markup that must never reach any output file, with markers that would show it did.
DANGER = """<script>alert("evil-script")</script>

<iframe src="https://evil.example/frame" srcdoc="<script>alert(1)</script>"></iframe>
<form action="https://evil.example/steal"><input name="card"><button formaction="https://evil.example/b">Send</button></form>
<object data="https://evil.example/object.swf"><embed src="https://evil.example/embed"></object>
<meta http-equiv="refresh" content="0;url=https://evil.example/refresh">
<base href="https://evil.example/">
<link rel="stylesheet" href="https://evil.example/style.css">
<svg onload="alert('evil-svg')"><script>alert(1)</script></svg>

<p onclick="alert('evil-click')" onmouseover="alert(2)">Safe words {where}.</p>

<a href="javascript:alert('evil-link')">a javascript link</a>
<a href="JaVaScRiPt&#x3A;alert('evil-encoded')">an encoded one</a>
<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">a data link</a>
<a href="vbscript:msgbox('evil')">a vbscript link</a>
<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+" alt="svg data">
<img src="/images/ok.png" alt="ok" onerror="alert('evil-img')" srcset="javascript:alert(1) 2x">
<blockquote cite="javascript:alert('evil-cite')"><p>Quoted {where}.</p></blockquote>
"""

# Text that only the dangerous parts carry: none of it may appear in any output file.
MARKERS = ("evil.example", "evil-", "alert(", "javascript:", "vbscript:", "data:text/html",
           "data:image/svg", "msgbox", "PHN")  # fmt: skip

# Plain-text fields are shown as text, escaped: hostile in a different way.
TEXT_DANGER = '<script>shout("t")</script><img src=x onerror=shout(1)> & "quoted"'

DANGEROUS_ELEMENTS = {"script", "iframe", "frame", "frameset", "form", "input", "button",
                      "select", "textarea", "object", "embed", "applet", "base", "link",
                      "style", "svg", "math", "template", "noscript"}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "srcset", "cite", "action", "formaction", "poster", "data",
                  "background", "longdesc", "xlink:href", "srcdoc", "ping", "usemap"}  # fmt: skip
SAFE_SCHEMES = ("http:", "https:", "mailto:", "tel:", "tag:")


def _issue(body: str, **extra: str) -> str:
    lines = ["Subject: A hostile issue", "Date: 2025-03-03 07:00", "Articles: since-previous"]
    lines += [f"{key}: {value}" for key, value in extra.items()]
    return "\n".join(lines) + "\n\n" + body + "\n"


def _summary_line(text: str) -> str:
    return " ".join(text.split())


HOSTILE_FILES = {
    "articles/hostile.md": article(
        "Hostile article",
        DANGER.format(where="in the article"),
        slug="hostile",
        date="2025-01-06 08:00",
        tags="trust",
        summary=_summary_line(DANGER.format(where="in the summary")),
    ),
    "articles/title.md": article(
        TEXT_DANGER, "A title that is text.", slug="title", date="2025-01-07 08:00", tags="trust"
    ),
    "pages/hostile-page.md": (
        "Title: Hostile page\nSlug: hostile-page\n\n" + DANGER.format(where="in the page")
    ),
    "newsletter/001-hostile.md": _issue(DANGER.format(where="in the intro"), Preheader=TEXT_DANGER),
}


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    from conftest import Site, make_settings, run_pelican, write_files

    root = tmp_path_factory.mktemp("hostile")
    content, output = root / "content", root / "output"
    write_files(content, HOSTILE_FILES)
    settings = make_settings(content, output, False, {})
    records = run_pelican(settings)
    return Site(content, output, settings, records)


# --- reading every output as its reader would -------------------------------------------

HTML_FEED_ELEMENTS = {"content", "summary", "description", "encoded"}


def html_fragments(path: Path) -> list[str]:
    """The HTML a client renders from one output file (none for plain text)."""
    data = path.read_bytes()
    if path.suffix in (".html", ".htm"):
        return [data.decode("utf-8")]
    if path.suffix == ".xml":
        root = ET.fromstring(data)
        return [
            el.text
            for el in root.iter()
            if isinstance(el.tag, str)
            and el.tag.rsplit("}", 1)[-1] in HTML_FEED_ELEMENTS
            and el.text
        ]
    if path.suffix == ".json":
        feed = json.loads(data)
        items = feed.get("items", []) if isinstance(feed, dict) else []
        return [item["content_html"] for item in items if item.get("content_html")]
    if path.suffix == ".eml":
        message = email.message_from_bytes(data, policy=policy.default)
        return [p.get_content() for p in message.walk() if p.get_content_type() == "text/html"]
    return []


def _theirs(name: str, attrs: dict, in_head: bool) -> bool:
    """The theme's own head elements: JSON-LD, its stylesheet, icon and alternate links."""
    if name == "script":
        return attrs.get("type") == "application/ld+json"
    return in_head and name in ("style", "link")


def dangers(fragment: str) -> list[str]:
    """What in one HTML fragment could run, load, submit or redirect, read by two parsers."""
    found = []
    trees = [
        (tag.name, dict(tag.attrs), tag.find_parent("head") is not None)
        for tag in BeautifulSoup(fragment, "html.parser").find_all()
    ]
    whole = fragment.lstrip().lower().startswith("<!doctype")
    document = (
        lxml.html.document_fromstring(fragment)
        if whole
        else lxml.html.fromstring(f"<div>{fragment}</div>")
    )
    trees += [
        (el.tag, dict(el.attrib), any(a.tag == "head" for a in el.iterancestors()))
        for el in document.iter()
        if isinstance(el.tag, str)
    ]
    for tag_name, attrs, in_head in trees:
        name = tag_name.lower()
        if name in DANGEROUS_ELEMENTS and not _theirs(name, attrs, in_head):
            found.append(f"<{name}>")
        if name == "meta" and attrs.get("http-equiv", "").lower() == "refresh":
            found.append("<meta http-equiv=refresh>")
        for attr, raw in attrs.items():
            value = " ".join(raw) if isinstance(raw, list) else str(raw)
            if attr.lower().startswith("on"):
                found.append(f"<{name} {attr}>")
            if attr.lower() in URL_ATTRIBUTES:
                for url in _urls(attr.lower(), value):
                    if url == "data:," and name == "link":
                        continue  # the theme's empty icon, `data:,`
                    if (
                        ":" in url.split("/")[0]
                        and not url.lower().startswith(SAFE_SCHEMES)
                        and not re.match(r"data:image/(png|gif|jpeg|webp|avif)[;,]", url, re.I)
                    ):
                        found.append(f"<{name} {attr}={url[:40]}>")
    return found


def _urls(attr: str, value: str) -> list[str]:
    value = re.sub(r"[\x00-\x20]", "", html.unescape(value)) if attr != "srcset" else value
    if attr == "srcset":
        return [part.strip().split(" ")[0] for part in value.split(",") if part.strip()]
    return [value]


def test_hostile_content_reaches_no_output_file(hostile_site):
    site = hostile_site
    files = site.files()
    kinds = {p.suffix for p in files}
    assert {".html", ".xml", ".json", ".eml", ".txt"} <= kinds, kinds
    problems, carried = [], set()
    for path in files:
        rel = path.relative_to(site.output).as_posix()
        if path.suffix not in {".html", ".xml", ".json", ".eml", ".txt", ".xsl", ".css"}:
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".eml":
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            text = "\n".join(
                part.get_content() for part in message.walk() if not part.is_multipart()
            )
        for marker in MARKERS:
            if marker.lower() in text.lower():
                problems.append(f"{rel}: {marker}")
        for fragment in html_fragments(path):
            problems += [f"{rel}: {danger}" for danger in dangers(fragment)]
        carried |= {where for where in ("article", "summary", "page", "intro") if where in text}
        for where in ("article", "summary", "page", "intro"):
            if f"Safe words in the {where}" in " ".join(text.split()):
                carried.add(f"{where}:{path.suffix}")
    assert problems == []
    # The harmless words made it everywhere they belong.
    for expected in ("article:.html", "article:.xml", "article:.json", "summary:.html",
                     "summary:.xml", "page:.html", "intro:.html", "intro:.eml", "intro:.txt",
                     "intro:.xml"):  # fmt: skip
        assert expected in carried, expected


def test_unsafe_markup_is_reported_for_each_source(hostile_site):
    messages = hostile_site.messages()
    for source in ("hostile.md", "hostile-page.md", "001-hostile.md"):
        assert any(source in m and "unsafe HTML" in m for m in messages), source


def test_an_unsafe_intro_fails_a_publish_build_naming_the_issue(tmp_path):
    from conftest import run_sitebuild, write_files

    content = tmp_path / "content"
    write_files(
        content,
        {
            "articles/a.md": article("A", slug="a", date="2025-01-06 08:00"),
            "newsletter/001-hostile.md": _issue(DANGER.format(where="in the intro")),
        },
    )
    done = run_sitebuild(content, tmp_path / "out", publish=True)
    assert done.returncode == 1
    assert "newsletter/001-hostile.md: removed unsafe HTML" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_text_fields_arrive_escaped_as_text(hostile_site):
    site = hostile_site
    page = site.soup("newsletter/001-hostile/index.html")
    assert page.find("meta", attrs={"name": "description"})["content"] == TEXT_DANGER
    shown = site.soup("newsletter/001-hostile/email.html").find("div", class_="preheader")
    assert shown.text.startswith(TEXT_DANGER) and not shown.find_all(True)
    root = ET.fromstring(site.path("newsletter/feed.rss.xml").read_bytes())
    description = root.find("channel/item/description").text
    # A feed's description is HTML: the preheader is escaped inside it, and reads as text.
    assert BeautifulSoup(description, "html.parser").text == TEXT_DANGER
    assert not BeautifulSoup(description, "html.parser").find_all(True)
    title_page = site.soup("2025/title/index.html")
    assert title_page.h1.text == TEXT_DANGER and not title_page.h1.find_all(True)
    feed = json.loads(site.text("feeds/all.json"))
    assert TEXT_DANGER in [item["title"] for item in feed["items"]]


def test_emails_escape_text_even_where_a_site_turns_autoescape_off(build_site):
    site = build_site(
        {
            "articles/a.md": article(TEXT_DANGER, slug="a", date="2025-01-06 08:00"),
            "newsletter/001-x.md": _issue("Hello.", Preheader=TEXT_DANGER),
        },
        PLUGINS=["newsletter"],
        JINJA_ENVIRONMENT={"trim_blocks": True, "lstrip_blocks": True, "autoescape": False},
    )
    document = site.text("newsletter/001-x/email.html")
    assert dangers(document) == []
    soup = BeautifulSoup(document, "html.parser")
    assert soup.find("div", class_="preheader").text.startswith(TEXT_DANGER)
    assert soup.select_one(".article h2 a").text == TEXT_DANGER


def _csp(document: str) -> str | None:
    meta = BeautifulSoup(document, "html.parser").find(
        "meta", attrs={"http-equiv": "Content-Security-Policy"}
    )
    return meta["content"] if meta else None


def _directives(policy_text: str) -> dict[str, str]:
    pairs = (part.strip().split(None, 1) for part in policy_text.split(";") if part.strip())
    return {pair[0]: pair[1] if len(pair) > 1 else "" for pair in pairs}


def test_email_pages_carry_the_sites_content_security_policy(hostile_site):
    site = hostile_site
    site_policy = _directives(_csp(site.text("index.html")))
    email_html = site.text("newsletter/001-hostile/email.html")
    message = email.message_from_bytes(
        site.path("newsletter/001-hostile/issue.eml").read_bytes(), policy=policy.default
    )
    eml_html = message.get_body(("html",)).get_content()
    for document in (email_html, eml_html):
        found = _directives(_csp(document))
        # The same policy; an email's CSS is inline (mail clients load no stylesheet) and its
        # images are absolute addresses on the site.
        for name, value in site_policy.items():
            if name not in ("style-src", "img-src"):
                assert found[name] == value, name
        assert found["default-src"] == "'none'" and "script-src" not in found
        assert found["style-src"] == "'unsafe-inline'"
        assert "https://thenextsale.example" in found["img-src"].split()


# --- the sanitiser, property by property --------------------------------------------------

PIECES = [
    "<script>alert(1)</script>", "<script src=//evil.example/x.js></script>", "<SCRIPT>",
    "<scr<script>ipt>alert(1)</script>", "<iframe src=javascript:alert(1)>", "</iframe>",
    "<img src=x onerror=alert(1)>", "<img src=\"javascript:alert(1)\" alt=a>",
    "<img srcset=\"javascript:alert(1) 1x, x.png 2x\" alt=a>", "<a href=\"javascript:x()\">",
    "<a href=\"&#106;avascript:alert(1)\">", "<a href=\" jav\tascript:alert(1)\">", "</a>",
    "<a href=\"data:text/html,<script>alert(1)</script>\">", "<a href=vbscript:x>",
    "<img src=\"data:image/svg+xml,<svg onload=alert(1)>\" alt=a>", "<svg onload=alert(1)>",
    "<math><mtext><img src=x onerror=alert(1)></mtext></math>", "<form action=x>", "</form>",
    "<input onfocus=alert(1) autofocus>", "<button formaction=javascript:alert(1)>b</button>",
    "<object data=javascript:alert(1)>", "<embed src=javascript:alert(1)>",
    "<meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">", "<base href=//evil>",
    "<style>*{x:expression(alert(1))}</style>", "<link rel=stylesheet href=//evil>",
    "<p onclick=alert(1)>", "</p>", "<div style=\"background:url(javascript:alert(1))\">",
    "<blockquote cite=javascript:alert(1)>", "<noscript><p title=\"</noscript><img src=x "
    "onerror=alert(1)>\"></noscript>", "<template><script>alert(1)</script></template>",
    "<!--<script>alert(1)</script>-->", "<![CDATA[<script>]]>", "<picture><source "
    "srcset=javascript:alert(1)></picture>", "<details open ontoggle=alert(1)>",
    "<a href=\"https://ok.example/\" onmouseover=alert(1)>", "<table background=javascript:x>",
    "<video poster=javascript:alert(1)>", "<area href=javascript:alert(1)>",
    "text & more", "<b>", "</b>", "\"", "'", "<", ">", "=", " ",
]  # fmt: skip
random_html = st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map("".join)


def _runs(output: str) -> list[str]:
    found = dangers(output)
    lowered = output.lower()
    for needle in ("<script", "javascript:", "vbscript:", "data:text/html", "data:image/svg"):
        # As text these are inert, but no tag or attribute may carry them.
        for tag in re.findall(r"<[a-z][^>]*>", lowered):
            if needle in html.unescape(tag).replace("\t", "").replace("\n", ""):
                found.append(f"{needle} in {tag[:60]}")
    return found


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_html, st.sampled_from(sorted(PROFILES)))
def test_sanitised_html_never_runs(source, profile):
    assert _runs(sanitise(source, profile)) == []


@settings(max_examples=30, deadline=None)
@given(random_html)
def test_a_widened_page_profile_still_never_runs(source):
    # Sites may widen the page profile; schemes that run are never allowed back in.
    widened = page_profile(["details", "summary"], ["https", "data", "javascript", "vbscript"])
    assert _runs(sanitise(source, widened)) == []


def test_a_site_cannot_allow_what_runs_and_is_told_so(build_site):
    site = build_site(
        {"articles/a.md": article("A", '<script>alert(1)</script><p onclick="x()">Words.</p>')},
        SAFE_HTML_EXTRA_TAGS=["details", "script", "iframe"],
        SAFE_HTML_URL_SCHEMES=["https", "javascript"],
    )
    messages = site.messages()
    assert any("SAFE_HTML_EXTRA_TAGS lists iframe, script, which the site never allows" in m
               for m in messages), messages  # fmt: skip
    assert any("SAFE_HTML_URL_SCHEMES lists javascript" in m for m in messages), messages
    page = site.text("2024/a/index.html")
    assert "alert(1)" not in page and "onclick" not in page and "Words." in page


def test_only_raster_data_images_survive_a_site_that_allows_data_urls():
    widened = page_profile(url_schemes=["https", "data"])
    kept = sanitise('<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot">', widened)
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in kept
    for url in ("data:text/html,<b>x</b>", "data:image/svg+xml,<svg/>", "data:,hello"):
        assert "data:" not in sanitise(f'<a href="{url}">x</a><img src="{url}" alt="">', widened)


def test_srcset_and_cite_are_checked_like_href():
    out = sanitise(
        '<img src="a.png" alt="a" srcset="javascript:alert(1) 1x, b.png 2x">'
        '<blockquote cite="javascript:alert(1)">q</blockquote>',
        "page",
    )
    assert "javascript" not in out
    assert 'srcset="b.png 2x"' in out and "<blockquote>q</blockquote>" in out


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_frames_objects_and_form_controls_leave_no_text(profile):
    out = sanitise(
        "<iframe>frame text</iframe><object>object text</object>"
        "<form><button>Pay now</button><select><option>Visa</option></select></form>"
        "<p>kept</p>",
        profile,
    )
    for gone in ("frame text", "object text", "Pay now", "Visa"):
        assert gone not in out, (profile, gone)
    assert "kept" in out

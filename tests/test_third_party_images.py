"""Third-party images (tracking pixels, hot-linked pictures) in feeds and emails.

THIRD_PARTY_IMAGES decides: "report" (the default: kept, named in the build log
and by the pre-send check), "remove" (dropped from feeds and emails, named in
the build log) or "keep".
"""

from __future__ import annotations

import email
import json
import logging
from email import policy

import pytest
from bs4 import BeautifulSoup
from conftest import article

from nextsale.newsletter import check
from nextsale.sanitise import (
    ImagePolicy,
    remove_third_party_images,
    sanitise,
    site_hosts,
    third_party_images,
)

SITE = "https://thenextsale.example"
OWN = site_hosts(SITE)
PIXEL = "https://pixel.example/open.gif?id=42"
HOTLINK = "https://cdn.example/chart.png"
INTRO_PIXEL = "https://mailtrack.example/o.gif"

BODY = f"""A post about repeat business with a chart of our own.

![Repeat purchases by month](/images/repeat-purchase-curve.svg)

And one from elsewhere: ![A borrowed chart]({HOTLINK})

<img src="{PIXEL}" alt="" width="1" height="1">
"""
INTRO = f"""Hello again, here is the news.

<img src="{INTRO_PIXEL}" alt="" width="1" height="1">
"""
ISSUE = (
    "Subject: Pixels\nDate: 2025-03-03 07:00\nArticles: since-previous\n"
    "Preheader: What this issue holds.\n\n" + INTRO
)
FILES = {
    "articles/pixels.md": article(
        "Charts and pixels", BODY, slug="pixels", date="2025-01-06 08:00", tags="trust"
    ),
    "images/repeat-purchase-curve.svg": (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><title>curve</title></svg>'
    ),
    "newsletter/001-pixels.md": ISSUE,
}
FOREIGN = (PIXEL.split("?", maxsplit=1)[0], HOTLINK, INTRO_PIXEL)
EMAIL_FILES = ("email.html", "email.txt", "issue.eml")


def build(build_site, mode: str | None):
    overrides = {} if mode is None else {"THIRD_PARTY_IMAGES": mode}
    return build_site(FILES, **overrides)


def outputs(site) -> dict[str, str]:
    """Every feed and email file, decoded as its reader sees it."""
    found = {}
    for path in site.files():
        rel = path.relative_to(site.output).as_posix()
        if path.suffix == ".eml":
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            found[rel] = "\n".join(p.get_content() for p in message.walk() if not p.is_multipart())
            continue
        feed_or_text = path.suffix in (".xml", ".json", ".txt")
        if path.name == "email.html" or (
            rel.startswith(("feeds/", "newsletter/")) and feed_or_text
        ):
            found[rel] = path.read_text(encoding="utf-8")
    return found


def info(site) -> str:
    return "\n".join(site.messages(logging.INFO))


def run_check(site, capsys, *extra: str) -> tuple[int, str]:
    capsys.readouterr()
    code = check.main([str(site.output), "--site-url", SITE, *extra])
    return code, capsys.readouterr().out


# --- the core -----------------------------------------------------------------------------


def test_third_party_images_are_found_by_host():
    html = sanitise(
        '<img src="https://thenextsale.example/a.png" alt="own">'
        '<img src="/b.png" alt="relative">'
        '<img src="//pixel.example/p.gif" alt="">'
        '<img src="https://thenextsale.example/c.png" alt="c" '
        'srcset="https://thenextsale.example/c2.png 2x, https://cdn.example/c3.png 3x">'
        '<p>Text about src="https://text.example/x.png"</p>',
        "feed",
    )
    assert third_party_images(html, OWN) == ["//pixel.example/p.gif", "https://cdn.example/c3.png"]
    kept, removed = remove_third_party_images(html, OWN)
    assert removed == ["//pixel.example/p.gif", "https://cdn.example/c3.png"]
    assert "pixel.example" not in kept and "cdn.example" not in kept
    assert 'srcset="https://thenextsale.example/c2.png 2x"' in kept
    for own in ("a.png", "/b.png", "c.png"):
        assert own in kept
    assert remove_third_party_images(kept, OWN) == (kept, [])


@pytest.mark.parametrize("mode", ["report", "remove", "keep"])
def test_the_policy_object_notes_or_removes(mode):
    images = ImagePolicy(mode, OWN)
    out = images.apply(f'<p>x</p><img src="{PIXEL}" alt="">')
    assert (PIXEL in out) == (mode != "remove")
    assert images.found == ([] if mode == "keep" else [PIXEL])


def test_a_misspelt_policy_stops_the_build_naming_the_setting(build_site):
    with pytest.raises(ValueError, match="THIRD_PARTY_IMAGES must be 'report', 'remove' or 'keep'"):
        build(build_site, "drop")


# --- each value, in a real build ------------------------------------------------------


def test_report_is_the_default_and_the_presend_check_names_each_image(build_site, capsys):
    site = build(build_site, None)
    files = outputs(site)
    for url in (PIXEL.replace("&", "&amp;"), HOTLINK):
        assert any(url in text for rel, text in files.items() if rel.startswith("feeds/")), url
    assert INTRO_PIXEL in files["newsletter/feed.rss.xml"]
    email_html = files["newsletter/001-pixels/email.html"]
    assert all(url in email_html for url in (PIXEL.replace("&", "&amp;"), HOTLINK, INTRO_PIXEL))
    log = info(site)
    assert f"articles/pixels.md: third-party image {PIXEL}" in log
    assert f"newsletter/001-pixels.md: third-party image {INTRO_PIXEL}" in log
    code, out = run_check(site, capsys)
    assert code == 1
    for url in (PIXEL, HOTLINK, INTRO_PIXEL):
        assert f"newsletter/001-pixels/email.html: third-party image {url}" in out, out
    assert "it tells pixel.example who opens the email" in out


def test_remove_drops_them_from_feeds_and_emails_and_says_so(build_site, capsys):
    site = build(build_site, "remove")
    files = outputs(site)
    assert {"feeds/all.atom.xml", "feeds/all.json", "newsletter/feed.rss.xml"} <= set(files)
    assert {f"newsletter/001-pixels/{name}" for name in EMAIL_FILES} <= set(files)
    for rel, text in files.items():
        for url in FOREIGN:
            assert url not in text, (rel, url)
    # The site's own image and the words around the removed ones stay.
    feed = json.loads(files["feeds/all.json"])
    content = BeautifulSoup(feed["items"][0]["content_html"], "html.parser")
    assert [img["src"] for img in content.find_all("img")] == [
        f"{SITE}/images/repeat-purchase-curve.svg"
    ]
    assert "And one from elsewhere:" in content.text
    email_html = BeautifulSoup(files["newsletter/001-pixels/email.html"], "html.parser")
    assert [img["src"] for img in email_html.find_all("img")] == [
        f"{SITE}/images/repeat-purchase-curve.svg"
    ]
    assert "Hello again, here is the news." in email_html.text
    log = info(site)
    assert f"feeds: articles/pixels.md: removed the third-party image {PIXEL}" in log
    assert (
        f"newsletter/001-pixels.md: removed the third-party image {INTRO_PIXEL} from the email"
        in log
    )
    code, out = run_check(site, capsys, "--third-party-images", "remove")
    assert "third-party image" not in out and code == 0, out


def test_keep_leaves_them_and_the_presend_check_quiet(build_site, capsys, tmp_path):
    site = build(build_site, "keep")
    files = outputs(site)
    assert PIXEL in files["feeds/all.json"] and HOTLINK in files["feeds/all.json"]
    assert INTRO_PIXEL in files["newsletter/001-pixels/email.html"]
    assert INTRO_PIXEL in files["newsletter/feed.rss.xml"]
    assert "third-party image" not in info(site)
    # Kept images load where the email is read: its policy lets https images in.
    soup = BeautifulSoup(files["newsletter/001-pixels/email.html"], "html.parser")
    csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert "https:" in next(d for d in csp.split(";") if d.strip().startswith("img-src")).split()
    # The pre-send check follows the settings file, or its own option. (A pixel's empty alt
    # text is a finding of its own, whatever the policy.)
    settings = tmp_path / "keepconf.py"
    settings.write_text(f'SITE_CANONICAL_URL = "{SITE}"\nTHIRD_PARTY_IMAGES = "keep"\n')
    capsys.readouterr()
    check.main([str(site.output), "--settings", str(settings)])
    out = capsys.readouterr().out
    assert "third-party image" not in out and "empty alt text" in out, out
    _, out = run_check(site, capsys, "--third-party-images", "keep")
    assert "third-party image" not in out and "empty alt text" in out, out
    code, out = run_check(site, capsys, "--third-party-images", "report")
    assert code == 1 and f"third-party image {INTRO_PIXEL}" in out


def test_the_sample_site_has_none(published_sample_site, capsys):
    site = published_sample_site
    assert "third-party image" not in info(site)
    capsys.readouterr()
    assert check.main([str(site.output), "--site-url", SITE]) == 0, capsys.readouterr().out

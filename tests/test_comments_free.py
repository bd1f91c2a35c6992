"""The comments-free plugin: refused settings and build-time cruft cleaning."""

from __future__ import annotations

import pytest

from nextsale.comments import REFUSED_PREFIXES, REFUSED_SETTINGS, CommentSettingError
from nextsale.cruft.clean import clean_html
from nextsale.cruft.rules import CruftSettingError, compile_rules
from tests.conftest import ROOT, article, run_pelican

POST = {"articles/post.md": article("A plain post")}


@pytest.mark.parametrize(
    "name",
    [*REFUSED_SETTINGS, "FB_COMMENTS_APP_ID", "COMMENTS_ENABLED", "COMMENT_SYSTEM"],
)
def test_each_comment_setting_stops_the_build_with_a_clear_message(build_site, name):
    with pytest.raises(CommentSettingError) as caught:
        build_site(POST, **{name: "something"})
    message = str(caught.value)
    assert name in message
    assert "comments-free by design" in message
    assert "QUESTIONS_EMAIL" in message
    assert "\n" not in message


def test_error_is_a_value_error_listing_every_offending_setting(build_site):
    with pytest.raises(ValueError, match="DISQUS_SECRET_KEY, DISQUS_SITENAME"):
        build_site(POST, DISQUS_SITENAME="shop", DISQUS_SECRET_KEY="x")


def test_empty_or_false_comment_settings_are_harmless(build_site):
    site = build_site(POST, DISQUS_SITENAME="", COMMENTS_ENABLED=False, ISSO_URL=None)
    heading = site.soup("2024/a-plain-post/index.html").find("h1")
    assert heading.get_text() == "A plain post"


def test_readme_lists_every_refused_name():
    text = (ROOT / "plugins/comments_free/README.md").read_text(encoding="utf-8")
    for name in (*REFUSED_SETTINGS, *REFUSED_PREFIXES):
        assert f"`{name}" in text, name


# --- build-time cleaning ------------------------------------------------------------

PASTED = """\
Most readers never comment, and that is fine: they answer with their next order.

Comments from customers are the best market research you will ever get.

Leave a Reply

No comments:

Share this:

For more Customer Loyalty advice, click here.

Get the checklist [here](https://bit.ly/3xAmpLe) before Friday.

Entries and comments feeds. Valid XHTML and CSS. ^Top^
This Site Is Brought To You By Harbour Street Consulting
17 queries. 0.214 seconds.
"""
LEGIT = (
    "Most readers never comment, and that is fine: they answer with their next order.",
    "Comments from customers are the best market research you will ever get.",
    "Get the checklist here before Friday.",
)
CRUFT = (
    "Leave a Reply",
    "No comments",
    "Share this",
    "click here",
    "bit.ly",
    "Entries and comments feeds",
    "Brought To You By",
    "queries",
)
PAGE = "2024/pasted-from-an-old-blog/index.html"


def content_text(site, rel: str) -> str:
    return " ".join(site.soup(rel).select_one(".content").get_text(" ").split())


def test_build_removes_pasted_cruft_and_keeps_sentences_about_comments(build_site):
    site = build_site({"articles/pasted.md": article("Pasted from an old blog", PASTED)})
    text = content_text(site, PAGE)
    for sentence in LEGIT:
        assert sentence in text
    for cruft in CRUFT:
        assert cruft not in text, cruft
    assert site.soup(PAGE).select_one(".content").find("a", href=True) is None
    listing = site.text("index.html")
    assert "Leave a Reply" not in listing and "No comments:" not in listing
    warnings = [m for m in site.messages() if "pasted.md" in m]
    assert any("reply-prompt" in m and "Leave a Reply" in m for m in warnings)
    assert any("tracking-shortlink" in m for m in warnings)
    assert any("engine-footer" in m and "17 queries" in m for m in warnings)


def test_clean_articles_are_left_byte_for_byte_alone(build_site):
    body = "A thank-you note after the second order costs little and is remembered."
    site = build_site({"articles/clean.md": article("Clean", body)})
    assert not [m for m in site.messages() if "removed" in m]
    assert f"<p>{body}</p>" in site.text("2024/clean/index.html")


def test_settings_turn_rules_off_add_patterns_and_hosts(build_site):
    body = (
        "Share this:\n\nSponsored by Acme Tools\n\nNo comments:\n\n"
        "Read [the notes](https://go.example/x1) and [the guide](https://bit.ly/keep).\n"
    )
    site = build_site(
        {"articles/p.md": article("Settings at work", body)},
        CRUFT_DISABLED_RULES=["share-prompt"],
        CRUFT_EXTRA_PATTERNS=[r"sponsored by .{1,40}"],
        CRUFT_SHORTLINK_HOSTS=["go.example"],
    )
    content = site.soup("2024/settings-at-work/index.html").select_one(".content")
    text = content.get_text(" ")
    assert "Share this:" in text
    assert "Sponsored by" not in text and "No comments" not in text
    assert [a["href"] for a in content.find_all("a")] == ["https://bit.ly/keep"]


@pytest.mark.parametrize(
    ("setting", "value", "phrase"),
    [
        ("CRUFT_DISABLED_RULES", ["share-promt"], "unknown rule(s) share-promt"),
        ("CRUFT_EXTRA_PATTERNS", ["sponsored (by"], "not a valid regular expression"),
        ("CRUFT_SHORTLINK_HOSTS", "bit.ly", "must be a list of strings"),
    ],
)
def test_bad_cruft_settings_fail_with_the_setting_named(build_site, setting, value, phrase):
    with pytest.raises(CruftSettingError) as caught:
        build_site(POST, **{setting: value})
    assert setting in str(caught.value) and phrase in str(caught.value)


def test_cleaned_html_is_cached_with_the_reader_output(build_site):
    # Its own file name: Pelican's log filter drops a warning seen before.
    files = {"articles/cached.md": article("Pasted from an old blog", PASTED)}
    site = build_site(files, CACHE_CONTENT=True, LOAD_CONTENT_CACHE=True)
    assert any("reply-prompt" in m for m in site.messages())
    # Rebuild from the cache with the rule switched off: the cached reader
    # output is already clean, so the article is not read (or cleaned) again.
    settings = dict(site.settings, CRUFT_DISABLED_RULES=["reply-prompt"])
    run_pelican(settings)
    assert "Leave a Reply" not in content_text(site, PAGE)
    # Without the cache the same settings keep the line: the rule really is off.
    run_pelican(dict(settings, LOAD_CONTENT_CACHE=False))
    assert "Leave a Reply" in content_text(site, PAGE)


def test_author_bio_at_the_end_is_removed_only_there():
    rules = compile_rules({}, "Mara Ellison")
    html = (
        "<p>Mara Ellison is often asked why she answers every letter herself.</p>"
        "<p>The answer is that letters bring the next order.</p>"
        "<p>Thanks for reading, and write back.</p>"
        "<p>Mara Ellison runs a small consultancy for trade businesses.</p>"
    )
    cleaned, removed = clean_html(html, rules)
    assert [r.rule for r in removed] == ["author-bio"]
    assert "Mara Ellison is often asked" in cleaned
    assert "runs a small consultancy" not in cleaned


def test_empty_blocks_after_the_post_do_not_hide_its_last_paragraph():
    # A saved news page: the columnist's line, then empty ad slots.
    rules = compile_rules({}, "Laurie Oakes")
    html = (
        "<p>Memories of that grief would make anyone sit up and take notice.</p>"
        "<p><b>LAURIE OAKES IS THE NINE NETWORK POLITICAL EDITOR </b></p>"
        + '<div class="ad-block"></div>'
        * 4
    )
    cleaned, removed = clean_html(html, rules)
    assert [r.rule for r in removed] == ["author-bio"]
    assert "NINE NETWORK" not in cleaned and "take notice" in cleaned


def test_untriggered_html_is_returned_without_parsing():
    html = "<p>Plain words &amp; <em>nothing</em> to strip<br/></p>"
    cleaned, removed = clean_html(html, compile_rules({}))
    assert cleaned is html and removed == []


def test_builds_without_the_plugin_are_left_alone(build_site):
    # Handlers stay connected after earlier builds in this process.
    build_site(POST)
    site = build_site(
        {"articles/p.md": article("No plugin", "Leave a Reply\n\nA real sentence here.")},
        PLUGINS=[],
        DISQUS_SITENAME="shop",
    )
    assert "Leave a Reply" in content_text(site, "2024/no-plugin/index.html")

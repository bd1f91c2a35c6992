"""Signing up for the newsletter without JavaScript: the form, its policy, its fallback."""

from __future__ import annotations

import re

import pytest
from conftest import Site, article

from nextsale.newsletter.signup import SignupSettingError, load_signup

BUTTONDOWN = "https://buttondown.com/api/emails/embed-subscribe/nextsale"
MAILCHIMP = "https://example.us21.list-manage.com/subscribe/post?u=5a1b2c&id=9f8e7d"
LISTMONK = "https://lists.thenextsale.example/subscription/form"
KIT = "https://app.kit.com/forms/7654321/subscriptions"
LIST_UUID = "0f2a7c3e-51f4-4d6b-9b8e-3c1d2e4f5a6b"
FILES = {
    "articles/a.md": article(
        "Ask twice", slug="ask-twice", date="2024-03-01 09:00", tags="referrals"
    ),
    "pages/subscribe.md": "Title: Subscribe\nSlug: subscribe\nTemplate: subscribe\n\nHello.\n",
    "newsletter/001-one.md": "Subject: One\nDate: 2024-04-01\nArticles: since-previous\n\nHi.\n",
}
FORM_PAGES = (
    "2024/ask-twice/index.html",
    "subscribe/index.html",
    "newsletter/index.html",
    "newsletter/001-one/index.html",
    "tags/referrals/index.html",
)


def build(build_site, signup, **settings) -> Site:
    settings.setdefault("PLUGINS", ["feeds", "newsletter"])
    return build_site(FILES, NEWSLETTER_SIGNUP=signup, **settings)


def policy(site: Site, page: str) -> dict[str, str]:
    """A page's Content-Security-Policy, directive by directive."""
    meta = site.soup(page).find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    parts = (part.split(None, 1) for part in meta["content"].split(";") if part.strip())
    return dict(parts)


def posted_fields(form) -> list[tuple[str, str]]:
    """What the browser would send: every named control with its value."""
    return [(i["name"], i.get("value", "")) for i in form.find_all("input") if i.get("name")]


# ------------------------------------------------------------- a built site


def test_form_on_every_page_that_offers_it_posts_to_the_service(build_site):
    site = build(build_site, {"service": "buttondown", "action": BUTTONDOWN})
    for page in FORM_PAGES:
        form = site.soup(page).select_one("main form")
        assert form, page
        assert form["action"] == BUTTONDOWN and form["method"] == "post"
        email = form.find("input", type="email")
        assert email["name"] == "email" and email.has_attr("required")
        assert email["autocomplete"] == "email"
        label = form.find("label", attrs={"for": email["id"]})
        assert label.get_text(strip=True) == "Your email address"
        assert form.find("button", type="submit").get_text(strip=True) == "Subscribe"
        assert ("embed", "1") in posted_fields(form)
        # The page allows exactly this form's origin, and everything else is unchanged.
        csp = policy(site, page)
        assert csp["form-action"] == "https://buttondown.com", page
        assert csp["default-src"] == "'none'" and csp["connect-src"] == "'self'"
        assert "script-src" not in csp
    # A tag's page passes the tag to Buttondown, which files subscribers by tag name.
    tag_form = site.soup("tags/referrals/index.html").select_one("main form")
    assert ("tag", "referrals") in posted_fields(tag_form)
    assert ("tag", "referrals") not in posted_fields(site.soup(FORM_PAGES[0]).form)
    # Pages without the form keep submitting nothing anywhere.
    assert not site.soup("index.html").find("form")
    assert policy(site, "index.html")["form-action"] == "'none'"


def test_kit_form_sits_in_the_article_footer(build_site):
    guide = "Title: The guide\nSlug: guide\n\nThe guide.\n"
    site = build_site(
        {**FILES, "pages/guide.md": guide},
        PLUGINS=["feeds", "newsletter"],
        NEWSLETTER_SIGNUP={"service": "kit", "action": KIT},
    )
    footer = site.soup("2024/ask-twice/index.html").select_one("main .post-footer")
    order = [child["class"][0] for child in footer.find_all(recursive=False) if child.get("class")]
    assert order.index("signup") < order.index("questions")
    form = footer.select_one(".signup form")
    assert [name for name, _ in posted_fields(form)] == ["email_address"]


def test_without_an_endpoint_readers_sign_up_by_email(build_site):
    site = build(build_site, None, NEWSLETTER_FROM="The Next Sale <letters@thenextsale.example>")
    for page in FORM_PAGES:
        soup = site.soup(page)
        assert not soup.find("form"), page
        block = soup.select_one("main .signup")
        link = block.find("a", href=re.compile("^mailto:"))
        assert link["href"] == "mailto:letters@thenextsale.example?subject=subscribe"
        assert "write to letters@thenextsale.example with the subject “subscribe”" in (
            " ".join(block.get_text(" ").split())
        )
        assert policy(site, page)["form-action"] == "'none'"


def test_the_mailto_address_can_be_its_own(build_site):
    site = build(build_site, {"service": "buttondown", "mailto": "join@thenextsale.example"})
    link = site.soup("subscribe/index.html").select_one(".signup a")
    assert link["href"] == "mailto:join@thenextsale.example?subject=subscribe"


def test_subscribe_page_puts_the_newsletter_first_then_feeds_then_folded_groups(sample_site):
    main = sample_site.soup("subscribe/index.html").find("main")
    headings = [h.get_text(strip=True) for h in main.find_all("h2")]
    assert headings[:3] == [
        "The newsletter by email",
        "Every post in a feed reader",
        "One topic or tag",
    ]
    site_feeds = main.find(id="site-feeds").find_parent("section")
    assert [a.get_text(" ", strip=True) for a in site_feeds.find_all("a")] == [
        "Atom feed",
        "RSS feed",
        "JSON Feed feed",
        "RSS feed",
    ]
    groups = main.find(id="narrow-feeds").find_parent("section").find_all("details")
    names = [g.summary.get_text(strip=True) for g in groups]
    assert "Retention" in names and names[-1] == "Categories"
    retention = groups[names.index("Retention")]
    rows = [li.get_text(" ", strip=True).split(":")[0] for li in retention.find_all("li")]
    assert rows[0] == "All of Retention" and "Repeat business" in rows
    # Plain names, never slugs or full feed titles.
    assert "repeat-business" not in " ".join(rows) and "The Next Sale:" not in retention.get_text()
    assert all(len(li.find_all("a")) == 2 for li in retention.find_all("li"))


def test_a_real_favicon_is_linked_from_every_page(sample_site):
    icon = sample_site.path("theme/images/favicon.svg")
    svg = icon.read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "<script" not in svg and "<title>" in svg
    for page in sample_site.output.rglob("*.html"):
        soup = sample_site.soup(page.relative_to(sample_site.output).as_posix())
        if not soup.find("link", rel="stylesheet"):
            continue  # an email, not a site page
        link = soup.find("link", rel="icon")
        assert link and link["type"] == "image/svg+xml", page
        href = link["href"]
        base = sample_site.output if href.startswith("/") else page.parent
        assert (base / href.lstrip("/")).resolve() == icon.resolve(), page


def test_guidance_band_says_its_piece_once_and_related_reading_stands_apart(sample_site):
    footer = sample_site.soup("2019/second-sale-is-the-real-sale/index.html").select_one(
        "main .post-footer"
    )
    order = [child["class"][0] for child in footer.find_all(recursive=False)]
    assert order == ["guidance", "signup", "related", "questions"]
    band = footer.select_one("aside.guidance")
    assert not band.find("ul") and "Related reading" not in band.get_text()
    related = footer.select_one("nav.related")
    assert related.h2.get_text(strip=True) == "Related reading"
    guide = band.find("a")["href"]
    assert guide not in [a["href"] for a in related.find_all("a")]
    text = " ".join(footer.get_text(" ").split())
    assert text.count("Keep them coming back") == 1


def test_the_chart_has_its_size_and_a_dark_palette(sample_site):
    page = sample_site.soup("2019/napkin-maths-for-lifetime-value/index.html")
    chart = page.find("img", src=re.compile("repeat-purchase-curve.svg$"))
    assert (chart["width"], chart["height"]) == ("400", "250")
    svg = sample_site.path("images/repeat-purchase-curve.svg").read_text(encoding="utf-8")
    assert "prefers-color-scheme:dark" in svg.replace(" ", "")


# ---------------------------------------------------------- each service


def shape(signup: dict, tag=None) -> tuple[str, list[tuple[str, str]], str | None]:
    form = load_signup({"NEWSLETTER_SIGNUP": signup}, "letters@thenextsale.example")
    return form.email_field, form.fields(tag), form.honeypot


def test_mailchimp_shape_with_its_bot_trap_and_tag_ids():
    spec = {"service": "mailchimp", "action": MAILCHIMP, "segments": {"referrals": "2047"}}
    assert shape(spec) == ("EMAIL", [], "b_5a1b2c_9f8e7d")
    assert shape(spec, "referrals")[1] == [("tags", "2047")]
    assert shape(spec, "pricing")[1] == []  # a tag without an id joins the whole list


def test_listmonk_shape_joins_its_lists_and_a_tag_adds_one():
    spec = {
        "service": "listmonk",
        "action": LISTMONK,
        "lists": [LIST_UUID],
        "segments": {"referrals": "7d1e0c55-0a34-4c59-8f1e-2b3c4d5e6f70"},
    }
    assert shape(spec) == ("email", [("l", LIST_UUID)], "nonce")
    assert shape(spec, "referrals")[1][-1] == ("l", "7d1e0c55-0a34-4c59-8f1e-2b3c4d5e6f70")


def test_kit_and_custom_shapes():
    assert shape({"service": "kit", "action": KIT}) == ("email_address", [], None)
    custom = {
        "service": "custom",
        "action": "https://forms.example.net/join",
        "email_field": "address",
        "hidden": {"source": "site"},
    }
    assert shape(custom) == ("address", [("source", "site")], None)


def test_policy_replaces_only_form_action():
    form = load_signup({"NEWSLETTER_SIGNUP": {"service": "kit", "action": KIT}}, "a@b.example")
    site = "default-src 'none'; img-src 'self'; form-action 'none'"
    assert (
        form.policy(site) == "default-src 'none'; img-src 'self'; form-action https://app.kit.com"
    )
    fallback = load_signup({}, "a@b.example")
    assert fallback.action is None and fallback.policy(site) == site


@pytest.mark.parametrize(
    ("signup", "named"),
    [
        ({"service": "buttondown", "action": "http://buttondown.com/x"}, "https://"),
        ({"service": "mailman", "action": BUTTONDOWN}, "'service' must be one of"),
        (
            {"service": "mailchimp", "action": "https://x.list-manage.com/subscribe/post"},
            "u= and id=",
        ),
        ({"service": "listmonk", "action": LISTMONK}, "'lists'"),
        ({"service": "kit", "action": KIT, "segments": {"a": "b"}}, "segment_field"),
        ({"service": "kit", "action": KIT, "form": "x"}, "unknown keys form"),
        ({"mailto": "not an address"}, "'mailto'"),
        ("buttondown", "must be a dict"),
    ],
)
def test_bad_settings_say_what_to_write(signup, named):
    with pytest.raises(SignupSettingError, match=re.escape(named)) as caught:
        load_signup({"NEWSLETTER_SIGNUP": signup}, "letters@thenextsale.example")
    assert "NEWSLETTER_SIGNUP" in str(caught.value) and "README" in str(caught.value)


def test_a_bad_setting_stops_the_build(build_site):
    with pytest.raises(ValueError, match="NEWSLETTER_SIGNUP"):
        build(build_site, {"service": "mailman", "action": BUTTONDOWN})

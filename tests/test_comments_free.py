"""The comments-free plugin: refused settings and build-time cruft cleaning."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import article

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "plugins"))
# Same module object Pelican loads (it reuses sys.modules), so the
# exception class raised during the build is the one imported here.
from comments_free import CommentSettingError  # noqa: E402
from comments_free.comments_free import REFUSED_PREFIXES, REFUSED_SETTINGS  # noqa: E402

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
    assert site.soup("2024/a-plain-post/index.html").find("h1").get_text() == "A plain post"


def test_readme_lists_every_refused_name():
    readme = (Path(__file__).resolve().parent.parent / "plugins/comments_free/README.md")
    text = readme.read_text(encoding="utf-8")
    for name in (*REFUSED_SETTINGS, *REFUSED_PREFIXES):
        assert f"`{name}" in text, name

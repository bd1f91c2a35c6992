"""Freezing URLs must not change a single byte of the site."""

from __future__ import annotations

from conftest import article, tree_differences

FILES = {
    "articles/one.md": article(
        "One", "See [two]({filename}/articles/two.md).", tags="trust", slug="one"
    ),
    "articles/two.md": article(
        "Two",
        "Back to [one]({filename}/articles/one.md).",
        category="Referrals",
        date="2024-04-01",
        slug="two",
    ),
    "articles/draft.md": article("Draft", "Soon.", status="draft", slug="draft"),
    "pages/about.md": "Title: About\nSlug: about\n\nAbout us.\n",
}


def test_frozen_urls_build_the_same_site(build_site):
    from conftest import ROOT
    from pelican.settings import read_settings

    plugins = read_settings(str(ROOT / "pelicanconf.py"))["PLUGINS"]
    without = build_site(FILES, PLUGINS=[p for p in plugins if p != "frozen_urls"])
    frozen = build_site(FILES, PLUGINS=plugins)
    assert "frozen_urls" in plugins
    assert tree_differences(without.output, frozen.output) == []
    assert (frozen.output / "drafts" / "draft" / "index.html").exists()

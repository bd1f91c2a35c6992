"""An incremental build renders only what changed and gives the site a full build gives."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest
from conftest import (
    ROOT,
    _disconnect_new_receivers,
    _pelican_signals,
    article,
    tree_differences,
    write_files,
)

from nextsale import build as sitebuild
from nextsale import compat

FILES = {
    f"articles/post-{n:02d}.md": article(
        f"Post {n}",
        f"Body of post {n}. See [the first]({{filename}}/articles/post-00.md).",
        date=f"2023-01-{n + 1:02d} 08:00",
        tags="follow-up, trust",
        slug=f"post-{n:02d}",
        summary=f"Summary {n}.",
    )
    for n in range(10)
}


def build(content, output, cache, theme=ROOT / "theme"):
    before = {signal: set(signal.receivers) for signal in _pelican_signals()}
    try:
        result = sitebuild.build(
            ROOT / "pelicanconf.py",
            output,
            content=content,
            overrides={
                "CACHE_PATH": str(cache),
                "THEME": str(theme),
                "PLUGIN_PATHS": [str(ROOT / "plugins")],
                "LOAD_CONTENT_CACHE": True,
                "CACHE_CONTENT": True,
            },
        )
    finally:
        _disconnect_new_receivers(before)
    assert result.ok, result.failed
    return result


@pytest.fixture
def site(tmp_path):
    content = tmp_path / "content"
    write_files(content, FILES)
    output, cache = tmp_path / "output", tmp_path / "cache"
    build(content, output, cache)
    return content, output, cache, tmp_path


def fresh(tmp_path, content, name="fresh"):
    folder = tmp_path / name
    build(content, folder / "output", folder / "cache")
    return folder / "output"


def test_body_edit_renders_one_page_and_matches_a_full_build(site, caplog):
    content, output, cache, tmp_path = site
    untouched = output / "2023" / "post-05" / "index.html"
    inode = untouched.stat().st_ino
    (content / "articles" / "post-03.md").write_text(
        FILES["articles/post-03.md"] + "\nAn edited closing line.\n", encoding="utf-8"
    )
    caplog.set_level("INFO")
    build(content, output, cache)
    assert "rendering only 1 changed" in caplog.text
    assert "An edited closing line." in (output / "2023" / "post-03" / "index.html").read_text()
    assert untouched.stat().st_ino == inode  # linked from the previous build, not rendered
    assert tree_differences(output, fresh(tmp_path, content)) == []


@pytest.mark.parametrize("change", ["title", "new article", "removed article", "taxonomy"])
def test_listing_changes_render_everything(site, caplog, change):
    content, output, cache, tmp_path = site
    if change == "title":
        (content / "articles" / "post-03.md").write_text(
            FILES["articles/post-03.md"].replace("Title: Post 3", "Title: Post three"),
            encoding="utf-8",
        )
    elif change == "new article":
        write_files(
            content,
            {"articles/new.md": article("New", "New body.", slug="new", date="2023-02-01")},
        )
    elif change == "removed article":
        (content / "articles" / "post-07.md").unlink()
    else:
        (content / "taxonomy.toml").write_text("", encoding="utf-8")
    caplog.set_level("INFO")
    build(content, output, cache)
    assert "rendering everything" in caplog.text
    assert tree_differences(output, fresh(tmp_path, content)) == []


def test_template_change_renders_everything(site, caplog):
    content, output, cache, tmp_path = site
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    build(content, output, cache, theme=theme)  # the copy has other file dates
    page = theme / "templates" / "article.html"
    page.write_text(
        page.read_text(encoding="utf-8").replace("</article>", "<p>Theme edit.</p></article>", 1),
        encoding="utf-8",
    )
    caplog.set_level("INFO")
    build(content, output, cache, theme=theme)
    assert "rendering everything" in caplog.text
    assert "Theme edit." in (output / "2023" / "post-05" / "index.html").read_text()


def test_sample_site_edit_matches_a_full_build(tmp_path, caplog):
    """The real content: an article the first newsletter issue carries is edited."""
    content, output, cache = (
        tmp_path / "content",
        tmp_path / "output",
        tmp_path / "cache",
    )
    shutil.copytree(ROOT / "content", content)
    build(content, output, cache)
    issue = next((content / "newsletter").glob("001-*.md")).read_text(encoding="utf-8")
    edited = next(p for p in (content / "articles").glob("*.md") if p.stem in issue)
    edited.write_text(
        edited.read_text(encoding="utf-8") + "\nOne more thought.\n", encoding="utf-8"
    )
    caplog.set_level("INFO")
    build(content, output, cache)
    assert "rendering only 1 changed" in caplog.text
    assert tree_differences(output, fresh(tmp_path, content)) == []


def test_core_code_change_renders_everything(site, caplog, monkeypatch):
    import sys

    content, output, cache, tmp_path = site
    incremental = sys.modules["engine.incremental"]  # as Pelican loaded the plugin
    core = tmp_path / "core"
    shutil.copytree(incremental.CORE, core, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(incremental, "CORE", core)
    build(content, output, cache)  # the copy has other file dates
    caplog.set_level("INFO")
    build(content, output, cache)
    assert "rendering only" in caplog.text
    (core / "text.py").write_text("# edited\n", encoding="utf-8")
    caplog.clear()
    build(content, output, cache)
    assert "rendering everything" in caplog.text


def test_the_plan_sees_what_a_plugin_after_the_engine_changes(tmp_path, caplog):
    """A plugin placed after the engine may still change articles when every
    generator is done: the plan compares them only then, just before writing."""
    from pelican import signals

    from nextsale import compat

    def newest_words(generators) -> None:
        articles = [a for g in generators for a in getattr(g, "articles", ())]
        newest = max(articles, key=lambda a: a.date)
        words = len(compat.raw_content(newest).split())
        for each in articles:
            each.title = f"{each.metadata['title']} ({words} words in the newest post)"

    def after_the_engine(pelican) -> None:  # (plugins are registered by now)
        signals.all_generators_finalized.connect(newest_words)

    content = tmp_path / "content"
    write_files(content, FILES)
    output, cache = tmp_path / "output", tmp_path / "cache"
    signals.initialized.connect(after_the_engine)
    try:
        build(content, output, cache)
        newest = content / "articles" / "post-09.md"
        newest.write_text(FILES["articles/post-09.md"] + "\nThree more words.\n", encoding="utf-8")
        caplog.set_level("INFO")
        build(content, output, cache)
        assert "rendering only 1 changed" not in caplog.text
        assert tree_differences(output, fresh(tmp_path, content)) == []
    finally:
        signals.initialized.disconnect(after_the_engine)


def test_a_live_session_describes_each_source_as_a_fresh_look_does():
    """What a session keeps of each source's description (to skip digesting what did
    not change) never changes the answer: after each edit, the kept description is
    the one a build without a session works out."""
    from pelican.contents import Article
    from pelican.settings import DEFAULT_CONFIG
    from pelican.urlwrappers import Category, Tag

    from plugins.engine import incremental

    settings = {**DEFAULT_CONFIG, "PATH": "/site/content"}
    head = "Repeat buyers came back. " * 100  # past the 2,000 characters a listing shows
    post = Article(
        head + "The end.",
        {"title": "Second sale", "date": datetime(2024, 5, 1, 8, 0), "slug": "second-sale"},
        settings=settings,
        source_path="/site/content/articles/second-sale.md",
    )
    post.category = Category("Guides", settings)
    post.tags = [Tag("referrals", settings)]
    known: dict = {}
    path = "articles/second-sale.md"
    seen = []

    def look() -> tuple[str, str]:
        kept = incremental.describe(post, path, known)
        assert kept == incremental.describe(post, path, None)
        seen.append(kept)
        return kept

    def edit(**changes) -> tuple[str, str]:
        for name, value in changes.items():
            setattr(post, name, value)
        return look()

    first = look()
    assert look() == first  # nothing changed
    # The body changed past what a listing shows: the listing stays, the body does not.
    compat.replace_raw_content(post, head + "The very end.")
    past_head = look()
    assert past_head[0] == first[0] and past_head[1] != first[1]
    assert edit(title="The second sale")[0] != first[0]
    assert edit(date=datetime(2024, 5, 2, 8, 0, tzinfo=UTC))[0] != seen[-2][0]
    assert edit(tags=[Tag("referrals", settings), Tag("trust", settings)])[0] != seen[-2][0]
    assert edit(category=Category("Notes", settings))[0] != seen[-2][0]
    post.metadata["summary"] = "Why the second sale matters."
    with_summary = look()
    assert with_summary[0] != seen[-2][0]
    # With a summary of its own, the body's head is not what a listing shows.
    compat.replace_raw_content(post, "Another body. " + head)
    assert look()[0] == with_summary[0]

"""A live session keeps each unchanged article from one build to the next.

`plugins/engine/kept.py`: Pelican's loop makes again only the articles whose
files changed; every other article comes back as it was made, so every later
signal meets what a fresh read would have made, and the warnings logged while
its file was read are logged again. A plugin that must hear every file at read
time turns this off.
"""

from __future__ import annotations

import logging
from pathlib import Path

from conftest import _Collect, build_logs, tree_differences
from edited_site import clean_build
from pelican import signals
from pelican.contents import Article, Content

from nextsale.live import LiveSite
from nextsale.site import lasts_with_content


def rebuild(live: LiveSite) -> list[logging.LogRecord]:
    """Rebuild; return what the build logged from INFO up."""
    with build_logs(_Collect(), logging.INFO) as heard:
        assert live.rebuild().ok
    return heard.records


def kept_articles(live: LiveSite):
    (kept,) = [value for key, value in live.memory.items() if key[0] == "articles"]
    return kept


def test_a_rebuild_makes_only_the_changed_articles_and_equals_a_clean_build(edited_project):
    tmp_path, settings, content, _, overrides = edited_project
    made: list[str] = []

    @lasts_with_content
    def note(made_now) -> None:
        if isinstance(made_now, Article):
            made.append(Path(made_now.source_path).name)

    signals.content_object_init.connect(note)
    live = LiveSite(settings, tmp_path / "output", content=content, overrides=overrides)
    rebuild(live)
    articles = sorted((content / "articles").glob("*.md"))
    assert len(made) == len(articles)

    edited, gone = articles[2], articles[5]
    with edited.open("a", encoding="utf-8") as text:
        text.write("\nOne more line about the second order.\n")
    gone.unlink()
    made.clear()
    rebuild(live)
    assert made == [edited.name]
    assert len(kept_articles(live).cache) == len(articles) - 1
    clean = clean_build(settings, content, overrides, tmp_path / "clean")
    assert tree_differences(live.output, clean) == []


def test_later_handlers_meet_each_kept_article_as_it_was_made(edited_project):
    """A handler that changes articles after reading changes them once per build."""
    tmp_path, settings, content, _, overrides = edited_project

    def retitle(generator) -> None:
        for each in generator.articles:
            each.title += " (reviewed)"

    signals.article_generator_finalized.connect(retitle)
    live = LiveSite(settings, tmp_path / "output", content=content, overrides=overrides)
    rebuild(live)
    untouched = live.output / "2022" / "note-001" / "index.html"
    first = untouched.read_text(encoding="utf-8")
    assert "(reviewed)" in first
    with (content / "articles" / "note-002.md").open("a", encoding="utf-8") as text:
        text.write("\nA line about referrals.\n")
    rebuild(live)
    rebuild(live)
    again = untouched.read_text(encoding="utf-8")
    assert "(reviewed) (reviewed)" not in again
    assert again == first


def test_the_warnings_of_an_untouched_file_are_logged_again_in_order(edited_project):
    tmp_path, settings, content, _, overrides = edited_project
    for name in ("note-004.md", "note-009.md"):
        path = content / "articles" / name
        text = path.read_text(encoding="utf-8")
        path.write_text(
            "\n".join(line for line in text.split("\n") if not line.startswith("Category:")),
            encoding="utf-8",
        )
    live = LiveSite(settings, tmp_path / "output", content=content, overrides=overrides)

    def reading_warnings(records: list[logging.LogRecord]) -> list[str]:
        said = [r.getMessage() for r in records if r.levelno >= logging.WARNING]
        return [message for message in said if "Category" in message]

    first = reading_warnings(rebuild(live))
    named = sorted(Path(message.partition(":")[0]).name for message in first)
    assert named == ["note-004.md", "note-009.md"]
    with (content / "articles" / "note-006.md").open("a", encoding="utf-8") as text:
        text.write("\nA line about thank-you notes.\n")
    assert reading_warnings(rebuild(live)) == first
    assert len(kept_articles(live).cache) > 20


def test_a_plugin_that_hears_every_file_turns_keeping_off(edited_project):
    tmp_path, settings, content, _, overrides = edited_project
    heard_files: list[str] = []

    def count_words(made_now) -> None:  # not marked: it must hear every file
        if isinstance(made_now, Article):
            heard_files.append(made_now.source_path)

    signals.content_object_init.connect(count_words)
    live = LiveSite(settings, tmp_path / "output", content=content, overrides=overrides)
    messages = [record.getMessage() for record in rebuild(live)]
    articles = len(list((content / "articles").glob("*.md")))
    assert any(
        "making every article again in each build" in m
        and "count_words" in m
        and "content_object_init" in m
        for m in messages
    )
    heard_files.clear()
    with (content / "articles" / "note-003.md").open("a", encoding="utf-8") as text:
        text.write("\nA line about loyalty.\n")
    rebuild(live)
    assert len(heard_files) == articles
    assert not [key for key in live.memory if key[0] == "articles"]


def _link_a_price_list(content: Path, article: str) -> str:
    """Give `article` a {static} link to a file outside STATIC_PATHS, which Pelican
    copies only because an article links to it; return the file's output path."""
    (content / "extras").mkdir()
    (content / "extras" / "price-list.txt").write_text("Repeat orders: 5% off.\n", "utf-8")
    with (content / "articles" / article).open("a", encoding="utf-8") as text:
        text.write("\nThe [price list]({static}/extras/price-list.txt) for regulars.\n")
    return "extras/price-list.txt"


def test_a_kept_article_is_filed_and_links_its_static_files_without_asking_again(
    edited_project, monkeypatch
):
    """Where an article is filed and which static files it links are worked out when
    it is made; a kept article brings them back, and its static files are still copied."""
    tmp_path, settings, content, _, overrides = edited_project
    copied = _link_a_price_list(content, "note-001.md")
    asked: list[str] = []
    own = Content.get_static_links

    def noted(article):
        if isinstance(article, Article):
            asked.append(Path(article.source_path).name)
        return own(article)

    def edit() -> None:
        with (content / "articles" / "note-006.md").open("a", encoding="utf-8") as text:
            text.write("\nA line about lapsed customers.\n")

    live = LiveSite(settings, tmp_path / "output", content=content, overrides=overrides)
    rebuild(live)
    monkeypatch.setattr(Content, "get_static_links", noted)  # Pelican's, counted
    edit()
    rebuild(live)
    assert asked == ["note-006.md"]
    assert (live.output / copied).read_text("utf-8") == "Repeat orders: 5% off.\n"
    clean = clean_build(settings, content, overrides, tmp_path / "clean")
    assert (clean / copied).is_file()
    assert tree_differences(live.output, clean) == []

    asked.clear()

    def theirs(article):
        return noted(article)

    monkeypatch.setattr(Article, "get_static_links", theirs)  # a plugin's: it may answer
    edit()  # otherwise from one build to the next, so every article asks it
    rebuild(live)
    assert len(asked) == len(kept_articles(live).cache) > 20


def test_the_first_rebuild_works_out_no_url_of_a_kept_article_again(edited_project, monkeypatch):
    """A kept article keeps the tag, category and author objects of the build that
    made it, with that build's settings; its URLs are still answered from the
    session's URL memo, in the first rebuild as in every later one."""
    tmp_path, settings, content, _, overrides = edited_project
    worked_out: list[str] = []
    own = Content.get_url_setting

    def counted(made, key):
        if isinstance(made, Article):
            worked_out.append(Path(made.source_path).name)
        return own(made, key)

    monkeypatch.setattr(Content, "get_url_setting", counted)  # Pelican's, counted
    live = LiveSite(settings, tmp_path / "output", content=content, overrides=overrides)
    rebuild(live)
    assert "note-001.md" in worked_out
    for build in range(2):
        worked_out.clear()
        with (content / "articles" / "note-006.md").open("a", encoding="utf-8") as text:
            text.write(f"\nA line about lapsed customers, take {build}.\n")
        rebuild(live)
        assert set(worked_out) <= {"note-006.md"}, sorted(set(worked_out))[:5]
    clean = clean_build(settings, content, overrides, tmp_path / "clean")
    assert tree_differences(live.output, clean) == []

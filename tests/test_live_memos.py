"""What the checks keep between the builds of a live session never changes what they say.

A live session (`nextsale.live.LiveSite`) keeps answers from one build to the
next (`ENGINE_MEMORY`). Every warning a clean build of the same content logs
must still be logged by each rebuild, in the same order: a broken link or a
clashing address that an edit brings in is reported, one an edit fixes is no
longer reported, and one in a file nobody touched is reported again.
"""

from __future__ import annotations

import logging
import shutil
import sys
from datetime import UTC, datetime, timedelta, timezone

import pytest
from conftest import ROOT, article, build_logs, write_files

from nextsale import addresses
from nextsale import build as sitebuild
from nextsale.live import LiveSite

# The plugins whose messages are compared, by logger name.
SOURCES = ("content_checks", "redirects", "newsletter", "sitemap_xml")


def post(title: str, body: str, slug: str, **fields: str) -> str:
    return article(title, body, slug=slug, **fields)


FILES = {
    "articles/memo-a.md": post("Memo A", "See [B]({filename}/memo-b.md).", "memo-a"),
    # One old address gets a redirect page, the other is a real page of the site (a note).
    "articles/memo-b.md": post(
        "Memo B", "Plain words.", "memo-b", aliases="/old/b/, /2024/memo-c/"
    ),
    "articles/memo-c.md": post("Memo C", "See [gone]({filename}/missing-c.md).", "memo-c"),
    "articles/memo-d.md": post("Memo D", "Same address as A.", "memo-a"),
    "articles/memo-e.md": post(
        "Memo E", "Never edited: [gone]({filename}/missing-e.md).", "memo-e"
    ),
}
EDITS = {
    # A link breaks, another is fixed, a clash goes away.
    "articles/memo-a.md": post("Memo A", "See [gone]({filename}/missing-a.md).", "memo-a"),
    "articles/memo-c.md": post("Memo C", "See [B]({filename}/memo-b.md).", "memo-c"),
    "articles/memo-d.md": post("Memo D", "Its own address now.", "memo-d"),
}


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.said: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        # The redirects' notes (an old address taken by a real page) are at info level.
        shown = logging.INFO if record.name.startswith("redirects") else logging.WARNING
        if record.levelno >= shown and record.name.startswith(SOURCES):
            self.said.append((record.levelno, record.getMessage()))


def said(run) -> list[tuple[int, str]]:
    """The warnings of `SOURCES` that `run()` logs."""
    with build_logs(Collect(), logging.INFO) as handler:
        assert run().ok
    return handler.said


@pytest.fixture
def session(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    write_files(content, FILES)
    overrides = {"CACHE_PATH": str(tmp_path / "cache")}
    live = LiveSite(
        ROOT / "pelicanconf.py", tmp_path / "output", content=content, overrides=overrides
    )
    count = 0

    def clean() -> list[tuple[int, str]]:
        nonlocal count
        count += 1
        folder = tmp_path / f"clean{count}"
        return said(
            lambda: sitebuild.build(
                ROOT / "pelicanconf.py",
                folder / "output",
                content=content,
                overrides={"CACHE_PATH": str(folder / "cache")},
            )
        )

    return live, content, clean


def test_a_rebuild_says_what_a_clean_build_says(session, monkeypatch):
    live, content, clean = session
    first = said(live.rebuild)
    assert first == clean()
    text = "\n".join(message for _, message in first)
    assert "missing-c.md" in text and "missing-e.md" in text
    assert "memo-d.md: same address as" in text
    assert "its old address /2024/memo-c/ is 2024/memo-c/index.html" in text
    moved = live.output / "old" / "b" / "index.html"
    assert "memo-b/" in moved.read_text(encoding="utf-8")

    write_files(content, EDITS)
    second = said(live.rebuild)
    assert second == clean()
    text = "\n".join(message for _, message in second)
    assert "missing-a.md" in text and "missing-e.md" in text
    assert "missing-c.md" not in text
    assert "same address" not in text

    # Nothing changed: every text's links are known, and every warning is said again.
    checks = sys.modules["content_checks.link_checks"]
    scans = []
    monkeypatch.setattr(checks, "find_links", lambda *args: scans.append(args) or ())
    assert said(live.rebuild) == second
    assert scans == []


def test_only_the_answers_a_build_used_are_carried_into_the_next():
    from plugins.content_checks.memo import Answers, answers

    memory: dict = {}
    first = answers({"ENGINE_MEMORY": memory})
    assert first.slug_problem("ok") is None
    assert first.slug_problem("") is not None
    settings = {"ENGINE_MEMORY": memory}
    second = answers(settings)
    assert second is not first and answers(settings) is second
    assert second.slug_problem("") is not None
    third = answers({"ENGINE_MEMORY": memory})
    assert ("slug_problem", "") in third.kept and ("slug_problem", "ok") not in third.kept
    # Without a session nothing is kept between calls.
    assert isinstance(answers({}), Answers) and answers({}) is not answers({})


def test_a_content_is_clean_again_only_with_the_very_same_reads_on_the_same_basis():
    from plugins.content_checks.memo import answers

    class Content:
        pass

    memory: dict = {}
    post, other = Content(), Content()
    slug = "".join(["second", "-sale"])  # (a string of its own, equal to another)
    first = answers({"ENGINE_MEMORY": memory})
    first.clean_on("address", ("feeds/all.atom.xml",))
    first.note_clean("address", (post, slug, "2024/second-sale/index.html"), "kept")
    first.note_clean("address", (other, "other"), "kept too")

    second = answers({"ENGINE_MEMORY": memory})
    second.clean_on("address", ("feeds/all.atom.xml",))
    assert second.was_clean("address", (post, slug, "2024/second-sale/index.html")) == "kept"
    assert second.was_clean("address", (post, "second-sale", "2024/second-sale/index.html")) is None
    assert second.was_clean("address", (post, slug)) is None
    assert second.was_clean("tags", (post, slug, "2024/second-sale/index.html")) is None
    # `other` was not looked at in the second build: the third does not know it.
    third = answers({"ENGINE_MEMORY": memory})
    third.clean_on("address", ("feeds/all.atom.xml",))
    assert third.was_clean("address", (other, "other")) is None
    assert third.was_clean("address", (post, slug, "2024/second-sale/index.html")) == "kept"
    # Another basis (the site writes other files): nothing is clean any more.
    fourth = answers({"ENGINE_MEMORY": memory})
    fourth.clean_on("address", ("feeds/all.atom.xml", "second-sale/index.html"))
    assert fourth.was_clean("address", (post, slug, "2024/second-sale/index.html")) is None


def test_archive_paths_are_kept_by_everything_they_are_made_of():
    settings = {"YEAR_ARCHIVE_SAVE_AS": "{date:%Y}/", "DAY_ARCHIVE_SAVE_AS": "{date:%d %z %Z}/"}
    plus_two = timezone(timedelta(hours=2), "East")
    dates = [
        datetime(2024, 1, 1, 23, 30, tzinfo=UTC),
        datetime(2024, 1, 2, 1, 30, tzinfo=plus_two),  # the same moment
        datetime(2024, 1, 2, 1, 30, tzinfo=timezone(timedelta(hours=2), "Other")),
    ]
    memo: dict = {}
    plain = addresses.archive_outputs(settings, dates)
    assert addresses.archive_outputs(settings, dates, memo) == plain
    assert addresses.archive_outputs(settings, list(reversed(dates)), memo) == [
        plain[0],
        *reversed(plain[1:]),
    ]
    # One year page for the three posts; a day page for each date as it is written.
    assert [path for path, _ in plain] == [
        "2024/",
        "01 +0000 UTC/",
        "02 +0200 East/",
        "02 +0200 Other/",
    ]


def test_newsletter_renderings_are_kept_by_their_plain_arguments():
    from nextsale.newsletter.remembered import Remembered

    calls = []

    def render(text: str, *, when: datetime) -> str:
        calls.append(text)
        return f"{text} {when:%H:%M %Z}"

    memory: dict = {}
    at = datetime(2024, 1, 2, 9, 0, tzinfo=timezone(timedelta(hours=1), "A"))
    same_moment = datetime(2024, 1, 2, 9, 0, tzinfo=timezone(timedelta(hours=1), "B"))
    first = Remembered(memory)
    assert first.call(render, "x", when=at) == "x 09:00 A"
    assert first.call(render, "x", when=same_moment) == "x 09:00 B"
    first.keep()
    second = Remembered(memory)
    assert second.call(render, "x", when=at) == "x 09:00 A"
    assert calls == ["x", "x"]
    # Arguments that are not plain values are never kept by.
    assert second.call(lambda value: value, ["list"]) == ["list"]
    second.keep()
    assert len(memory[Remembered.KEY]) == 1
    # Without a session every call is made.
    Remembered(None).call(render, "x", when=at)
    assert calls == ["x", "x", "x"]


def test_later_pages_are_kept_by_everything_the_paginator_reads():
    from pelican.paginator import PaginationRule
    from pelican.settings import DEFAULT_CONFIG

    rules = [PaginationRule(*rule) for rule in DEFAULT_CONFIG["PAGINATION_PATTERNS"]]
    settings = dict(
        DEFAULT_CONFIG,
        PAGINATED_TEMPLATES={"tag": None},
        DEFAULT_PAGINATION=2,
        PAGINATION_PATTERNS=rules,
    )
    memo: dict = {}

    def pages(**changes) -> list[tuple[str, str]]:
        changed = {**settings, **changes}
        plain = addresses.paginated_outputs(changed, "tag", "tags/x/index.html", 5, "x")
        kept = addresses.paginated_outputs(changed, "tag", "tags/x/index.html", 5, "x", memo)
        assert kept == plain
        return kept

    assert [path for path, _ in pages()] == ["tags/x/index2.html", "tags/x/index3.html"]
    assert len(pages(DEFAULT_ORPHANS=1)) == 1
    assert len(pages(DEFAULT_PAGINATION=1)) == 4
    rules = [
        PaginationRule(1, "{url}", "{save_as}"),
        PaginationRule(2, "p/{number}/", "p/{number}.html"),
    ]
    assert [path for path, _ in pages(PAGINATION_PATTERNS=rules)] == ["p/2.html", "p/3.html"]
    assert len(memo) == 4


def test_an_article_moved_by_the_tag_checks_is_compared_at_its_new_address(build_site):
    long_name = "Retention " * 25  # too long to be an address: filed under the default
    files = {
        "articles/a.md": article("First", slug="same", category=long_name),
        "articles/b.md": article("Second", slug="same", category="misc"),
    }
    site = build_site(
        files,
        PLUGINS=["content_checks"],
        ARTICLE_URL="{category}/{slug}.html",
        ARTICLE_SAVE_AS="{category}/{slug}.html",
        DEFAULT_CATEGORY="misc",
    )
    said = "\n".join(site.messages(source=("content_checks",)))
    assert "b.md: same address as" in said
    assert "both would be written to misc/same.html" in said


UNTOUCHED = {
    "articles/keep-a.md": post("Keep A", "Plain words.", "keep-a", tags="C sales"),
    "articles/keep-b.md": post(
        "Keep B", "See ![a curve]({static}/images/repeat-purchase-curve.svg).", "keep-b"
    ),
    "articles/keep-c.md": post("Keep C", "Never edited.", "keep-c", tags="C sales"),
    "articles/keep-z.md": post("Keep Z", "Never edited either.", "keep-z"),
    # Never edited, and reported in every build: its Save_as: leaves the output folder.
    "articles/keep-y.md": (
        "Title: Keep Y\nDate: 2024-03-01 09:00\nCategory: Retention\nSlug: keep-y\n"
        "Save_as: ../keep-y.html\n\nWords.\n"
    ),
}


def test_what_other_files_do_to_an_untouched_article_is_found_in_every_rebuild(
    session, monkeypatch
):
    """An article the last build found nothing wrong with is not checked again on its
    own, but another file's edit can still drop it, break its links or clash with
    its tags, and the rebuild says so as a clean build does."""
    live, content, clean = session
    write_files(content, UNTOUCHED)
    first = said(live.rebuild)
    assert first == clean()
    mentioned = [message for _, message in first if "keep-" in message]
    assert len(mentioned) == 1 and "keep-y.md: Save_as: '../keep-y.html'" in mentioned[0]

    # An edit takes the address of an untouched article that comes later.
    write_files(content, {"articles/keep-a.md": post("Keep A", "Moved.", "keep-z")})
    taken = said(live.rebuild)
    assert taken == clean()
    assert any("keep-z.md: same address as" in message for _, message in taken)
    page = (live.output / "2024" / "keep-z" / "index.html").read_text(encoding="utf-8")
    assert "Moved." in page and "Never edited either." not in page

    # The image an untouched article shows is removed.
    (content / "images" / "repeat-purchase-curve.svg").unlink()
    broken = said(live.rebuild)
    assert broken == clean()
    assert any("keep-b.md:6: link {static}" in message for _, message in broken)

    # An edit spells an untouched article's tag another way, at the same address.
    write_files(
        content, {"articles/keep-a.md": post("Keep A", "Moved.", "keep-a", tags="C++ sales")}
    )
    spelt = said(live.rebuild)
    assert spelt == clean()
    assert any("the tag 'C++ sales' has the same address" in m for _, m in spelt)

    # Nothing changed: no kept article is checked on its own again (pages are made
    # afresh in every build, so they are).
    checks = sys.modules["content_checks.content_checks"]
    looked_at = []
    outside = checks.outside_sources
    monkeypatch.setattr(
        checks,
        "outside_sources",
        lambda items, settings: outside(looked_at.extend(items) or items, settings),
    )
    again = said(live.rebuild)
    assert again == spelt and any("keep-y.md: Save_as:" in message for _, message in again)
    assert looked_at and not [item for item in looked_at if "/articles/" in item.source_path]

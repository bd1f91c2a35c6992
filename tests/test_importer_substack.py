"""Substack exports: posts.csv with the HTML body of each post in posts/."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from nextsale.importer import substack
from nextsale.importer.model import FileReport, ImportFailure
from nextsale.importer.writer import write_post
from tests.conftest import FIXTURES

EXPORT = FIXTURES / "import-substack" / "export"  # Ghost's migration tool's real fixture
SETTINGS = {"AUTHOR": "Dana Seller"}


def read(path: Path, settings: dict | None = None) -> tuple[dict, Counter]:
    counts: Counter = Counter()
    posts = {p.ident: p for p in substack.iter_posts(path, settings or SETTINGS, counts)}
    return posts, counts


def copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXPORT, tmp_path / "export"))


def test_folder_csv_and_fragment_are_recognised():
    assert substack.looks_like(EXPORT)
    assert substack.looks_like(EXPORT / "posts.csv")
    assert substack.looks_like(EXPORT / "posts" / "123402.podcast.html")
    assert substack.looks_like(EXPORT / "posts")
    assert not substack.looks_like(FIXTURES / "import-ghost" / "ghost.json")
    assert not substack.looks_like(FIXTURES / "import-medium" / "migrate-export")


def test_every_row_is_a_post_with_its_metadata():
    posts, _ = read(EXPORT)
    assert len(posts) == 5
    first = posts["posts.csv#post-123401.plain-text"]
    assert first.format == "substack" and first.kind == "article"
    assert first.title == "Plain Text" and first.slug == "plain-text"
    assert first.summary == "\u201cThis quote\u2019s rather short\u201d"  # entities decoded
    assert first.date.isoformat() == "2019-07-26T20:48:19.814000+00:00"
    assert first.status == "published" and first.url is None
    assert first.author == "Dana Seller"
    assert any("names no author" in n for n in first.notes)
    assert "Dolore magna aliqua. Ut enim ad minim veniam" in first.body_html


def test_draft_page_podcast_and_thread():
    posts, counts = read(EXPORT)
    draft = posts["posts.csv#post-123404.draft-text"]
    assert draft.status == "draft" and draft.title == "Plain Text"
    page = posts["posts.csv#post-123405.about-us"]
    assert page.kind == "page" and page.title == "About Us" and page.summary == "Learn about us"
    podcast = posts["posts.csv#post-123402.podcast"]
    assert '<a href="https://example.com/my-audio/file.mp3">' in podcast.body_html
    assert any("podcast" in n for n in podcast.notes)
    thread = posts["posts.csv#post-123403.thread"]
    assert thread.kind == "article" and any("thread" in n for n in thread.notes)
    assert counts["drafts"] == 1


def test_subscribe_buttons_are_removed_and_named():
    posts, _ = read(EXPORT)
    first = posts["posts.csv#post-123401.plain-text"]
    assert "Sign up now" not in first.body_html and "subscribe" not in first.body_html
    assert any("'Sign up now'" in n for n in first.notes)
    assert "Leave a comment" not in posts["posts.csv#post-123402.podcast"].body_html


def test_without_author_setting_the_note_says_what_to_set():
    posts, _ = read(EXPORT, {"SITENAME": "x"})
    post = posts["posts.csv#post-123401.plain-text"]
    assert post.author is None and any("set AUTHOR" in n for n in post.notes)


def test_posts_csv_or_posts_folder_named_alone_imports_the_export():
    assert len(read(EXPORT / "posts.csv")[0]) == 5
    assert len(read(EXPORT / "posts")[0]) == 5


def test_one_fragment_takes_its_row_from_the_csv():
    posts, _ = read(EXPORT / "posts" / "123405.about-us.html")
    assert list(posts) == ["posts.csv#post-123405.about-us"]
    assert posts["posts.csv#post-123405.about-us"].kind == "page"


def test_paid_posts_are_drafts_and_subscribers_are_counted(tmp_path):
    export = copy(tmp_path)
    table = export / "posts.csv"
    table.write_text(
        table.read_text(encoding="utf-8").replace("TRUE,2019-07-26T20:48:19.814Z,newsletter,everyone",
                                                  "TRUE,2019-07-26T20:48:19.814Z,newsletter,only_paid"),
        encoding="utf-8",
    )  # fmt: skip
    (export / "email_list.example.csv").write_text(
        "email,active_subscription,expiry\na@example.com,true,\nb@example.com,false,\n",
        encoding="utf-8",
    )
    posts, counts = read(export)
    paid = posts["posts.csv#post-123401.plain-text"]
    assert paid.status == "draft"
    assert any("paying subscribers" in n and "Status: draft" in n for n in paid.notes)
    assert counts["subscribers"] == 2 and counts["drafts"] == 2


def test_a_missing_body_file_is_counted(tmp_path):
    export = copy(tmp_path)
    (export / "posts" / "123403.thread.html").unlink()
    posts, counts = read(export)
    assert len(posts) == 4 and counts["posts without a body file"] == 1


def test_csv_without_its_html_files_fails(tmp_path):
    export = copy(tmp_path)
    shutil.rmtree(export / "posts")
    with pytest.raises(ImportFailure) as failure:
        list(substack.iter_posts(export, SETTINGS, Counter()))
    message = str(failure.value)
    assert str(export / "posts.csv") in message and "none of its 5 posts" in message
    assert "unzip the whole export" in message


def test_csv_missing_a_column_fails(tmp_path):
    export = copy(tmp_path)
    table = export / "posts.csv"
    lines = table.read_text(encoding="utf-8").splitlines()
    cut = [",".join(line.split(",")[:2] + line.split(",")[3:]) for line in lines]  # no is_published
    table.write_text("\n".join(cut) + "\n", encoding="utf-8")
    with pytest.raises(ImportFailure, match=r"posts\.csv: no column is_published"):
        list(substack.iter_posts(export, SETTINGS, Counter()))


def test_fragment_without_a_row_fails(tmp_path):
    export = copy(tmp_path)
    stray = export / "posts" / "999999.stray-note.html"
    stray.write_text("<p>A note kept by hand.</p>", encoding="utf-8")
    with pytest.raises(ImportFailure, match=r"no row for post '999999\.stray-note'"):
        list(substack.iter_posts(stray, SETTINGS, Counter()))


def test_row_with_extra_fields_fails_with_its_line(tmp_path):
    export = copy(tmp_path)
    table = export / "posts.csv"
    table.write_text(table.read_text(encoding="utf-8") + "123406.x,2022,TRUE,,a,b,c,d,e,f,g\n")
    with pytest.raises(ImportFailure, match=r"posts\.csv: line 7: the row does not match"):
        list(substack.iter_posts(export, SETTINGS, Counter()))


def test_written_article_front_matter_and_body():
    settings = {**SETTINGS, "TIMEZONE": "UTC"}
    posts, _ = read(EXPORT, settings)
    report = FileReport(source="posts.csv")
    slug, text = write_post(posts["posts.csv#post-123404.draft-text"], settings, None, report)
    head, body = text.split("\n\n", 1)
    assert slug == "draft-text"
    assert head.splitlines() == [
        "Title: Plain Text",
        "Date: 2022-08-13 12:11",
        "Status: draft",
        "Author: Dana Seller",
        "Category: misc",
        "Summary: Lorem ipsum dolor sit amet.",
        "Slug: draft-text",
        "Imported-From: posts.csv",
    ]
    assert body.startswith("## Lorem Ipsum\n")
    assert "Dolore magna aliqua. Ut enim ad minim veniam" in body
    assert "Sign up" not in body and not body.rstrip().endswith("---")

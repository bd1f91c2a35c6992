"""Medium exports: stories, drafts and responses of "Download your information"."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from nextsale.importer import medium
from nextsale.importer.model import FileReport, ImportFailure
from nextsale.importer.writer import write_post
from tests.conftest import FIXTURES

MEDIUM = FIXTURES / "import-medium"
PELICAN = MEDIUM / "pelican-export"  # Pelican's own Medium fixture
MIGRATE = MEDIUM / "migrate-export"  # Ghost's migration tool's export: posts/ and profile/


def read(path: Path) -> tuple[dict, Counter]:
    counts: Counter = Counter()
    posts = {Path(p.ident).stem: p for p in medium.iter_posts(path, {}, counts)}
    return posts, counts


def test_folders_and_files_are_recognised():
    assert medium.looks_like(MIGRATE) and medium.looks_like(MIGRATE / "posts")
    assert medium.looks_like(PELICAN / "posts" / "2017-04-21_-medium-post--d1bf01d62ba3.html")
    assert not medium.looks_like(MIGRATE / "profile" / "profile.html")
    assert not medium.looks_like(FIXTURES / "import-substack" / "export")
    assert not medium.looks_like(FIXTURES / "import-ghost" / "ghost.json")


def test_pelican_fixture_title_date_author_summary_and_address():
    posts, _ = read(PELICAN)
    [post] = posts.values()
    assert post.format == "medium" and post.kind == "article"
    assert post.title == "A name (like title)"
    assert post.date.isoformat() == "2017-04-21T17:11:55.799000+00:00"
    assert post.author == "User Name" and post.status == "published"
    assert post.summary == "Summary (first several words of content)"
    assert post.url == "https://medium.com/@username/this-post-url"
    assert post.slug == "this-post-url"
    assert "Cross-Validated</a> has sometimes been helpful." in post.body_html
    # The body's first heading differs from the title, so it is kept.
    assert "Title header" in post.body_html
    assert 'class="section-divider"' not in post.body_html.split("Title header")[0]


def test_export_folder_stories_drafts_responses_and_other_folders():
    posts, counts = read(MIGRATE)
    assert sorted(posts) == [
        "advanced-post",
        "basic-post",
        "code-post",
        "draft-post",
        "no-date-post",
        "no-slug-post",
        "quote-post",
        "short-post",
    ]
    assert counts == Counter({"drafts": 2, "responses": 1, "profile files": 1})
    basic = posts["basic-post"]
    assert basic.title == "Basic Post Title" and basic.author == "Joe Bloggs"
    assert basic.tags == ["Things", "Stuff"]  # this export wrote them in the footer
    assert basic.date.isoformat().startswith("2018-08-11T11:23:34")
    # Five files of this export share one address: the first keeps it, the others say so.
    assert posts["advanced-post"].slug == "testpost"
    assert basic.url is None and basic.slug is None
    assert any("advanced-post.html gives the same address" in n for n in basic.notes)
    assert "This is a another paragraph of text and stuff." in basic.body_html


def test_drafts_and_undated_posts_are_drafts():
    posts, _ = read(MIGRATE)
    draft = posts["draft-post"]
    assert draft.status == "draft" and draft.date is None and draft.url is None
    assert draft.author == "User Name"  # from profile/profile.html
    undated = posts["no-date-post"]
    assert undated.status == "draft" and any("no publication date" in n for n in undated.notes)


def test_repeated_title_heading_is_dropped_and_the_rest_kept():
    posts, _ = read(MIGRATE)
    body = posts["advanced-post"].body_html
    assert "Advanced Post Title" not in body
    assert 'alt="This is image alt text"' in body and "link to Ghost" in body
    assert posts["no-slug-post"].slug is None  # the address holds only an id


def test_missing_tags_are_said():
    posts, _ = read(PELICAN)
    [post] = posts.values()
    assert post.tags == [] and any("names no tags" in n for n in post.notes)


def pelican_import(source: Path, out: Path) -> dict[str, dict[str, str]]:
    """Run Pelican's own importer on a Medium posts folder; its front matter by file."""
    out.mkdir(parents=True)
    command = [str(Path(sys.executable).with_name("pelican-import")), "--medium"]
    subprocess.run([*command, "-m", "markdown", "-o", str(out), str(source)], check=True)
    found = {}
    for written in out.glob("*.md"):
        head = written.read_text(encoding="utf-8").split("\n\n", 1)[0]
        found[written.stem] = dict(line.split(": ", 1) for line in head.splitlines())
    return found


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pelican-import needs pandoc")
@pytest.mark.parametrize("export", [PELICAN, MIGRATE], ids=["pelican", "migrate"])
def test_every_post_pelican_import_writes_is_imported(tmp_path, export):
    theirs = pelican_import(export / "posts", tmp_path / "pelican")
    ours, counts = read(export)
    by_slug = {}
    for stem, post in ours.items():
        by_slug[stem.replace("_-", "-").rsplit("--", 1)[0]] = post
    assert theirs
    for slug, meta in theirs.items():
        if slug == "comment":
            assert counts["responses"] == 1  # a response to another story: not a post here
            continue
        post = by_slug[slug]
        assert post.title, slug
        if "Date" in meta:
            assert post.date.strftime("%Y-%m-%d %H:%M") == meta["Date"]
        assert post.status == meta["Status"]
        if "Author" in meta:
            assert post.author == meta["Author"]
        else:
            assert post.author  # the profile names who wrote it


def test_a_page_that_is_not_a_medium_post_fails(tmp_path):
    page = tmp_path / "notes.html"
    page.write_text(
        '<html><body><article class="h-entry"><section data-field="x">Hi</section>'
        "</article></body></html>",
        encoding="utf-8",
    )
    with pytest.raises(ImportFailure) as failure:
        list(medium.iter_posts(page, {}, Counter()))
    assert str(page) in str(failure.value) and "not a post of a Medium export" in str(failure.value)


def test_an_empty_posts_folder_fails(tmp_path):
    (tmp_path / "posts").mkdir()
    with pytest.raises(ImportFailure, match="holds no Medium post"):
        list(medium.iter_posts(tmp_path, {}, Counter()))


def test_a_stray_file_in_the_folder_is_counted(tmp_path):
    export = Path(shutil.copytree(MIGRATE, tmp_path / "export"))
    (export / "posts" / "zz-notes.html").write_text("<p>Loose notes</p>", encoding="utf-8")
    posts, counts = read(export)
    assert len(posts) == 8 and counts["files that are not Medium posts"] == 1


def test_written_article_front_matter_and_body():
    settings = {"TIMEZONE": "UTC"}
    posts, _ = read(PELICAN)
    [post] = posts.values()
    report = FileReport(source=post.ident)
    slug, text = write_post(post, settings, None, report)
    head, body = text.split("\n\n", 1)
    assert slug == "this-post-url"
    assert head.splitlines() == [
        "Title: A name (like title)",
        "Date: 2017-04-21 17:11",
        "Author: User Name",
        "Category: misc",
        "Summary: Summary (first several words of content)",
        "Slug: this-post-url",
        "Imported-From: https://medium.com/@username/this-post-url",
    ]
    assert "[Cross-Validated](http://stats.stackexchange.com/) has sometimes been helpful." in body
    assert "Exported from" not in body and "Canonical link" not in body

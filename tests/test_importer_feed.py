"""RSS and Atom feeds: every entry a post; summary-only entries are drafts (real feeds)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import FIXTURES
from tests.test_importer_wxr import header, pelican_import, run, same_instant, tags_of

ATOM = FIXTURES / "import-feed" / "pelican-all.atom.xml"
RSS = FIXTURES / "import-feed" / "pelican-all.rss.xml"


def by_title(entries: list[dict]) -> dict[str, dict]:
    return {e["metadata"]["title"]: e for e in entries if e.get("output")}


def test_atom_feed_with_full_posts(tmp_path):
    code, entries = run(tmp_path, ATOM)
    assert code == 0, entries
    summary, posts = entries[0], entries[1:]
    assert summary["status"] == "split" and summary["format"] == "feed"
    assert len(posts) == 12 and all(e["status"] == "imported" for e in posts)
    assert all(e["metadata"]["status"] == "published" for e in posts)
    super_article = header(Path(by_title(posts)["This is a super article !"]["output"]))
    # <published>2010-12-02T10:14:00+01:00</published>: 09:14 UTC, 09:14 in London.
    assert super_article["Date"] == "2010-12-02 09:14"
    assert super_article["Author"] == "Alexis Métaireau"
    assert super_article["Imported-Tags"] == "yeah, foo, bar, foobar"
    assert super_article["Imported-From"] == (
        "http://blog.notmyidea.org/this-is-a-super-article.html"
    )
    assert super_article["Slug"] == "this-is-a-super-article"
    body = Path(by_title(posts)["Oh yeah !"]["output"]).read_text(encoding="utf-8")
    assert "## Why not ?" in body and "<h2>" not in body


def test_summary_only_rss_entries_are_drafts(tmp_path):
    code, entries = run(tmp_path, RSS)
    assert code == 0, entries
    posts = entries[1:]
    assert len(posts) == 12
    assert all(e["metadata"]["status"] == "draft" for e in posts)
    assert all(any("only a summary" in n for n in e["notes"]) for e in posts)
    second = header(Path(by_title(posts)["Second article"]["output"]))
    assert second["Date"] == "2012-02-28 23:00"  # Wed, 29 Feb 2012 00:00:00 +0100
    assert second["Imported-Tags"] == "misc, foo, bar, baz"


def test_imports_everything_pelican_import_does(tmp_path):
    theirs = pelican_import(tmp_path, "--feed", ATOM)
    assert len(theirs) == 12
    code, entries = run(tmp_path, ATOM)
    assert code == 0, entries
    ours = {header(Path(e["output"]))["Title"]: header(Path(e["output"])) for e in entries[1:]}
    for meta in theirs.values():
        mine = ours[meta["Title"]]
        assert mine["Author"] == meta["Author"]
        # pelican-import dates an entry by its <updated>; it is our Modified.
        assert same_instant(mine.get("Modified", mine["Date"]), meta["Date"])
        assert tags_of(mine) == meta.get("Tags")
    assert len(ours) == len(theirs)


def test_a_broken_feed_fails_clearly(tmp_path):
    feed = tmp_path / "index.xml"
    feed.write_text('<?xml version="1.0"?>\n<rss version="2.0"><channel><item><title>', "utf-8")
    code, entries = run(tmp_path, feed)
    assert code == 1
    assert entries[0]["status"] == "failed"
    assert "cannot read the feed" in entries[0]["error"] and str(feed) in entries[0]["error"]


def test_imported_feed_builds(tmp_path, build_site):
    code, entries = run(tmp_path, ATOM)
    assert code == 0, entries
    content = tmp_path / "content"
    files = {
        str(p.relative_to(content)): p.read_text(encoding="utf-8") for p in content.rglob("*.md")
    }
    site = build_site(files)
    page = site.soup("2010/this-is-a-super-article/index.html")
    assert page.find("h1").get_text(strip=True) == "This is a super article !"
    assert site.path("2012/second-article/index.html").exists()
    errors = [r.getMessage() for r in site.records if r.levelname == "ERROR"]
    assert not errors, errors

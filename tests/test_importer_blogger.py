"""Blogger backups and Google Takeout exports: posts, pages, drafts, labels (a real export)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import FIXTURES
from tests.test_importer_wxr import header, pelican_import, run, same_instant, tags_of

EXPORT = FIXTURES / "import-blogger" / "bloggerexport.xml"

# A Takeout-shaped export (`feed.atom`): the kind and status are elements, labels
# have no scheme, the address is a file name under the blog's own.
TAKEOUT = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns='http://www.w3.org/2005/Atom' xmlns:blogger='http://schemas.google.com/blogger/2018'>
  <id>tag:blogger.com,1999:blog-1234</id>
  <title>Counter Talk</title>
  <link rel='alternate' type='text/html' href='https://countertalk.blogspot.com/'/>
  <entry>
    <id>tag:blogger.com,1999:blog-1234.post-77</id>
    <blogger:type>POST</blogger:type>
    <blogger:status>LIVE</blogger:status>
    <author><name>Ines Okoro</name></author>
    <title>Send the thank-you note on day two</title>
    <content type='html'>&lt;p&gt;A note that arrives the day after the sale reads as an
      afterthought; one that arrives on the second day reads as care.&lt;/p&gt;</content>
    <blogger:metaDescription>Why the second day beats the first.</blogger:metaDescription>
    <blogger:created>2021-03-02T09:15:00.000Z</blogger:created>
    <published>2021-03-02T09:15:00.000Z</published>
    <updated>2021-03-05T10:00:00.000Z</updated>
    <blogger:filename>/2021/03/send-thank-you-note-on-day-two.html</blogger:filename>
    <category term='follow-up'/>
    <category term='thank you notes'/>
  </entry>
  <entry>
    <id>tag:blogger.com,1999:blog-1234.post-78</id>
    <blogger:type>POST</blogger:type>
    <blogger:status>DRAFT</blogger:status>
    <author><name>Ines Okoro</name></author>
    <title>Half-written thoughts on loyalty cards</title>
    <content type='html'>&lt;p&gt;Stamps are not loyalty; a name remembered is.&lt;/p&gt;</content>
    <published>2021-04-01T12:00:00.000Z</published>
  </entry>
  <entry>
    <id>tag:blogger.com,1999:blog-1234.post-79</id>
    <blogger:type>POST</blogger:type>
    <blogger:status>SOFT_TRASHED</blogger:status>
    <title>Thrown away</title>
    <content type='html'>gone</content>
  </entry>
  <entry>
    <id>tag:blogger.com,1999:blog-1234.post-80</id>
    <blogger:type>COMMENT</blogger:type>
    <blogger:status>LIVE</blogger:status>
    <title>Great advice</title>
    <content type='html'>Great advice, thanks.</content>
  </entry>
</feed>
"""


def by_title(entries: list[dict]) -> dict[str, dict]:
    return {e["metadata"]["title"]: e for e in entries if e.get("output")}


def test_real_export_gives_its_posts_and_pages(tmp_path):
    code, entries = run(tmp_path, EXPORT)
    assert code == 0, entries
    summary, posts = entries[0], entries[1:]
    assert summary["status"] == "split" and summary["format"] == "blogger"
    # 2 posts (1 draft), 2 pages (1 draft), 1 comment, 58 settings and the template.
    assert summary["metadata"] == {
        "article": "2",
        "comments": "1",
        "page": "2",
        "settings": "58",
        "template": "1",
    }
    assert any("labels, not categories" in note for note in summary["notes"])
    assert len(posts) == 4 and all(e["status"] == "imported" for e in posts)
    pages = sorted(p.name for p in (tmp_path / "content" / "pages").iterdir())
    assert pages == ["test-page-2.md", "test-page.md"]


def test_metadata_drafts_and_labels(tmp_path):
    code, entries = run(tmp_path, EXPORT)
    assert code == 0, entries
    posts = by_title(entries[1:])
    windpipe = header(Path(posts["The Steel Windpipe"]["output"]))
    # Published 2010-11-27T07:12-08:00: 15:12 UTC, and London keeps GMT in November.
    assert windpipe["Date"] == "2010-11-27 15:12"
    assert windpipe["Author"] == "Mikhail Afanasyevich Bulgakov"
    assert windpipe["Category"] == "misc"
    assert windpipe["Imported-From"] == (
        "http://youngdoctornotes.blogspot.com/2010/11/the-steel-windpipe.html"
    )
    assert "Status" not in windpipe and "Tags" not in windpipe
    draft = header(Path(posts["Black as Egypt's Night"]["output"]))
    assert draft["Status"] == "draft"
    # Tags the taxonomy does not know are kept, not shown.
    assert draft["Imported-Tags"] == "Interesting cases, amputations"
    assert header(Path(posts["Test page 2"]["output"]))["Status"] == "draft"
    body = Path(posts["The Steel Windpipe"]["output"]).read_text(encoding="utf-8")
    assert "It was a cold Winter's night." in body and "- Very cold indeed." in body
    assert "<div" not in body


def test_imports_everything_pelican_import_does(tmp_path):
    theirs = pelican_import(tmp_path, "--blogger", EXPORT)
    # pelican-import also writes the one comment as a post; here it is counted instead.
    comments = {k for k, v in theirs.items() if v["Title"].startswith("Mishka")}
    assert len(theirs) == 5 and len(comments) == 1
    code, entries = run(tmp_path, EXPORT)
    assert code == 0, entries
    ours = {header(Path(e["output"]))["Title"]: header(Path(e["output"])) for e in entries[1:]}
    for name, meta in theirs.items():
        if name in comments:
            continue
        mine = ours[meta["Title"]]
        assert mine["Author"] == meta["Author"]
        assert same_instant(mine["Date"], meta["Date"])
        assert tags_of(mine) == meta.get("Tags")
        assert mine.get("Status", "published") == meta["Status"]
    assert len(ours) == len(theirs) - len(comments)


def test_takeout_export(tmp_path):
    export = tmp_path / "feed.atom"
    export.write_text(TAKEOUT, encoding="utf-8")
    code, entries = run(tmp_path, export)
    assert code == 0, entries
    assert entries[0]["metadata"] == {"article": "2", "comments": "1", "deleted": "1"}
    posts = by_title(entries[1:])
    note = header(Path(posts["Send the thank-you note on day two"]["output"]))
    assert note["Date"] == "2021-03-02 09:15"
    assert note["Modified"] == "2021-03-05 10:00"
    assert note["Summary"] == "Why the second day beats the first."
    # Labels are tags, matched with the site's taxonomy as the build matches them.
    assert note["Tags"] == "follow-up, thank-you-notes"
    assert note["Imported-From"] == (
        "https://countertalk.blogspot.com/2021/03/send-thank-you-note-on-day-two.html"
    )
    assert note["Slug"] == "send-thank-you-note-on-day-two"
    loyalty = header(Path(posts["Half-written thoughts on loyalty cards"]["output"]))
    assert loyalty["Status"] == "draft"


def test_a_cut_off_export_fails_and_keeps_what_was_read(tmp_path):
    export = tmp_path / "blog-12-01-2024.xml"
    data = EXPORT.read_bytes()
    export.write_bytes(data[: data.index(b"The Steel Windpipe") + 40])
    code, entries = run(tmp_path, export)
    assert code == 1
    failed = [e for e in entries if e["status"] == "failed"]
    assert len(failed) == 1 and "cannot read the Blogger export" in failed[0]["error"]
    assert [e["metadata"]["title"] for e in entries if e["status"] == "imported"] == [
        "Black as Egypt's Night"
    ]
    totals = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["totals"]
    assert totals["blogger"] == {"articles": 1, "pages": 0, "failed": 1, "skipped": 0}


def test_imported_export_builds(tmp_path, build_site):
    code, entries = run(tmp_path, EXPORT)
    assert code == 0, entries
    content = tmp_path / "content"
    files = {
        str(p.relative_to(content)): p.read_text(encoding="utf-8") for p in content.rglob("*.md")
    }
    site = build_site(files)
    page = site.soup("2010/the-steel-windpipe/index.html")
    assert page.find("h1").get_text(strip=True) == "The Steel Windpipe"
    assert "It was a cold Winter" in page.get_text()
    assert site.path("test-page/index.html").exists()
    drafts = [str(p) for p in site.files() if "drafts" in p.parts]
    assert any("black-as-egypts-night" in p for p in drafts)
    errors = [r.getMessage() for r in site.records if r.levelname == "ERROR"]
    assert not errors, errors

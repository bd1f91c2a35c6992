"""WordPress WXR exports: every post an article, every page a page (a real export)."""

from __future__ import annotations

import json
from pathlib import Path

from nextsale.importer import main
from tests.conftest import FIXTURES

EXPORT = FIXTURES / "import-wxr" / "wordpressexport.xml"


def run(tmp_path: Path, *sources: Path) -> tuple[int, list[dict]]:
    report = tmp_path / "report.json"
    dest = tmp_path / "content" / "articles"
    args = [str(s) for s in sources] + ["--dest", str(dest), "--report", str(report)]
    code = main(args)
    return code, json.loads(report.read_text(encoding="utf-8"))


def by_slug(entries: list[dict]) -> dict[str, str]:
    return {
        Path(e["output"]).stem: Path(e["output"]).read_text(encoding="utf-8")
        for e in entries
        if e.get("output")
    }


def head(text: str) -> list[str]:
    return text.split("\n\n", 1)[0].splitlines()


def test_real_export_gives_its_posts_and_pages(tmp_path):
    code, entries = run(tmp_path, EXPORT)
    assert code == 0, entries
    summary, posts = entries[0], entries[1:]
    assert summary["status"] == "split"
    # 20 items: 11 posts (4 of them drafts), 2 pages, 3 custom-type posts and
    # 4 attachments. pelican-import writes 16 (it adds the custom types with
    # --wp-custpost); only posts and pages are imported here, the rest counted.
    assert summary["metadata"] == {
        "article": "11",
        "attachment": "4",
        "comments": "4",
        "custom1": "2",
        "custom2": "1",
        "page": "2",
    }
    assert len(posts) == 13 and all(e["status"] == "imported" for e in posts)
    articles = sorted(p.name for p in (tmp_path / "content" / "articles").iterdir())
    pages = sorted(p.name for p in (tmp_path / "content" / "pages").iterdir())
    assert len(articles) == 11 and pages == ["contact.md", "empty.md"]
    drafts = [e for e in posts if e["metadata"].get("status") == "draft"]
    assert len(drafts) == 4


def test_metadata_is_mapped(tmp_path):
    code, entries = run(tmp_path, EXPORT)
    assert code == 0, entries
    files = by_slug(entries[1:])
    assert head(files["with-tags"]) == [
        "Title: With tags",
        "Date: 2012-02-04 21:05",
        "Author: Bob",
        "Category: Category 3",
        "Tags: tag 1, Tag2, Tag 3",
        "Slug: with-tags",
        "Imported-From: http://thisisa.test/tags/",
    ]
    assert "Author: john" in head(files["with-comments"])  # no <wp:author> for this login
    assert "Status: draft" in head(files["complete-draft"])
    assert "Date: 2012-02-17 15:11" in head(files["complete-draft"])  # wp:post_date fallback
    contact = head(files["contact"])
    assert "Date: 2012-04-11 11:38" in contact  # wp:post_date_gmt, UTC
    assert "Status: draft" not in contact
    assert any(line.startswith("Summary: Lorem ipsum") for line in head(files["with-excerpt"]))
    title = "Title: A normal post with some <html> entities in the title. You can't miss them."
    assert title in head(files["html-entity-test"])


def test_lists_code_and_captions_become_markdown(tmp_path):
    code, entries = run(tmp_path, EXPORT)
    assert code == 0, entries
    files = by_slug(entries[1:])
    body = files["code-in-list-test"].split("\n\n", 1)[1]
    assert "- List Item One!" in body and "<ul>" not in body and "<li>" not in body
    assert "`a = [1, 2, 3]" in body and "<pre>" not in body
    caption = files["caption-on-image"]
    assert "This is a pelican" in caption and "Yet another pelican" in caption
    assert "[caption" not in caption
    entry = next(e for e in entries if (e.get("output") or "").endswith("caption-on-image.md"))
    # Images are never copied by the importer: each one is listed in the report.
    assert [r["rule"] for r in entry["removed"]] == ["image", "image", "image"]


def test_paragraph_rules_quotes_pre_and_shortcodes(tmp_path):
    text = EXPORT.read_text(encoding="utf-8")
    body = (
        "First line\nsecond line\n\n<blockquote>Quoted words here</blockquote>\n\n"
        "<pre>\nline one\n\nline two\n</pre>\n\n[embed]https://example.org/video[/embed]\n\n"
        '[gallery ids="1,2"]\n\nLast paragraph of the post.'
    )
    text = text.replace(
        "<content:encoded><![CDATA[l&#039;é]]>", f"<content:encoded><![CDATA[{body}]]>"
    )
    export = tmp_path / "export.rss"
    export.write_text(text, encoding="utf-8")
    code, entries = run(tmp_path, export)
    assert code == 0
    entry = next(e for e in entries if (e.get("output") or "").endswith("special-chars-le.md"))
    out = Path(entry["output"]).read_text(encoding="utf-8")
    assert "First line  \nsecond line" in out
    assert "> Quoted words here" in out
    assert "    line one\n" in out or "```\nline one\n\nline two" in out
    assert "<https://example.org/video>" in out
    assert "[gallery" not in out
    assert any("gallery" in note for note in entry["notes"])


def test_imported_export_builds(tmp_path, build_site):
    code, entries = run(tmp_path, EXPORT)
    assert code == 0, entries
    content = tmp_path / "content"
    files = {
        str(p.relative_to(content)): p.read_text(encoding="utf-8") for p in content.rglob("*.md")
    }
    site = build_site(files)
    html = site.text("with-tags.html") if site.path("with-tags.html").exists() else None
    built = [p for p in site.output.rglob("*.html") if "code-in-list-test" in str(p)]
    assert built, sorted(str(p) for p in site.output.rglob("*.html"))[:20]
    page = built[0].read_text(encoding="utf-8")
    assert "<li>List Item One!</li>" in page and "<code>" in page
    assert html is None or "With tags" in html
    errors = [r.getMessage() for r in site.records if r.levelname == "ERROR"]
    assert not errors, errors


def test_a_second_import_changes_nothing(tmp_path):
    run(tmp_path, EXPORT)
    code, entries = run(tmp_path, EXPORT)
    assert code == 0, entries
    assert [e["status"] for e in entries[1:]] == ["unchanged"] * 13
    assert len(list((tmp_path / "content" / "articles").iterdir())) == 11


def test_an_export_in_a_folder_is_found_by_its_content(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "site.WordPress.2024-01-01.xml").write_bytes(EXPORT.read_bytes())
    code, entries = run(tmp_path, folder)
    assert code == 0, entries
    assert sum(e["status"] == "imported" for e in entries) == 13


def test_a_cut_off_export_keeps_the_posts_before_the_cut_and_fails(tmp_path):
    export = tmp_path / "cut.xml"
    export.write_bytes(EXPORT.read_bytes()[:30000])
    code, entries = run(tmp_path, export)
    assert code == 1
    failed = [e for e in entries if e["status"] == "failed"]
    assert len(failed) == 1 and "cannot read the WordPress export" in failed[0]["error"]
    assert "\n" not in failed[0]["error"]
    imported = [e for e in entries if e["status"] == "imported"]
    assert imported and all(Path(e["output"]).is_file() for e in imported)


def test_external_entities_are_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRETVALUE", encoding="utf-8")
    text = EXPORT.read_text(encoding="utf-8")
    declaration = '<?xml version="1.0" encoding="UTF-8" ?>'
    doctype = f'<!DOCTYPE rss [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
    text = text.replace(declaration, f"{declaration}\n{doctype}", 1)
    text = text.replace("<title>With tags</title>", "<title>With tags &x;</title>")
    export = tmp_path / "export.xml"
    export.write_text(text, encoding="utf-8")
    run(tmp_path, export)
    written = "".join(p.read_text(encoding="utf-8") for p in tmp_path.rglob("*.md"))
    assert written and "TOPSECRETVALUE" not in written

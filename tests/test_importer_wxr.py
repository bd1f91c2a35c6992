"""WordPress WXR exports: every post an article, every page a page (a real export)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from nextsale.importer import import_posts, main, read_site_settings
from tests.conftest import FIXTURES, ROOT

EXPORT = FIXTURES / "import-wxr" / "wordpressexport.xml"
SITE_ZONE = ZoneInfo("Europe/London")  # the project's TIMEZONE


def run(tmp_path: Path, *sources: Path) -> tuple[int, list[dict]]:
    report = tmp_path / "report.json"
    dest = tmp_path / "content" / "articles"
    args = [str(s) for s in sources] + ["--dest", str(dest), "--report", str(report)]
    code = main(args)
    return code, json.loads(report.read_text(encoding="utf-8"))["files"]


def by_slug(entries: list[dict]) -> dict[str, str]:
    return {
        Path(e["output"]).stem: Path(e["output"]).read_text(encoding="utf-8")
        for e in entries
        if e.get("output")
    }


def head(text: str) -> list[str]:
    return text.split("\n\n", 1)[0].splitlines()


def header(path: Path) -> dict[str, str]:
    """The front matter of a written Markdown file, as a dict."""
    return dict(line.split(": ", 1) for line in head(path.read_text(encoding="utf-8")))


def pelican_import(tmp_path: Path, option: str, source: Path) -> dict[str, dict[str, str]]:
    """Run Pelican's own pelican-import on `source`; the headers it writes, by file name."""
    if shutil.which("pandoc") is None:
        pytest.skip("pelican-import needs pandoc (scripts/system-deps.sh installs it)")
    out = tmp_path / "pelican-import"
    command = Path(sys.executable).parent / "pelican-import"
    result = subprocess.run(
        [str(command), option, str(source), "-o", str(out), "-m", "markdown"],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return {path.stem: header(path) for path in sorted(out.rglob("*.md"))}


def same_instant(ours: str, theirs: str, zone_hours: int = 14) -> bool:
    """Our date (site time) and pelican-import's (the blog's local time, no zone) are
    the same moment: at most a time zone's offset apart."""
    a = datetime.fromisoformat(ours).replace(tzinfo=SITE_ZONE)
    b = datetime.fromisoformat(theirs).replace(tzinfo=SITE_ZONE)
    return abs((a - b).total_seconds()) <= zone_hours * 3600


def site_settings(**extra) -> dict:
    return {**read_site_settings(ROOT / "pelicanconf.py"), **extra}


def tags_of(meta: dict) -> str | None:
    """Every tag a written post keeps: shown (Tags) and kept for the author (Imported-Tags)."""
    tags = [meta[k] for k in ("Tags", "Imported-Tags") if meta.get(k)]
    return ", ".join(tags) or None


def test_real_export_gives_its_posts_and_pages(tmp_path):
    code, entries = run(tmp_path, EXPORT)
    assert code == 0, entries
    summary, posts = entries[0], entries[1:]
    assert summary["status"] == "split"
    # 20 items: 11 posts (4 of them drafts), 2 pages, 3 posts of custom types
    # (imported as articles, as pelican-import does) and 4 attachments, counted.
    assert summary["metadata"] == {
        "article": "14",
        "attachment": "4",
        "comments": "4",
        "page": "2",
    }
    assert summary["format"] == "wordpress"
    assert len(posts) == 16 and all(e["status"] == "imported" for e in posts)
    assert all(e["format"] == "wordpress" for e in posts)
    articles = sorted(p.name for p in (tmp_path / "content" / "articles").iterdir())
    pages = sorted(p.name for p in (tmp_path / "content" / "pages").iterdir())
    assert len(articles) == 14 and pages == ["contact.md", "empty.md"]
    drafts = [e for e in posts if e["metadata"].get("status") == "draft"]
    # The four drafts of the export, and the page with no text (a strict build
    # refuses a published page without a body).
    assert len(drafts) == 5
    empty = next(e for e in drafts if e["output"].endswith("empty.md"))
    assert "empty body in the export: written as a draft" in empty["notes"]
    custom = next(e for e in posts if e["metadata"]["title"] == "A custom post in category 4")
    assert "WordPress post type 'custom1' imported as an article" in custom["notes"]


def test_metadata_is_mapped(tmp_path):
    code, entries = run(tmp_path, EXPORT)
    assert code == 0, entries
    files = by_slug(entries[1:])
    # The site has no "Category 3": the post gets DEFAULT_CATEGORY, and the report says so.
    assert head(files["with-tags"]) == [
        "Title: With tags",
        "Date: 2012-02-04 21:05",
        "Author: Bob",
        "Category: misc",
        "Imported-Tags: tag 1, Tag2, Tag 3",
        "Slug: with-tags",
        "Imported-From: http://thisisa.test/tags/",
    ]
    entry = next(e for e in entries if (e.get("output") or "").endswith("with-tags.md"))
    assert (
        "category 'Category 3' defaulted to 'misc'; map it in IMPORT_CATEGORY_MAP"
        in (entry["notes"])
    )
    assert "Author: john" in head(files["with-comments"])  # no <wp:author> for this login
    assert "Status: draft" in head(files["complete-draft"])
    assert "Date: 2012-02-17 15:11" in head(files["complete-draft"])  # wp:post_date fallback
    contact = head(files["contact"])
    # wp:post_date_gmt is 11:38 UTC; the site's TIMEZONE is Europe/London, on summer time.
    assert "Date: 2012-04-11 12:38" in contact
    assert "Status: draft" not in contact
    assert not any(line.startswith("Category:") for line in contact)  # pages have none
    assert any(line.startswith("Summary: Lorem ipsum") for line in head(files["with-excerpt"]))
    title = "Title: A normal post with some <html> entities in the title. You can't miss them."
    assert title in head(files["html-entity-test"])


def test_lists_code_and_captions_become_markdown(tmp_path):
    code, entries = run(tmp_path, EXPORT)
    assert code == 0, entries
    files = by_slug(entries[1:])
    body = files["code-in-list-test"].split("\n\n", 1)[1]
    assert "- List Item One!" in body and "<ul>" not in body and "<li>" not in body
    assert "a = [1, 2, 3]" in body and "<pre>" not in body
    caption = files["caption-on-image"]
    assert "This is a pelican" in caption and "Yet another pelican" in caption
    assert "[caption" not in caption
    entry = next(e for e in entries if (e.get("output") or "").endswith("caption-on-image.md"))
    # Images are never copied by the importer: each one is listed in the report.
    listed = [i["src"] for i in entry["images"]] + [
        r["text"] for r in entry["removed"] if r["rule"] == "image"
    ]
    assert len(listed) == 3 and all("xpelican" in src for src in listed)


def test_paragraph_rules_quotes_pre_and_shortcodes(tmp_path):
    text = EXPORT.read_text(encoding="utf-8")
    body = (
        "First line\nsecond line\n\n<blockquote>Quoted words here</blockquote>\n\n"
        "<pre>\nline one\n\nline two\n</pre>\n\n[embed]https://example.org/video[/embed]\n\n"
        '[gallery ids="1,2"]\n\n[youtube https://www.youtube.com/watch?v=abc123]\n\n'
        '[audio mp3="https://example.org/talk.mp3"][/audio]\n\n[contact-form]\n\n'
        "Last paragraph of the post."
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
    assert any("gallery" in note and "1,2" in note for note in entry["notes"])
    assert "(https://www.youtube.com/watch?v=abc123)" in out
    assert "(https://example.org/talk.mp3)" in out
    assert "[youtube" not in out and "[audio" not in out and "[contact-form]" not in out
    assert any("[contact-form]" in note for note in entry["notes"])
    assert "Last paragraph of the post." in out


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
    assert [e["status"] for e in entries[1:]] == ["unchanged"] * 16
    assert len(list((tmp_path / "content" / "articles").iterdir())) == 14


def test_an_export_in_a_folder_is_found_by_its_content(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "site.WordPress.2024-01-01.xml").write_bytes(EXPORT.read_bytes())
    code, entries = run(tmp_path, folder)
    assert code == 0, entries
    assert sum(e["status"] == "imported" for e in entries) == 16


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


def test_categories_map_into_the_sites_own(tmp_path):
    mapping = {"category 3": "Retention", "Category 1": "referrals"}
    reports = import_posts(
        [EXPORT], tmp_path / "articles", settings=site_settings(IMPORT_CATEGORY_MAP=mapping)
    )
    files = {Path(r.output).stem: header(Path(r.output)) for r in reports if r.output}
    assert files["with-tags"]["Category"] == "Retention"
    # The map names a category the site's articles already use: their spelling is kept.
    assert files["with-excerpt"]["Category"] == "referrals"
    assert files["caption-on-image"]["Category"] == "misc"


def test_a_malformed_category_map_stops_the_import_first(tmp_path, capsys):
    settings = tmp_path / "pelicanconf.py"
    settings.write_text(
        (ROOT / "pelicanconf.py").read_text(encoding="utf-8")
        + f"\nPATH = {str(ROOT / 'content')!r}\nIMPORT_CATEGORY_MAP = ['Retention']\n",
        encoding="utf-8",
    )
    dest = tmp_path / "content" / "articles"
    code = main([str(EXPORT), "--settings", str(settings), "--dest", str(dest),
                 "--report", str(tmp_path / "r.json")])  # fmt: skip
    assert code == 1
    error = capsys.readouterr().err
    assert "IMPORT_CATEGORY_MAP: must map each source category to a site category" in error
    assert not dest.exists()


def test_imports_everything_pelican_import_does(tmp_path):
    """Every post and page pelican-import writes is written here too, with the same
    title, date, author, category (through the map), tags and status."""
    theirs = pelican_import(tmp_path, "--wpfile", EXPORT)
    assert len(theirs) == 16
    categories = {f"Category {n}": "Retention" for n in range(1, 6)}
    dest = tmp_path / "content" / "articles"
    reports = import_posts([EXPORT], dest, settings=site_settings(IMPORT_CATEGORY_MAP=categories))
    ours = {}
    for r in reports:
        if r.output:
            meta = header(Path(r.output))
            ours[meta["Title"]] = meta
    for name, meta in theirs.items():
        # pelican-import titles an untitled post "No title [None]"; ours is "Untitled post".
        title = "Untitled post" if meta["Title"].startswith("No title") else meta["Title"]
        if title == "Page":  # the contact page is titled "Page" in the export
            assert "Page" in ours
        mine = ours.get(title)
        assert mine is not None, f"{name} ({title}) not imported"
        assert mine["Author"].casefold() == meta["Author"].casefold(), title
        assert same_instant(mine["Date"], meta["Date"]), title
        assert tags_of(mine) == meta.get("Tags"), title
        # Ours keeps a page with no text as a draft: published, it stops a strict build.
        draft = meta["Status"] == "draft" or title == "Empty Page"
        assert (mine.get("Status") == "draft") == draft, title
        if "Category" in meta:
            assert mine["Category"] == categories[meta["Category"]], title
    assert len(ours) == len(theirs)


PEAK = """
import resource, sys
from nextsale.importer import main
code = main(sys.argv[1:])
print("peak-kb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
sys.exit(code)
"""


def test_a_100_mb_export_imports_in_bounded_memory(tmp_path):
    # The real export's channel and posts, then what makes real exports big: tens
    # of thousands of comments, here 100 MB of them on one more post.
    real = EXPORT.read_text(encoding="utf-8")
    start, end = real.index("<item>"), real.rindex("</channel>")
    comment = (
        "<wp:comment><wp:comment_id>{n}</wp:comment_id><wp:comment_author>Reader</wp:comment_author>"
        "<wp:comment_content><![CDATA[" + "A thoughtful reply about repeat orders. " * 45
        + "]]></wp:comment_content></wp:comment>\n"
    )  # fmt: skip
    big = tmp_path / "big-export.xml"
    with big.open("w", encoding="utf-8") as out:
        out.write(real[:end])
        out.write(
            "<item><title>The post everyone answered</title><link>http://thisisa.test/big/</link>"
            "<dc:creator>bob</dc:creator><content:encoded><![CDATA[Thanks for every reply to "
            "this one.]]></content:encoded><wp:post_id>9000</wp:post_id>"
            "<wp:post_date_gmt>2012-05-01 10:00:00</wp:post_date_gmt><wp:post_name>big"
            "</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>\n"
        )
        for n in range(55_000):
            out.write(comment.format(n=n))
        out.write("</item>\n" + real[end:])
    assert big.stat().st_size > 100_000_000
    assert real[start:end]  # the real posts come first

    def peak_mb(export: Path, folder: str) -> float:
        done = subprocess.run(
            [sys.executable, "-c", PEAK, str(export), "--dest",
             str(tmp_path / folder / "content" / "articles"), "--report",
             str(tmp_path / folder / "report.json"), "--settings", str(ROOT / "pelicanconf.py")],
            capture_output=True, text=True, cwd=ROOT, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        return int(done.stdout.rsplit("peak-kb", 1)[1]) / 1024

    small, large = peak_mb(EXPORT, "small"), peak_mb(big, "big")
    # As a tree the file would take several times its size; streamed, importing
    # it takes hardly more than importing the 30 KB export it grew from.
    assert large - small < 50, f"{large:.0f} MB against {small:.0f} MB for the small export"
    report = json.loads((tmp_path / "big" / "report.json").read_text(encoding="utf-8"))
    assert report["totals"]["wordpress"]["articles"] == 15
    summary = report["files"][0]
    assert summary["metadata"]["comments"] == str(4 + 55_000)

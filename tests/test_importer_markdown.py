"""The importer keeps Markdown posts with YAML/TOML front matter as Markdown (real posts)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from nextsale.importer import main
from nextsale.importer.markdown import even_headings
from tests.conftest import FIXTURES
from tests.test_importer import write_taxonomy

POSTS = FIXTURES / "import-markdown"
JEKYLL = POSTS / "2016-10-06-jekyll-3-3-is-here.md"
HUGO = POSTS / "rich-content.md"


def run(tmp_path: Path, *sources: Path, extra: tuple[str, ...] = ()) -> tuple[int, list[dict]]:
    """Run the command line on `sources`; return the exit status and the JSON report."""
    report = tmp_path / "report.json"
    args = [str(s) for s in sources] + ["--dest", str(tmp_path / "out"), "--report", str(report)]
    code = main(args + list(extra))
    return code, json.loads(report.read_text(encoding="utf-8"))["files"]


def written(entry: dict) -> str:
    return Path(entry["output"]).read_text(encoding="utf-8")


def test_jekyll_post_keeps_its_markdown_and_metadata(tmp_path):
    code, [entry] = run(tmp_path, JEKYLL)
    assert code == 0, entry
    text = written(entry)
    head, body = text.split("\n\n", 1)
    assert head.splitlines()[:4] == [
        "Title: Jekyll 3.3 is here with better theme support, new URL filters, and tons more",
        # 11:10 at -0700 is 19:10 in the site's TIMEZONE (London, summer time).
        "Date: 2016-10-06 19:10",
        "Author: parkr",
        # The site has no "release" category: the default, and the report says so.
        "Category: misc",
    ]
    assert "---" not in head and "layout" not in text.lower().split("\n\n", 1)[0]
    assert "## A *lot* more!" in body
    # Under the page's title, its level-3 sections become level 2 (none skipped).
    assert "\n## 2. `relative_url` and `absolute_url` filters" in body
    assert "\\*" not in body and "\\#" not in body
    notes = "\n".join(entry["notes"])
    assert "line 42: Liquid tag {% raw %}" in notes
    assert "front matter keys not imported: version" in notes
    assert "category 'release' defaulted to 'misc'; map it in IMPORT_CATEGORY_MAP" in notes
    assert "`{% highlight liquid %}`" in body  # kept readable


def test_hugo_toml_post_shortcodes_and_tags_through_the_taxonomy(tmp_path):
    taxonomy = write_taxonomy(
        tmp_path / "tax", {"trust": {"name": "Trust", "aliases": ["privacy"]}}
    )
    code, [entry] = run(tmp_path, HUGO, extra=("--taxonomy", str(taxonomy)))
    assert code == 0, entry
    text = written(entry)
    assert "Author: Hugo Authors\n" in text
    assert "Date: 2019-03-10\n" in text
    # The known tag is shown; the unknown one is kept for the author, not lost.
    assert "Tags: trust\nImported-Tags: shortcodes\n" in text
    assert "Summary: A brief description of Hugo Shortcodes\n" in text
    assert entry["unknown_tags"] == ["shortcodes"]
    assert "## YouTube Privacy Enhanced Shortcode" in text
    assert "`{{< youtube ZJthWmvUzzc >}}`" in text
    assert any(n.startswith("line 18: shortcode {{< youtube") for n in entry["notes"])


def test_jekyll_file_name_date_draft_and_aliases(tmp_path):
    source = JEKYLL.read_text(encoding="utf-8")
    undated = tmp_path / "src" / "_posts" / "2016-10-06-jekyll-3-3-is-here.md"
    undated.parent.mkdir(parents=True)
    undated.write_text(source.replace("date: 2016-10-06 11:10:38 -0700\n", ""), "utf-8")
    draft = tmp_path / "src" / "draft-post.md"
    draft.write_text(
        source.replace("author: parkr\n", "author: parkr\ndraft: true\nslug: three-three\n"
                       "redirect_from: [/old/three/]\n"), "utf-8",
    )  # fmt: skip
    code, entries = run(tmp_path, undated, draft)
    assert code == 0, entries
    by_name = {Path(e["source"]).name: e for e in entries}
    dated = written(by_name[undated.name])
    assert "Date: 2016-10-06\n" in dated and "Status: draft" not in dated
    drafted = by_name["draft-post.md"]
    assert "Status: draft\n" in written(drafted)
    assert "Slug: three-three\n" in written(drafted)
    assert drafted["metadata"]["aliases"] == ["/old/three/"]


def test_front_matter_that_does_not_parse_fails_alone(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text("---\ntitle: [unclosed\n---\n\nA body with **bold** words in it.\n", "utf-8")
    code, entries = run(tmp_path, bad, HUGO)
    assert code == 1
    by_name = {Path(e["source"]).name: e for e in entries}
    assert by_name["bad.md"]["status"] == "failed"
    assert "bad.md: line " in by_name["bad.md"]["error"]
    assert "YAML front matter does not parse" in by_name["bad.md"]["error"]
    assert by_name["rich-content.md"]["status"] == "imported"


def test_imported_markdown_renders_in_the_site(tmp_path, build_site):
    code, entries = run(tmp_path, JEKYLL, HUGO)
    assert code == 0, entries
    files = {f"articles/{Path(e['output']).name}": written(e) for e in entries}
    site = build_site(files)
    page = next(p for p in site.files() if "jekyll-33-is-here" in str(p))
    html = page.read_text(encoding="utf-8")
    assert "<h2" in html and "<em>lot</em>" in html and "<em>presentation</em>" in html
    assert "**" not in html
    page = next(p for p in site.files() if "rich-content" in str(p) and p.suffix == ".html")
    assert "<h2" in page.read_text(encoding="utf-8")
    problems = [r.getMessage() for r in site.records if r.levelname in ("WARNING", "ERROR")]
    # The Hugo post has no category; the report lists it as missing.
    problems = [p for p in problems if "rich-content.md:1: no Category" not in p]
    assert not problems, problems


def test_front_matter_is_recognised_by_content_not_extension(tmp_path):
    page = tmp_path / "src" / "rich-content.html"
    page.parent.mkdir()
    page.write_text(HUGO.read_text(encoding="utf-8"), "utf-8")
    ruled = tmp_path / "src" / "ruled.txt"
    ruled.write_text("---\nA line between rules\n---\n\nThe second sale **matters** most.\n")
    code, entries = run(tmp_path, page, ruled)
    assert code == 0, entries
    by_name = {Path(e["source"]).name: e for e in entries}
    assert "## YouTube Privacy Enhanced Shortcode" in written(by_name["rich-content.html"])
    assert "\\*\\*matters\\*\\*" in written(by_name["ruled.txt"])  # plain text stays escaped


def test_eleventy_post_with_a_yaml_list_of_tags(tmp_path):
    code, [entry] = run(tmp_path, POSTS / "secondpost.md")
    assert code == 0, entry
    text = written(entry)
    assert text.startswith("Title: This is my second post with a much longer title.\n")
    assert "Date: 2018-07-04\n" in text and "Tags: number 2\n" in text
    assert "Summary: This is a post on My Blog about leveraging agile frameworks.\n" in text
    assert "\n## Section Header\n" in text
    assert text.endswith("close the loop on focusing solely on the bottom line.\n")


def test_headings_follow_the_page_title_without_skipping_a_level(tmp_path):
    # The real Jekyll post opens with a level-3 heading under the page's title.
    code, [entry] = run(tmp_path, JEKYLL)
    assert code == 0, entry
    body = written(entry).split("\n\n", 1)[1]
    levels = [len(line) - len(line.lstrip("#")) for line in body.splitlines()
              if re.match(r"#{1,6} ", line)]  # fmt: skip
    assert levels[0] == 2
    assert all(b - a <= 1 for a, b in zip([1, *levels], levels, strict=False))
    assert any(n.startswith("headings renumbered under the page's title") for n in entry["notes"])


def test_even_headings_keeps_code_and_turns_underlined_headings_into_atx():
    body = "# Top\n\ntext\n\n#### Deep\n\n```\n# a comment\n```\n\nUnder\n=====\n"
    new, changed = even_headings(body)
    assert new.splitlines()[0] == "## Top"
    assert "### Deep" in new and "# a comment" in new and "## Under" in new
    assert (4, 3) in changed
    assert even_headings("## Fine\n\n### Also\n") == ("## Fine\n\n### Also\n", [])

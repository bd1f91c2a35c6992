"""Ghost JSON exports: posts and pages, authors, tags, drafts, and the editor's documents."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from nextsale.importer import ghost
from nextsale.importer.model import FileReport, ImportFailure
from nextsale.importer.writer import write_post
from tests.conftest import FIXTURES

GHOST = FIXTURES / "import-ghost"
MODERN = GHOST / "ghost.json"  # Ghost 5 shape: db wrapper, posts_authors, a Lexical post
FLAT = GHOST / "ghost-flat.json"  # the same tables without the db wrapper
LTS = GHOST / "export-003.json"  # Ghost 0.x: author_id, page flag, epoch milliseconds


def read(path: Path, settings: dict | None = None) -> tuple[dict, Counter]:
    counts: Counter = Counter()
    posts = {p.title: p for p in ghost.iter_posts(path, settings or {}, counts)}
    return posts, counts


def edited(tmp_path: Path, change) -> Path:
    """A copy of the real modern export with `change(data)` applied."""
    document = json.loads(MODERN.read_text(encoding="utf-8"))
    change(document["db"][0]["data"])
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_every_real_export_is_recognised_and_others_are_not(tmp_path):
    assert all(ghost.looks_like(p) for p in (MODERN, FLAT, LTS))
    other = tmp_path / "package.json"
    other.write_text('{"name": "site", "version": "1.0.0"}', encoding="utf-8")
    assert not ghost.looks_like(other)
    assert not ghost.looks_like(GHOST)
    assert not ghost.looks_like(FIXTURES / "import-wxr" / "wordpressexport.xml")


def test_modern_export_posts_authors_tags_and_dates():
    posts, counts = read(MODERN)
    assert sorted(posts) == ["Post 1", "Post 2", "Post 3 - Lexical"]
    first = posts["Post 1"]
    assert first.format == "ghost" and first.kind == "article"
    assert first.ident == "ghost.json#post-9b7114425bee6e3b17baf7c0"
    assert first.author == "Alice Johnson" and posts["Post 2"].author == "Bob Smith"
    assert first.date.isoformat() == "2025-01-01T00:00:00+00:00"
    assert first.status == "published" and first.slug == "post-1"
    assert first.tags == ["News"] and first.categories == ["News"]
    assert posts["Post 2"].tags == ["Technology"]
    assert "Hello world" in first.body_html and "More text" in first.body_html
    assert first.body_html.startswith('<figure><img src="https://example.com/images/feature-1.jpg"')
    assert counts["settings"] == 5 and not counts["drafts"]


def test_lexical_only_post_is_rendered():
    posts, _ = read(MODERN)
    body = posts["Post 3 - Lexical"].body_html
    assert '<img src="https://example.com/images/lexical-image.jpg"' in body


def test_flat_export_without_db_wrapper():
    posts, counts = read(FLAT)
    post = posts["Flat Format Post"]
    assert post.slug == "flat-format-post" and "flat-post.jpg" in post.body_html
    assert post.author is None  # the export lists no users
    assert counts["settings"] == 1


def test_old_export_author_id_page_flag_and_epoch_dates():
    posts, counts = read(LTS)
    post = posts["Welcome to Ghost"]
    assert post.author == "Joe Bloggs"
    assert post.kind == "article"
    assert post.date.isoformat() == "2013-12-29T11:58:30.783000+00:00"
    assert post.modified.isoformat() == "2013-10-18T23:58:44+00:00"
    assert post.tags == ["Getting Started"]
    assert post.body_html == "<p>You're live! Nice.</p>"
    assert counts["settings"] == 13


def test_pages_drafts_scheduled_members_only_and_internal_tags(tmp_path):
    def change(data):
        one, two, three = data["posts"]
        one.update(status="draft", published_at=None, custom_excerpt="Why buyers return.")
        two.update(type="page", canonical_url="https://old.example/about-us/")
        three.update(status="scheduled", visibility="paid")
        data["tags"].append({"id": "t-internal", "name": "#hero", "slug": "hash-hero"})
        data["posts_tags"].append({"post_id": one["id"], "tag_id": "t-internal", "sort_order": 0})
        data["members"] = [{"id": "m1"}, {"id": "m2"}]

    posts, counts = read(edited(tmp_path, change))
    draft, page, scheduled = posts["Post 1"], posts["Post 2"], posts["Post 3 - Lexical"]
    assert draft.status == "draft" and draft.summary == "Why buyers return."
    assert draft.date.isoformat() == "2025-01-01T00:00:00+00:00"  # created_at stands in
    assert draft.tags == ["News"]  # "#hero" is Ghost's switch, not a tag
    assert any("#hero" in n for n in draft.notes)
    assert page.kind == "page" and page.status == "published"
    assert page.url == "https://old.example/about-us/"
    assert scheduled.status == "draft" and any("scheduled" in n for n in scheduled.notes)
    assert counts["members"] == 2 and counts["drafts"] == 2


def test_paid_post_is_a_draft_and_says_why(tmp_path):
    posts, _ = read(edited(tmp_path, lambda d: d["posts"][0].update(visibility="paid")))
    post = posts["Post 1"]
    assert post.status == "draft"
    assert any("paying members" in n and "Status: draft" in n for n in post.notes)


def test_several_authors_keep_the_first_and_name_the_others(tmp_path):
    def change(data):
        first = data["posts"][0]["id"]
        bob = data["users"][1]["id"]
        data["posts_authors"].append({"post_id": first, "author_id": bob, "sort_order": 2})

    posts, _ = read(edited(tmp_path, change))
    assert posts["Post 1"].author == "Alice Johnson"
    assert any("Bob Smith" in n for n in posts["Post 1"].notes)


def test_mobiledoc_sections_and_markdown_cards(tmp_path):
    mobiledoc = {
        "version": "0.3.1",
        "atoms": [],
        "markups": [["strong"], ["a", ["href", "https://example.com/loyal"]]],
        "cards": [["markdown", {"markdown": "A returning buyer costs *less* to serve."}]],
        "sections": [
            [1, "h2", [[0, [], 0, "Keep them close"]]],
            [1, "p", [[0, [0], 1, "Call"], [0, [], 0, " after the sale, "], [0, [1], 1, "read"]]],
            [3, "ul", [[[0, [], 0, "thank"]], [[0, [], 0, "ask"]]]],
            [10, 0],
        ],
    }

    def change(data):
        data["posts"][0].update(html=None, mobiledoc=json.dumps(mobiledoc))
        cards_only = {**mobiledoc, "sections": [[10, 0]]}
        data["posts"][1].update(html=None, mobiledoc=json.dumps(cards_only))

    posts, _ = read(edited(tmp_path, change))
    body = posts["Post 1"].body_html
    assert "<h2>Keep them close</h2>" in body
    link = '<a href="https://example.com/loyal">read</a>'
    assert f"<p><strong>Call</strong> after the sale, {link}</p>" in body
    assert "<ul><li>thank</li><li>ask</li></ul>" in body
    assert "<em>less</em>" in body  # the Markdown card, rendered
    only_markdown = posts["Post 2"]
    assert only_markdown.body_markdown == (
        "![](https://example.com/images/feature-2.jpg)\n\n"  # the feature image heads it
        "A returning buyer costs *less* to serve."
    )


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ('{"db": [{"meta": {"exported_on": 1}, "data": {"posts": [{"id": "1", "tit', "line 1"),
        ('{"db": [{"meta": {"exported_on": 1}, "data": {"tags": []}}]}', "no 'data.posts'"),
        ("[1, 2, 3]", "no 'data.posts'"),
    ],
)
def test_broken_exports_fail_with_the_file_and_the_fix(tmp_path, text, phrase):
    path = tmp_path / "ghost-export.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportFailure) as failure:
        list(ghost.iter_posts(path, {}, Counter()))
    message = str(failure.value)
    assert str(path) in message and phrase in message and "export it again" in message


def test_truncated_real_export_fails(tmp_path):
    path = tmp_path / "ghost.json"
    path.write_bytes(MODERN.read_bytes()[:3000])
    with pytest.raises(ImportFailure, match=r"ghost\.json: line \d+: not valid JSON"):
        list(ghost.iter_posts(path, {}, Counter()))


def test_summary_from_posts_meta_and_code_injection_noted(tmp_path):
    def change(data):
        second = data["posts"][1]
        second["codeinjection_foot"] = "<script>track()</script>"
        data["posts_meta"] = [{"id": "m", "post_id": second["id"], "meta_description": "Why."}]

    posts, _ = read(edited(tmp_path, change))
    post = posts["Post 2"]
    assert post.summary == "Why."
    assert "track()" not in post.body_html
    assert any("code injection" in n for n in post.notes)


def test_written_article_and_page_front_matter(tmp_path):
    settings = {"TIMEZONE": "UTC", "IMPORT_CATEGORY_MAP": {"News": "Follow-up"}}
    posts, _ = read(edited(tmp_path, lambda d: d["posts"][1].update(type="page")), settings)
    report = FileReport(source="ghost.json")
    slug, text = write_post(posts["Post 1"], settings, None, report)
    head, body = text.split("\n\n", 1)
    assert slug == "post-1"
    assert head.splitlines() == [
        "Title: Post 1",
        "Date: 2025-01-01 00:00",
        "Author: Alice Johnson",
        "Category: Follow-up",
        "Tags: News",
        "Slug: post-1",
        "Imported-From: edited.json",
    ]
    assert "Hello world" in body and "More text" in body
    assert body.startswith("![")  # the feature image
    _, page = write_post(posts["Post 2"], settings, None, FileReport(source="ghost.json"))
    assert "Category:" not in page.split("\n\n", 1)[0]
    assert "Title: Post 2" in page and "Author: Bob Smith" in page


def test_lexical_text_formats_lists_and_cards(tmp_path):
    def text(words, fmt=0):
        return {"type": "extended-text", "text": words, "format": fmt}

    link = {"type": "link", "url": "https://example.com/notes", "children": [text("in writing")]}
    lexical = {
        "root": {
            "type": "root",
            "children": [
                {"type": "extended-heading", "tag": "h3", "children": [text("After the sale")]},
                {
                    "type": "paragraph",
                    "children": [
                        text("Thank", 1),
                        text(" every buyer, "),
                        link,
                    ],
                },
                {
                    "type": "list",
                    "listType": "number",
                    "children": [{"type": "listitem", "children": [text("call in a week")]}],
                },
                {"type": "callout", "calloutText": "<p>Referrals follow trust.</p>"},
                {"type": "codeblock", "code": "follow_up(days=7)", "language": "python"},
                {"type": "paywall"},
                {"type": "signup", "header": "Join"},
            ],
        }
    }  # fmt: skip

    def change(data):
        data["posts"][0].update(html=None, lexical=json.dumps(lexical), feature_image=None)

    posts, _ = read(edited(tmp_path, change))
    post = posts["Post 1"]
    assert post.body_html.startswith("<h3>After the sale</h3>")
    anchor = '<a href="https://example.com/notes">in writing</a>'
    assert f"<p><strong>Thank</strong> every buyer, {anchor}</p>" in post.body_html
    assert "<ol><li>call in a week</li></ol>" in post.body_html
    assert "<blockquote><p>Referrals follow trust.</p></blockquote>" in post.body_html
    assert '<pre><code class="language-python">follow_up(days=7)</code></pre>' in post.body_html
    assert any("members-only marker" in n for n in post.notes)
    assert any("'signup' card" in n for n in post.notes)


def test_ghost_url_placeholder_becomes_a_site_path(tmp_path):
    # Ghost 4+ exports write the site's own address as __GHOST_URL__ (Ghost's v4 fixture).
    html = '<p>See <a href="__GHOST_URL__/sell/">setting up premium subscriptions</a>.</p>'

    def change(data):
        data["posts"][0].update(html=html, feature_image="__GHOST_URL__/content/images/a.png")

    posts, _ = read(edited(tmp_path, change))
    post = posts["Post 1"]
    assert "__GHOST_URL__" not in post.body_html
    assert '<a href="/sell/">' in post.body_html and 'src="/content/images/a.png"' in post.body_html
    assert any("__GHOST_URL__" in n for n in post.notes)

"""Addresses that work, and one source per output file: bad slugs, URLs and paths get a
safe address or are refused by name; nothing replaces a page the site itself writes."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import ROOT, Site, article, make_settings, run_pelican, run_sitebuild, write_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nextsale import addresses

PLUGINS = {"PLUGINS": ["reading", "content_checks"]}
KEEP = {"articles/keep.md": article("Keep the receipt", slug="keep", tags="trust")}


def page(title: str, *lines: str, body: str = "IMPOSTOR text.") -> str:
    return "\n".join([f"Title: {title}", *lines]) + f"\n\n{body}\n"


def messages(site) -> list[str]:
    return site.messages(source=("content_checks",))


def one(site, needle: str) -> str:
    return site.one_message(needle, source=("content_checks",))


def test_unusable_slugs_and_urls_get_a_safe_address_or_are_refused(build_site):
    site = build_site(
        KEEP
        | {
            "articles/emoji.md": article("🎉🎉 ✨"),
            "articles/zero-width.md": article("\u200b\u200d"),
            "articles/dot.md": article("Dot slug", slug="."),
            "articles/long.md": article("word " * 1000),
            "articles/query.md": article("Query slug", slug="a?b#c"),
            "articles/climb.md": article("Climb", slug="../../etc"),
            "articles/script.md": article("Script URL", slug="script", url="javascript:alert(1)"),
            "articles/encoded.md": article("Encoded URL", slug="encoded", url="%2e%2e/x/"),
            "articles/spaces.md": article("Spaced URL", slug="spaced", url="a b/"),
            "pages/empty.md": page("Empty save", "Save_as: ", body="Empty save page."),
        },
        **PLUGINS,
    )
    assert "Using 'emoji' from the file name" in one(site, "articles/emoji.md")
    assert "Using 'zero-width' from the file name" in one(site, "zero-width.md")
    assert "Using 'dot-slug' from the title" in one(site, "articles/dot.md")
    assert "Slug: 'a?b#c'" in one(site, "articles/query.md")
    assert "Using 'etc' from the Slug: line" in one(site, "articles/climb.md")
    assert "4999 characters" in one(site, "articles/long.md")
    assert "URL: 'javascript:alert(1)' cannot work" in one(site, "articles/script.md")
    assert "encoded" in one(site, "articles/encoded.md")
    assert "spaces" in one(site, "articles/spaces.md")
    assert "Save_as: '' cannot work" in one(site, "pages/empty.md")
    for rel in (
        "2024/emoji/index.html",
        "2024/zero-width/index.html",
        "2024/dot-slug/index.html",
        "2024/abc/index.html",
        "2024/etc/index.html",
        "2024/script/index.html",
        "2024/encoded/index.html",
        "empty-save/index.html",
    ):
        assert site.path(rel).is_file(), rel
    long_pages = [p for p in site.files() if p.parent.name.startswith("word-word")]
    assert len(long_pages) == 1 and len(long_pages[0].parent.name) <= addresses.MAX_SLUG_CHARS
    hrefs = {a.get("href", "") for a in site.soup("index.html").find_all("a")}
    assert not any(h.startswith("javascript:") or "%2e" in h for h in hrefs), hrefs


def test_a_long_tag_category_or_author_is_refused_by_name_not_a_crash(build_site):
    site = build_site(
        KEEP
        | {
            "articles/tagged.md": article("Tagged", tags="x" * 300),
            "articles/filed.md": article("Filed", slug="filed", category="y" * 300),
            "articles/signed.md": article("Signed", slug="signed", author="z" * 300),
        }
    )
    assert "too long for a file name (300 characters" in one(site, "articles/tagged.md")
    assert "It was filed under" in one(site, "articles/filed.md")
    assert "the site's AUTHOR was used" in one(site, "articles/signed.md")
    assert site.path("2024/tagged/index.html").is_file()
    assert not any(len(p.name) > 255 for p in site.files())


def test_tags_with_one_address_are_reported(build_site):
    site = build_site(
        KEEP
        | {
            "articles/csharp.md": article("C sharp", slug="csharp", tags="C#"),
            "articles/clang.md": article("C", slug="clang", tags="c"),
        },
        **PLUGINS,
    )
    message = one(site, "the tag 'C#'")
    assert "clang.md" in message and "csharp.md" in message and "'c'" in message


IMPOSTORS = {
    "pages/newsletter.md": page("Newsletter"),
    "pages/archives.md": page("Archives"),
    "pages/tag-list.md": page("Tag list", "Slug: tags"),
    "pages/home.md": page("Home", "Save_as: index.html"),
    "pages/robots.md": page("Robots", "Save_as: robots.txt"),
    "pages/sitemap.md": page("Map", "Save_as: sitemap.xml"),
    "pages/topics.md": page("Topics"),
    "pages/feed.md": page("Feed", "Save_as: feeds/all.atom.xml"),
    "pages/category.md": page("Category", "Save_as: category/retention/index.html"),
    "pages/tag.md": page("Tag", "Save_as: tags/trust/index.html"),
    "pages/issue.md": page(
        "Issue", "Save_as: newsletter/001-three-ways-to-earn-the-second-order/index.html"
    ),
    "pages/not-found.md": page("Not found", "Save_as: 404.html"),
    "pages/second.md": page("Second", "Save_as: page/2/index.html"),
    "images/clash.png": b"\x89PNG",
    "pages/image.md": page("Image", "Save_as: images/clash.png"),
}


def sample_with(tmp_path: Path, files: dict) -> tuple[Path, Path]:
    content, output = tmp_path / "content", tmp_path / "output"
    shutil.copytree(ROOT / "content", content)
    write_files(content, files)
    return content, output


def test_nothing_replaces_a_page_the_site_writes(tmp_path):
    content, output = sample_with(tmp_path, IMPOSTORS)
    settings = make_settings(content, output, False, {})
    site = Site(content, output, settings, run_pelican(settings))
    for name, what in (
        ("newsletter.md", "newsletter archive"),
        ("archives.md", "'archives' page"),
        ("tag-list.md", "'tags' page"),
        ("home.md", "'index' page"),
        ("robots.md", "TEMPLATE_PAGES"),
        ("sitemap.md", "sitemap"),
        ("topics.md", "topics page"),
        ("feed.md", "site feed"),
        ("category.md", "category page for 'Retention'"),
        ("tag.md", "tag page for"),
        ("issue.md", "newsletter issue 001"),
        ("not-found.md", "'404' page"),
        ("second.md", "home page, page 2"),
    ):
        assert what in one(site, f"pages/{name}: would be written to"), name
    assert "images/clash.png" in one(site, "would be copied to images/clash.png")
    for path in site.files():
        if path.suffix in (".html", ".xml", ".txt", ".json"):
            assert "IMPOSTOR" not in path.read_text(encoding="utf-8"), path


def test_strict_build_refuses_a_page_at_robots_txt(tmp_path):
    content, output = sample_with(tmp_path, {"pages/robots.md": IMPOSTORS["pages/robots.md"]})
    result = run_sitebuild(content, output, publish=True)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "FileOverwriteFailedError" not in result.stderr
    assert "pages/robots.md: would be written to robots.txt" in result.stderr
    assert not output.exists()


def test_strict_build_names_the_file_with_a_long_title_or_tag(tmp_path):
    files = {
        "articles/long-title.md": article("word " * 1000),
        "articles/long-tag.md": article("Long tag", slug="long-tag", tags="x" * 300),
    }
    content, output = sample_with(tmp_path, files)
    result = run_sitebuild(content, output, publish=True)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "OSError" not in result.stderr
    assert "articles/long-title.md: the slug made from the title" in result.stderr
    assert "articles/long-tag.md: the tag 'xxx" in result.stderr
    assert not output.exists()


def test_sample_site_has_no_address_problems(sample_site):
    assert not [m for m in sample_site.messages() if "address" in m or "written to" in m]


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=400))
def test_derived_slugs_are_always_usable(text):
    slug = addresses.safe_slug(text, {})
    assert slug == "" or addresses.slug_problem(slug) is None
    assert addresses.path_problem(f"2024/{slug}/index.html") is None or slug == ""


TITLES = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\u200b/.?#%:\\ ."),
    max_size=300,
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    title=TITLES,
    slug=st.one_of(st.none(), TITLES),
    url=st.one_of(st.none(), TITLES),
    tags=st.one_of(st.none(), TITLES),
)
def test_random_titles_and_slugs_never_crash_or_escape(tmp_path_factory, title, slug, url, tags):
    root = tmp_path_factory.mktemp("random")
    content, output = root / "content", root / "deep" / "output"
    lines = [f"Title: {title.strip() or 'x'}", "Date: 2024-03-01", "Category: Retention"]
    lines += [f"Slug: {slug}"] * (slug is not None) + [f"URL: {url}"] * (url is not None)
    lines += [f"Tags: {tags}"] * (tags is not None)
    text = "\n".join(line.replace("\n", " ").replace("\r", " ") for line in lines)
    write_files(content, KEEP | {"articles/random.md": text + "\n\nBody.\n"})
    settings = make_settings(content, output, False, PLUGINS)
    records = run_pelican(settings)  # raises on an uncaught error
    assert not [r.getMessage() for r in records if r.exc_info], "a traceback was logged"
    assert (output / "2024" / "keep" / "index.html").is_file()
    assert sorted(p.name for p in output.parent.iterdir()) == ["output"]
    for path in output.rglob("*"):
        assert path.resolve().is_relative_to(output.resolve())


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(title=TITLES, tags=TITLES, category=TITLES, publish=st.booleans())
def test_random_metadata_on_the_whole_site_never_crashes(
    tmp_path_factory, title, tags, category, publish
):
    """Every plugin and the sample taxonomy, in development and publish settings."""
    root = tmp_path_factory.mktemp("whole")
    content, output = sample_with(root, {})
    lines = [f"Title: {title.strip() or 'x'}", "Date: 2024-03-01"]
    lines += [f"Category: {category.strip() or 'x'}", f"Tags: {tags}"]
    text = "\n".join(line.replace("\n", " ").replace("\r", " ") for line in lines)
    write_files(content, {"articles/random.md": text + "\n\nBody.\n"})
    records = run_pelican(make_settings(content, output, publish, {}))
    assert not [r.getMessage() for r in records if r.exc_info], "a traceback was logged"
    assert sorted(p.name for p in output.parent.iterdir()) == ["content", "output"]


def test_two_generated_files_at_one_address_are_named(build_site):
    site = build_site(KEEP, SITEMAP_SAVE_AS="robots.txt")
    message = one(site, "would both be written")
    assert message.startswith("robots.txt: ")
    assert "TEMPLATE_PAGES" in message and "SITEMAP_SAVE_AS" in message

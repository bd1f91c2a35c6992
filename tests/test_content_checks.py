"""Bad content gets a clear message naming the file; development builds finish,
strict builds fail without a traceback."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, article, make_settings, run_pelican, write_files

from nextsale.checks import (
    check_date,
    check_source,
    decode,
    images_without_alt,
    parse_meta_block,
)

PLUGINS = {"PLUGINS": ["reading", "content_checks"]}
KEEP = {
    "articles/keep.md": article(
        "Keep the receipt", "A good paragraph about the second sale.", slug="keep"
    )
}


def checks(site) -> list[str]:
    """Messages logged by this plugin, warnings and above."""
    return site.messages(source=("content_checks", "reading"))


def one(site, needle: str) -> str:
    """The single message of this plugin that mentions `needle`."""
    return site.one_message(needle, source=("content_checks", "reading"))


def dev(build_site, files, **settings):
    site = build_site(KEEP | files, **PLUGINS, **settings)
    # Whatever went wrong elsewhere, the good article is still built.
    assert "Keep the receipt" in site.text("2024/keep/index.html")
    return site


def strict(tmp_path: Path, files: dict) -> subprocess.CompletedProcess:
    """Run the build driver strictly on publish settings, as `invoke preview` does."""
    content, output = tmp_path / "strict-content", tmp_path / "strict-out"
    write_files(content, KEEP | files)
    conf = tmp_path / "strictconf.py"
    conf.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from publishconf import *  # noqa: F403\n"
        f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]\n"
        f"THEME = {str(ROOT / 'theme')!r}\n"
        f"CACHE_PATH = {str(tmp_path / 'strict-cache')!r}\n"
        "PLUGINS = ['reading', 'content_checks']\n"
        "CONTENT_CHECKS_STRICT = True\n",
        encoding="utf-8",
    )
    args = [
        sys.executable,
        "-m",
        "nextsale.build",
        "--settings",
        str(conf),
        "--strict",
    ]
    args += ["--content", str(content), "--output", str(output)]
    return subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=600, check=False)


def assert_strict_fails(tmp_path, files, *needles):
    done = strict(tmp_path, files)
    both = done.stdout + done.stderr
    assert done.returncode == 1, both
    assert "Traceback" not in both
    for needle in needles:
        assert needle in done.stderr, done.stderr
    assert not (tmp_path / "strict-out").exists()


# --- a good site is quiet -------------------------------------------------


def test_good_content_passes_silently(build_site, tmp_path):
    body = (
        "See [the receipt]({filename}/articles/keep.md) and the chart:\n\n"
        "![Repeat purchases by month]({static}/images/chart.svg)\n"
    )
    files = {
        "articles/good.md": article("Good", body, tags="referrals", series="Basics"),
        "images/chart.svg": (FIXTURES / "content_checks" / "chart.svg").read_text(),
    }
    site = dev(build_site, files)
    assert checks(site) == []
    page = site.soup("2024/good/index.html")
    assert page.find("a", string="the receipt")["href"].endswith("2024/keep/")
    done = strict(tmp_path, files)
    assert done.returncode == 0, done.stderr


# --- one test per bad input ----------------------------------------------


def test_missing_title(build_site, tmp_path):
    files = {"articles/untitled.md": "Date: 2024-03-02 10:00\nCategory: Retention\n\nText.\n"}
    site = dev(build_site, files)
    message = one(site, "untitled.md")
    assert "untitled.md:1:" in message and "Title" in message
    assert not any("untitled" in str(p) for p in site.files())
    assert not [m for m in site.messages() if "could not find information" in m]
    assert_strict_fails(tmp_path, files, "untitled.md:1:", "Title")


def test_title_after_a_blank_first_line_is_explained(build_site):
    files = {"articles/gap.md": "\nTitle: Gap\nDate: 2024-03-02\n\nText.\n"}
    message = one(dev(build_site, files), "gap.md")
    assert "gap.md:2:" in message and "first line" in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-02-31", "February 2024 has only 29 days"),
        ("2024-13-01 09:00", "month must be in 1..12"),
        ("next tuesday-ish", "not a date Pelican can read"),
    ],
)
def test_impossible_or_unreadable_date(build_site, tmp_path, value, expected):
    files = {"articles/when.md": article("When", date=value)}
    site = dev(build_site, files)
    message = one(site, "when.md")
    assert f"when.md:2: Date '{value}'" in message
    assert expected in message and "YYYY-MM-DD HH:MM" in message
    assert not [m for m in site.messages() if "Could not process" in m]
    assert not (site.output / "2024" / "when").exists()
    if value == "2024-02-31":
        assert_strict_fails(tmp_path, files, "when.md:2:", "2024-02-31")


def test_loose_date_format_is_a_warning_not_a_skip(build_site):
    site = dev(build_site, {"articles/loose.md": article("Loose", date="March 3, 2024")})
    message = one(site, "loose.md")
    assert "loose.md:2:" in message and "2024-03-03 00:00" in message
    assert (site.output / "2024" / "loose" / "index.html").exists()


def test_modified_is_checked_too(build_site):
    files = {"articles/mod.md": article("Mod", modified="2023-04-31")}
    message = one(dev(build_site, files), "mod.md")
    assert "mod.md:2: Modified '2023-04-31'" in message and "30 days" in message


def test_duplicate_slug(build_site, tmp_path):
    files = {
        "articles/a-first.md": article("First", slug="same-slug"),
        "articles/b-second.md": article("Second", slug="same-slug", date="2024-03-05"),
    }
    site = dev(build_site, files)
    message = one(site, "same address")
    assert "b-second.md" in message and "a-first.md" in message and "Slug" in message
    assert "First" in site.text("2024/same-slug/index.html")
    assert "Second" not in site.text("index.html")
    assert_strict_fails(tmp_path, files, "b-second.md", "a-first.md")


def test_same_slug_in_different_years_is_still_a_duplicate(build_site):
    files = {
        "articles/old.md": article("Old", slug="twice", date="2023-01-01"),
        "articles/new.md": article("New", slug="twice", date="2024-01-01"),
    }
    site = dev(build_site, files)
    assert "both have the slug 'twice'" in one(site, "same address")
    assert (site.output / "2024" / "twice").exists() != (site.output / "2023" / "twice").exists()


def test_page_and_article_writing_the_same_file(build_site):
    files = {"pages/clash.md": "Title: Clash\nSave_as: 2024/keep/index.html\n\nA page.\n"}
    site = dev(build_site, files)
    message = one(site, "same address")
    assert "clash.md" in message and "keep.md" in message
    assert "2024/keep/index.html" in message


def test_empty_file(build_site, tmp_path):
    files = {"articles/blank.md": "\n  \n"}
    site = dev(build_site, files)
    assert "file is empty" in one(site, "blank.md")
    assert_strict_fails(tmp_path, files, "blank.md", "empty")


def test_metadata_without_body(build_site, tmp_path):
    files = {"articles/bare.md": "Title: Bare\nDate: 2024-03-02\nCategory: Retention\n\n\n"}
    site = dev(build_site, files)
    message = one(site, "bare.md")
    assert "bare.md:3:" in message and "no text" in message
    assert_strict_fails(tmp_path, files, "bare.md:3:", "no text")


def test_a_draft_without_body_is_being_written(build_site):
    # As the message above advises: a draft may have no text yet.
    draft = "Title: Bare\nDate: 2024-03-02\nCategory: Retention\nStatus: draft\n\n\n"
    site = dev(build_site, {"articles/bare.md": draft})
    assert not [m for m in site.messages() if "bare.md" in m]


def test_invalid_utf8(build_site, tmp_path):
    raw = (FIXTURES / "content_checks" / "latin1.md").read_bytes()
    offset = raw.index(b"\xe9")
    files = {"articles/latin.md": raw}
    site = dev(build_site, files)
    message = one(site, "latin.md")
    assert f"byte offset {offset}" in message and "0xE9" in message
    assert "latin.md:5:" in message and "UTF-8" in message
    assert not [m for m in site.messages() if "Could not process" in m]
    assert_strict_fails(tmp_path, files, f"byte offset {offset}", "UTF-8")


def test_control_character_in_title_and_body(build_site, tmp_path):
    files = {"articles/bell.md": article("Ring\x07 the bell", "Call them back.\x0b Soon.")}
    site = dev(build_site, files)
    title, body = sorted(m for m in checks(site) if "bell.md" in m)
    assert "bell.md:1:" in title and "U+0007" in title and "Title" in title
    assert "bell.md:5:" in body and "U+000B" in body and "body" in body
    page = site.text("2024/ring-the-bell/index.html")
    assert "\x07" not in page and "\x0b" not in page and "Ring the bell" in page
    assert_strict_fails(tmp_path, files, "bell.md:1:", "U+0007")


def test_broken_filename_and_static_links(build_site, tmp_path):
    body = (
        "Read [the receipt post]({filename}/articles/kep.md) first.\n\n"
        "![A chart of repeat orders]({static}/images/chart.png)\n"
    )
    files = {"articles/links.md": article("Links", body)}
    site = dev(build_site, files)
    link = one(site, "kep.md")
    assert "links.md:5:" in link and "{filename}/articles/keep.md" in link
    image = one(site, "chart.png")
    assert "links.md:7:" in image and "does not exist" in image
    html = site.text("2024/links/index.html")
    assert "{filename}" not in html and "{static}" not in html
    assert site.soup("2024/links/index.html").find("a", string="the receipt post")
    assert not [m for m in site.messages() if "Unable to find" in m]
    assert_strict_fails(tmp_path, files, "links.md:5:", "kep.md")


def test_link_to_a_skipped_file_says_so(build_site):
    files = {
        "articles/untitled.md": "Date: 2024-03-02\n\nNo title here.\n",
        "articles/linker.md": article("Linker", "See [it]({filename}untitled.md)."),
    }
    message = one(dev(build_site, files), "linker.md")
    assert "exists but is not part of the site" in message


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [("Tagz", "Tags"), ("Catgory", "Category"), ("Sumary", "Summary")],
)
def test_misspelt_metadata_key(build_site, tmp_path, key, suggestion):
    text = f"Title: Typo\nDate: 2024-03-02\n{key}: x\nCategory: Retention\n\nText.\n"
    files = {"articles/typo.md": text}
    site = dev(build_site, files)
    message = one(site, "typo.md")
    assert f"typo.md:3: unknown metadata key '{key}'" in message and suggestion in message
    if key == "Tagz":
        assert_strict_fails(tmp_path, files, "typo.md:3:", "Tags")


def test_unknown_key_without_a_near_match_names_the_setting(build_site):
    site = dev(build_site, {"articles/odd.md": article("Odd", mood="sunny")})
    assert "CONTENT_CHECKS_EXTRA_KEYS" in one(site, "odd.md")


def test_project_keys_are_accepted(build_site):
    meta = {"guidance": "x", "imported_from": "y", "subtitle": "z", "image_alt": "w"}
    site = dev(build_site, {"articles/ours.md": article("Ours", **meta)})
    assert checks(site) == []


def test_misspelt_status_never_publishes(build_site, tmp_path):
    files = {
        "articles/secret.md": (
            "Title: Secret plan\nDate: 2024-03-02\nStatuss: draft\nCategory: Retention\n\nText.\n"
        )
    }
    site = dev(build_site, files)
    message = one(site, "secret.md")
    assert "secret.md:3:" in message and "Status" in message and "draft" in message
    assert not (site.output / "2024" / "secret-plan").exists()
    assert "Secret plan" not in site.text("index.html")
    assert (site.output / "drafts" / "secret-plan" / "index.html").exists()

    published = build_site(KEEP | files, publish=True, **PLUGINS, CONTENT_CHECKS_STRICT=True)
    errors = [
        r
        for r in published.records
        if "secret.md" in r.getMessage() and r.levelno >= logging.WARNING
    ]
    assert errors and all(r.levelno == logging.ERROR for r in errors)
    assert not [p for p in published.files() if "secret" in str(p)]
    assert_strict_fails(tmp_path, files, "secret.md:3:", "Statuss")


def test_unknown_status_value(build_site, tmp_path):
    files = {"articles/st.md": article("Stat", status="drfat")}
    site = dev(build_site, files)
    message = one(site, "st.md")
    assert "st.md:2: unknown Status 'drfat'" in message and "'draft'" in message
    assert not (site.output / "2024" / "stat").exists()
    assert_strict_fails(tmp_path, files, "st.md:2:", "drfat")


def test_image_without_alt(build_site, tmp_path):
    body = (
        "First paragraph.\n\n![](/images/a.png)\n\n"
        '<p><img src="/images/b.png"></p>\n\n![Described](/images/c.png)\n'
    )
    files = {"articles/pics.md": article("Pics", body)}
    site = dev(build_site, files)
    first, second = sorted(m for m in checks(site) if "pics.md" in m)
    assert "pics.md:7:" in first and "/images/a.png" in first and "alt text" in first
    assert "pics.md:9:" in second and "/images/b.png" in second
    assert not [m for m in checks(site) if "c.png" in m]
    assert_strict_fails(tmp_path, files, "pics.md:7:", "alt text")


# --- the checks survive Pelican's content cache ---------------------------


def test_findings_repeat_on_a_cached_rebuild(tmp_path):
    content, output = tmp_path / "content", tmp_path / "output"
    write_files(content, KEEP | {"articles/typo.md": article("Typo", tagz="x")})
    settings = {**PLUGINS, "LOAD_CONTENT_CACHE": True, "CACHE_CONTENT": True}
    for _ in range(2):
        records = run_pelican(make_settings(content, output, False, settings))
        found = [
            r.getMessage()
            for r in records
            if "typo.md" in r.getMessage() and r.levelno >= logging.WARNING
        ]
        assert len(found) == 1 and "Tagz" in found[0]
    assert (tmp_path / "cache").exists()


def test_not_active_unless_listed(build_site):
    build_site(KEEP, **PLUGINS)  # registers the handlers in this process
    site = build_site(KEEP | {"articles/typo.md": article("Typo", tagz="x")}, PLUGINS=[])
    assert checks(site) == []


def test_malformed_setting_is_refused(build_site):
    from nextsale.reading import ReadingSettingError

    with pytest.raises(ReadingSettingError, match="CONTENT_CHECKS_EXTRA_KEYS"):
        build_site(KEEP, **PLUGINS, CONTENT_CHECKS_EXTRA_KEYS="series")


# --- pure functions ---------------------------------------------------------


def test_decode_reports_line_and_offset():
    text, finding = decode(b"Title: a\nDate: 2024\xff\n")
    assert text is None and finding.line == 2 and "byte offset 19" in finding.message
    assert decode("\ufeffTitle: ok\n".encode())[0] == "Title: ok\n"


def test_meta_block_matches_markdown():
    block = parse_meta_block(["---", "Title: A", "Tags: x,", "    y", "---", "Body"])
    assert [(n, k) for n, k, _ in block.entries] == [(2, "Title"), (3, "Tags")]
    assert block.body_start == 5


def test_check_date_accepts_the_documented_formats():
    for value in ("2024-02-29", "2024-02-29 23:59", "2024-02-29T08:00:00+01:00"):
        assert check_date(2, "date", value) == (None, False)


def test_check_source_keeps_going_after_a_bad_key():
    report = check_source(b"Title: T\nColour: red\n\nBody\n", frozenset({"title"}))
    assert not report.fatal and report.text.endswith("Body\n")
    assert [f.line for f in report.findings] == [2]


def test_images_without_alt_skips_parsing_when_there_is_no_image():
    assert images_without_alt("<p>No pictures, even with alt= here.</p>") == []
    assert images_without_alt('<img src="a.png" alt=" ">') == ["a.png"]


def test_reused_converter_reads_like_a_fresh_one(tmp_path, build_site):
    """The reader keeps one Markdown converter; a file must read as it would alone."""
    from pelican import signals

    used = []

    def note_reader(generator):
        used.append(type(generator.readers.readers["md"]))

    signals.article_generator_init.connect(note_reader)
    try:
        build_site(KEEP, **PLUGINS)
    finally:
        signals.article_generator_init.disconnect(note_reader)
    pipeline_reader = used[0]
    assert pipeline_reader.__name__ == "PipelineMarkdownReader"
    settings = make_settings(ROOT / "content", tmp_path / "out", False, PLUGINS)
    files = sorted((ROOT / "content" / "articles").glob("*.md"))
    extra = tmp_path / "footnotes.md"
    extra.write_text(
        "Title: Notes\nDate: 2024-01-01\nSummary: *Short*\n\n"
        "Text[^1] and ABBR.\n\n*[ABBR]: An abbreviation\n\n[^1]: A note.\n"
        "\n## Heading\n\n## Heading\n",
        encoding="utf-8",
    )
    files.append(extra)
    shared = pipeline_reader(settings)
    for path in files + files[::-1]:
        assert shared.read(str(path)) == pipeline_reader(settings).read(str(path)), path

"""Every bad input gets a reason, never a raw exception.

Each case builds the sample site plus one bad file in a temporary folder with the build
driver, as an author would: a development build warns with `file[:line]: problem. What to
do.` and finishes; a strict build fails naming the file; neither prints a traceback.
"""

from __future__ import annotations

import gzip
import json
import pickle
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT, article, write_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nextsale.checks import check_source
from nextsale.newsletter.issues import parse_issue_text
from nextsale.reading import _CUT_SHORT, damaged_cache_files

ISSUE = "newsletter/003-bad.md"
GOOD_ISSUE = (
    "Subject: Notes for the summer\nDate: 2025-07-01 07:00\n"
    "Articles: {filename}/articles/the-upsell-that-helps.md\n\nA short note.\n"
)


def conf(folder: Path, base: str, **extra) -> Path:
    """Settings for a throw-away site: the project's own, with its cache kept in `folder`."""
    path = folder / f"{base}-{len(list(folder.glob('*.py')))}.py"
    lines = [
        "import sys",
        f"sys.path.insert(0, {str(ROOT)!r})",
        f"from {base} import *  # noqa: F403",
        f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]",
        f"THEME = {str(ROOT / 'theme')!r}",
        f"CACHE_PATH = {str(folder / 'cache')!r}",
    ]
    lines += [f"{key} = {value!r}" for key, value in extra.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def sample_with(tmp_path: Path, files: dict) -> Path:
    """A copy of the sample content plus `files`."""
    content = tmp_path / "content"
    if not content.exists():
        shutil.copytree(ROOT / "content", content)
    write_files(content, files)
    return content


def drive(tmp_path: Path, *, strict: bool, output: str | None = None, **extra):
    """Run the build driver on tmp_path/content; return the CompletedProcess."""
    base = "publishconf" if strict else "pelicanconf"
    args = [
        sys.executable,
        "-m",
        "nextsale.build",
        "--settings",
        str(conf(tmp_path, base, **extra)),
    ]
    args += ["--content", str(tmp_path / "content")]
    args += ["--output", str(tmp_path / (output or ("strict-out" if strict else "out")))]
    args += ["--strict"] if strict else []
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    return done


def dev_and_strict(tmp_path: Path, files: dict, *needles: str) -> subprocess.CompletedProcess:
    """Build in development (warns, succeeds) and strictly (fails); both name the problem."""
    sample_with(tmp_path, files)
    dev = drive(tmp_path, strict=False)
    assert dev.returncode == 0, dev.stderr
    strict = drive(tmp_path, strict=True)
    assert strict.returncode == 1, strict.stderr
    assert not (tmp_path / "strict-out").exists()
    for needle in needles:
        assert needle in dev.stderr, dev.stderr
        assert needle in strict.stderr, strict.stderr
    return dev


def test_the_sample_with_a_good_article_and_issue_passes_strictly(tmp_path):
    files = {ISSUE: GOOD_ISSUE, "articles/fine.md": article("Fine", slug="fine")}
    sample_with(tmp_path, files)
    done = drive(tmp_path, strict=True)
    assert done.returncode == 0, done.stderr
    assert "0 warning(s)" in done.stdout + done.stderr


# --- newsletter issues ------------------------------------------------------


def test_control_characters_in_a_newsletter_issue_are_named_and_dropped(tmp_path):
    bad = GOOD_ISSUE.replace("Notes for", "Notes\x01 for").replace("A short", "A\x02 short")
    dev_and_strict(tmp_path, {ISSUE: bad}, f"{ISSUE}: line 1: invisible control character U+0001")
    out = tmp_path / "out" / "newsletter"
    feed = (out / "feed.rss.xml").read_text(encoding="utf-8")
    ET.fromstring(feed.encode("utf-8"))  # XML-compatible: the characters are gone
    assert "Notes for the summer" in feed
    assert "\x02" not in (out / "003-bad" / "email.txt").read_text(encoding="utf-8")


def test_control_characters_are_reported_per_line_by_the_parser():
    issue = parse_issue_text(
        "Subject: Hi\x1b\nDate: 2025-07-01\nArticles: since-previous\n\nOne\x7f.\n",
        ISSUE,
        "UTC",
    )
    assert issue.subject == "Hi" and issue.body == "One.\n"
    assert [w.split(":")[0] for w in issue.warnings] == ["line 1", "line 5"]


@pytest.mark.parametrize("date", ["0001-07-01 07:00", "3001-07-01 07:00"])
def test_a_newsletter_issue_dated_outside_1900_to_2999_is_refused(tmp_path, date):
    bad = GOOD_ISSUE.replace("2025-07-01 07:00", date)
    dev_and_strict(tmp_path, {ISSUE: bad}, f"{ISSUE}:2: the date '{date}' is in the year")
    for feed in (tmp_path / "out").rglob("*.xml"):
        ET.parse(feed)


# --- metadata values --------------------------------------------------------


def test_unknown_template_falls_back_to_the_default(tmp_path):
    files = {"articles/tpl.md": article("Templated", slug="tpl", template="nosuch")}
    dev = dev_and_strict(tmp_path, files, "articles/tpl.md:3: unknown Template 'nosuch'")
    assert "the default template was used" in dev.stderr
    assert "Templated" in (tmp_path / "out/2024/tpl/index.html").read_text(encoding="utf-8")


def test_a_template_the_theme_has_is_accepted(tmp_path):
    files = {"pages/plain.md": "Title: Plain\nTemplate: page\n\nA page.\n"}
    sample_with(tmp_path, files)
    done = drive(tmp_path, strict=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("zone", ["Mars/Olympus", "Europe/Londn", "../../etc/passwd"])
def test_invalid_timezone_uses_the_site_time_zone(tmp_path, zone):
    files = {"articles/tz.md": article("Zoned", slug="tz", timezone=zone)}
    dev = dev_and_strict(tmp_path, files, f"articles/tz.md:3: unknown Timezone {zone!r}")
    assert "Europe/London" in dev.stderr
    assert (tmp_path / "out/2024/tz/index.html").exists()


def test_a_misspelt_timezone_gets_a_suggestion():
    report = check_source(
        article("Zoned", timezone="Europe/Londn").encode(),
        frozenset({"title", "date", "category", "timezone"}),
        default_timezone="Europe/London",
    )
    assert any("did you mean 'Europe/London'" in f.message for f in report.findings)
    assert report.dropped == {"timezone"} and not report.fatal


def test_an_html_source_gets_the_same_value_checks(tmp_path):
    page = (
        "<html><head><title>Marked up</title>"
        '<meta name="date" content="2024-03-01 09:00"><meta name="category" content="Retention">'
        '<meta name="slug" content="marked"><meta name="timezone" content="Mars/Olympus">'
        '<meta name="template" content="nosuch"></head><body><p>Text.</p></body></html>'
    )
    dev_and_strict(
        tmp_path,
        {"articles/marked.html": page},
        "articles/marked.html: unknown Timezone 'Mars/Olympus'",
        "articles/marked.html: unknown Template 'nosuch'",
    )
    assert (tmp_path / "out/2024/marked/index.html").exists()


@pytest.mark.parametrize("lang", ["xx_nope!", "<script>", "english language"])
def test_invalid_lang_uses_the_site_language(tmp_path, lang):
    files = {"articles/lang.md": article("Spoken", slug="lang", lang=lang)}
    dev_and_strict(tmp_path, files, "articles/lang.md:3: Lang ")
    page = BeautifulSoup((tmp_path / "out/2024/lang/index.html").read_text(), "html.parser")
    assert page.html["lang"] == "en"


def test_a_metadata_key_given_twice_keeps_the_first(tmp_path):
    text = (
        "Title: First title\nTitle: Second title\n" + article("x", slug="twice").split("\n", 1)[1]
    )
    dev_and_strict(
        tmp_path, {"articles/twice.md": text}, "articles/twice.md:2: 'Title' is given twice"
    )
    page = BeautifulSoup((tmp_path / "out/2024/twice/index.html").read_text(), "html.parser")
    assert page.h1.get_text(strip=True) == "First title"
    assert "[" not in page.title.get_text()


def test_a_wrapped_value_is_not_mistaken_for_a_repeated_key():
    text = "Title: One\nSummary: first line\n    second line\nDate: 2024-03-01\n\nBody.\n"
    report = check_source(text.encode(), frozenset({"title", "summary", "date"}))
    assert report.findings == [] and report.first_lines == {}


def test_a_wrapped_tags_line_keeps_every_tag(tmp_path):
    text = article("Wrapped", slug="wrapped", tags="follow-up,\n    trust")
    sample_with(tmp_path, {"articles/wrapped.md": text})
    done = drive(tmp_path, strict=True)
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "strict-out/2024/wrapped/index.html").read_text(encoding="utf-8")
    page = BeautifulSoup(html, "html.parser")
    tags = {a.get_text(strip=True).lower() for a in page.select("a[href*='/tags/']")}
    assert {"follow-up", "trust"} <= tags, tags


@pytest.mark.parametrize("date", ["0001-03-01", "1899-12-31 23:00", "3001-01-01"])
def test_years_outside_1900_to_2999_are_refused(tmp_path, date):
    files = {"articles/old.md": article("Ancient", slug="old", date=date)}
    dev = dev_and_strict(tmp_path, files, f"articles/old.md:3: Date '{date}' is in the year")
    assert "1900–2999" in dev.stderr
    assert not list((tmp_path / "out").rglob("old/index.html"))
    for feed in (tmp_path / "out").rglob("*.xml"):
        ET.parse(feed)


def test_modified_before_date_is_ignored_with_a_reason(tmp_path):
    files = {"articles/mod.md": article("Changed", slug="mod", modified="2023-01-01 10:00")}
    dev_and_strict(tmp_path, files, "articles/mod.md:3: Modified (2023-01-01 10:00) is before Date")
    page = (tmp_path / "out/2024/mod/index.html").read_text(encoding="utf-8")
    assert "2023-01-01" not in page


def test_a_missing_category_names_the_default_it_got(tmp_path):
    files = {"articles/nocat.md": "Title: Homeless\nDate: 2024-03-01\nSlug: nocat\n\nText.\n"}
    dev_and_strict(
        tmp_path, {**files}, "articles/nocat.md:1: no Category, so it was filed under 'articles'"
    )


def test_a_page_needs_no_category(tmp_path):
    sample_with(tmp_path, {"pages/plain.md": "Title: Plain\n\nA page.\n"})
    done = drive(tmp_path, strict=True)
    assert done.returncode == 0, done.stderr


# --- text the converter cannot take -----------------------------------------


def test_deeply_nested_lists_are_refused_with_the_line(tmp_path):
    body = "\n".join("    " * depth + "- level" for depth in range(300))
    files = {"articles/deep.md": article("Deep", body, slug="deep")}
    dev_and_strict(tmp_path, files, "articles/deep.md:56: lists or quotes nested 51 levels deep")


def test_deeply_nested_quotes_are_refused_with_the_line(tmp_path):
    body = "\n".join(">" * depth + " level" for depth in range(1, 80))
    files = {"articles/quotes.md": article("Quotes", body, slug="quotes")}
    dev_and_strict(tmp_path, files, "articles/quotes.md:56: lists or quotes nested 51 levels")


def test_nesting_the_converter_cannot_take_is_named_not_could_not_process(tmp_path):
    body = "*" * 3000 + "x" + "*" * 3000
    files = {"articles/stars.md": article("Stars", body, slug="stars")}
    dev = dev_and_strict(tmp_path, files, "articles/stars.md: cannot be converted")
    assert "Could not process" not in dev.stderr


# --- caches -----------------------------------------------------------------


@pytest.mark.parametrize(
    "manifest",
    ["[1, 2]", "{not json", '{"fingerprint": "x", "sources": 5}', "\udcff", "KEEP-SHORT"],
)
def test_a_malformed_incremental_manifest_is_rebuilt_with_a_notice(tmp_path, manifest):
    sample_with(tmp_path, {})
    assert drive(tmp_path, strict=False).returncode == 0
    kept = tmp_path / "cache" / "incremental.json"
    if manifest == "KEEP-SHORT":  # the real fingerprint, entries cut short
        data = json.loads(kept.read_text(encoding="utf-8"))
        data["sources"] = {path: value[:1] for path, value in data["sources"].items()}
        kept.write_text(json.dumps(data), encoding="utf-8")
    else:
        kept.write_bytes(manifest.encode("utf-8", "surrogateescape"))
    done = drive(tmp_path, strict=False)
    assert done.returncode == 0, done.stderr
    assert "0 warning(s)" in done.stdout + done.stderr
    assert (tmp_path / "out" / "index.html").exists()
    again = json.loads(kept.read_text(encoding="utf-8"))
    assert isinstance(again["sources"], dict) and again["sources"]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_a_damaged_content_cache_is_rebuilt_with_a_notice(tmp_path, damage):
    sample_with(tmp_path, {})
    assert drive(tmp_path, strict=False).returncode == 0
    cached = tmp_path / "cache" / "ArticlesGenerator-Readers"
    whole = cached.read_bytes()
    cut = whole.rindex(b".", 0, 1000) + 1  # ends like a whole pickle, with STOP's byte
    cached.write_bytes({"garbage": b"garbage\n", "truncated": whole[:cut], "empty": b""}[damage])
    done = drive(tmp_path, strict=False, output="out2")
    assert done.returncode == 0, done.stderr
    assert "0 warning(s)" in done.stdout + done.stderr
    assert (tmp_path / "out2" / "index.html").exists()
    assert cached.read_bytes().startswith(b"\x80")  # written afresh


def _cache_like_pickle(protocol: int) -> bytes:
    """A pickle shaped like Pelican's content cache: many short entries ending in `.`, in
    several frames, and one text over 64 KB, which protocol 4 and later write between frames."""
    entries = {
        f"content/post-{n}.md": (n, f"Sentence {n} ends here.", [f"tag{n}."]) for n in range(1500)
    }
    entries["content/long.md"] = (0, "Follow up. " * 7000, [])
    return pickle.dumps(entries, protocol=protocol)


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_a_content_cache_cut_anywhere_is_found_cut_short(tmp_path, protocol):
    data = _cache_like_pickle(protocol)
    cached = tmp_path / "ArticlesGenerator-Readers"
    cached.write_bytes(data)
    assert damaged_cache_files(tmp_path, gzipped=False) == []
    if protocol >= 4:  # a cut just after any `.`: the last byte alone cannot tell
        cuts = [n for n in range(2, len(data)) if data[n - 1] == ord(".")][::3]
    else:  # without frames only the last byte can tell
        cuts = [n for n in range(2, len(data), 997) if data[n - 1] != ord(".")]
    assert len(cuts) > 100
    for cut in cuts:
        cached.write_bytes(data[:cut])
        assert damaged_cache_files(tmp_path, gzipped=False) == [(cached, _CUT_SHORT)], cut
    with gzip.open(cached, "wb") as packed:
        packed.write(data[: cuts[len(cuts) // 2]])
    assert damaged_cache_files(tmp_path, gzipped=True) == [(cached, _CUT_SHORT)]
    with gzip.open(cached, "wb") as packed:
        packed.write(data)
    assert damaged_cache_files(tmp_path, gzipped=True) == []


# --- newsletter settings that become email headers -----------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NEWSLETTER_FROM", "The Next Sale <letters@thenextsale.example>\r\nBcc: all@example.com"),
        ("NEWSLETTER_FROM", "javascript:alert(1)@thenextsale.example"),
        ("NEWSLETTER_UNSUBSCRIBE_URL", "https://lists.thenextsale.example/u\r\nBcc: x@y.example"),
        ("NEWSLETTER_UNSUBSCRIBE_URL", "https://lists.thenextsale.example/u> <javascript:x"),
        ("NEWSLETTER_UNSUBSCRIBE_MAILTO", "javascript:alert(1)//@thenextsale.example"),
        ("NEWSLETTER_UNSUBSCRIBE_MAILTO", "mailto:u@thenextsale.example\nBcc: x@y.example"),
        ("NEWSLETTER_SUBJECT_FORMAT", "#{number}:\n{subject}"),
        ("NEWSLETTER_TITLE", "Letters\x00"),
    ],
)
def test_newsletter_header_settings_refuse_line_breaks_and_scripts(tmp_path, name, value):
    sample_with(tmp_path, {})
    for strict in (False, True):
        done = drive(tmp_path, strict=strict, **{name: value})
        assert done.returncode == 1, done.stderr
        assert f"{name} {value!r}" in done.stderr, done.stderr


# --- any title, tags and body -------------------------------------------------

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=60)


@settings(max_examples=50, deadline=None)
@given(raw=st.binary(max_size=400) | TEXT.map(lambda t: ("Title: " + t + "\n\n" + t).encode()))
def test_the_source_checks_never_raise(raw):
    report = check_source(raw, frozenset({"title", "date"}), templates=frozenset({"article"}))
    assert report.fatal or report.text is not None
    assert all(f.message.endswith((".", ")", "'")) or ". " in f.message for f in report.findings)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    title=TEXT,
    tags=st.lists(TEXT, max_size=3),
    body=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300),
)
def test_any_front_matter_builds_inert_or_fails_naming_the_file(
    tmp_path_factory, title, tags, body
):
    """A strict build of any title, tags and body succeeds with escaped output or names the file."""
    root = tmp_path_factory.mktemp("any")
    content = root / "content"
    text = f"Title: {title}\nDate: 2024-03-01 09:00\nCategory: Retention\nSlug: any\n"
    if tags:
        text += f"Tags: {', '.join(tags)}\n"
    sample_with(root, {"articles/any.md": text + "\n" + body + "\n"})
    done = drive(root, strict=True)
    both = done.stdout + done.stderr
    if done.returncode != 0:
        assert "articles/any.md" in both, both
        assert "Traceback" not in both
        return
    page = root / "strict-out" / "2024" / "any" / "index.html"
    assert page.exists(), both
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    for script in soup.find_all("script"):  # only data, which no browser runs, and intact
        assert script.get("type") == "application/ld+json", script
        json.loads(script.string)
    assert not any(k.startswith("on") for tag in soup.find_all(True) for k in tag.attrs)
    outside = [p for p in root.rglob("*") if p.is_file() and not p.is_relative_to(content)]
    assert all(
        p.is_relative_to(root / "strict-out")
        or p.is_relative_to(root / "cache")
        or p.suffix == ".py"
        for p in outside
    ), outside
